"""Events can be archived: kept with their history, out of the list of events being worked on.

Revision ID: 0016_event_archive
Revises: 0015_signed_audit_entries
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_event_archive"
down_revision = "0015_signed_audit_entries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("archived_at")
