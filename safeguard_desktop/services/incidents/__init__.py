"""Online-safety incidents: log, follow up in an append-only chronology, close with the outcome and reason.

Content is for safeguarding leads. Staff may log an incident and see the status of their own reports, not
their content or anyone else's. Office staff see nothing of incidents. For guarded categories (illegal
content, nudes of under-18s) nothing but the fact of a report is kept: no links, no web addresses.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from safeguard_desktop.domain.incidents import (
    ALLEGATION_YEARS,
    DEFAULT_AXIS,
    FINDINGS,
    INVOLVEMENTS,
    REFERRAL_TO,
    Category,
    EntryKind,
    FourCs,
    Status,
    Urgency,
    next_working_day,
    pointer_problem,
)
from safeguard_desktop.domain.retention import add_years
from safeguard_desktop.domain.text import normal_newlines, unsafe_character
from safeguard_desktop.security import sealed_box, sealing
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import NotFound, PermissionDenied, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Incident, IncidentEntry, IncidentPerson, Pupil, UserAccount

# The rules (urgency, status, entry kinds, referral targets, the pointer guard) are the domain's; screens and the
# CLI reach them here too, beside the services that apply them.
__all__ = ["INVOLVEMENTS", "REFERRAL_TO", "EntryKind", "Status", "Urgency"]


@dataclass(frozen=True)
class PersonInput:
    """Someone involved. Pupils by register id; staff by name and role; "school" needs neither."""

    kind: str
    involvement: str
    pupil_id: int | None = None
    name: str = ""
    staff_role: str = ""


@dataclass(frozen=True)
class IncidentInput:
    """The form a member of staff fills in."""

    category: Category
    summary: str
    urgency: Urgency = Urgency.MEDIUM
    four_cs: FourCs | None = None
    occurred_at: datetime | None = None
    platforms: Sequence[str] = ()
    evidence_links: Sequence[str] = ()
    people: Sequence[PersonInput] = ()


@dataclass(frozen=True)
class EntryView:
    """A chronology line as leads read it."""

    id: int
    kind: str
    text: str
    referral_to: str
    reference: str
    reason: str
    corrects: int | None
    author: str
    at: datetime
    #: When the action happened, where it was written up later; None when it happened as it was recorded.
    happened_at: datetime | None = None


@dataclass
class IncidentView:
    """An incident as a safeguarding lead reads it."""

    id: int
    category: Category
    four_cs: FourCs
    urgency: Urgency
    status: Status
    occurred_at: datetime | None
    reported_at: datetime
    reported_by: str
    summary: str
    platforms: list[str]
    evidence_links: list[str]
    follow_up_on: date | None
    people: list[PersonInput] = field(default_factory=list)
    entries: list[EntryView] = field(default_factory=list)
    #: The case owner's account and name, or "".
    owner: str = ""
    owner_name: str = ""
    #: A restricted case: its content is sealed to its own key, given to its named readers only.
    restricted: bool = False
    #: Actions still to do: {"entry", "due_on", "for", "what"} each (Facts.actions).
    actions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        """A follow-up date in the past on an incident not closed."""
        return self.status is not Status.CLOSED and self.follow_up_on is not None and self.follow_up_on < date.today()


def _text(value: str, what: str, limit: int, *, required: bool = False) -> str:
    text = normal_newlines(value).strip()
    bad = unsafe_character(text, multiline=True)
    if bad is not None:
        raise ValidationError(f"The {what} contains {bad}, which cannot be kept; retype that part.", field=what)
    if required and not text:
        raise ValidationError(f"Write the {what}.")
    if len(text) > limit:
        raise ValidationError(f"The {what} is longer than {limit} characters.")
    return text


def _one_line(value: str, what: str, limit: int) -> str:
    """Platforms and links are kept one per line: a line break inside one would split it into two."""
    text = _text(value, what, limit)
    if "\n" in text or "\r" in text:
        raise ValidationError(f"Each {what} goes on one line; give several as separate entries.")
    return text


def _guard(category: Category, fields: dict[str, str], links: Sequence[str] = ()) -> None:
    """Refuse a pointer to the material in any field of a guarded incident, naming the field."""
    problem = pointer_problem(category, fields, links)
    if problem is not None:
        field_name, message = problem
        raise ValidationError(message, field=field_name)


def checked_input(data: IncidentInput) -> dict[str, Any]:
    """The form's content checked as every incident is (lengths, characters, guarded categories, people), as plain
    data: what a staff report carries to the leads, and what :func:`record_checked` stores."""
    summary = _text(data.summary, "summary of what happened", 8000, required=True)
    platforms = [_one_line(p, "platform", 100) for p in data.platforms if p.strip()]
    links = [_one_line(link, "link", 500) for link in data.evidence_links if link.strip()]
    guarded = {"summary of what happened": summary, **{f"platform “{p}”": p for p in platforms}}
    occurred = data.occurred_at
    if occurred is not None and occurred > datetime.now():
        raise ValidationError("When it happened cannot be in the future.")
    people = []
    for person in data.people:
        if person.involvement not in INVOLVEMENTS:
            raise ValidationError(f"Involvement must be one of: {', '.join(INVOLVEMENTS)}.")
        if person.kind == "pupil":
            if person.pupil_id is None:
                raise NotFound("A pupil linked to the incident is not in the register.")
        elif person.kind not in ("staff", "school", "other"):
            raise ValidationError("A person involved is a pupil, a member of staff, the school, or someone else.")
        people.append({
            "kind": person.kind,
            "involvement": person.involvement,
            "pupil_id": person.pupil_id if person.kind == "pupil" else None,
            "name": _text(person.name, "name", 200),
            "staff_role": _text(person.staff_role, "staff role", 100),
        })  # fmt: skip
        guarded[f"name of person {len(people)}"] = str(people[-1]["name"])
        guarded[f"role of person {len(people)}"] = str(people[-1]["staff_role"])
    _guard(data.category, guarded, links)
    return {
        "category": data.category.value,
        "four_cs": (data.four_cs or DEFAULT_AXIS[data.category]).value,
        "urgency": data.urgency.value,
        "occurred_at": occurred.isoformat() if occurred is not None else None,
        "summary": summary,
        "platforms": platforms,
        "links": links,
        "people": people,
    }


def _input_from(payload: dict[str, Any]) -> IncidentInput:
    """Plain data back into the form's content (a staff report as sent), for checking again before it is kept."""
    occurred = payload.get("occurred_at")
    return IncidentInput(
        category=Category(payload["category"]),
        summary=str(payload["summary"]),
        urgency=Urgency(payload["urgency"]),
        four_cs=FourCs(payload["four_cs"]),
        occurred_at=datetime.fromisoformat(occurred) if occurred else None,
        platforms=[str(p) for p in payload.get("platforms", [])],
        evidence_links=[str(link) for link in payload.get("links", [])],
        people=[_person(p) for p in payload.get("people", [])],
    )


