"""Consent states exported by the MIS (SIMS, Arbor, Bromcom) arrive as decisions with the route "MIS import".

The MIS names its consent types its own way ("Photos - Website", "Use of images on social media"): each name is
mapped once to one of the school's purposes, and the mapping is kept (a setting) for the next import. Files come
long (a row per pupil and consent type: UPN, type, response, date) or wide (a row per pupil, a column per type).

The MIS never overrides what was decided here: its refusals and withdrawals always reach the register (they can
only keep an image out); its grant is recorded only when nothing decided here for that pupil and purpose is as
recent (or, where the file has no dates, when nothing was decided here at all). The MIS is one giver: its latest
answer stands beside the contacts' own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.dates import parse_uk_date
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.pupils.mis_files import RawTable
from safeguard_desktop.services.pupils.mis_mapping import header_key
from safeguard_desktop.services.pupils.mis_rows import Rejection
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.settings import read_setting, write_setting
from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, Pupil

MAPPING_SETTING = "mis_consent_mapping"
MIS_GIVER = "(as recorded in the MIS)"
_IDS = {"upn": ("upn", "pupil upn", "student upn"), "admission_number": ("adno", "admission number", "admission no")}
_TYPE = ("consent type", "consent", "consent name", "type", "permission", "permission type")
_RESPONSE = ("response", "consent given", "given", "status", "answer", "value", "consent status")
_DATE = ("date", "response date", "date given", "consent date", "updated", "date of response")
_IGNORED = ("legal surname", "surname", "forename", "legal forename", "first name", "last name", "name", "year",
            "year group", "reg group", "class", "form", "dob", "date of birth", "preferred forename")  # fmt: skip
_GRANTED = {"yes", "y", "granted", "given", "consent given", "true", "agreed", "accepted", "1"}
_REFUSED = {"no", "n", "refused", "declined", "not given", "consent not given", "false", "denied", "0"}
_WITHDRAWN = {"withdrawn", "revoked", "consent withdrawn", "removed"}
_UNANSWERED = {"", "not asked", "pending", "unknown", "not answered", "n/a", "awaiting"}


@dataclass
class MisConsentResult:
    """What the import would do (or did)."""

    source: str
    recorded: int = 0
    kept_ours: int = 0  # an MIS grant older than (or, undated, beside) a decision made here: ours stands
    duplicates: int = 0
    unanswered: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)  # MIS consent name → rows
    rejected: list[Rejection] = field(default_factory=list)
    applied: bool = False


def saved_mapping(session: Session) -> dict[str, str]:
    """The school's kept mapping: MIS consent name (folded) → purpose code."""
    value = read_setting(session, MAPPING_SETTING, {})
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def read_answer(text: str) -> ConsentState | None:
    """Yes, no or withdrawn in the words exports use; None for no answer; ValueError for anything else."""
    return _state(text)


def _state(text: str) -> ConsentState | None:
    value = " ".join(text.casefold().split())
    if value in _GRANTED:
        return ConsentState.GRANTED
    if value in _REFUSED:
        return ConsentState.REFUSED
    if value in _WITHDRAWN:
        return ConsentState.WITHDRAWN
    if value in _UNANSWERED:
        return None
    raise ValueError(f"the response {text.strip()!r} is not yes, no or withdrawn")


def _find(keys: list[str], names: tuple[str, ...]) -> int | None:
    return next((keys.index(n) for n in names if n in keys), None)


def _answers(table: RawTable) -> tuple[list[tuple[int, str, str, str, str, str]], bool]:
    """(line, upn, adno, MIS consent name, response, date text) per answer, and whether the file is long."""
    keys = [header_key(h) for h in table.headers]
    upn_at, adno_at = _find(keys, _IDS["upn"]), _find(keys, _IDS["admission_number"])
    if upn_at is None and adno_at is None:
        raise ValidationError(f"The consent file has no UPN or admission number column; its columns are: "
                              f"{', '.join(table.headers)}.")  # fmt: skip
    type_at, response_at, date_at = _find(keys, _TYPE), _find(keys, _RESPONSE), _find(keys, _DATE)

    def cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    found = []
    if type_at is not None and response_at is not None:
        for line, cells in table.records:
            found.append((line, cell(cells, upn_at), cell(cells, adno_at), cell(cells, type_at),
                          cell(cells, response_at), cell(cells, date_at)))  # fmt: skip
        return found, True
    used = {i for i in (upn_at, adno_at, date_at) if i is not None}
    columns = [i for i, k in enumerate(keys) if i not in used and k not in _IGNORED]
    for line, cells in table.records:
        for i in columns:
            found.append((line, cell(cells, upn_at), cell(cells, adno_at), table.headers[i].strip(), cell(cells, i),
                          cell(cells, date_at)))  # fmt: skip
    return found, False


