"""Incidents keep a copy of the summary sealed to the reporter's own key.

Revision ID: 0009_reporter_copy
Revises: 0008_pupil_photos
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_reporter_copy"
down_revision = "0008_pupil_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("reporter_copy", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("reporter_copy")
