"""Events (performances) with their participating groups and hand-picked pupils.

Revision ID: 0003_events
Revises: 0002_audit_chain
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_events"
down_revision = "0002_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("filming_policy", sa.String(length=30), nullable=False),
        sa.Column("policy_text", sa.Text(), nullable=False),
        sa.Column("footage_offered", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "event_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "kind", "value", name="uq_event_group"),
    )
    op.create_index("ix_event_group_event_id", "event_group", ["event_id"])
    op.create_table(
        "event_pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "pupil_id", name="uq_event_pupil"),
    )
    op.create_index("ix_event_pupil_event_id", "event_pupil", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_event_pupil_event_id", table_name="event_pupil")
    op.drop_table("event_pupil")
    op.drop_index("ix_event_group_event_id", table_name="event_group")
    op.drop_table("event_group")
    op.drop_table("event")
