"""Allegations against staff (KCSIE Part 4): a case of their own, not an incident with a person marked "alleged".

Logged by a safeguarding lead only (staff tell the headteacher in person), an allegation is restricted from the start
to its named readers (restricted.py), is high at least, and is due the next working day: the case manager —
the headteacher, or the chair of governors when it is about the headteacher — speaks to the LADO within one working
day, before anyone is questioned. It closes with a finding (substantiated, unsubstantiated, unfounded, false,
malicious); its record is kept until the member of staff's normal pension age or for 10 years from the allegation,
whichever is longer, and a malicious allegation is removed: the retention review lists each when it is due, and a
reader removes it (audited, by number only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.incidents import EntryKind, Status, next_working_day
from safeguard_desktop.domain.text import unsafe_character
from safeguard_desktop.security import sealing
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.incidents import (
    _keep_facts,
    add_entry,
    entry_facts,
    facts,
    get_readable,
    hidden_from,
)
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Incident, IncidentEntry, IncidentReader


@dataclass(frozen=True)
class Part4:
    """What KCSIE Part 4 asks to be known of an allegation, as the leads' dialog shows it."""

    about_head: bool
    case_manager: str
    pension_age_on: date | None
    finding: str
    keep_until: date | None
    #: When the LADO must have been told by, and whether the chronology says they were.
    lado_due: date
    lado_told: bool


def part4(session: Session, actor: Actor, incident_id: int) -> Part4 | None:
    """The allegation's Part 4 details, or None when the incident is not an allegation against staff."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    known = facts(incident, actor)
    if known.part4 is None:
        return None
    data: dict[str, Any] = known.part4
    told = any(kind == EntryKind.REFERRAL.value and referral_to == "LADO"
               for kind, referral_to, _author in (entry_facts(e, actor) for e in incident.entries))  # fmt: skip
    return Part4(bool(data.get("about_head")), str(data.get("case_manager") or ""),
                 date.fromisoformat(data["pension_age_on"]) if data.get("pension_age_on") else None,
                 str(data.get("finding") or ""),
                 date.fromisoformat(data["keep_until"]) if data.get("keep_until") else None,
                 next_working_day(incident.reported_at), told)  # fmt: skip


@changes(Topic.INCIDENTS)
def set_part4(session: Session, actor: Actor, incident_id: int, *, case_manager: str, about_head: bool,
              pension_age_on: date | None = None) -> None:  # fmt: skip
    """Name the case manager (the headteacher; the chair of governors when it is about the head) and, when known,
    the member of staff's normal pension age (how long the record is kept). Said in the chronology."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    known = facts(incident, actor)
    if known.part4 is None:
        raise ValidationError(f"Incident {incident_id} is not an allegation against a member of staff.")
    manager = " ".join(case_manager.split())
    if not manager or len(manager) > 100 or unsafe_character(manager) is not None:
        raise ValidationError("Name the case manager on one line (at most 100 characters).", field="case_manager")
    if pension_age_on is not None and pension_age_on <= incident.reported_at.date():
        raise ValidationError("The normal pension age falls after the allegation.", field="pension_age_on")
    known.part4 = {**known.part4, "case_manager": manager, "about_head": about_head,
                   "pension_age_on": pension_age_on.isoformat() if pension_age_on else None}  # fmt: skip
    _keep_facts(session, incident, known)
    role = "the chair of governors: the allegation is about the headteacher" if about_head else "the headteacher"
    add_entry(session, actor, incident_id, EntryKind.DECISION, f"Case manager: {manager} ({role})",
              reason="KCSIE Part 4: the case manager speaks to the LADO within one working day")  # fmt: skip


def due_for_review(session: Session, actor: Actor, day: date) -> list[tuple[int, date, str]]:
    """(incident, due on, rule) for each closed allegation whose keeping time has run (a malicious one at once)."""
    due = []
    query = select(Incident).where(Incident.legal_hold.is_(False), Incident.meta.is_not(None))
    for incident in session.scalars(query):
        if hidden_from(incident, actor):
            continue  # only its readers review it
        known = facts(incident, actor)
        if known.part4 is None or known.status != Status.CLOSED.value or not known.part4.get("keep_until"):
            continue
        until = date.fromisoformat(known.part4["keep_until"])
        if until <= day:
            rule = ("a malicious allegation is removed (KCSIE Part 4)" if known.part4.get("finding") == "malicious"
                    else "normal pension age or 10 years from the allegation, whichever is longer")  # fmt: skip
            due.append((incident.id, until, rule))
    return due


@changes(Topic.INCIDENTS)
def remove(session: Session, actor: Actor, incident_id: int, *, today: date | None = None) -> None:
    """Remove an allegation's record whose keeping time has run (a malicious one once closed): the incident, its
    chronology and its readers. The trail keeps that it was removed, by number, and why."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    due = {number: rule for number, _until, rule in due_for_review(session, actor, today or date.today())}
    if incident_id not in due:
        raise ValidationError(f"Incident {incident_id} is not an allegation due to be removed: it is removed when it "
                              "is closed as malicious, or when its keeping time has run.")  # fmt: skip
    session.execute(delete(IncidentReader).where(IncidentReader.incident_id == incident_id))
    session.execute(delete(IncidentEntry).where(IncidentEntry.incident_id == incident_id))
    session.delete(incident)
    audit.record(session, actor, "removed an allegation's record", "incident", incident_id,
                 sealing.seal(session, due[incident_id]))  # fmt: skip
