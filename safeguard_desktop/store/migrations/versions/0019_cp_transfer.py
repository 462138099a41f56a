"""Child-protection files sent to a pupil's new school: where, when it was due (5 school days after they start
there, KCSIE), when it was sent and when its receipt was confirmed.

Revision ID: 0019_cp_transfer
Revises: 0018_entry_happened_at
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_cp_transfer"
down_revision = "0018_entry_happened_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cp_transfer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pupil_id", sa.Integer(), sa.ForeignKey("pupil.id", ondelete="RESTRICT"), nullable=False,
                  index=True),
        sa.Column("to_school", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("received_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_table("cp_transfer")
