"""Restricted cases: an incident whose content is sealed to its own key, given only to its named readers (a deputy
may be the subject of a case; KCSIE Part 4). ``incident.case_public`` holds the case key's public half; each row of
``incident_reader`` the private half sealed to one reader's own key.

Revision ID: 0022_restricted_cases
Revises: 0021_no_password_hashes
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_restricted_cases"
down_revision = "0021_no_password_hashes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("case_public", sa.Text(), nullable=True))
    op.create_table(
        "incident_reader",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("sealed_key", sa.Text(), nullable=False),
        sa.Column("public_used", sa.Text(), nullable=False),
        sa.Column("given_by", sa.String(length=100), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "username"),
    )
    op.create_index("ix_incident_reader_incident_id", "incident_reader", ["incident_id"])
    op.create_index("ix_incident_reader_username", "incident_reader", ["username"])


def downgrade() -> None:
    op.drop_index("ix_incident_reader_username", "incident_reader")
    op.drop_index("ix_incident_reader_incident_id", "incident_reader")
    op.drop_table("incident_reader")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("case_public")
