"""The safeguarding key of a register on a server, one row per account: the public key, and for a lead the private
key, wrapped under a key from that account's password (services/server_keys.py); row "" holds the public key in the
clear. Unused on a register on this computer, whose keys are its key slots file.

Revision ID: 0026_server_key
Revises: 0025_chain_key_inside
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_server_key"
down_revision = "0025_chain_key_inside"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_key",
        sa.Column("username", sa.String(length=60), primary_key=True),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_key")
