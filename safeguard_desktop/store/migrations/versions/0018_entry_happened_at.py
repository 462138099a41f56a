"""A chronology entry can say when the action happened, when it is recorded later (a call made at 15:00, written
up the next morning): contemporaneous records keep both times.

Revision ID: 0018_entry_happened_at
Revises: 0017_incident_list_index
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_entry_happened_at"
down_revision = "0017_incident_list_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_entry") as batch:
        batch.add_column(sa.Column("happened_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident_entry") as batch:
        batch.drop_column("happened_at")
