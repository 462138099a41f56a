"""Givers are people: contacts (with or without parental responsibility) per pupil, and the contact each decision
came from. Existing decisions keep their free-text giver (attached to a contact when contacts are imported and
the name matches). A custom filming policy names the consent purposes it needs. Replies from online forms
that match no pupil for sure wait in a queue. Each purpose has its lawful basis and how long its evidence is kept.

Revision ID: 0012_contacts
Revises: 0011_totp_last_step
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_contacts"
down_revision = "0011_totp_last_step"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("relationship", sa.String(length=60), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("lives_with_pupil", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("mis_reference", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_pupil_id", "contact", ["pupil_id"])
    with op.batch_alter_table("consent_decision") as batch:
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_decision_contact", "contact", ["contact_id"], ["id"], ondelete="RESTRICT")
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("purpose_codes", sa.String(length=400), nullable=False, server_default=""))
    with op.batch_alter_table("consent_purpose") as batch:
        batch.add_column(sa.Column("lawful_basis", sa.String(length=20), nullable=False, server_default="consent"))
        batch.add_column(sa.Column("evidence_years", sa.Integer(), nullable=True))
    op.create_table(
        "unmatched_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("outcome_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("outcome_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("unmatched_reply")
    with op.batch_alter_table("consent_purpose") as batch:
        batch.drop_column("evidence_years")
        batch.drop_column("lawful_basis")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("purpose_codes")
    with op.batch_alter_table("consent_decision") as batch:
        batch.drop_constraint("fk_decision_contact", type_="foreignkey")
        batch.drop_column("contact_id")
    op.drop_index("ix_contact_pupil_id", "contact")
    op.drop_table("contact")
