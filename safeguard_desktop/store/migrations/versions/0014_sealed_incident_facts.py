"""Incident facts sealed: on a protected register an incident's category, axis, urgency, status, dates, reporter
and the people involved, and a chronology entry's kind, referral target and author, are kept in one sealed value
per row (``meta``) that only the safeguarding key opens; the office's key to the file then reads none of them.
Two-step secrets are sealed to their account's own key, so they no longer fit 64 characters.

The values already stored are sealed at the next safeguarding lead's sign-in (it needs their key).

Revision ID: 0014_sealed_incident_facts
Revises: 0013_staff_room
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_sealed_incident_facts"
down_revision = "0013_staff_room"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("meta", sa.Text(), nullable=True))
    with op.batch_alter_table("incident_entry") as batch:
        batch.add_column(sa.Column("meta", sa.Text(), nullable=True))
    with op.batch_alter_table("user_account") as batch:
        batch.alter_column("totp_secret", type_=sa.Text(), existing_type=sa.String(64), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.alter_column("totp_secret", type_=sa.String(64), existing_type=sa.Text(), existing_nullable=True)
    with op.batch_alter_table("incident_entry") as batch:
        batch.drop_column("meta")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("meta")
