"""On a register on a server, the confidential staff briefings of the coming events as the office or a lead last
made them: staff read these (they hold no right to the consent decisions the briefing is worked out from), as they
read the staff room of a register on one computer (services/server_briefings.py).

Revision ID: 0029_published_briefing
Revises: 0028_server_handover
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_published_briefing"
down_revision = "0028_server_handover"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_briefing",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("published_briefing")
