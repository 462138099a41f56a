"""Staff hold no key to the register: their concerns arrive as reports in the staff room, and each incident taken
in from one keeps the report's id (so a report is never taken in twice, and its reporter's receipt is found).

Revision ID: 0013_staff_room
Revises: 0012_contacts
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_staff_room"
down_revision = "0012_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("report_ref", sa.String(32), nullable=True))
        batch.create_index("ix_incident_report_ref", ["report_ref"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_index("ix_incident_report_ref")
        batch.drop_column("report_ref")
