"""The accounts table keeps no password hash: the key slot, opened with the password, is its one check, and a hash
beside it was a copy anyone with a key to the file (office's, say) could guess passwords against offline.

Revision ID: 0021_no_password_hashes
Revises: 0020_incident_owner
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0021_no_password_hashes"
down_revision = "0020_incident_owner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE user_account SET password_hash = ''")


def downgrade() -> None:
    pass  # nothing to put back: the hashes are not needed, and not recoverable