@changes(Topic.INCIDENTS)
def record_incident(session: Session, actor: Actor, data: IncidentInput) -> int:
    """Log an incident. Returns its number."""
    actor.require(Operation.LOG_INCIDENT)
    return record_checked(session, actor, checked_input(data))


def record_checked(
    session: Session,
    actor: Actor,
    payload: dict[str, Any],
    *,
    report_ref: str | None = None,
    reported_at: datetime | None = None,
) -> int:
    """Keep an incident from checked plain data (checked again: a staff report comes from a file). A staff
    report (``report_ref``) keeps the time it was sent, and a pupil since gone from the register as a name."""
    actor.require(Operation.LOG_INCIDENT)
    checked = checked_input(_input_from(payload)) if report_ref is not None else payload
    now = datetime.now()
    people = []
    for person in checked["people"]:
        kind, pupil_id, name = person["kind"], person["pupil_id"], person["name"]
        if kind == "pupil" and (pupil_id is None or session.get(Pupil, pupil_id) is None):
            if report_ref is None:
                raise NotFound("A pupil linked to the incident is not in the register.")
            kind, pupil_id, name = "other", None, name or f"a pupil no longer on the register (number {pupil_id})"
        people.append({"kind": kind, "involvement": person["involvement"], "pupil_id": pupil_id, "name": name,
                       "staff_role": person["staff_role"]})  # fmt: skip
    occurred = checked["occurred_at"]
    facts = Facts(checked["category"], checked["four_cs"], checked["urgency"], Status.OPEN.value,
                  datetime.fromisoformat(occurred) if occurred else None, None, actor.name, actor.username or None,
                  people)  # fmt: skip
    allegation = checked["category"] == Category.ALLEGATION.value
    if allegation:
        if not actor.may(Operation.READ_INCIDENTS):
            raise ValidationError("An allegation against a member of staff goes to the headteacher in person, today "
                                  "(the chair of governors when it is about the headteacher); do not write it here.",
                                  field="category")  # fmt: skip
        # Due: the LADO told within one working day; high at least; restricted from the start (below).
        facts.follow_up_on = next_working_day(reported_at or now)
        if facts.urgency in (Urgency.LOW.value, Urgency.MEDIUM.value):
            facts.urgency = Urgency.HIGH.value
        facts.part4 = {"about_head": False, "case_manager": "", "finding": "", "keep_until": None}
    incident = Incident(
        reported_at=reported_at or now,
        summary=sealing.seal(session, checked["summary"]),
        platforms=sealing.seal(session, "\n".join(checked["platforms"])),
        evidence_links=sealing.seal(session, "\n".join(checked["links"])),
        created_at=now,
        reporter_copy=sealing.seal_for_author(session, actor.username, checked["summary"]),
        report_ref=report_ref,
    )
    _keep_facts(session, incident, facts)
    session.add(incident)
    session.flush()
    if allegation and sealing.protected(session) and actor.username:
        from safeguard_desktop.services.incidents.restricted import restrict

        restrict(session, actor, incident.id, [actor.username],
                 "An allegation against a member of staff: restricted from the start (KCSIE Part 4)")  # fmt: skip
    audit.record(session, actor, "logged an incident", "incident", incident.id,
                 sealer(session, incident)(checked["category"]))  # fmt: skip
    return incident.id


