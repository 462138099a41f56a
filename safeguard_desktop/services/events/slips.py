"""Record returned reply slips: type or scan the reference, tick the answers, save as paper-slip decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import PARENT_FILMING, SCHOOL_RECORDING
from safeguard_desktop.domain.slips import SlipReference, parse_reference
from safeguard_desktop.services import consent, events
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ConflictError, NotFound, ValidationError
from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, Contact, Event, Pupil


@dataclass(frozen=True)
class SlipLookup:
    """What the office sees after scanning a reference."""

    reference: str
    event_id: int
    event_name: str
    event_date: date
    pupil_id: int
    pupil_name: str
    reg_group: str
    already_recorded: bool
    #: The purposes the event's slip asks about (its policy's): answers to others are refused.
    asks: tuple[str, ...] = (PARENT_FILMING, SCHOOL_RECORDING)
    #: The holder of parental responsibility the letter was addressed to (a letter per holder), if any.
    contact_id: int | None = None
    contact_name: str = ""
    contact_relationship: str = ""


def _source(reference: SlipReference) -> str:
    return f"reply slip {reference}"


def look_up(session: Session, actor: Actor, text: str, *, expected_event: int | None = None) -> SlipLookup:
    """Find the slip's event and pupil; say clearly when it is from another event or already recorded."""
    actor.require(Operation.EDIT_CONSENT)
    try:
        reference = parse_reference(text)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    event = session.get(Event, reference.event_id)
    pupil = session.get(Pupil, reference.pupil_id)
    if event is None or pupil is None:
        raise NotFound(f"Slip {reference} does not match any event and pupil in this register.")
    if expected_event is not None and reference.event_id != expected_event:
        raise ConflictError(f"Slip {reference} belongs to another event: {event.name} ({event.starts_at:%d/%m/%Y}).")
    recorded = session.scalars(
        select(ConsentDecision.id).where(ConsentDecision.source == _source(reference)).limit(1)
    ).first()
    contact = session.get(Contact, reference.contact_id) if reference.contact_id is not None else None
    if reference.contact_id is not None and (contact is None or contact.pupil_id != pupil.id):
        raise NotFound(f"Slip {reference} was addressed to a contact this register no longer has for the pupil.")
    return SlipLookup(
        str(reference),
        event.id,
        event.name,
        event.starts_at.date(),
        pupil.id,
        f"{pupil.preferred_forename or pupil.legal_forename} {pupil.legal_surname}",
        pupil.reg_group,
        recorded is not None,
        events.purposes_of(event),
        contact.id if contact is not None else None,
        contact.name if contact is not None else "",
        contact.relationship if contact is not None else "",
    )


@changes(Topic.CONSENT)
def record_slip(
    session: Session,
    actor: Actor,
    text: str,
    *,
    filming: bool | None,
    recording: bool | None,
    given_by: str,
    relationship: str,
    signed_on: date | None = None,
    expected_event: int | None = None,
    replace: bool = False,
) -> SlipLookup:
    """Record the ticked answers as decisions (route: paper slip; the event named as the source).

    Raises:
        ConflictError: the slip was recorded already (pass ``replace`` to record a newer answer on top), or it
            belongs to another event than the one being worked on.
    """
    slip = look_up(session, actor, text, expected_event=expected_event)
    if slip.already_recorded and not replace:
        raise ConflictError(f"Slip {slip.reference} ({slip.pupil_name}) was recorded already.")
    if filming is None and recording is None:
        raise ValidationError("Tick at least one answer on the slip.")
    asked = slip.asks
    for code, answer, what in ((PARENT_FILMING, filming, "filming by parents"),
                               (SCHOOL_RECORDING, recording, "the school's own recording")):  # fmt: skip
        if answer is not None and code not in asked:
            raise ValidationError(f"This event's reply slip does not ask about {what}: leave that answer blank.")
    purposes = {p.code: p.id for p in session.scalars(select(ConsentPurpose))}
    day = signed_on or date.today()
    for code, answer in ((PARENT_FILMING, filming), (SCHOOL_RECORDING, recording)):
        if answer is None:
            continue
        decision = consent.DecisionInput(
            state=ConsentState.GRANTED if answer else ConsentState.REFUSED,
            given_by_kind=GivenByKind.PARENT,
            route=Route.PAPER_SLIP,
            given_on=day,
            given_by_name=given_by,
            given_by_relationship=relationship,
            # The family answered about this event: a yes covers it, not every performance after it.
            valid_until=slip.event_date if answer else None,
            source=_source(parse_reference(slip.reference)),
            # A letter addressed to one holder of parental responsibility: the answer is theirs.
            contact_id=slip.contact_id,
        )
        consent.record_decisions(session, actor, [slip.pupil_id], [purposes[code]], decision)
    return slip
