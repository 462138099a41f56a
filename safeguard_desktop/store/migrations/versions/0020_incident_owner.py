"""Each incident can have its case owner: the lead who follows it up ("my cases" in the caseload). On a protected
register the owner is sealed with the incident's other facts; this column serves the unprotected ones.

Revision ID: 0020_incident_owner
Revises: 0019_cp_transfer
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_incident_owner"
down_revision = "0019_cp_transfer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("owner")
