"""Events (performances): create them, list them, and see who may be filmed — decided by the one consent rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.domain.events import (
    PARENT_FILMING,
    SCHOOL_RECORDING,
    FilmingPolicy,
    needed_purposes,
    policy_text,
)
from safeguard_desktop.domain.pupils import YEAR_GROUPS, normalise_year_group, search_key, year_group_order
from safeguard_desktop.domain.text import normal_newlines, unsafe_character
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.consent.snapshot import PupilRow, PurposeInfo
from safeguard_desktop.services.errors import ConflictError, NotFound, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Event, EventGroup, EventPupil, Pupil


@dataclass(frozen=True)
class EventInput:
    """What a person enters to create an event."""

    name: str
    starts_at: datetime
    venue: str
    policy: FilmingPolicy
    policy_text: str = ""
    footage_offered: bool = False
    year_groups: Sequence[str] = ()
    classes: Sequence[str] = ()
    pupil_ids: Sequence[int] = ()
    #: For a custom policy: the consent purposes (codes) pupils need; empty follows the usual rule.
    purpose_codes: Sequence[str] = ()


@dataclass(frozen=True)
class EventSummary:
    """An event as lists show it."""

    id: int
    name: str
    starts_at: datetime
    venue: str
    policy: FilmingPolicy
    wording: str
    footage_offered: bool
    year_groups: tuple[str, ...]
    classes: tuple[str, ...]
    picked: int
    #: The consent purposes (codes) a pupil needs granted at this event, as its policy names them.
    purposes: tuple[str, ...] = ()
    #: The row's version when read: a change made with it is refused if someone changed the event since.
    version: int = 0
    archived: bool = False
    #: For a custom policy, its own wording and purposes as typed (to edit them).
    own_wording: str = ""
    own_purposes: tuple[str, ...] = ()
    picked_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RosterLine:
    """One participant with the rule's answer for each purpose the event's policy needs."""

    pupil: PupilRow
    verdicts: tuple[Verdict, ...]

    @property
    def allowed(self) -> bool:
        """True when every purpose the event needs is granted (and the pupil may appear in its images)."""
        return all(v.allowed for v in self.verdicts)

    def first_no(self) -> Verdict | None:
        """Why not, when not: the first purpose's verdict that says no."""
        return next((v for v in self.verdicts if not v.allowed), None)


_UNDECIDED = (Verdict.NO_DECISION, Verdict.REQUESTED, Verdict.EXPIRED)


