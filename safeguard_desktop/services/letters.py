"""Consent letters for an event: who gets one, in what order, and the PDF (audited as a print)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.domain.events import slip_question
from safeguard_desktop.domain.slips import SlipReference
from safeguard_desktop.services import audit, events, settings
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.templates import school_templates

#: "No current decision": nothing recorded, a request unanswered, or a grant that has lapsed.
UNDECIDED = frozenset({Verdict.NO_DECISION, Verdict.REQUESTED, Verdict.EXPIRED})


def consent_letters(
    session: Session,
    actor: Actor,
    event_id: int,
    *,
    only_undecided: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bytes, int]:
    """One combined PDF of letters with reply slips, in class then surname order. Returns (pdf, letters)."""
    actor.require(Operation.MANAGE_EVENTS)
    from safeguard_desktop.documents.letters import LetterEvent, LetterPupil, render_letters

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
    pdf = render_letters(
        settings.letterhead(school, unnamed="Our school"),
        LetterEvent(
            roster.event.name,
            roster.event.starts_at,
            roster.event.venue,
            roster.event.wording,
            school_templates(session),
            roster.event.footage_offered,
            tuple(
                slip_question(p.code, roster.event.policy, roster.event.footage_offered, p.name)
                for p in roster.purposes
            ),
        ),
        [
            LetterPupil(
                f"{line.pupil.forename} {line.pupil.surname}",
                line.pupil.forename,
                line.pupil.reg_group,
                str(SlipReference(event_id, line.pupil.id)),
            )
            for line in lines
        ],
        today=datetime.now(),
        progress=progress,
    )
    audit.record(session, actor, "printed consent letters", "event", event_id, f"{len(lines)} letters")
    return pdf, len(lines)
