"""Replies without paper: the answers families gave in an online form (Microsoft Forms, Google Forms, a parent app),
exported as CSV or XLSX, recorded as decisions with the route "online form".

A reply is matched to its pupil by the slip reference when the form asked for it, else by UPN, else by the child's
name (with the class when the form asked for it) when exactly one pupil has it; and to the contact who answered by
email address or name. A reply that cannot be matched for sure is never guessed: it waits in the unmatched queue
until a person matches it by hand or sets it aside with a reason. The form's questions are mapped to the school's
purposes (recognised when they name filming by parents, the school's recording, or a purpose; otherwise mapped
once with --map and kept).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.dates import parse_uk_date
from safeguard_desktop.domain.events import PARENT_FILMING, SCHOOL_RECORDING
from safeguard_desktop.domain.slips import parse_reference
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.consent.mis_consent import read_answer
from safeguard_desktop.services.errors import NotFound, ValidationError
from safeguard_desktop.services.pupils.mis_files import RawTable
from safeguard_desktop.services.pupils.mis_mapping import find_columns, header_key
from safeguard_desktop.services.pupils.mis_rows import Rejection
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.settings import read_setting, write_setting
from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, Contact, Event, Pupil, UnmatchedReply

MAPPING_SETTING = "form_reply_mapping"
_FIELDS: dict[str, tuple[str, ...]] = {
    "reference": ("slip reference", "reference", "reply slip reference", "ref", "slip ref", "letter reference"),
    "upn": ("upn", "pupil upn", "child s upn"),
    "pupil": ("child s name", "childs name", "name of child", "child name", "pupil name", "student name",
              "your child s name", "name of your child", "pupil"),
    "class": ("class", "child s class", "reg group", "form", "your child s class"),
    "respondent": ("your name", "parent name", "parent carer name", "your full name", "name of parent or carer",
                   "name", "full name"),
    "relationship": ("relationship", "your relationship to the child", "relationship to child",
                     "relationship to the child", "your relationship to the pupil"),
    "email": ("email", "email address", "your email", "your email address", "respondent email"),
    "when": ("timestamp", "completion time", "submitted", "submission time", "submitted at", "date", "start time"),
}  # fmt: skip
_LABELS = {"reference": "Slip", "upn": "UPN", "pupil": "Child", "class": "Class", "respondent": "Answered by",
           "relationship": "Relationship", "email": "Email", "when": "Sent"}  # fmt: skip
_TIME = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
_ISO_TIME = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


@dataclass
class FormReplies:
    """What an import would do (or did)."""

    source: str
    matched: int = 0
    decisions: int = 0
    unmatched: int = 0
    duplicates: int = 0
    questions: dict[str, str] = field(default_factory=dict)  # question → purpose code
    unmapped: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    applied: bool = False


@dataclass(frozen=True)
class WaitingReply:
    """A reply in the unmatched queue."""

    id: int
    source: str
    line: int
    summary: str  # the row as "question: answer" lines, plain text
    reason: str
    received_at: datetime


def _key(text: str) -> str:
    return header_key(unicodedata.normalize("NFKC", text))  # forms' exports: full-width and other forms folded


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace(",", " ").split())


def _question_code(header: str, purposes: dict[str, ConsentPurpose], kept: dict[str, str]) -> str | None:
    key = _key(header)
    if key in kept and kept[key] in purposes:
        return kept[key]
    if ("other parents" in key or "filmed" in key or "filming" in key) and PARENT_FILMING in purposes:
        return PARENT_FILMING
    if "recording" in key and SCHOOL_RECORDING in purposes:
        return SCHOOL_RECORDING
    for code, purpose in purposes.items():
        if _key(purpose.name) in key:
            return code
    return None


def _when(text: str, today: date) -> date:
    if not text.strip():
        return today
    m = _ISO_TIME.match(text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _TIME.match(text)
    if not m:
        raise ValueError(f"the time {text.strip()!r} is not a date (dd/mm/yyyy)")
    first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    year += 2000 if year < 100 else 0
    if second > 12 and first <= 12:  # a US-style export (Microsoft Forms in an American locale): month first
        first, second = second, first
    return parse_uk_date(f"{first:02d}/{second:02d}/{year:04d}")


def _fingerprint(headers: list[str], cells: list[str]) -> str:
    return hashlib.sha256(json.dumps([headers, cells], ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


@dataclass
class _Reply:
    line: int
    cells: dict[str, str]
    answers: dict[str, ConsentState]  # purpose code → answer
    given_on: date
    fingerprint: str


def _pupil_for(session: Session, reply: dict[str, str], pupils: list[Pupil]) -> tuple[Pupil | None, int | None, str]:
    """The pupil (and the event of a slip reference), or None with the reason it is not sure."""
    if reply.get("reference"):
        try:
            ref = parse_reference(reply["reference"])
        except ValueError as exc:
            return None, None, str(exc)
        pupil = session.get(Pupil, ref.pupil_id)
        if pupil is None or session.get(Event, ref.event_id) is None:
            return None, None, f"the slip reference {reply['reference']} matches no event and pupil here"
        return pupil, ref.event_id, ""
    if reply.get("upn"):
        found = [p for p in pupils if (p.upn or "") == reply["upn"].strip().upper()]
        return (found[0], None, "") if found else (None, None, f"no pupil with UPN {reply['upn']}")
    name = _fold(reply.get("pupil", ""))
    if not name:
        return None, None, "the reply names no child (no slip reference, UPN or child's name)"
    wanted = set(name.split())
    found = []
    for p in pupils:
        forenames = {_fold(p.legal_forename), _fold(p.preferred_forename or p.legal_forename)}
        if any(set(f"{f} {_fold(p.legal_surname)}".split()) == wanted for f in forenames):
            found.append(p)
    if reply.get("class"):
        found = [p for p in found if _fold(p.reg_group) == _fold(reply["class"])] or found
    if len(found) == 1:
        return found[0], None, ""
    if not found:
        return None, None, f"no pupil on roll is called {reply.get('pupil', '').strip()!r}"
    return None, None, f"{len(found)} pupils are called {reply.get('pupil', '').strip()!r}: match it by hand"


def _contact_for(session: Session, pupil: Pupil, reply: dict[str, str]) -> Contact | None:
    people = list(session.scalars(select(Contact).where(Contact.pupil_id == pupil.id, Contact.active.is_(True))))
    email = reply.get("email", "").strip().casefold()
    if email:
        for c in people:
            if c.email and c.email.strip().casefold() == email:
                return c
    name = _fold(reply.get("respondent", ""))
    if name:
        for c in people:
            if _fold(c.name) == name:
                return c
    return None


def _record(session: Session, actor: Actor, pupil: Pupil, event_id: int | None, reply: _Reply,
            contact: Contact | None, purposes: dict[str, ConsentPurpose]) -> int:  # fmt: skip
    event = session.get(Event, event_id) if event_id is not None else None
    name = contact.name if contact is not None else reply.cells.get("respondent", "").strip()
    relationship = (
        (contact.relationship if contact is not None else "") or reply.cells.get("relationship", "") or "parent"
    )
    count = 0
    for code, state in reply.answers.items():
        decision = consent.DecisionInput(
            state=state, given_by_kind=GivenByKind.PARENT, route=Route.ONLINE_FORM, given_on=reply.given_on,
            given_by_name=name, given_by_relationship=relationship,
            # An answer about one event covers that event, like a paper slip; a general form's yes stands.
            valid_until=event.starts_at.date() if event is not None and state is ConsentState.GRANTED else None,
            source=f"form reply {reply.fingerprint}", contact_id=contact.id if contact is not None else None,
        )  # fmt: skip
        count += consent.record_decisions(session, actor, [pupil.id], [purposes[code].id], decision)
    return count


def _read(table: RawTable, purposes: dict[str, ConsentPurpose], kept: dict[str, str], today: date,
          result: FormReplies) -> list[_Reply]:  # fmt: skip
    columns = find_columns(table.headers, _FIELDS, _key)
    used = set(columns.values())
    questions: dict[int, str] = {}
    for i, header in enumerate(table.headers):
        if i in used or not header.strip():
            continue
        code = _question_code(header, purposes, kept)
        if code is None:
            result.unmapped.append(header.strip())
        else:
            questions[i] = code
            result.questions[header.strip()] = code
    if not questions:
        raise ValidationError(
            f"None of the form's questions is a consent purpose of the school's ({', '.join(table.headers)}). Map "
            "them: --map \"Question text=purpose_code\" (see 'safeguard purposes')."
        )
    replies = []
    for line, cells in table.records:
        named = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        answers: dict[str, ConsentState] = {}
        try:
            for i, code in questions.items():
                state = read_answer(cells[i] if i < len(cells) else "")
                if state is not None:
                    answers[code] = state
            given_on = _when(named.get("when", ""), today)
        except ValueError as exc:
            result.rejected.append(Rejection(line, "reply", str(exc)))
            continue
        if given_on > today:
            result.rejected.append(Rejection(line, "when", f"the reply is dated in the future ({given_on:%d/%m/%Y})"))
            continue
        if answers:
            replies.append(_Reply(line, named, answers, given_on, _fingerprint(table.headers, cells)))
    return replies


def import_replies(session: Session, actor: Actor, table: RawTable, *, mapping: dict[str, str] | None = None,
                   apply: bool = False, today: date | None = None) -> FormReplies:  # fmt: skip
    """Preview (nothing written) or apply an online form's replies: matched ones become decisions, the others
    wait in the unmatched queue. With refused rows (an answer that is not yes or no, a date that is not one)
    nothing is applied."""
    actor.require(Operation.EDIT_CONSENT)
    day = today or date.today()
    purposes = {p.code: p for p in session.scalars(select(ConsentPurpose).where(ConsentPurpose.active.is_(True)))}
    raw_kept = read_setting(session, MAPPING_SETTING, {})
    kept = {str(k): str(v) for k, v in raw_kept.items()} if isinstance(raw_kept, dict) else {}
    for question, code in (mapping or {}).items():
        if code not in purposes:
            raise ValidationError(f"No active consent purpose with the code {code!r}; see 'safeguard purposes'.")
        kept[_key(question)] = code
    result = FormReplies(table.source)
    replies = _read(table, purposes, kept, day, result)
    writing = apply and not result.rejected
    seen = set(session.scalars(select(ConsentDecision.source).where(ConsentDecision.source.like("form reply %"))))
    queued = {json.loads(r).get("_fingerprint") for r in session.scalars(select(UnmatchedReply.row))}
    pupils = list(session.scalars(select(Pupil).where(Pupil.on_roll.is_(True))))
    for reply in replies:
        if f"form reply {reply.fingerprint}" in seen or reply.fingerprint in queued:
            result.duplicates += 1
            continue
        pupil, event_id, why = _pupil_for(session, reply.cells, pupils)
        contact = _contact_for(session, pupil, reply.cells) if pupil is not None else None
        if pupil is not None and contact is None and not reply.cells.get("respondent", "").strip():
            pupil, why = None, "the reply does not say who answered (no name, and the email is no contact's)"
        if (
            pupil is not None
            and contact is not None
            and not contact.parental_responsibility
            and any(s is ConsentState.GRANTED for s in reply.answers.values())
        ):
            pupil, why = None, f"{contact.name} does not have parental responsibility: their yes cannot grant"
        if pupil is None:
            result.unmatched += 1
            if writing:
                session.add(UnmatchedReply(source=table.source[:200], line=reply.line, reason=why[:300],
                                           row=json.dumps(_stored(reply), ensure_ascii=False),
                                           received_at=datetime.now()))  # fmt: skip
            continue
        result.matched += 1
        if writing:
            result.decisions += _record(session, actor, pupil, event_id, reply, contact, purposes)
        else:
            result.decisions += len(reply.answers)
    if writing:
        write_setting(session, MAPPING_SETTING, kept)
        audit.record(session, actor, "imported online form replies", "consent", table.source,
                     f"{result.matched} matched, {result.unmatched} to match by hand")  # fmt: skip
        result.applied = True
    return result


def _stored(reply: _Reply) -> dict[str, object]:
    """What the queue keeps of a reply: its cells by field and its answers by purpose (to record it later)."""
    return {"_fingerprint": reply.fingerprint, "_given_on": reply.given_on.isoformat(), "cells": reply.cells,
            "answers": {code: state.value for code, state in reply.answers.items()}}  # fmt: skip


def waiting(session: Session, actor: Actor) -> list[WaitingReply]:
    """The unmatched queue, oldest first."""
    actor.require(Operation.EDIT_CONSENT)
    found = []
    names = {p.code: p.name for p in session.scalars(select(ConsentPurpose))}
    for r in session.scalars(select(UnmatchedReply).where(UnmatchedReply.outcome == "").order_by(UnmatchedReply.id)):
        data = json.loads(r.row)
        cells = data.get("cells", {})
        answers = data.get("answers", {})
        said = [f"{_LABELS.get(k, k)}: {v}" for k, v in cells.items() if v]
        said += [f"{names.get(code, code)}: {state}" for code, state in answers.items()]
        summary = "; ".join(said)
        found.append(WaitingReply(r.id, r.source, r.line, summary, r.reason, r.received_at))
    return found


def _get(session: Session, reply_id: int) -> UnmatchedReply:
    reply = session.get(UnmatchedReply, reply_id)
    if reply is None or reply.outcome:
        raise NotFound(f"No reply number {reply_id} is waiting to be matched.")
    return reply


@changes(Topic.CONSENT)
def match_by_hand(session: Session, actor: Actor, reply_id: int, pupil_id: int, *, contact_id: int | None = None,
                  given_by: str = "", relationship: str = "") -> int:  # fmt: skip
    """Match a waiting reply to its pupil (and who answered): its answers are recorded. Returns decisions."""
    actor.require(Operation.EDIT_CONSENT)
    waiting_reply = _get(session, reply_id)
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound(f"No pupil with id {pupil_id}; reload the register.")
    data = json.loads(waiting_reply.row)
    cells = dict(data.get("cells", {}))
    if given_by.strip():
        cells["respondent"] = given_by
    if relationship.strip():
        cells["relationship"] = relationship
    contact = session.get(Contact, contact_id) if contact_id is not None else _contact_for(session, pupil, cells)
    if contact is not None and contact.pupil_id != pupil.id:
        raise ValidationError("That contact is another pupil's.", field="contact")
    if contact is None and not cells.get("respondent", "").strip():
        raise ValidationError("Say who answered (their name), or choose the contact.", field="given_by")
    purposes = {p.code: p for p in session.scalars(select(ConsentPurpose))}
    reply = _Reply(waiting_reply.line, cells, {c: ConsentState(s) for c, s in data.get("answers", {}).items()},
                   date.fromisoformat(data["_given_on"]), str(data["_fingerprint"]))  # fmt: skip
    event_id = None
    if cells.get("reference"):
        try:
            event_id = parse_reference(cells["reference"]).event_id
        except ValueError:
            event_id = None
    count = _record(session, actor, pupil, event_id, reply, contact, purposes)
    waiting_reply.outcome, waiting_reply.outcome_by = "matched", actor.name
    waiting_reply.outcome_note = f"pupil {pupil.id}" + (f", contact {contact.id}" if contact is not None else "")
    audit.record(session, actor, "matched an online form reply by hand", "pupil", pupil.id, f"reply {reply_id}")
    return count


@changes(Topic.CONSENT)
def set_aside(session: Session, actor: Actor, reply_id: int, reason: str) -> None:
    """Take a reply out of the queue without recording it (a test entry, a duplicate, another school's)."""
    actor.require(Operation.EDIT_CONSENT)
    waiting_reply = _get(session, reply_id)
    why = " ".join(reason.split())
    if len(why) < 5:
        raise ValidationError("Say why the reply is set aside (e.g. 'a test entry', 'sent twice').", field="reason")
    waiting_reply.outcome, waiting_reply.outcome_note, waiting_reply.outcome_by = "set aside", why[:2000], actor.name
    audit.record(session, actor, "set aside an online form reply", "reply", reply_id, why[:200])