@dataclass
class EventRoster:
    """Who takes part, and who may and may not appear in the event's images, with counts."""

    event: EventSummary
    purposes: tuple[PurposeInfo, ...] = ()
    lines: list[RosterLine] = field(default_factory=list)
    #: How many take part: more than the lines when only the first of them were read (``roster(first=...)``).
    total: int | None = None

    @property
    def complete(self) -> bool:
        """True when every participant is in it (its counts are the event's)."""
        return self.total is None or len(self.lines) >= self.total

    def verdict(self, line: RosterLine, code: str) -> Verdict | None:
        """A line's verdict for one purpose (None when the event does not need it)."""
        codes = [p.code for p in self.purposes]
        return line.verdicts[codes.index(code)] if code in codes else None

    # Worked out once (the lines are complete when the roster is returned): a whole-school event has 50,000 lines,
    # and the screen asks for these on the GUI thread.
    @cached_property
    def may_be_filmed(self) -> list[RosterLine]:
        """Participants who may appear in the event's images: every needed purpose granted, no never-photograph."""
        return [line for line in self.lines if line.allowed]

    @cached_property
    def must_not_be_filmed(self) -> list[RosterLine]:
        """Everyone else: a needed purpose not granted (no answer, refused, withdrawn, expired, a conflict), or
        never photograph."""
        return [line for line in self.lines if not line.allowed]

    def undecided(self, line: RosterLine) -> bool:
        """True when a needed purpose has no answer in force yet (a letter is still worth sending)."""
        return any(v in _UNDECIDED for v in line.verdicts)

    def counts(self) -> dict[str, int]:
        """Totals for the screen and the CLI, and one per purpose the event needs."""
        return dict(self._totals)

    @cached_property
    def _totals(self) -> dict[str, int]:
        totals = {
            "participants": len(self.lines),
            "may_be_filmed": len(self.may_be_filmed),
            "must_not_be_filmed": len(self.must_not_be_filmed),
            "never_photograph": sum(1 for line in self.lines if line.pupil.never_photograph),
            "no_decision": sum(1 for line in self.lines if not line.pupil.never_photograph and self.undecided(line)),
            "conflicts": sum(1 for line in self.lines if Verdict.CONFLICT in line.verdicts),
        }
        for i, purpose in enumerate(self.purposes):
            totals[f"granted:{purpose.code}"] = sum(1 for line in self.lines if line.verdicts[i].allowed)
        return totals

    def describe(self) -> str:
        """The counts in words that follow the policy ("may be filmed by parents" only where parents may film)."""
        c = self.counts()
        needs = " and ".join(_NEED_WORDS.get(p.code, f"may appear in images for {p.name}") for p in self.purposes)
        conflicts = f", {c['conflicts']} with answers that disagree" if c["conflicts"] else ""
        if not self.purposes:
            return f"{c['participants']} taking part · nobody is filmed or recorded at this event"
        return (f"{c['participants']} taking part · {c['may_be_filmed']} {needs} · {c['must_not_be_filmed']} must "
                f"not be ({c['never_photograph']} never photograph, {c['no_decision']} with no answer yet"
                f"{conflicts})")  # fmt: skip


_NEED_WORDS = {PARENT_FILMING: "may be filmed by parents", SCHOOL_RECORDING: "may be in the school's recording"}


def _clean(text: str, what: str, limit: int, *, required: bool = False) -> str:
    text = normal_newlines(text)
    value = " ".join(text.split()) if "\n" not in text else text.strip()
    bad = unsafe_character(value, multiline=True)
    if bad is not None:
        raise ValidationError(f"The {what} contains {bad}, which cannot be printed; retype that part.", field=what)
    if required and not value:
        raise ValidationError(f"Give the event a {what}.")
    if len(value) > limit:
        raise ValidationError(f"The {what} is longer than {limit} characters.")
    return value


