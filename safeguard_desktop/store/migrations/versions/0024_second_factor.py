"""Each account's two-step secret and its last code's step in a table of their own, keyed by the account's name: an
office account turning on its own two-step sign-in, or signing in with a code, then writes its own row there and
no row of the accounts (which only leads may change; the check of the rows held it to that and raised a false alarm).
The columns of ``user_account`` stay as they were, for a register from before (read while no row exists here).

Revision ID: 0024_second_factor
Revises: 0023_audit_rows
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_second_factor"
down_revision = "0023_audit_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "second_factor",
        sa.Column("username", sa.String(length=60), primary_key=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("second_factor")