@dataclass
class Facts:
    """What an incident is, beyond its words: sealed as one value on a protected register, in columns otherwise."""

    category: str
    four_cs: str
    urgency: str
    status: str
    occurred_at: datetime | None
    follow_up_on: date | None
    reported_by: str
    reported_by_user: str | None
    #: {"kind", "involvement", "pupil_id", "name", "staff_role"} each (names as written, not sealed inside).
    people: list[dict[str, Any]] = field(default_factory=list)
    #: The case owner: the account of the lead who follows it up, or None; and their name as it was then.
    owner: str | None = None
    owner_name: str | None = None
    #: An allegation against staff (KCSIE Part 4): {"about_head", "case_manager", "finding", "keep_until"}.
    part4: dict[str, Any] | None = None
    #: Actions still to do: {"entry": chronology entry, "due_on": ISO date, "for": a lead's account, "what": text}.
    actions: list[dict[str, Any]] = field(default_factory=list)

    def plain(self) -> dict[str, Any]:
        """As JSON data."""
        data = {k: getattr(self, k) for k in ("category", "four_cs", "urgency", "status", "reported_by",
                                               "reported_by_user", "people", "owner", "owner_name",
                                               "part4", "actions")}  # fmt: skip
        data["occurred_at"] = self.occurred_at.isoformat() if self.occurred_at else None
        data["follow_up_on"] = self.follow_up_on.isoformat() if self.follow_up_on else None
        return data

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Facts:
        """Back from :meth:`plain` (KeyError, TypeError or ValueError when it is not such data)."""
        return cls(
            str(data["category"]), str(data["four_cs"]), str(data["urgency"]), str(data["status"]),
            datetime.fromisoformat(data["occurred_at"]) if data.get("occurred_at") else None,
            date.fromisoformat(data["follow_up_on"]) if data.get("follow_up_on") else None,
            str(data["reported_by"]), data.get("reported_by_user"), list(data.get("people", [])),
            data.get("owner"), data.get("owner_name"), data.get("part4"), list(data.get("actions") or []),
        )  # fmt: skip


