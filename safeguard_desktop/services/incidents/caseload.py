"""A safeguarding lead's caseload: what is new since they last signed in, what is urgent, what is overdue — and the
filters the incidents list offers. Read from the list's own lines (incident_lines): nothing sealed is opened."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.domain.incidents import Category, Status, Urgency
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.incidents import IncidentLine, incident_lines
from safeguard_desktop.services.records import transfers
from safeguard_desktop.store.models import AuditEntry

#: Without an earlier sign-in to go by (a register without accounts), "new" is the last week.
NEW_WITHOUT_SIGN_IN = timedelta(days=7)
URGENT = frozenset({Urgency.HIGH, Urgency.IMMEDIATE})


def since_last_sign_in(session: Session, actor: Actor) -> datetime | None:
    """When this account signed in before the current sign-in (from the audit trail), or None."""
    actor.require(Operation.READ_INCIDENTS)
    if not actor.username:
        return None
    query = (select(AuditEntry.at).where(AuditEntry.action == "signed in", AuditEntry.record_id == actor.username)
             .order_by(AuditEntry.id.desc()).limit(2))  # fmt: skip
    times = list(session.scalars(query))
    return times[1] if len(times) > 1 else None


def _actions_due(line: IncidentLine, me: str) -> int:
    """How many of the line's actions to do are ``me``'s and due today or before."""
    today = date.today()
    return sum(1 for due, who in line.actions if me and who == me and due <= today)


#: The list's views: a name for the menu, and which lines it keeps (given when "new" starts, and who is asking).
FILTERS: dict[str, Callable[[IncidentLine, datetime, str], bool]] = {
    "Open and monitoring": lambda line, _new, _me: line.status is not Status.CLOSED,
    "My cases, not closed": lambda line, _new, me: bool(me) and line.owner == me and line.status is not Status.CLOSED,
    "Urgent and not closed": lambda line, _new, _me: line.status is not Status.CLOSED and line.urgency in URGENT,
    "Follow-up overdue": lambda line, _new, _me: line.overdue,
    "Nobody's case yet": lambda line, _new, _me: not line.owner and line.status is not Status.CLOSED,
    "My actions due": lambda line, _new, me: _actions_due(line, me) > 0,
    "Allegations against staff": lambda line, _new, _me: line.category is Category.ALLEGATION,
    "New since I last signed in": lambda line, new, _me: line.reported_at >= new,
    "Closed": lambda line, _new, _me: line.status is Status.CLOSED,
    "All incidents": lambda _line, _new, _me: True,
}


@dataclass(frozen=True)
class Around:
    """What the caseload is counted against: the lead's previous sign-in, and the child-protection files sent to
    new schools whose receipt is not yet confirmed (and of those, the ones past their 5 school days)."""

    since: datetime | None = None
    transfers_awaiting: int = 0
    transfers_late: int = 0


def around(session: Session, actor: Actor) -> Around:
    """The previous sign-in and the file transfers awaiting their receipt."""
    waiting = transfers.transfers(session, actor, awaiting_only=True)
    today = datetime.now().date()
    return Around(since_last_sign_in(session, actor), len(waiting), sum(1 for t in waiting if t.due_on < today))


@dataclass(frozen=True)
class Caseload:
    """The counts a lead sees first."""

    since: datetime | None
    new: int
    urgent: int
    overdue: int
    open: int
    transfers_awaiting: int = 0
    transfers_late: int = 0
    mine: int = 0
    mine_overdue: int = 0
    #: Actions to do that are the asking lead's, due today or before.
    my_actions_due: int = 0

    def describe(self) -> str:
        """One line: 'Since you last signed in (01/12/2026 09:12): 2 new · 1 urgent · 3 overdue · 7 open'."""
        when = (f"Since you last signed in ({format_uk_datetime(self.since)})" if self.since is not None
                else "In the last 7 days")  # fmt: skip
        files = ""
        if self.transfers_awaiting:
            late = f", {self.transfers_late} past its 5 school days" if self.transfers_late else ""
            files = f" · {self.transfers_awaiting} child-protection file(s) awaiting the new school's receipt{late}"
        mine = ""
        if self.mine:
            mine = f" · {self.mine} your case(s)" + (f", {self.mine_overdue} overdue" if self.mine_overdue else "")
        if self.my_actions_due:
            mine += f" · {self.my_actions_due} of your actions due"
        return (f"{when}: {self.new} new · {self.urgent} urgent and not closed · {self.overdue} follow-up(s) "
                f"overdue · {self.open} open in all{mine}{files}")  # fmt: skip

    def badge(self) -> str:
        """What the Incidents tab says beside its name: '2 urgent · 1 overdue', or ''."""
        overdue = self.overdue + self.transfers_late
        parts = [f"{self.urgent} urgent" if self.urgent else "", f"{overdue} overdue" if overdue else ""]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Listed:
    """The list's lines and, when they are all of them, their caseload — counted where they are read, off the GUI
    thread (at 50,000 lines the counting took the GUI thread 23 ms each time the list or its context arrived)."""

    lines: list[IncidentLine]
    caseload: Caseload | None  # None: only the newest lines were read


def listed(session: Session, actor: Actor, *, limit: int | None = None) -> Listed:
    """The leads' list (the newest ``limit`` when given) with its caseload when every line is in it."""
    lines = incident_lines(session, actor, limit=limit)
    whole = limit is None or len(lines) < limit
    return Listed(lines, summarise(lines, around(session, actor), actor.username) if whole else None)


def at_sign_in(session: Session, actor: Actor) -> Caseload:
    """The caseload as a lead signs in (every line read: off the GUI thread, after the register's first rows)."""
    return summarise(incident_lines(session, actor), around(session, actor), actor.username)


def new_from(since: datetime | None, now: datetime | None = None) -> datetime:
    """The moment after which an incident counts as new."""
    return since if since is not None else (now or datetime.now()) - NEW_WITHOUT_SIGN_IN


def summarise(lines: Sequence[IncidentLine], context: Around, me: str = "") -> Caseload:
    """The caseload of ``lines`` (``me``: the account asking, for "your cases")."""
    lines = [line for line in lines if line.readable]  # a restricted case of others' counts for nobody else
    new = new_from(context.since)
    mine = [line for line in lines if FILTERS["My cases, not closed"](line, new, me)]
    return Caseload(
        context.since,
        sum(1 for line in lines if line.reported_at >= new),
        sum(1 for line in lines if FILTERS["Urgent and not closed"](line, new, me)),
        sum(1 for line in lines if line.overdue),
        sum(1 for line in lines if line.status is not Status.CLOSED),
        context.transfers_awaiting,
        context.transfers_late,
        len(mine),
        sum(1 for line in mine if line.overdue),
        sum(_actions_due(line, me) for line in lines),
    )


def shown(lines: Sequence[IncidentLine], view: str, text: str, since: datetime | None,
          me: str = "") -> list[IncidentLine]:  # fmt: skip
    """The lines a view keeps whose number or category has every word of ``text``."""
    keep, new = FILTERS[view], new_from(since)
    words = text.casefold().split()

    def matches(line: IncidentLine) -> bool:
        if not line.readable:
            return all(word in f"{line.id} restricted" for word in words)
        said = f"{line.id} {line.category.value} {line.status.value} {line.urgency.value}"
        return all(word in said for word in words)

    def kept(line: IncidentLine) -> bool:  # another readers' restricted case is only in the list of all incidents
        return keep(line, new, me) if line.readable else view == "All incidents"

    return [line for line in lines if kept(line) and (not words or matches(line))]
