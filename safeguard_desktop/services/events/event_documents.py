"""The documents an event has, by kind: one place that knows them, for the app and the CLI alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from safeguard_desktop.domain.events import DOCUMENT_KINDS
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.events import letters, notices


@dataclass(frozen=True)
class EventDocument:
    """A made document: the PDF, what it is, and a line saying what is in it."""

    kind: str
    title: str
    pdf: bytes
    summary: str


@changes(Topic.DOCUMENTS)
def make_document(
    session: Session,
    actor: Actor,
    event_id: int,
    kind: str,
    *,
    only_undecided: bool = False,
    per_holder: bool = False,
    to: str = "",
    platform: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> EventDocument:
    """Make the event's document of ``kind`` (each service checks the role and writes its own audit entry)."""
    title = DOCUMENT_KINDS.get(kind)
    if title is None:
        raise ValidationError(f"No document called {kind!r}: choose one of {', '.join(DOCUMENT_KINDS)}.")
    if kind == "letters":
        pdf, count = letters.consent_letters(
            session, actor, event_id, only_undecided=only_undecided, per_holder=per_holder, progress=progress
        )
        return EventDocument(kind, title, pdf, f"{count} letters")
    makers: dict[str, Callable[[], bytes]] = {
        "notice": lambda: notices.notice(session, actor, event_id),
        "notice-a3": lambda: notices.notice(session, actor, event_id, size="A3"),
        "announcement": lambda: notices.announcement(session, actor, event_id),
        "briefing": lambda: notices.briefing(session, actor, event_id),
        "chase": lambda: notices.chase_list(session, actor, event_id),
        "followup": lambda: notices.follow_up_letter(session, actor, event_id, to=to, platform=platform),
    }
    return EventDocument(kind, title, makers[kind](), title)
