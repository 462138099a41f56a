"""Incidents name the account that reported them, so staff see the status of their own reports only (two staff
with the same display name saw each other's).

Revision ID: 0010_reporter_account
Revises: 0009_reporter_copy
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_reporter_account"
down_revision = "0009_reporter_copy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("reported_by_user", sa.String(40), nullable=True))
        batch.create_index("ix_incident_reported_by_user", ["reported_by_user"])


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_index("ix_incident_reported_by_user")
        batch.drop_column("reported_by_user")
