"""Record consent decisions (append-only) and the never-photograph flag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.pupils import age_on
from safeguard_desktop.domain.text import normal_newlines, unsafe_character
from safeguard_desktop.security import sealing
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import NotFound, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, Contact, Pupil, School


@dataclass(frozen=True)
class DecisionInput:
    """What a person tells the app about one decision (applied to every chosen pupil and purpose)."""

    state: ConsentState
    given_by_kind: GivenByKind
    route: Route
    given_on: date
    given_by_name: str = ""
    given_by_relationship: str = ""
    valid_until: date | None = None
    note: str = ""
    source: str = ""
    #: The contact who gave it (one pupil at a time): their name and relationship are recorded from it.
    contact_id: int | None = None


def _clean_text(value: str, field: str, limit: int) -> str:
    text = normal_newlines(value).strip()
    bad = unsafe_character(text, multiline=True)
    if bad is not None:
        raise ValidationError(f"{field} contains {bad}, which cannot be kept; retype that part.", field=field)
    if len(text) > limit:
        raise ValidationError(f"{field} is longer than {limit} characters.", field=field)
    return text


@changes(Topic.CONSENT)
def record_decisions(
    session: Session,
    actor: Actor,
    pupil_ids: Sequence[int],
    purpose_ids: Sequence[int],
    decision: DecisionInput,
    *,
    today: date | None = None,
) -> int:
    """Append one decision per pupil × purpose. Returns how many were recorded.

    Raises:
        ValidationError: missing giver, dates out of order or in the future, a pupil below the
            school's age for their own consent.
        NotFound: a pupil or purpose that does not exist.
    """
    actor.require(Operation.EDIT_CONSENT)
    day = today or date.today()
    if not pupil_ids:
        raise ValidationError("Choose at least one pupil.", field="pupils")
    if not purpose_ids:
        raise ValidationError("Choose at least one purpose.", field="purposes")
    if decision.given_on > day:
        raise ValidationError("The date given cannot be in the future.", field="given_on")
    if decision.valid_until is not None and decision.valid_until < decision.given_on:
        raise ValidationError("'Valid until' is before the date the decision was given.", field="valid_until")
    if decision.given_by_kind is GivenByKind.RESOLUTION:
        raise ValidationError("A conflict is resolved by a safeguarding lead, with a reason (resolve_conflict).")
    name = _clean_text(decision.given_by_name, "Given by", 200)
    relationship = _clean_text(decision.given_by_relationship, "Relationship", 60)
    note = _clean_text(decision.note, "Note", 2000)
    contact = None
    if decision.contact_id is not None:
        contact = _contact_for(session, decision, pupil_ids)
        name, relationship = contact.name, contact.relationship or relationship or "contact"
    if decision.given_by_kind is GivenByKind.PARENT and decision.state is not ConsentState.REQUESTED:
        if not name:
            raise ValidationError("Say who gave the decision (the parent or carer's name).", field="given_by_name")
        if not relationship:
            raise ValidationError("Say how they are related to the pupil (mother, carer…).", field="relationship")

    pupils = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(pupil_ids)))}
    missing = set(pupil_ids) - set(pupils)
    if missing:
        raise NotFound(f"{len(missing)} chosen pupil(s) no longer exist; reload the register.")
    purposes = {p.id: p for p in session.scalars(select(ConsentPurpose).where(ConsentPurpose.id.in_(purpose_ids)))}
    if set(purpose_ids) - set(purposes):
        raise NotFound("A chosen purpose no longer exists; reload the register.")

    if decision.given_by_kind is GivenByKind.PUPIL and decision.state is ConsentState.GRANTED:
        # A pupil's refusal or withdrawal is accepted at any age (it can only keep their image out); their grant
        # counts from the school's age for their own consent.
        school = session.scalars(select(School)).first()
        min_age = school.self_consent_age if school else 13
        for p in pupils.values():
            if p.date_of_birth is None or age_on(p.date_of_birth, decision.given_on) < min_age:
                raise ValidationError(
                    f"{p.legal_forename} {p.legal_surname} is under {min_age} (the school's age for a pupil's "
                    "own consent), so their yes cannot grant consent; record a parent or carer's answer instead. "
                    "(A pupil's no, or taking consent back, is recorded at any age.)",
                    field="given_by_kind",
                )
            if not name:
                name = "(the pupil)"

    now = datetime.now()
    rows = [
        {
            "pupil_id": pid,
            "purpose_id": purpose_id,
            "state": decision.state.value,
            "given_by_kind": decision.given_by_kind.value,
            "given_by_name": name if decision.given_by_kind is GivenByKind.PARENT else "(the pupil)",
            "given_by_relationship": relationship if decision.given_by_kind is GivenByKind.PARENT else "self",
            "route": decision.route.value,
            "given_on": decision.given_on,
            "valid_until": decision.valid_until,
            "wording_version": purposes[purpose_id].wording_version,
            "recorded_by": actor.name,
            "recorded_at": now,
            "note": note,
            "source": decision.source,
            "contact_id": contact.id if contact is not None else None,
        }
        for pid in pupil_ids
        for purpose_id in purpose_ids
    ]
    session.execute(insert(ConsentDecision), rows)
    audit.record(
        session,
        actor,
        f"recorded consent: {decision.state.value}",
        "pupil",
        ",".join(str(p) for p in pupil_ids[:20]) + ("…" if len(pupil_ids) > 20 else ""),
        f"{len(pupil_ids)} pupil(s) × {len(purpose_ids)} purpose(s), route {decision.route.value}",
    )
    return len(rows)


def _contact_for(session: Session, decision: DecisionInput, pupil_ids: Sequence[int]) -> Contact:
    """The contact a decision comes from, checked: one pupil's, active, and — for a yes — with parental
    responsibility (without it their no is kept, their yes cannot grant)."""
    contact = session.get(Contact, decision.contact_id)
    if contact is None or not contact.active:
        raise NotFound("The chosen contact no longer exists; reload the pupil's contacts.")
    if list(pupil_ids) != [contact.pupil_id]:
        raise ValidationError("A contact answers for their own pupil: record it for that one pupil.", field="pupils")
    if decision.state is ConsentState.GRANTED and not contact.parental_responsibility:
        raise ValidationError(
            f"{contact.name} does not have parental responsibility, so their yes cannot grant consent; record the "
            "answer of someone who has it (or change the contact if the school's record is wrong).",
            field="contact",
        )
    return contact


@changes(Topic.CONSENT)
def resolve_conflict(
    session: Session,
    actor: Actor,
    pupil_id: int,
    purpose_ids: Sequence[int],
    state: ConsentState,
    reason: str,
    *,
    valid_until: date | None = None,
    today: date | None = None,
) -> int:
    """A lead's decision where givers disagree (granted or refused), with the reason: it settles every answer
    given before it; an answer a giver gives afterwards stands again. Recorded like any decision (append-only)."""
    actor.require(Operation.RESOLVE_CONSENT)
    if state not in (ConsentState.GRANTED, ConsentState.REFUSED):
        raise ValidationError("A conflict is resolved as granted or refused.", field="state")
    why = _clean_text(reason, "Reason", 2000)
    if len(why) < 10:
        raise ValidationError("Give the reason for the decision (who was consulted, what was agreed).",
                              field="reason")  # fmt: skip
    day = today or date.today()
    if valid_until is not None and valid_until < day:
        raise ValidationError("'Valid until' is before today.", field="valid_until")
    if session.get(Pupil, pupil_id) is None:
        raise NotFound(f"No pupil with id {pupil_id}; the register may have been reloaded.")
    purposes = {p.id: p for p in session.scalars(select(ConsentPurpose).where(ConsentPurpose.id.in_(purpose_ids)))}
    if not purposes or set(purpose_ids) - set(purposes):
        raise NotFound("A chosen purpose no longer exists; reload the register.")
    now = datetime.now()
    session.execute(insert(ConsentDecision), [
        {"pupil_id": pupil_id, "purpose_id": pid, "state": state.value,
         "given_by_kind": GivenByKind.RESOLUTION.value, "given_by_name": actor.name,
         "given_by_relationship": "safeguarding lead", "route": Route.RESOLUTION.value, "given_on": day,
         "valid_until": valid_until, "wording_version": purposes[pid].wording_version, "recorded_by": actor.name,
         "recorded_at": now, "note": why, "source": "conflict resolved"}
        for pid in purpose_ids])  # fmt: skip
    audit.record(session, actor, f"resolved a consent conflict: {state.value}", "pupil", pupil_id,
                 f"{len(purpose_ids)} purpose(s)")  # fmt: skip
    return len(purpose_ids)


@changes(Topic.PUPILS, Topic.CONSENT)
def set_never_photograph(session: Session, actor: Actor, pupil_id: int, flag: bool, reason: str = "") -> None:
    """Set or clear the high-risk flag. Setting it needs a reason (seen only by safeguarding leads)."""
    actor.require(Operation.SET_NEVER_PHOTOGRAPH)
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound(f"No pupil with id {pupil_id}.")
    reason = _clean_text(reason, "Reason", 500)
    if flag and not reason:
        raise ValidationError("Give the reason for the never-photograph flag (seen only by safeguarding leads).")
    pupil.never_photograph = flag
    pupil.never_photograph_reason = sealing.seal(session, reason) if flag else None
    audit.record(session, actor, "set never-photograph" if flag else "cleared never-photograph", "pupil", pupil_id)


def find_pupil_by_upn(session: Session, upn: str) -> Pupil:
    """The pupil with this UPN, or NotFound."""
    pupil = session.scalars(select(Pupil).where(Pupil.upn == upn.strip().upper())).first()
    if pupil is None:
        raise NotFound(f"No pupil with UPN {upn!r} in the register.")
    return pupil


def find_purpose(session: Session, key: str) -> ConsentPurpose:
    """A purpose by its code or its name (case-insensitive)."""
    wanted = key.strip().casefold()
    for purpose in session.scalars(select(ConsentPurpose)):
        if wanted in (purpose.code.casefold(), purpose.name.casefold()):
            return purpose
    codes = ", ".join(p.code for p in session.scalars(select(ConsentPurpose).order_by(ConsentPurpose.sort_order)))
    raise NotFound(f"No consent purpose called {key!r}. Known codes: {codes}.")