_UNREADABLE_FACTS = Facts(Category.OTHER.value, FourCs.CONDUCT.value, Urgency.MEDIUM.value, Status.OPEN.value, None,
                          None, sealing.UNREADABLE, None)  # fmt: skip


#: The facts that must be one of the app's own values, and what a row holding another shows instead.
_CHOICES = (("category", Category), ("four_cs", FourCs), ("urgency", Urgency), ("status", Status))
_Choice = TypeVar("_Choice", bound=enum.Enum)


def choice(kind: type[_Choice], value: str) -> _Choice | None:
    """``value`` as one of the app's own values of ``kind``, or None for one the app never writes (a row written
    outside the app, with psql say): one such row never fails a whole list."""
    try:
        return kind(value)
    except ValueError:
        return None


def known_values(found: Facts) -> Facts:
    """The facts with any category, 4 Cs, urgency or status the app does not write shown as the unreadable
    placeholder's — open, so a report nobody can read still stands in the list — instead of failing the whole list,
    its statistics and every export for one row."""
    fixes = {name: getattr(_UNREADABLE_FACTS, name) for name, kind in _CHOICES
             if choice(kind, getattr(found, name)) is None}  # fmt: skip
    return dataclasses.replace(found, **fixes) if fixes else found


def facts(incident: Incident, actor: Actor) -> Facts:
    """The incident's facts, opened with the actor's safeguarding key on a protected register."""
    if incident.meta:
        return known_values(_sealed_facts(actor, incident.meta))
    people = [{"kind": p.kind, "involvement": p.involvement, "pupil_id": p.pupil_id,
               "name": sealing.reveal(actor, p.name), "staff_role": sealing.reveal(actor, p.staff_role)}
              for p in incident.people]  # fmt: skip
    return known_values(Facts(incident.category, incident.four_cs, incident.urgency, incident.status,
                              incident.occurred_at, incident.follow_up_on, incident.reported_by,
                              incident.reported_by_user, people, incident.owner))  # fmt: skip


_RESTRICTED_FACTS = Facts(Category.OTHER.value, FourCs.CONDUCT.value, Urgency.MEDIUM.value, Status.OPEN.value, None,
                          None, sealing.RESTRICTED, None)  # fmt: skip


def _sealed_facts(actor: Actor, meta: str) -> Facts:
    """The facts sealed as one value; the placeholder when it does not open (damaged, another key's, or a
    restricted case the actor is not a reader of)."""
    data = sealing.reveal_facts(actor, meta)
    if data is None:
        number = sealing.case_of(meta)
        return _RESTRICTED_FACTS if number is not None and number not in actor.case_keys else _UNREADABLE_FACTS
    try:
        return Facts.from_plain(data)
    except (KeyError, TypeError, ValueError):
        return _UNREADABLE_FACTS


def sealer(session: Session, incident: Incident) -> Callable[[str], str]:
    """How the incident's text is sealed: to a restricted case's own key, else to the safeguarding key."""
    if incident.case_public:
        public, number = base64.b64decode(incident.case_public), incident.id
        return lambda text: sealing.seal_to_case(public, number, text)
    return lambda text: sealing.seal(session, text)


