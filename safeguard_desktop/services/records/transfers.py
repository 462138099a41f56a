"""A pupil's child-protection file, sent to their new school: one sealed PDF, its receipt recorded, its deadline
chased.

KCSIE (2025): the DSL sends the child-protection file to the new school as soon as possible and within 5 school
days of an in-year move (or of the start of a new term), separately from the main pupil file, and obtains
confirmation of receipt. Here the file is one PDF encrypted with AES-256 under a passphrase made for it (to be
given to the receiving DSL separately, by phone): what is held about the pupil's safeguarding — their details,
the never-photograph flag and its reason, every incident linked to them with its whole chronology — readable,
and the same as machine-readable JSON attached inside it (format ``safeguard-cp-transfer/1``), so a school with
another system can take it in. What was sent, to whom and when, and its receipt, are kept and audited.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.dates import format_uk_date, format_uk_datetime
from safeguard_desktop.domain.text import unsafe_character
from safeguard_desktop.files import write_atomically
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.errors import NotFound, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import CaseTransfer, Pupil

FORMAT = "safeguard-cp-transfer/1"
#: School days the file has, from the day the pupil starts at the new school (KCSIE).
SCHOOL_DAYS = 5
#: The passphrase's alphabet: no 0/O, 1/I/L, so it can be read out over the phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def school_days_after(start: date, days: int) -> date:
    """The date ``days`` school days (Monday to Friday) after ``start``."""
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def make_passphrase() -> str:
    """Five groups of four (about 99 bits): "KQ7M-3PXD-9WTR-H2NA-6EFB"."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(5))


@dataclass(frozen=True)
class SentFile:
    """What was written, and what to tell the receiving DSL (separately from the file)."""

    path: Path
    passphrase: str
    transfer_id: int
    due_on: date
    incidents: int


@dataclass(frozen=True)
class TransferLine:
    """A file sent, as the leads' list shows it."""

    id: int
    pupil: str
    to_school: str
    sent_at: datetime
    due_on: date
    received_on: date | None
    received_by: str

    @property
    def awaiting(self) -> bool:
        """No receipt yet."""
        return self.received_on is None


def child_protection_record(session: Session, actor: Actor, pupil_id: int) -> dict[str, Any]:
    """The file's content as plain data (leads only): the pupil, the never-photograph flag and its reason, and
    every incident linked to them with its chronology."""
    actor.require(Operation.READ_INCIDENTS)
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound(f"No pupil with id {pupil_id}.")
    detail = grid.pupil_detail(session, actor, pupil_id)
    files = []
    for view in incidents.incidents_of(session, actor, pupil_id):
        files.append({
            "number": view.id, "category": view.category.value, "four_cs": view.four_cs.value,
            "urgency": view.urgency.value, "status": view.status.value,
            "happened": format_uk_datetime(view.occurred_at), "reported": format_uk_datetime(view.reported_at),
            "reported_by": view.reported_by, "summary": view.summary, "platforms": view.platforms,
            "chronology": [{"number": e.id, "when": format_uk_datetime(e.happened_at or e.at),
                            "written": format_uk_datetime(e.at), "by": e.author, "kind": e.kind, "text": e.text,
                            "referred_to": e.referral_to, "reference": e.reference, "reason": e.reason,
                            "corrects": e.corrects} for e in view.entries],
        })  # fmt: skip
    return {
        "format": FORMAT,
        "pupil": {
            "legal_forename": pupil.legal_forename,
            "legal_surname": pupil.legal_surname,
            "preferred_forename": pupil.preferred_forename or "",
            "preferred_surname": pupil.preferred_surname or "",
            "date_of_birth": format_uk_date(pupil.date_of_birth),
            "upn": pupil.upn or "",
            "year_group": pupil.year_group,
            "registration_group": pupil.reg_group,
        },
        "never_photograph": {"flag": pupil.never_photograph, "reason": detail.never_photograph_reason or ""},
        "incidents": files,
        # Restricted cases the sender is not a reader of cannot be searched for this pupil: said in the file.
        "restricted_unread": incidents.unreadable_restricted(session, actor),
    }


