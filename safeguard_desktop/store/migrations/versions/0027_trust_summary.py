"""What a school of a trust publishes to the trust's safeguarding lead: counts only, no names (services/server_trust.py),
one row per publication, the newest read. Unused on a register on this computer and on a school alone on its server.

Revision ID: 0027_trust_summary
Revises: 0026_server_key
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_trust_summary"
down_revision = "0026_server_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trust_summary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trust_summary")