def _keep_facts(session: Session, incident: Incident, facts: Facts) -> None:
    """Sealed as one value where text is sealed (the columns then hold nothing a key to the file reads), else in
    the columns and one row per person."""
    sealed = sealing.seal_facts(session, facts.plain(), sealer(session, incident))
    if sealed is not None:
        incident.meta = sealed
        incident.category = incident.four_cs = incident.urgency = incident.status = incident.reported_by = ""
        incident.occurred_at = incident.follow_up_on = incident.reported_by_user = incident.owner = None
        if session.get_bind().dialect.name == "postgresql":  # the server's row policy gives staff their own reports
            # by it, and they see where each stands: who reported and the status are its administrator's to see
            incident.reported_by_user, incident.status = facts.reported_by_user, facts.status
        incident.people = []
        return
    incident.category, incident.four_cs, incident.urgency = facts.category, facts.four_cs, facts.urgency
    incident.status, incident.occurred_at, incident.follow_up_on = facts.status, facts.occurred_at, facts.follow_up_on
    incident.reported_by, incident.reported_by_user = facts.reported_by, facts.reported_by_user
    incident.owner = facts.owner
    incident.people = [
        IncidentPerson(kind=p["kind"], pupil_id=p["pupil_id"], name=sealing.seal(session, p["name"]),
                       staff_role=sealing.seal(session, p["staff_role"]), involvement=p["involvement"])
        for p in facts.people
    ]  # fmt: skip
    # What has no column of its own (an allegation's Part 4 details, actions to do) is kept as the facts' JSON, not
    # sealed, on a register without accounts; sealed with the rest at the first lead's sign-in once it has them.
    extra = facts.part4 is not None or bool(facts.actions)
    incident.meta = json.dumps(facts.plain(), separators=(",", ":"), sort_keys=True) if extra else None


def entry_facts(entry: IncidentEntry, actor: Actor) -> tuple[str, str, str]:
    """(kind, referral target, author) of a chronology entry."""
    if entry.meta:
        data = sealing.reveal_facts(actor, entry.meta)
        if data is None:
            return EntryKind.ACTION.value, "", sealing.UNREADABLE
        return str(data.get("kind", "")), str(data.get("referral_to", "")), str(data.get("author", ""))
    return entry.kind, entry.referral_to, entry.author


def _keep_entry_facts(session: Session, entry: IncidentEntry, kind: str, referral_to: str, author: str,
                      seal: Callable[[str], str] | None = None) -> None:  # fmt: skip
    sealed = sealing.seal_facts(session, {"kind": kind, "referral_to": referral_to, "author": author}, seal)
    if sealed is None:
        entry.kind, entry.referral_to, entry.author = kind, referral_to, author
    else:
        entry.meta = sealed
        entry.kind = entry.referral_to = entry.author = ""


def pupil_links(session: Session, actor: Actor, *, held_too: bool = True) -> list[tuple[int, int]]:
    """(incident, pupil) for every pupil on the register linked to an incident (leads only: it opens the facts)."""
    actor.require(Operation.READ_INCIDENTS)
    query = select(Incident).options(selectinload(Incident.people))
    if not held_too:
        query = query.where(Incident.legal_hold.is_(False))
    links = []
    for incident in session.scalars(query):
        for person in facts(incident, actor).people:
            if person.get("kind") == "pupil" and person.get("pupil_id") is not None:
                links.append((incident.id, int(person["pupil_id"])))
    return links


def incidents_of(session: Session, actor: Actor, pupil_id: int) -> list[IncidentView]:
    """Every incident a pupil is linked to, oldest first, read whole (each read audited as read_incident does)."""
    numbers = sorted({number for number, linked in pupil_links(session, actor) if linked == pupil_id})
    return [read_incident(session, actor, number) for number in numbers]