@changes(Topic.INCIDENTS)
def send_file(session: Session, actor: Actor, pupil_id: int, to_school: str, starts_on: date, folder: Path,
              *, passphrase: str | None = None) -> SentFile:  # fmt: skip
    """Write the pupil's file for ``to_school`` into ``folder`` (sealed with a new passphrase), record it and
    audit it. ``starts_on``: the day the pupil starts there (the 5 school days run from it)."""
    from pypdf import PdfReader, PdfWriter

    from safeguard_desktop.documents.transfer import render_transfer
    from safeguard_desktop.services.filenames import inside, safe_filename
    from safeguard_desktop.services.settings import get_school, letterhead

    actor.require(Operation.READ_INCIDENTS)
    school = " ".join(to_school.split())
    if not school:
        raise ValidationError("Name the school the pupil is moving to.", field="to_school")
    bad = unsafe_character(school)
    if bad is not None or len(school) > 200:
        raise ValidationError(f"The school's name contains {bad}; retype it." if bad else
                              "The school's name is longer than 200 characters.", field="to_school")  # fmt: skip
    if starts_on > date.today() + timedelta(days=366):
        raise ValidationError("The day the pupil starts at the new school is more than a year away.",
                              field="starts_on")  # fmt: skip
    record = child_protection_record(session, actor, pupil_id)
    now = datetime.now()
    due = school_days_after(starts_on, SCHOOL_DAYS)
    transfer = CaseTransfer(pupil_id=pupil_id, to_school=school, starts_on=starts_on, due_on=due, sent_at=now,
                            sent_by=actor.name)  # fmt: skip
    session.add(transfer)
    session.flush()
    ours = get_school(session)
    record["sent"] = {"to_school": school, "by": actor.name, "at": format_uk_datetime(now),
                      "from_school": ours.name, "transfer": transfer.id}  # fmt: skip
    words = passphrase or make_passphrase()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render_transfer(letterhead(ours), record))))
    writer.add_attachment("child-protection-file.json",
                          json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))  # fmt: skip
    writer.encrypt(user_password=words, owner_password=None, algorithm="AES-256")
    sealed = io.BytesIO()
    writer.write(sealed)
    folder.mkdir(parents=True, exist_ok=True)
    path = inside(folder, safe_filename(f"child-protection-file-transfer-{transfer.id}", ".pdf"))
    write_atomically(path, sealed.getvalue())
    audit.record(session, actor, "sent a child-protection file", "pupil", pupil_id,
                 f"transfer {transfer.id} to {school}; {len(record['incidents'])} incident(s)")  # fmt: skip
    return SentFile(path, words, transfer.id, transfer.due_on, len(record["incidents"]))


@changes(Topic.INCIDENTS)
def record_receipt(session: Session, actor: Actor, transfer_id: int, received_on: date, confirmed_by: str) -> None:
    """The new school confirmed it has the file (who, and on which day)."""
    actor.require(Operation.READ_INCIDENTS)
    transfer = session.get(CaseTransfer, transfer_id)
    if transfer is None:
        raise NotFound(f"No file transfer number {transfer_id}.")
    who = " ".join(confirmed_by.split())
    if not who:
        raise ValidationError("Say who at the new school confirmed they have it.", field="confirmed_by")
    if received_on > date.today() or received_on < transfer.sent_at.date():
        raise ValidationError("The day it was received is before it was sent, or in the future.",
                              field="received_on")  # fmt: skip
    transfer.received_on, transfer.received_by = received_on, who[:200]
    audit.record(session, actor, "recorded a child-protection file's receipt", "pupil", transfer.pupil_id,
                 f"transfer {transfer_id}")  # fmt: skip


def transfers(session: Session, actor: Actor, *, awaiting_only: bool = False) -> list[TransferLine]:
    """The files sent, newest first (only those awaiting a receipt with ``awaiting_only``)."""
    actor.require(Operation.READ_INCIDENTS)
    query = select(CaseTransfer, Pupil).join(Pupil, Pupil.id == CaseTransfer.pupil_id)
    if awaiting_only:
        query = query.where(CaseTransfer.received_on.is_(None))
    rows = session.execute(query.order_by(CaseTransfer.sent_at.desc()))
    return [TransferLine(t.id, f"{p.legal_surname}, {p.preferred_forename or p.legal_forename}", t.to_school,
                         t.sent_at, t.due_on, t.received_on, t.received_by or "") for t, p in rows]  # fmt: skip
