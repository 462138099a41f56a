"""The audit chain's key kept inside the register (``audit_head.chain_key``) instead of in ``audit.key`` beside it.
It was never a secret from anyone holding a key to the file (it lay in the same folder), and what no account but
its writer can forge is each entry's mark; a file of its own only added a way to lose the trail (a register copied
or restored without it checked as "broken at entry 1"). The app takes an existing ``audit.key`` in at the next
open, then removes it (services/records/audit.py).

Revision ID: 0025_chain_key_inside
Revises: 0024_second_factor
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_chain_key_inside"
down_revision = "0024_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("chain_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("chain_key")