def _custom_codes(session: Session, data: EventInput) -> list[str]:
    """The purposes a custom policy names, checked against the school's (none for the usual policies)."""
    if data.policy is not FilmingPolicy.CUSTOM:
        return []
    known = {p.code for p in grid.list_purposes(session)}
    codes = list(dict.fromkeys(c.strip() for c in data.purpose_codes if c.strip()))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(f"No active consent purpose {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
    return codes


def _apply(session: Session, event: Event, data: EventInput) -> None:
    """Check ``data`` and put it on ``event`` (a new one or one being changed)."""
    name = _clean(data.name, "name", 200, required=True)
    venue = _clean(data.venue, "venue", 200)
    custom = _clean(data.policy_text, "policy wording", 4000)
    if data.policy is FilmingPolicy.CUSTOM and not custom:
        raise ValidationError("Write the school's own filming wording, or choose one of the usual policies.")
    if not (data.year_groups or data.classes or data.pupil_ids):
        raise ValidationError("Choose who takes part: year groups, classes or pupils.")
    years = []
    for year in data.year_groups:
        try:
            years.append(normalise_year_group(year))
        except ValueError as exc:
            raise ValidationError(f"{exc}. Year groups are {', '.join(YEAR_GROUPS)}.") from exc
    classes = [_clean(c, "class", 40, required=True) for c in data.classes]
    known = set(session.scalars(select(Pupil.id).where(Pupil.id.in_(list(data.pupil_ids)))))
    if set(data.pupil_ids) - known:
        raise NotFound("A chosen pupil is no longer in the register; reload and choose again.")
    event.name, event.starts_at, event.venue = name, data.starts_at, venue
    event.filming_policy, event.policy_text = data.policy.value, custom
    event.footage_offered = data.footage_offered
    event.purpose_codes = ",".join(_custom_codes(session, data))
    groups = [("year", y) for y in dict.fromkeys(years)] + [("class", c) for c in dict.fromkeys(classes)]
    if [(g.kind, g.value) for g in event.groups] != groups:
        event.groups = [EventGroup(kind=kind, value=value) for kind, value in groups]
    picked = list(dict.fromkeys(data.pupil_ids))
    if [p.pupil_id for p in event.picked] != picked:
        event.picked = [EventPupil(pupil_id=pid) for pid in picked]


@changes(Topic.EVENTS)
def create_event(session: Session, actor: Actor, data: EventInput) -> int:
    """Create an event with its participating groups and pupils. Returns its id."""
    actor.require(Operation.MANAGE_EVENTS)
    event = Event(created_by=actor.name, created_at=datetime.now())
    event.groups, event.picked = [], []
    _apply(session, event, data)
    session.add(event)
    session.flush()
    audit.record(session, actor, "created event", "event", event.id, event.name)
    return event.id


def _event_at(session: Session, event_id: int, version: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"No event with number {event_id}: someone may have deleted it. Reload the list.")
    if event.version != version:
        raise ConflictError(f"{event.name} was changed by someone else since you opened it. Reload it and try again.")
    return event


@changes(Topic.EVENTS)
def update_event(session: Session, actor: Actor, event_id: int, data: EventInput, *, version: int) -> None:
    """Change an event (``version`` as read: a change made meanwhile elsewhere is refused, never overwritten).
    Letters already sent keep what they said; the audit says what changed."""
    actor.require(Operation.MANAGE_EVENTS)
    event = _event_at(session, event_id, version)
    before = _summary(event)
    _apply(session, event, data)
    session.flush()
    after = _summary(event)
    changed = [label for label, a, b in (
        ("name", before.name, after.name), ("date", before.starts_at, after.starts_at),
        ("venue", before.venue, after.venue), ("policy", before.wording, after.wording),
        ("year groups", before.year_groups, after.year_groups), ("classes", before.classes, after.classes),
        ("chosen pupils", before.picked_ids, after.picked_ids)) if a != b]  # fmt: skip
    audit.record(session, actor, "changed event", "event", event.id,
                 f"{after.name}: {', '.join(changed) or 'nothing'} changed")  # fmt: skip


@changes(Topic.EVENTS)
def archive_event(session: Session, actor: Actor, event_id: int, *, version: int, archived: bool = True) -> None:
    """Archive an event (kept with its history, out of the list being worked on), or bring it back."""
    actor.require(Operation.MANAGE_EVENTS)
    event = _event_at(session, event_id, version)
    event.archived_at = datetime.now() if archived else None
    session.flush()
    audit.record(session, actor, "archived event" if archived else "restored event", "event", event.id, event.name)


@changes(Topic.EVENTS)
def delete_event(session: Session, actor: Actor, event_id: int, *, version: int) -> None:
    """Delete an event made by mistake. Decisions recorded from its slips stay (they name it as their source);
    the audit keeps its name, date and every document made for it; a slip returned later is named as unknown."""
    actor.require(Operation.MANAGE_EVENTS)
    event = _event_at(session, event_id, version)
    detail = f"{event.name}, {event.starts_at:%d/%m/%Y %H:%M}"
    session.delete(event)
    session.flush()
    audit.record(session, actor, "deleted event", "event", event_id, detail)


def _summary(event: Event) -> EventSummary:
    policy = FilmingPolicy(event.filming_policy)
    return EventSummary(
        event.id,
        event.name,
        event.starts_at,
        event.venue,
        policy,
        policy_text(policy, event.policy_text, event.footage_offered),
        event.footage_offered,
        tuple(sorted((g.value for g in event.groups if g.kind == "year"), key=year_group_order)),
        tuple(sorted(g.value for g in event.groups if g.kind == "class")),
        len(event.picked),
        purposes_of(event),
        event.version,
        event.archived_at is not None,
        event.policy_text,
        tuple(c for c in event.purpose_codes.split(",") if c),
        tuple(p.pupil_id for p in event.picked),
    )


def purposes_of(event: Event) -> tuple[str, ...]:
    """The consent purposes (codes) the event's policy needs (a custom policy's own, kept comma-separated)."""
    custom = [c for c in event.purpose_codes.split(",") if c]
    return needed_purposes(FilmingPolicy(event.filming_policy), event.footage_offered, custom)


def list_events(session: Session, actor: Actor, *, archived: bool = False) -> list[EventSummary]:
    """The events being worked on (or, with ``archived``, every event), soonest first."""
    actor.require(Operation.VIEW_EVENTS)
    query = select(Event).order_by(Event.starts_at, Event.id)
    if not archived:
        query = query.where(Event.archived_at.is_(None))
    return [_summary(e) for e in session.scalars(query)]


def roster(session: Session, actor: Actor, event_id: int, *, first: int | None = None) -> EventRoster:
    """The event's participants on the event's date, each decided by may_appear (through the register); with
    ``first``, only the first so many in class and name order (what the screen shows while it reads the rest:
    its counts are not the event's until the whole roster is read)."""
    actor.require(Operation.MANAGE_EVENTS)
    if first is None:
        found = roster_unchecked(session, event_id)
        found.counts()  # worked out here, off the GUI thread, and kept
        return found
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"No event with number {event_id}.")
    summary = _summary(event)
    taking_part = (Pupil.year_group.in_(summary.year_groups) | Pupil.reg_group.in_(summary.classes)
                   | Pupil.id.in_([p.pupil_id for p in event.picked]))  # fmt: skip
    where = (Pupil.on_roll.is_(True), taking_part)
    order = (Pupil.reg_group, Pupil.legal_surname, Pupil.legal_forename)
    ids = list(session.scalars(select(Pupil.id).where(*where).order_by(*order).limit(first)))
    partial = roster_unchecked(session, event_id, pupil_ids=ids)
    partial.total = session.scalar(select(func.count()).select_from(Pupil).where(*where)) or 0
    return partial


