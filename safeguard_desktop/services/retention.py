"""The retention review: which records are due for review or deletion under the school's rules.

Listing only for now; deletion with an audit stub (what kind, when, by whom, under which rule) and the
legal-hold flag come with the rest of the security work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.retention import (
    RetentionRules,
    child_protection_review_date,
    consent_review_date,
    event_review_date,
)
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.store.models import ConsentDecision, Event, IncidentPerson, Pupil


@dataclass(frozen=True)
class DueRecord:
    """One set of records due under one rule."""

    kind: str
    record: str
    due_on: date
    rule: str
    count: int


def review(
    session: Session, actor: Actor, *, today: date | None = None, rules: RetentionRules | None = None
) -> list[DueRecord]:
    """Everything due on or before ``today``, oldest first. Names no pupil: records are shown by number."""
    actor.require(Operation.READ_INCIDENTS)
    day = today or date.today()
    policy = rules or RetentionRules()
    due: list[DueRecord] = []
    leavers = session.execute(
        select(Pupil.id, Pupil.left_on, func.count(ConsentDecision.id))
        .join(ConsentDecision, ConsentDecision.pupil_id == Pupil.id)
        .where(Pupil.on_roll.is_(False), Pupil.left_on.is_not(None))
        .group_by(Pupil.id, Pupil.left_on)
    )
    for pupil_id, left_on, count in leavers:
        if left_on is None:
            continue
        when = consent_review_date(left_on, policy)
        if when <= day:
            due.append(DueRecord("consent decisions", f"pupil {pupil_id}", when,
                                 f"{policy.consent_years_after_leaving} year(s) after leaving", count))  # fmt: skip
    for event_id, starts_at in session.execute(select(Event.id, Event.starts_at)):
        when = event_review_date(starts_at.date(), policy)
        if when <= day:
            due.append(DueRecord("event records", f"event {event_id}", when, "after the academic year of the event", 1))
    linked = session.execute(
        select(IncidentPerson.incident_id, Pupil.date_of_birth)
        .join(Pupil, Pupil.id == IncidentPerson.pupil_id)
        .where(Pupil.date_of_birth.is_not(None))
    )
    rule = f"date of birth + {policy.child_protection_years_after_birth} years, then review"
    for incident_id, born in linked:
        if born is None:
            continue
        when = child_protection_review_date(born, policy)
        if when <= day:
            due.append(DueRecord("child-protection record", f"incident {incident_id}", when, rule, 1))
    return sorted(due, key=lambda d: (d.due_on, d.kind, d.record))
