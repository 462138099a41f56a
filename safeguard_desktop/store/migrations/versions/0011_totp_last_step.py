"""Accounts remember the time step of the last two-step code used, so a code cannot be used twice.

Revision ID: 0011_totp_last_step
Revises: 0010_reporter_account
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_totp_last_step"
down_revision = "0010_reporter_account"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("totp_last_step")