def roster_unchecked(session: Session, event_id: int, *, pupil_ids: Sequence[int] | None = None) -> EventRoster:
    """The roster, for services that have checked a narrower permission themselves (the staff briefing); only the
    pupils ``pupil_ids`` (among those taking part) when given."""
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"No event with number {event_id}.")
    summary = _summary(event)
    snapshot = grid.snapshot_on(session, event.starts_at.date(), pupil_ids=pupil_ids)
    codes = [p.code for p in snapshot.purposes]
    missing = [code for code in summary.purposes if code not in codes]
    if missing:
        raise ValidationError(
            f"The consent purposes this event needs ({', '.join(missing)}) have been retired; restore them in "
            "Settings > Consent purposes."
        )
    columns = [codes.index(code) for code in summary.purposes]
    years, classes = set(summary.year_groups), set(summary.classes)
    picked = {p.pupil_id for p in event.picked}
    result = EventRoster(summary, tuple(snapshot.purposes[i] for i in columns))
    for row in snapshot.rows:
        if row.year_group in years or row.reg_group in classes or row.id in picked:
            # Never photograph says no whatever the purposes (even where the event needs none).
            verdicts = tuple(row.verdicts[i] for i in columns) or ((Verdict.NEVER_PHOTOGRAPH,) if row.never_photograph
                                                                   else ())  # fmt: skip
            result.lines.append(RosterLine(row, verdicts))
    # Class, then surname and forename as the register orders them (accents and case folded: Çağla among the Cs).
    result.lines.sort(key=lambda line: (line.pupil.reg_group, search_key(line.pupil.surname),
                                        search_key(line.pupil.forename)))  # fmt: skip
    return result