def import_consent(session: Session, actor: Actor, table: RawTable, *, mapping: dict[str, str] | None = None,
                   apply: bool = False, today: date | None = None) -> MisConsentResult:  # fmt: skip
    """Preview (nothing written) or apply the MIS's consent states. ``mapping`` (MIS name → purpose code) adds
    to the kept mapping, which is saved when applied."""
    actor.require(Operation.IMPORT_PUPILS)
    day = today or date.today()
    purposes = {p.code: p for p in session.scalars(select(ConsentPurpose).where(ConsentPurpose.active.is_(True)))}
    by_name = {header_key(p.name): p.code for p in purposes.values()} | {
        header_key(p.code): p.code for p in purposes.values()
    }
    kept = saved_mapping(session)
    for name, code in (mapping or {}).items():
        if code not in purposes:
            raise ValidationError(f"No active consent purpose with the code {code!r}; see 'safeguard purposes'.")
        kept[header_key(name)] = code
    result = MisConsentResult(table.source)
    answers, _long = _answers(table)
    by_upn = {u: i for i, u in session.execute(select(Pupil.id, Pupil.upn)) if u}
    by_adno = {a: i for i, a in session.execute(select(Pupil.id, Pupil.admission_number)) if a}
    ours: dict[tuple[int, int], date] = {}
    mine: set[tuple[int, int, str, date]] = set()
    for pid, purpose_id, on, route, stored in session.execute(
        select(ConsentDecision.pupil_id, ConsentDecision.purpose_id, ConsentDecision.given_on, ConsentDecision.route,
               ConsentDecision.state)):  # fmt: skip
        if route == Route.MIS_IMPORT.value:
            mine.add((pid, purpose_id, stored, on))
        else:
            ours[(pid, purpose_id)] = max(ours.get((pid, purpose_id), on), on)
    rows = []
    for line, upn, adno, name, response, when in answers:
        pupil_id = by_upn.get(upn.upper()) if upn else None
        if pupil_id is None and adno:
            pupil_id = by_adno.get(adno)
        if pupil_id is None:
            result.rejected.append(Rejection(line, "pupil", f"{upn or adno or 'no identifier'}: no such pupil in the "
                                                            "register (import the pupils first)"))  # fmt: skip
            continue
        code = kept.get(header_key(name)) or by_name.get(header_key(name)) or ""
        if code not in purposes:
            result.unmapped[name] = result.unmapped.get(name, 0) + 1
            continue
        try:
            state = _state(response)
            given_on = parse_uk_date(when) if when else None
        except ValueError as exc:
            result.rejected.append(Rejection(line, name, str(exc)))
            continue
        if given_on is not None and given_on > day:
            result.rejected.append(Rejection(line, name, f"the date {when} is in the future"))
            continue
        if state is None:
            result.unanswered += 1
            continue
        purpose = purposes[code]
        dated = given_on or day
        if (pupil_id, purpose.id, state.value, dated) in mine:
            result.duplicates += 1
            continue
        latest_here = ours.get((pupil_id, purpose.id))
        newer_here = latest_here is not None and (given_on is None or latest_here >= given_on)
        if state is ConsentState.GRANTED and newer_here:
            result.kept_ours += 1
            continue
        mine.add((pupil_id, purpose.id, state.value, dated))
        rows.append({"pupil_id": pupil_id, "purpose_id": purpose.id, "state": state.value,
                     "given_by_kind": GivenByKind.PARENT.value, "given_by_name": MIS_GIVER,
                     "given_by_relationship": "MIS record", "route": Route.MIS_IMPORT.value, "given_on": dated,
                     "valid_until": None, "wording_version": purpose.wording_version, "recorded_by": actor.name,
                     "recorded_at": datetime.now(), "note": "", "source": f"MIS {table.source}"[:100]})  # fmt: skip
    result.recorded = len(rows)
    if apply and not result.rejected:
        if rows:
            session.execute(insert(ConsentDecision), rows)
        write_setting(session, MAPPING_SETTING, kept)
        detail = f"{len(rows)} decisions; {result.kept_ours} MIS grants older than decisions here left out"
        audit.record(session, actor, "imported consent from the MIS", "consent", table.source, detail)
        result.applied = True
    return result
