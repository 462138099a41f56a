"""SQLAlchemy models of the register. Consent decisions and audit entries are append-only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every table."""


class School(Base):
    """The school's own details (a single row)."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    headteacher: Mapped[str] = mapped_column(String(200), default="")
    dsl_name: Mapped[str] = mapped_column(String(200), default="")
    self_consent_age: Mapped[int] = mapped_column(Integer, default=13)
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Pupil(Base):
    """A pupil on (or once on) the school's roll. Never deleted by an import."""

    __tablename__ = "pupil"

    id: Mapped[int] = mapped_column(primary_key=True)
    upn: Mapped[str | None] = mapped_column(String(13), unique=True, nullable=True)
    admission_number: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    legal_forename: Mapped[str] = mapped_column(String(100))
    legal_surname: Mapped[str] = mapped_column(String(100))
    preferred_forename: Mapped[str | None] = mapped_column(String(100), nullable=True)
    preferred_surname: Mapped[str | None] = mapped_column(String(100), nullable=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    year_group: Mapped[str] = mapped_column(String(20), default="")
    reg_group: Mapped[str] = mapped_column(String(40), default="")
    on_roll: Mapped[bool] = mapped_column(Boolean, default=True)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    never_photograph: Mapped[bool] = mapped_column(Boolean, default=False)
    never_photograph_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    decisions: Mapped[list[ConsentDecision]] = relationship(back_populates="pupil")

    __mapper_args__ = {"version_id_col": version}


class ConsentPurpose(Base):
    """One use of images the school asks about; decisions are per purpose, never bundled."""

    __tablename__ = "consent_purpose"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    wording_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: "consent", or "public task" where the school decides (said so in the letters' wording).
    lawful_basis: Mapped[str] = mapped_column(String(20), default="consent", server_default="consent")
    #: Years after a pupil leaves that decisions for this purpose are kept, while images made under them may still
    #: be in use (a prospectus, the website); None follows the school's rule (a year).
    evidence_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Contact(Base):
    """Someone a pupil's consent may come from: a parent or carer, with or without parental responsibility."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(60), default="")
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=True)
    lives_with_pupil: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    #: The MIS's contact priority (1 = first contact); letters go to the lowest first.
    priority: Mapped[int] = mapped_column(Integer, default=1)
    #: The MIS's own identifier of the contact, when its export has one: re-imports match on it.
    mis_reference: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class UnmatchedReply(Base):
    """A reply from an online form that could not be matched to a pupil (or a contact) for sure: kept until a
    person matches it by hand or sets it aside with a reason, never guessed."""

    __tablename__ = "unmatched_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    #: The row as the form exported it (JSON: header -> text), shown as plain text.
    row: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    #: "" while waiting; "matched" or "set aside"
    outcome: Mapped[str] = mapped_column(String(20), default="", server_default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    outcome_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ConsentDecision(Base):
    """An append-only record of what was decided, by whom, how, and on what wording."""

    __tablename__ = "consent_decision"
    __table_args__ = (Index("ix_decision_pupil_purpose", "pupil_id", "purpose_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id", ondelete="RESTRICT"))
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purpose.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20))
    given_by_kind: Mapped[str] = mapped_column(String(20))
    given_by_name: Mapped[str] = mapped_column(String(200), default="")
    given_by_relationship: Mapped[str] = mapped_column(String(60), default="")
    route: Mapped[str] = mapped_column(String(30))
    given_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    wording_version: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    #: The contact who gave it (None: the pupil, a lead's resolution, or free text from before contacts).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"), nullable=True)

    pupil: Mapped[Pupil] = relationship(back_populates="decisions")
    purpose: Mapped[ConsentPurpose] = relationship()


class AuditEntry(Base):
    """Who did what to which record, and when. Append-only; each entry is chained to the one before (HMAC)."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("sequence", name="uq_audit_entry_sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chain_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    record_kind: Mapped[str] = mapped_column(String(40), default="")
    record_id: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    #: The account whose process wrote it, and its mark over the chain hash ("<key generation>:<hex>"): an HMAC
    #: under the key agreed between that account's personal key and the safeguarding key (services/audit.py).
    signer: Mapped[str | None] = mapped_column(String(60), nullable=True)
    signature: Mapped[str | None] = mapped_column(String(120), nullable=True)


__all__ = [
    "AuditEntry",
    "Base",
    "ConsentDecision",
    "ConsentPurpose",
    "Pupil",
    "School",
]


class AuditRows(Base):
    """What one transaction wrote to the register's rows, as the last audit entry of that transaction vouches for it:
    a digest of each row written (or None for a row deleted), zlib-compressed JSON; that entry's mark covers it."""

    __tablename__ = "audit_rows"

    #: The chain hash of the entry it belongs to (not its number: after a cut, a new entry of the same number is
    #: not given the old record).
    entry_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, index=True)
    rows: Mapped[bytes] = mapped_column(LargeBinary)


class AuditHead(Base):
    """The head of the audit chain (one row): how many entries, and the last entry's hash.

    Appending locks this row, so two writers can never fork the chain (SQLite serialises writers anyway;
    on PostgreSQL the row lock does it). A copy of the head is also kept outside the database.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    #: The chain's key (hex). Inside the register, not a secret from anyone with a key to the file: what no account
    #: but an entry's writer can make is the entry's mark (services/records/audit.py).
    chain_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Event(Base):
    """A performance or event where children may be filmed or photographed (a nativity play, a leavers' show)."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    filming_policy: Mapped[str] = mapped_column(String(30))
    policy_text: Mapped[str] = mapped_column(Text, default="")
    footage_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    #: For a custom policy: the consent purposes (codes, comma-separated) that pupils need; "" follows the policy.
    purpose_codes: Mapped[str] = mapped_column(String(400), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: Set when the event is archived: kept with its history, out of the list being worked on.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    groups: Mapped[list[EventGroup]] = relationship(cascade="all, delete-orphan")
    picked: Mapped[list[EventPupil]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class EventGroup(Base):
    """A whole year group or registration group taking part in an event."""

    __tablename__ = "event_group"
    __table_args__ = (UniqueConstraint("event_id", "kind", "value", name="uq_event_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "year" or "class"
    value: Mapped[str] = mapped_column(String(40))


class EventPupil(Base):
    """A pupil picked by hand to take part in an event."""

    __tablename__ = "event_pupil"
    __table_args__ = (UniqueConstraint("event_id", "pupil_id", name="uq_event_pupil"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id", ondelete="RESTRICT"))


class Incident(Base):
    """An online-safety incident. Its content is for safeguarding leads; its chronology is append-only."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_reported", "reported_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    four_cs: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    summary: Mapped[str] = mapped_column(Text)
    platforms: Mapped[str] = mapped_column(Text, default="")
    evidence_links: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reported_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: The summary sealed to the reporter's own key, so staff can read what they reported (and nothing else).
    reporter_copy: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The account that reported it (display names are not unique); empty on incidents from before 0010.
    reported_by_user: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    #: The case owner's account (sealed in ``meta`` on a protected register; this column otherwise).
    owner: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: The staff report it was taken in from (services/staff_room.py): never taken in twice.
    report_ref: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True, index=True)
    #: On a protected register: category, axis, urgency, status, dates, reporter and people, sealed as one JSON
    #: value (the columns above then hold nothing); None on an unprotected register.
    meta: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: A restricted case (services/incidents/restricted.py): the public half of its own key, to which its content is
    #: sealed; the private half is kept only wrapped for each named reader (IncidentReader). None: all the leads.
    case_public: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    people: Mapped[list[IncidentPerson]] = relationship(cascade="all, delete-orphan")
    entries: Mapped[list[IncidentEntry]] = relationship(order_by="IncidentEntry.id")

    __mapper_args__ = {"version_id_col": version}


class IncidentPerson(Base):
    """Someone involved: a pupil on the register, a member of staff (by role), the school, or someone else."""

    __tablename__ = "incident_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # pupil, staff, school, other
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id", ondelete="RESTRICT"), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    staff_role: Mapped[str] = mapped_column(String(100), default="")
    involvement: Mapped[str] = mapped_column(String(20))  # affected, alleged, witness, reporter


class IncidentEntry(Base):
    """One line of the chronology: an action, a referral, a decision, an outcome — never edited or deleted.

    A mistake is put right by a correction entry that points at the entry it corrects.
    """

    __tablename__ = "incident_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    referral_to: Mapped[str] = mapped_column(String(40), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    corrects_entry_id: Mapped[int | None] = mapped_column(ForeignKey("incident_entry.id"), nullable=True)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: When the action happened, where it was recorded later (None: when it was recorded).
    happened_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: On a protected register: kind, referral target and author, sealed (the columns then hold nothing).
    meta: Mapped[str | None] = mapped_column(Text, nullable=True)


class IncidentReader(Base):
    """A named reader of a restricted case: the case's private key sealed to that account's own public key (and one
    row for the recovery key, so a case is never lost with its readers' passwords)."""

    __tablename__ = "incident_reader"
    __table_args__ = (UniqueConstraint("incident_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    sealed_key: Mapped[str] = mapped_column(Text)
    #: The reader's own public key it was sealed to: a reader whose key has been replaced since cannot open it.
    public_used: Mapped[str] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(100))
    given_at: Mapped[datetime] = mapped_column(DateTime)


class UserAccount(Base):
    """A person who signs in. Passwords are kept only as argon2id hashes."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Base32 TOTP secret when the second factor is on (leads only), else None.
    #: Sealed to the account's own key on a protected register (the office's key to the file does not read it).
    totp_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The 30-second step of the last code accepted: a code (or an earlier one) is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class SecondFactor(Base):
    """An account's two-step sign-in, keyed by its name: the secret (sealed to the account's own key) and the step
    of the last code accepted. Its own row is all an office account writes of the accounts (row_vouch holds it to
    that). No row: the account's columns in ``user_account`` (a register from before) say it."""

    __tablename__ = "second_factor"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: Base32 TOTP secret, sealed; None when two-step sign-in is off.
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The 30-second step of the last code accepted: a code (or an earlier one) is never accepted twice.
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ServerKey(Base):
    """On a register on a server, an account's wrapped copy of the register's safeguarding key (the public key, and
    for a lead the private key), under a key from its password; row "" is the public key in the clear
    (services/server_keys.py). Empty on a register on this computer."""

    __tablename__ = "server_key"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ServerHandover(Base):
    """On a register on a server, an account's share of a replaced safeguarding key, waiting for its next sign-in:
    sealed from the DSL's personal key to the account's (services/server_keys.py)."""

    __tablename__ = "server_handover"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class SealedFormer(Base):
    """A sealed text of an incident's chronology as it was before the key it was sealed to was replaced (kept: the
    chronology is never changed but for that)."""

    __tablename__ = "sealed_former"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[str] = mapped_column(String(40))
    column_name: Mapped[str] = mapped_column(String(60))
    sealed: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(DateTime)


class PublishedBriefing(Base):
    """On a register on a server: an event's confidential staff briefing as the office or a lead last made it, for
    staff to read (services/server_briefings.py). Empty on a register on this computer (its staff room is a file)."""

    __tablename__ = "published_briefing"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    made_at: Mapped[datetime] = mapped_column(DateTime)
    made_by: Mapped[str] = mapped_column(String(100))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)


class TrustSummary(Base):
    """What a school of a trust published to the trust's safeguarding lead: a JSON body of counts, no names
    (services/server_trust.py). Empty on a register on this computer and on a school alone on its server."""

    __tablename__ = "trust_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    published_by: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)


class Setting(Base):
    """A school setting kept as JSON under a key (term dates, document templates, lock and backup options)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class PupilPhoto(Base):
    """A pupil's photo for the staff briefing, kept small (a JPEG thumbnail), one per pupil."""

    __tablename__ = "pupil_photo"

    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id", ondelete="CASCADE"), primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CaseTransfer(Base):
    """A child-protection file sent to a pupil's new school (KCSIE: within 5 school days, separately from the main
    file, with its receipt confirmed). The file itself is not kept here: it is the incidents it was made from."""

    __tablename__ = "cp_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    to_school: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    sent_by: Mapped[str] = mapped_column(String(100))
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    received_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
