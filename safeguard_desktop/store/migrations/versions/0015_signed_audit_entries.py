"""Audit entries carry the account that wrote them and its mark (an HMAC under a key agreed between that
account's personal key and the safeguarding key), so no other account's key can write or rewrite an entry in its
name. Entries from before stay unmarked.

Revision ID: 0015_signed_audit_entries
Revises: 0014_sealed_incident_facts
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_signed_audit_entries"
down_revision = "0014_sealed_incident_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("signer", sa.String(60), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("signature")
        batch.drop_column("signer")
