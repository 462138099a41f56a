"""Retention: which records are due under the school's rules, and deleting them with an audit stub.

Consent decisions and event records are deleted when due; child-protection records are only listed (the
rule is "then review": the DSL decides). A legal hold stops deletion. Each deletion leaves an audit entry
saying what kind, how many, when, by whom and under which rule — and no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.retention import (
    RetentionRules,
    add_years,
    child_protection_review_date,
    event_review_date,
)
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import NotFound
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import (
    ConsentDecision,
    ConsentPurpose,
    Contact,
    Event,
    EventGroup,
    EventPupil,
    Incident,
    Pupil,
)


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
    # Per purpose: the evidence of a consent is kept while images made under it may still be in use (the
    # purpose's own years after leaving), else the school's rule.
    leavers = session.execute(
        select(Pupil.id, Pupil.left_on, ConsentPurpose.code, ConsentPurpose.evidence_years,
               func.count(ConsentDecision.id))
        .join(ConsentDecision, ConsentDecision.pupil_id == Pupil.id)
        .join(ConsentPurpose, ConsentPurpose.id == ConsentDecision.purpose_id)
        .where(Pupil.on_roll.is_(False), Pupil.left_on.is_not(None), Pupil.legal_hold.is_(False))
        .group_by(Pupil.id, Pupil.left_on, ConsentPurpose.code, ConsentPurpose.evidence_years)
    )  # fmt: skip
    for pupil_id, left_on, code, years, count in leavers:
        if left_on is None:
            continue
        kept = policy.consent_years_after_leaving if years is None else years
        when = add_years(left_on, kept)
        if when <= day:
            due.append(DueRecord("consent decisions", f"pupil {pupil_id} / {code}", when,
                                 f"{kept} year(s) after leaving", count))  # fmt: skip
    held = _events_with_held_pupils(session)
    for event_id, starts_at in session.execute(select(Event.id, Event.starts_at)):
        when = event_review_date(starts_at.date(), policy)
        if when <= day and event_id not in held:
            due.append(DueRecord("event records", f"event {event_id}", when, "after the academic year of the event", 1))
    from safeguard_desktop.services.incidents import pupil_links

    links = pupil_links(session, actor, held_too=False)
    wanted = {p for _i, p in links}
    births = {
        pid: born for pid, born in session.execute(select(Pupil.id, Pupil.date_of_birth).where(Pupil.id.in_(wanted)))
    }
    linked = [(incident_id, births.get(pupil_id)) for incident_id, pupil_id in links]
    rule = f"date of birth + {policy.child_protection_years_after_birth} years, then review"
    for incident_id, born in linked:
        if born is None:
            continue
        when = child_protection_review_date(born, policy)
        if when <= day:
            due.append(DueRecord("child-protection record", f"incident {incident_id}", when, rule, 1))
    from safeguard_desktop.services.incidents.allegations import due_for_review

    for incident_id, until, allegation_rule in due_for_review(session, actor, day):
        due.append(DueRecord("allegation against staff", f"incident {incident_id}", until, allegation_rule, 1))
    return sorted(due, key=lambda d: (d.due_on, d.kind, d.record))


def _events_with_held_pupils(session: Session) -> set[int]:
    """Events a pupil under legal hold took part in (picked, or in a year group or class that took part): their
    records are evidence too, and stay while the hold does."""
    held = session.execute(select(Pupil.id, Pupil.year_group, Pupil.reg_group).where(Pupil.legal_hold.is_(True)))
    ids, years, classes = set(), set(), set()
    for pupil_id, year_group, reg_group in held:
        ids.add(pupil_id)
        years.add(year_group)
        classes.add(reg_group)
    if not ids:
        return set()
    events = set(session.scalars(select(EventPupil.event_id).where(EventPupil.pupil_id.in_(ids))))
    for event_id, kind, value in session.execute(select(EventGroup.event_id, EventGroup.kind, EventGroup.value)):
        if (kind == "year" and value in years) or (kind == "class" and value in classes):
            events.add(event_id)
    return events


@changes(Topic.CONSENT, Topic.EVENTS, Topic.PUPILS)
def apply(session: Session, actor: Actor, *, today: date | None = None, rules: RetentionRules | None = None) -> int:
    """Delete the consent decisions and event records that are due; returns how many records went."""
    actor.require(Operation.APPLY_RETENTION)
    removed = 0
    for item in review(session, actor, today=today, rules=rules):
        if item.kind == "consent decisions":
            who, _sep, code = item.record.partition(" / ")
            number = int(who.split()[-1])
            purpose = session.scalars(select(ConsentPurpose.id).where(ConsentPurpose.code == code)).first()
            gone = item.count
            session.execute(delete(ConsentDecision).where(ConsentDecision.pupil_id == number,
                                                          ConsentDecision.purpose_id == purpose))  # fmt: skip
            _forget_contacts(session, number)
            removed += gone
            audit.record(session, actor, "deleted under retention", item.kind, number,
                         f"{gone} record(s) for {code}; rule: {item.rule}")  # fmt: skip
            continue
        number = int(item.record.split()[-1])
        if item.kind == "consent decisions":
            gone = item.count
        elif item.kind == "event records":
            event = session.get(Event, number)
            if event is None:
                continue
            session.delete(event)
            gone = 1
        else:
            continue  # child-protection records: review, never automatic deletion
        removed += gone
        audit.record(
            session, actor, "deleted under retention", item.kind, number, f"{gone} record(s); rule: {item.rule}"
        )
    return removed


def set_legal_hold(session: Session, actor: Actor, *, pupil_id: int | None = None, incident_id: int | None = None,
                   hold: bool = True) -> None:  # fmt: skip
    """Put a pupil's or an incident's records on legal hold (or lift it): nothing held is deleted."""
    actor.require(Operation.APPLY_RETENTION)
    target = session.get(Pupil, pupil_id) if pupil_id is not None else session.get(Incident, incident_id)
    if target is None:
        raise NotFound("No such pupil or incident.")
    target.legal_hold = hold
    kind = "pupil" if pupil_id is not None else "incident"
    audit.record(session, actor, "legal hold on" if hold else "legal hold lifted", kind, pupil_id or incident_id)


def held(session: Session, actor: Actor) -> list[tuple[str, int]]:
    """What is on legal hold, by number: ("pupil", id) and ("incident", id)."""
    actor.require(Operation.APPLY_RETENTION)
    pupils = [("pupil", i) for i in session.scalars(select(Pupil.id).where(Pupil.legal_hold.is_(True)))]
    return pupils + [("incident", i) for i in session.scalars(select(Incident.id).where(Incident.legal_hold.is_(True)))]


def _forget_contacts(session: Session, pupil_id: int) -> None:
    """A leaver's contacts go with the last of their decisions (nothing is kept about a family for nothing)."""
    if session.scalar(select(func.count()).select_from(ConsentDecision).where(ConsentDecision.pupil_id == pupil_id)):
        return
    session.execute(delete(Contact).where(Contact.pupil_id == pupil_id))


def hold_by_reference(session: Session, actor: Actor, reference: str, hold: bool) -> None:
    """Legal hold by what a person types: an incident's number, or a pupil's UPN."""
    from safeguard_desktop.services.consent import find_pupil_by_upn

    text = reference.strip()
    if text.isdigit():
        set_legal_hold(session, actor, incident_id=int(text), hold=hold)
    else:
        set_legal_hold(session, actor, pupil_id=find_pupil_by_upn(session, text).id, hold=hold)


def review_and_holds(session: Session, actor: Actor) -> tuple[list[DueRecord], list[tuple[str, int]] | None]:
    """The retention screen's view: what is due (the reading is recorded) and, for those who may apply the rules,
    what is on legal hold."""
    due = review(session, actor)
    return due, held(session, actor) if actor.may(Operation.APPLY_RETENTION) else None
