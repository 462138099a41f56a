"""Audit chain: a sequence number and an HMAC chain hash on every entry, and the chain's head.

Revision ID: 0002_audit_chain
Revises: 0001_initial
Create Date: 2026-11-24

Existing entries get no hash here (the key lives outside the database); the audit service seals them
into the chain, in order, the first time the register is opened with its key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_chain"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_unique_constraint("uq_audit_entry_sequence", ["sequence"])


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_entry_sequence", type_="unique")
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("sequence")
    op.drop_table("audit_head")
