"""A register on a server replaces its safeguarding key when a lead's keys are taken away: each remaining account's
new key waits in ``server_handover`` (sealed and authenticated from the DSL's personal key to the account's), and
each sealed text of an incident's chronology sealed again keeps its former value in ``sealed_former``
(services/server_keys.py). Unused on a register on this computer.

Revision ID: 0028_server_handover
Revises: 0027_trust_summary
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_server_handover"
down_revision = "0027_trust_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_handover",
        sa.Column("username", sa.String(length=60), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_table(
        "sealed_former",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.String(length=40), nullable=False),
        sa.Column("column_name", sa.String(length=60), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sealed_former")
    op.drop_table("server_handover")
