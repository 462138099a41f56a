"""Legal hold: a flag on pupils and incidents that stops deletion under the retention rules.

Revision ID: 0005_legal_hold
Revises: 0004_incidents
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_legal_hold"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("legal_hold")
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_column("legal_hold")
