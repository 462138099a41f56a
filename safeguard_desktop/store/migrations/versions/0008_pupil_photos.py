"""Pupil photos for the staff briefing (JPEG thumbnails), one per pupil.

Revision ID: 0008_pupil_photos
Revises: 0007_settings
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_pupil_photos"
down_revision = "0007_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pupil_photo",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pupil_id"),
    )


def downgrade() -> None:
    op.drop_table("pupil_photo")
