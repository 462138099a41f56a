"""Rows vouched for by the trail: what each transaction's last audit entry recorded of the rows it wrote (a digest of
each row, zlib-compressed JSON), covered by that entry's writer's mark (services/records/row_vouch.py). Kept under
the entry's chain hash, not its number: after a cut, a new entry of the same number is not given the old record.

Revision ID: 0023_audit_rows
Revises: 0022_restricted_cases
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_audit_rows"
down_revision = "0022_restricted_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_rows",
        sa.Column("entry_hash", sa.String(length=64), primary_key=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("rows", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_audit_rows_sequence", "audit_rows", ["sequence"])


def downgrade() -> None:
    op.drop_index("ix_audit_rows_sequence", "audit_rows")
    op.drop_table("audit_rows")
