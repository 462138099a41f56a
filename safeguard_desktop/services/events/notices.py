"""The event's notice, announcement, confidential staff briefing and chase list, as PDF bytes (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from safeguard_desktop.domain.slips import SlipReference
from safeguard_desktop.services import events, settings
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.events.templates import school_templates
from safeguard_desktop.services.records import audit

if TYPE_CHECKING:
    from safeguard_desktop.documents.layout import LetterEvent, LetterSchool
    from safeguard_desktop.services.events import EventRoster


def _school_and_event(session: Session, event_id: int) -> tuple[EventRoster, LetterSchool, LetterEvent]:
    """Callers check their permission first."""
    from safeguard_desktop.documents.letters import LetterEvent

    roster = events.roster_unchecked(session, event_id)
    school = settings.get_school(session)
    letter_school = settings.letterhead(school, unnamed="Our school")
    e = roster.event
    return roster, letter_school, LetterEvent(e.name, e.starts_at, e.venue, e.wording, school_templates(session),
                                              footage_offered=e.footage_offered, policy=e.policy.value)  # fmt: skip


def notice(session: Session, actor: Actor, event_id: int, *, size: str = "A4") -> bytes:
    """The notice for the venue door (A4 or A3). It names no pupil."""
    actor.require(Operation.MANAGE_EVENTS)
    from safeguard_desktop.documents.notices import render_notice

    _roster, school, event = _school_and_event(session, event_id)
    audit.record(session, actor, f"printed the event notice ({size.upper()})", "event", event_id)
    return render_notice(school, event, size=size)


def announcement(session: Session, actor: Actor, event_id: int) -> bytes:
    """The words to read aloud at the start. It names no pupil."""
    actor.require(Operation.MANAGE_EVENTS)
    from safeguard_desktop.documents.notices import render_announcement

    _roster, school, event = _school_and_event(session, event_id)
    audit.record(session, actor, "printed the announcement", "event", event_id)
    return render_announcement(school, event)


def briefing(session: Session, actor: Actor, event_id: int) -> bytes:
    """The confidential staff briefing: who must not be filmed, by class; never a reason. Staff on a register's
    server read it as the office or a lead last published it (services/server_briefings.py)."""
    actor.require(Operation.VIEW_BRIEFING)
    from safeguard_desktop.services import server_briefings

    if not actor.may(Operation.VIEW_REGISTER) and server_briefings.on_a_server(session):
        return server_briefings.published(session, actor, event_id)
    from safeguard_desktop.documents.notices import BriefingPupil, render_briefing
    from safeguard_desktop.services.pupils.photos import photos_for

    roster, school, event = _school_and_event(session, event_id)
    photos = photos_for(session, [line.pupil.id for line in roster.must_not_be_filmed])
    pupils = [
        BriefingPupil(
            f"{line.pupil.forename} {line.pupil.surname}",
            line.pupil.reg_group,
            line.pupil.never_photograph,
            photos.get(line.pupil.id),
            _why_not(roster, line),
        )
        for line in roster.must_not_be_filmed
    ]
    audit.record(session, actor, "viewed the confidential briefing", "event", event_id, f"{len(pupils)} pupils")
    return render_briefing(school, event, pupils)


_WHY_NOT = {"parent_filming": "no consent for filming by parents", "school_recording": "not in the school's recording"}


def _why_not(roster: events.EventRoster, line: events.RosterLine) -> str:
    """What staff must avoid for one pupil, in the words of the purposes the event needs (never a reason)."""
    missing = [p.code for p, v in zip(roster.purposes, line.verdicts, strict=False) if not v.allowed]
    words = [_WHY_NOT.get(code, "no consent for images") for code in missing]
    return "; ".join(dict.fromkeys(words)) or "no consent for filming"


def chase_list(session: Session, actor: Actor, event_id: int) -> bytes:
    """Families whose slips have not come back (no current decision for filming by parents)."""
    actor.require(Operation.MANAGE_EVENTS)
    from safeguard_desktop.documents.notices import ChaseLine, render_chase_list

    roster, school, event = _school_and_event(session, event_id)
    waiting = [line for line in roster.lines if not line.pupil.never_photograph and roster.undecided(line)]
    ring = _contacts_to_ring(session, [line.pupil.id for line in waiting])
    lines = [
        ChaseLine(
            f"{line.pupil.forename} {line.pupil.surname}",
            line.pupil.reg_group,
            str(SlipReference(event_id, line.pupil.id)),
            tuple(ring.get(line.pupil.id, ())),
        )
        for line in waiting
    ]
    audit.record(session, actor, "printed the chase list", "event", event_id, f"{len(lines)} families")
    return render_chase_list(school, event, lines)


def _contacts_to_ring(session: Session, pupil_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Up to two contacts with parental responsibility per pupil, first contact first, as the chase list prints
    them: ("name (relationship)", phone, else email)."""
    from sqlalchemy import select

    from safeguard_desktop.store.models import Contact

    found: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(pupil_ids), 500):
        rows = session.execute(
            select(Contact.pupil_id, Contact.name, Contact.relationship, Contact.phone, Contact.email)
            .where(
                Contact.pupil_id.in_(pupil_ids[start : start + 500]), Contact.active, Contact.parental_responsibility
            )
            .order_by(Contact.pupil_id, Contact.priority, Contact.id)
        )
        for pupil_id, name, relationship, phone, email in rows:
            kept = found.setdefault(pupil_id, [])
            if len(kept) < 2:
                said = f"{name} ({relationship})" if relationship else name
                kept.append((said, phone or email))
    return found


def follow_up_letter(session: Session, actor: Actor, event_id: int, *, to: str = "", platform: str = "") -> bytes:
    """A request to remove images posted against the event's policy (names only whom the office types)."""
    actor.require(Operation.MANAGE_EVENTS)
    from safeguard_desktop.documents.notices import render_follow_up

    for value, what in ((to, "name"), (platform, "platform")):
        if len(value) > 200 or any(ord(c) < 32 for c in value):
            from safeguard_desktop.services.errors import ValidationError

            raise ValidationError(f"The {what} must be one line of at most 200 characters.")
    _roster, school, event = _school_and_event(session, event_id)
    audit.record(session, actor, "printed a request to remove images", "event", event_id, platform)
    return render_follow_up(school, event, to=to, platform=platform)
