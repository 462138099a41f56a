"""The leads' list of incidents and the staff's own reports: read from the columns the lists show, one sealed value
opened per line (no summary, people or chronology), fast at a trust's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.incidents import Category, Status, Urgency
from safeguard_desktop.security import sealing
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.incidents import _sealed_facts, choice
from safeguard_desktop.store.models import Incident


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """One line of the leads' list: what it shows and nothing more (the summary, people and chronology stay sealed
    until the incident is opened)."""

    id: int
    reported_at: datetime
    category: Category
    status: Status
    urgency: Urgency
    follow_up_on: date | None
    #: The case owner's account, or "" when nobody has taken it.
    owner: str = ""
    #: A restricted case; ``readable`` False when the one asking is not among its named readers (the line then
    #: shows nothing of it but its number and date, and the caseload does not count it).
    restricted: bool = False
    readable: bool = True
    #: The actions still to do: (due on, the lead's account it is for).
    actions: tuple[tuple[date, str], ...] = ()
    #: Its category, status or urgency is none the app writes (a row written outside the app): shown open.
    damaged: bool = False

    @property
    def overdue(self) -> bool:
        """A follow-up date in the past on an incident not closed."""
        return self.status is not Status.CLOSED and self.follow_up_on is not None and self.follow_up_on < date.today()


@dataclass(frozen=True)
class OwnReport:
    """What staff see of the incidents they logged: the status, and their own summary (from the copy sealed to
    their own key) — never the follow-up, never anyone else's report."""

    id: int
    reported_at: datetime
    status: Status
    summary: str = ""


def unreadable_restricted(session: Session, actor: Actor) -> int:
    """How many restricted cases the actor is not a named reader of (nothing else of them is known to them)."""
    numbers = session.scalars(select(Incident.id).where(Incident.case_public.is_not(None)))
    return sum(1 for number in numbers if number not in actor.case_keys)


def _line(number: int, at: datetime, meta: str | None, columns: tuple[str, str, str, date | None, str | None],
          actor: Actor) -> IncidentLine:  # fmt: skip
    category, status, urgency, follow_up_on, owner = columns
    case = sealing.case_of(meta)
    if case is not None and case not in actor.case_keys:
        return IncidentLine(number, at, Category.OTHER, Status.OPEN, Urgency.MEDIUM, None, "", True, False)
    actions: tuple[tuple[date, str], ...] = ()
    if meta:  # a protected register: the facts are one sealed value, the only one opened per line
        known = _sealed_facts(actor, meta)
        category, status, urgency, follow_up_on, owner = (known.category, known.status, known.urgency,
                                                          known.follow_up_on, known.owner)  # fmt: skip
        actions = tuple((date.fromisoformat(a["due_on"]), str(a.get("for") or "")) for a in known.actions
                        if a.get("due_on"))  # fmt: skip
    kind, state, urgent = choice(Category, category), choice(Status, status), choice(Urgency, urgency)
    return IncidentLine(number, at, Category.OTHER if kind is None else kind, Status.OPEN if state is None else state,
                        Urgency.MEDIUM if urgent is None else urgent, follow_up_on, owner or "", case is not None,
                        True, actions, None in (kind, state, urgent))  # fmt: skip


def incident_lines(session: Session, actor: Actor, *, limit: int | None = None) -> list[IncidentLine]:
    """The leads' list, newest first: number, date, category, status, urgency and follow-up only — read from those
    columns alone (no summary, people or chronology loaded), one sealed value opened per line. ``limit``: the
    newest so many (the screen shows them first while the rest are read)."""
    actor.require(Operation.READ_INCIDENTS)
    from safeguard_desktop.services.incidents.restricted import load_case_keys

    load_case_keys(session, actor)  # a case restricted since, or given to this lead since, is seen at once
    query = select(Incident.id, Incident.reported_at, Incident.meta, Incident.category, Incident.status,
                   Incident.urgency, Incident.follow_up_on, Incident.owner)  # fmt: skip
    query = query.order_by(Incident.reported_at.desc(), Incident.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [_line(number, at, meta, (category, status, urgency, follow, owner), actor)
            for number, at, meta, category, status, urgency, follow, owner in session.execute(query)]  # fmt: skip


def my_reports(session: Session, actor: Actor) -> list[OwnReport]:
    """The incidents this person logged, with their status only: matched by account, never by display name (two
    staff may share one). An incident from before accounts were recorded counts as theirs only when its copy
    sealed to their own key opens."""
    actor.require(Operation.LOG_INCIDENT)
    query = select(
        Incident.id, Incident.reported_at, Incident.status, Incident.reporter_copy, Incident.reported_by_user
    )
    if actor.username:
        query = query.where(
            (Incident.reported_by_user == actor.username)
            | (Incident.reported_by_user.is_(None) & (Incident.reported_by == actor.name))
        )
    else:  # an unencrypted register from an earlier version: no accounts, the person at the computer
        query = query.where(Incident.reported_by == actor.name)
    reports = []
    for number, at, status, copy, user in session.execute(query.order_by(Incident.reported_at.desc())):
        summary = sealing.reveal_own(actor, copy)
        if actor.username and user is None and not summary:
            continue  # same display name, but not provably theirs
        state = choice(Status, status)
        reports.append(OwnReport(number, at, Status.OPEN if state is None else state, summary))
    return reports