def seal_facts_written_before(session: Session, actor: Actor) -> int:
    """At a lead's sign-in: seal the facts of incidents and entries kept in columns before they were sealed (a
    register from before, or made protected since). Returns how many rows."""
    if actor.safeguarding_key is None or not sealing.protected(session):
        return 0
    count = 0
    unsealed = Incident.meta.is_(None) | (Incident.meta.not_like(f"{sealed_box.SEALED_PREFIX}%")
                                          & Incident.meta.not_like(f"{sealing.CASE_PREFIX}%"))  # fmt: skip
    for incident in session.scalars(select(Incident).where(unsealed).options(selectinload(Incident.people))):
        _keep_facts(session, incident, facts(incident, actor))
        count += 1
    for entry in session.scalars(select(IncidentEntry).where(IncidentEntry.meta.is_(None))):
        _keep_entry_facts(session, entry, entry.kind, entry.referral_to, entry.author)
        count += 1
    return count


@changes(Topic.INCIDENTS)
def add_entry(
    session: Session,
    actor: Actor,
    incident_id: int,
    kind: EntryKind,
    text: str,
    *,
    referral_to: str = "",
    reference: str = "",
    reason: str = "",
    corrects: int | None = None,
    happened_at: datetime | None = None,
    due_on: date | None = None,
    assignee: str | None = None,
    completes: int | None = None,
) -> int:
    """Append to the chronology. Nothing is edited or deleted: a correction points at what it corrects.
    ``happened_at``: when the action happened, for one written up afterwards (never in the future). An action to do
    has its ``due_on`` and the lead it is for (``assignee``; the actor when not given): it counts in that lead's
    caseload until an action ``completes`` it."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    seal = sealer(session, incident)
    body = _text(text, "entry", 8000, required=True)
    reason = _text(reason, "reason", 4000)
    reference = _text(reference, "reference", 100)
    what = {EntryKind.OUTCOME: "outcome", EntryKind.CORRECTION: "correction"}.get(kind, "entry")
    known = facts(incident, actor)  # opened once: its category guards the words, its actions are changed below
    _guard(Category(known.category), {what: body, "reason": reason, "reference": reference})
    if kind is EntryKind.REFERRAL and referral_to not in REFERRAL_TO:
        raise ValidationError(f"Say who it was referred to: {', '.join(REFERRAL_TO)}.")
    if kind is EntryKind.DECISION and not reason:
        raise ValidationError("A decision needs its reason (KCSIE: decisions are recorded with the rationale).")
    if kind is EntryKind.CORRECTION:
        target = session.get(IncidentEntry, corrects) if corrects is not None else None
        if target is None or target.incident_id != incident_id:
            raise ValidationError("A correction must name the entry of this incident that it corrects.")
        if not reason:
            raise ValidationError("Say why the entry is being corrected.")
    elif corrects is not None:
        raise ValidationError("Only a correction points at another entry.")
    now = datetime.now()
    if (due_on is not None or completes is not None) and kind is not EntryKind.ACTION:
        raise ValidationError("Only an action has a due date or completes another action.")
    if completes is not None and not any(a.get("entry") == completes for a in known.actions):
        raise ValidationError(f"Entry {completes} is not an action of this incident still to do.", field="completes")
    who = ""
    if due_on is not None:
        if due_on < now.date():
            raise ValidationError("An action to do is due today or later.", field="due_on")
        who = (assignee if assignee is not None else actor.username).strip().lower()
        if who:
            lead = session.scalars(select(UserAccount).where(UserAccount.username == who)).first()
            if lead is None or not lead.active or Role(lead.role) not in (Role.DSL, Role.DEPUTY_DSL):
                raise ValidationError(f"{who} is not an active safeguarding lead's account.", field="assignee")
    if happened_at is not None and happened_at > now:
        raise ValidationError("When it happened cannot be in the future.", field="happened_at")
    entry = IncidentEntry(
        incident_id=incident_id,
        text=seal(body),
        reference=seal(reference),
        reason=seal(reason),
        corrects_entry_id=corrects,
        created_at=now,
        happened_at=happened_at if happened_at is not None and happened_at < now else None,
    )
    _keep_entry_facts(session, entry, kind.value, referral_to if kind is EntryKind.REFERRAL else "", actor.name,
                      seal)  # fmt: skip
    session.add(entry)
    session.flush()
    if due_on is not None or completes is not None:
        known.actions = [a for a in known.actions if a.get("entry") != completes]
        if due_on is not None:
            known.actions.append({"entry": entry.id, "due_on": due_on.isoformat(), "for": who, "what": body[:120]})
        _keep_facts(session, incident, known)
    # The kind of entry (a referral to the police, say) is itself sensitive: said in the sealed detail only.
    audit.record(session, actor, "added to an incident's chronology", "incident", incident_id,
                 seal(f"{kind.value}, entry {entry.id}"))  # fmt: skip
    return entry.id


@changes(Topic.INCIDENTS)
def set_status(
    session: Session,
    actor: Actor,
    incident_id: int,
    status: Status,
    *,
    follow_up_on: date | None = None,
    outcome: str = "",
    reason: str = "",
    finding: str = "",
) -> None:
    """Open, monitor or close. Closing needs the outcome and the reason (summary, follow-up, actions, outcome) —
    and for an allegation against staff its finding (FINDINGS), which sets how long it is kept; reopening a closed
    incident needs the reason it is reopened."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    current = facts(incident, actor)
    reopened = current.status == Status.CLOSED.value and status is not Status.CLOSED
    if status is Status.CLOSED:
        if not outcome.strip() or not reason.strip():
            raise ValidationError("Closing an incident needs its outcome and the reason for closing it.")
        if current.part4 is not None:
            if finding not in FINDINGS:
                raise ValidationError(f"An allegation against staff closes with its finding: {', '.join(FINDINGS)} "
                                      "(as agreed with the LADO).", field="finding")  # fmt: skip
            current.part4 = {
                **current.part4,
                "finding": finding,
                "keep_until": _kept_until(incident.reported_at, current.part4, finding).isoformat(),
            }
            outcome = f"Finding: {finding}. {outcome.strip()}"
        add_entry(session, actor, incident_id, EntryKind.OUTCOME, outcome, reason=reason)
    elif reopened and not reason.strip():
        raise ValidationError("Say why the incident is reopened (what has happened since it was closed).",
                              field="reason")  # fmt: skip
    current.status = status.value
    current.follow_up_on = None if status is Status.CLOSED else follow_up_on
    _keep_facts(session, incident, current)
    said = f"Status: {status.value}" + (" (reopened)" if reopened else "")
    add_entry(session, actor, incident_id, EntryKind.STATUS, said, reason=reason)


