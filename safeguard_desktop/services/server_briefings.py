"""The staff briefings on a register's server: staff hold no right to the consent decisions, contacts or photos a
briefing is worked out from, so — as the staff room does for a register on one computer — the office or a lead
publishes the coming events' briefings (at their sign-in, and again after a change staff should see), and staff
read the published PDF, each reading audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.store.models import PublishedBriefing


def on_a_server(session: Session) -> bool:
    """True for a session on a database server (where staff read published briefings)."""
    return session.get_bind().dialect.name == "postgresql"


@changes(Topic.DOCUMENTS)
def publish(session: Session, actor: Actor, today: date | None = None) -> int:
    """The coming events' briefings (a week back to a fortnight ahead, as the staff room's), made now and kept for
    staff; those of other events removed. How many."""
    from safeguard_desktop.services.accounts.staff_room import _briefings

    actor.require(Operation.VIEW_REGISTER)  # (the office and the leads, who read the register)
    if not on_a_server(session):
        raise ValidationError("A register on this computer publishes its briefings to the staff room (publish).")
    made = list(_briefings(session, actor, today or date.today()))
    kept = {b.event_id for b in made}
    session.execute(delete(PublishedBriefing).where(PublishedBriefing.event_id.not_in(kept)))
    now = datetime.now()
    for briefing in made:
        row = session.get(PublishedBriefing, briefing.event_id)
        if row is None:
            session.add(PublishedBriefing(event_id=briefing.event_id, made_at=now, made_by=actor.name,
                                          pdf=briefing.pdf))  # fmt: skip
        else:
            row.made_at, row.made_by, row.pdf = now, actor.name, briefing.pdf
    return len(made)


def published(session: Session, actor: Actor, event_id: int) -> bytes:
    """The event's briefing as last published (staff on a server), audited; a plain refusal when there is none."""
    from safeguard_desktop.services.records import audit

    actor.require(Operation.VIEW_BRIEFING)
    row = session.execute(select(PublishedBriefing.pdf, PublishedBriefing.made_at)
                          .where(PublishedBriefing.event_id == event_id)).first()  # fmt: skip
    if row is None:
        raise ValidationError("This event's briefing has not been published yet: the office or a safeguarding "
                              "lead publishes the coming events' briefings when they sign in. Ask them, or try "
                              "later.")  # fmt: skip
    audit.record(session, actor, "viewed the confidential briefing", "event", event_id,
                 f"as published on {row.made_at:%d/%m/%Y at %H:%M}")  # fmt: skip
    return bytes(row.pdf)
