"""Consent letters for an event: who gets one, in what order, and the PDF (audited as a print)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.domain.events import slip_question
from safeguard_desktop.domain.purposes import basis_sentence
from safeguard_desktop.domain.slips import SlipReference
from safeguard_desktop.services import events, settings
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.events.templates import school_templates
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Contact

if TYPE_CHECKING:
    from safeguard_desktop.documents.letters import LetterPupil

#: "No current decision": nothing recorded, a request unanswered, or a grant that has lapsed.
UNDECIDED = frozenset({Verdict.NO_DECISION, Verdict.REQUESTED, Verdict.EXPIRED})


def consent_letters(
    session: Session,
    actor: Actor,
    event_id: int,
    *,
    only_undecided: bool = False,
    per_holder: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bytes, int]:
    """One combined PDF of letters with reply slips, in class then surname order. Returns (pdf, letters)."""
    actor.require(Operation.MANAGE_EVENTS)
    from safeguard_desktop.documents.letters import LetterEvent, render_letters

    roster = events.roster(session, actor, event_id)
    lines = [line for line in roster.lines if not only_undecided or roster.undecided(line)]
    if not roster.purposes:
        raise ValidationError("This event's policy asks families nothing (nobody films or records it): no letters.")
    if not lines:
        raise ValidationError(
            "No letters to print: every pupil taking part already has a decision."
            if only_undecided
            else "Nobody takes part in this event yet."
        )
    school = settings.get_school(session)
    addressed = _addressees(session, event_id, lines, per_holder)
    pdf = render_letters(
        settings.letterhead(school, unnamed="Our school"),
        LetterEvent(
            roster.event.name,
            roster.event.starts_at,
            roster.event.venue,
            roster.event.wording,
            school_templates(session),
            roster.event.footage_offered,
            basis_sentence([(p.name, p.lawful_basis) for p in roster.purposes]),
            tuple(
                slip_question(p.code, roster.event.policy, roster.event.footage_offered, p.name)
                for p in roster.purposes
            ),
        ),
        addressed,
        today=datetime.now(),
        progress=progress,
    )
    how = " (one per holder of parental responsibility)" if per_holder else ""
    audit.record(session, actor, "printed consent letters", "event", event_id, f"{len(addressed)} letters{how}")
    return pdf, len(addressed)


def _addressees(session: Session, event_id: int, lines: list[events.RosterLine], per_holder: bool) -> list[LetterPupil]:
    """A letter per pupil — or, ``per_holder``, one per holder of parental responsibility (each with their own
    slip reference, so their answer is theirs), first contact first; a pupil with none gets one as before."""
    from safeguard_desktop.documents.letters import LetterPupil

    holders: dict[int, list[Contact | None]] = {}
    if per_holder:
        query = (
            select(Contact)
            .where(Contact.pupil_id.in_([line.pupil.id for line in lines]), Contact.active.is_(True))
            .where(Contact.parental_responsibility.is_(True))
            .order_by(Contact.priority, Contact.id)
        )
        for holder in session.scalars(query):
            holders.setdefault(holder.pupil_id, []).append(holder)
    made = []
    for line in lines:
        name = f"{line.pupil.forename} {line.pupil.surname}"
        for contact in holders.get(line.pupil.id) or [None]:
            to = ""
            if contact is not None:
                to = f"{contact.name} ({contact.relationship})" if contact.relationship else contact.name
            reference = SlipReference(event_id, line.pupil.id, contact.id if contact is not None else None)
            made.append(LetterPupil(name, line.pupil.forename, line.pupil.reg_group, str(reference), to))
    return made