def _kept_until(reported_at: datetime, part4: dict[str, Any], finding: str) -> date:
    """How long an allegation's record is kept (KCSIE Part 4): a malicious one is removed now; any other until the
    member of staff's normal pension age or for 10 years from the allegation, whichever is longer."""
    if finding == "malicious":
        return date.today()
    ten = add_years(reported_at.date(), ALLEGATION_YEARS)
    pension = date.fromisoformat(part4["pension_age_on"]) if part4.get("pension_age_on") else None
    return max(ten, pension) if pension else ten


@changes(Topic.INCIDENTS)
def take_case(session: Session, actor: Actor, incident_id: int, owner: str | None = None) -> str:
    """Make ``owner`` (an active lead's account; the actor when not given) the incident's case owner, or none
    with ``owner=""``; the chronology says so. Returns the owner's display name (or "")."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    username = actor.username if owner is None else owner.strip().lower()
    name = ""
    if username:
        account = session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
        if account is None or not account.active or Role(account.role) not in (Role.DSL, Role.DEPUTY_DSL):
            raise ValidationError(f"{username} is not an active safeguarding lead's account.", field="owner")
        name = account.display_name
    elif owner is None:
        raise ValidationError("Sign in with your own account to take a case (this register has no accounts).")
    current = facts(incident, actor)
    if (current.owner or "") == username:
        return name
    current.owner, current.owner_name = username or None, name or None
    _keep_facts(session, incident, current)
    add_entry(session, actor, incident_id, EntryKind.ACTION, f"Case owner: {name or 'nobody'}")
    return name


def _get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident number {incident_id}.")
    return incident


def hidden_from(incident: Incident, actor: Actor) -> bool:
    """True for a restricted case the actor holds no key to (not one of its named readers, as far as they know)."""
    return bool(incident.case_public) and incident.id not in actor.case_keys


def get_readable(session: Session, actor: Actor, incident_id: int) -> Incident:
    """The incident, when the actor may read it: a restricted case only for its named readers."""
    incident = _get(session, incident_id)
    if hidden_from(incident, actor):
        from safeguard_desktop.services.incidents.restricted import load_case_keys

        load_case_keys(session, actor)  # given since this actor signed in (or signed in without them: the CLI)
    if hidden_from(incident, actor):
        raise PermissionDenied(f"Incident {incident_id} is a restricted case: only its named readers can read it or "
                               "add to it.")  # fmt: skip
    return incident


def read_incident(session: Session, actor: Actor, incident_id: int) -> IncidentView:
    """The whole record, for a safeguarding lead. Every read is audited."""
    actor.require(Operation.READ_INCIDENTS)
    incident = get_readable(session, actor, incident_id)
    audit.record(session, actor, "viewed an incident", "incident", incident_id)
    return _view(incident, actor)


def _view(incident: Incident, actor: Actor) -> IncidentView:
    def r(value: str | None) -> str:
        return sealing.reveal(actor, value)

    known = facts(incident, actor)
    entries = []
    for e in incident.entries:
        kind, referral_to, author = entry_facts(e, actor)
        entries.append(EntryView(e.id, kind, r(e.text), referral_to, r(e.reference), r(e.reason), e.corrects_entry_id,
                                 author, e.created_at, e.happened_at))  # fmt: skip
    return IncidentView(
        id=incident.id,
        category=Category(known.category),
        four_cs=FourCs(known.four_cs),
        urgency=Urgency(known.urgency),
        status=Status(known.status),
        occurred_at=known.occurred_at,
        reported_at=incident.reported_at,
        reported_by=known.reported_by,
        summary=r(incident.summary),
        platforms=[p for p in r(incident.platforms).split("\n") if p],
        evidence_links=[link for link in r(incident.evidence_links).split("\n") if link],
        follow_up_on=known.follow_up_on,
        people=[_person(p) for p in known.people],
        entries=entries,
        owner=known.owner or "",
        owner_name=known.owner_name or known.owner or "",
        restricted=bool(incident.case_public),
        actions=list(known.actions),
    )


def _person(data: dict[str, Any]) -> PersonInput:
    pupil = data.get("pupil_id")
    return PersonInput(str(data["kind"]), str(data["involvement"]), int(pupil) if pupil is not None else None,
                       str(data.get("name", "")), str(data.get("staff_role", "")))  # fmt: skip


def list_incidents(session: Session, actor: Actor) -> list[IncidentView]:
    """Every incident the actor may read, newest first (leads only; the list itself reveals content): a restricted
    case only for its named readers."""
    actor.require(Operation.READ_INCIDENTS)
    query = select(Incident).options(selectinload(Incident.entries), selectinload(Incident.people))
    found = session.scalars(query.order_by(Incident.reported_at.desc(), Incident.id.desc()))
    return [_view(i, actor) for i in found if not hidden_from(i, actor)]


# The leads' list and the staff's own reports, read from the columns they show (lines.py); here for the callers.
from safeguard_desktop.services.incidents.lines import IncidentLine as IncidentLine  # noqa: E402
from safeguard_desktop.services.incidents.lines import OwnReport as OwnReport  # noqa: E402
from safeguard_desktop.services.incidents.lines import incident_lines as incident_lines  # noqa: E402
from safeguard_desktop.services.incidents.lines import my_reports as my_reports  # noqa: E402
from safeguard_desktop.services.incidents.lines import unreadable_restricted as unreadable_restricted  # noqa: E402
