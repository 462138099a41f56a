"""The school's details and its list of consent purposes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.dates import check_term_starts, format_uk_date
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ConflictError, NotFound, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, School, Setting

if TYPE_CHECKING:  # reportlab loads only when a document is drawn
    from safeguard_desktop.documents.layout import LetterSchool
    from safeguard_desktop.services.consent.snapshot import PurposeInfo

MAX_LOGO_BYTES = 2_000_000


@dataclass(frozen=True)
class SchoolDetails:
    """The school's details as the settings screen edits them."""

    name: str
    address: str
    headteacher: str
    dsl_name: str
    self_consent_age: int
    logo_png: bytes | None
    is_demo: bool = False


def read_logo(path: Path) -> bytes:
    """A logo file's bytes, its size checked before it is read (a PNG of at most MAX_LOGO_BYTES)."""
    try:
        size = path.stat().st_size
        if size > MAX_LOGO_BYTES:
            raise ValidationError(f"{path.name} is {size // 1_000_000} MB; a logo may be at most "
                                  f"{MAX_LOGO_BYTES // 1_000_000} MB. Save a smaller PNG and choose it.")  # fmt: skip
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path.name} could not be read ({exc.strerror or exc}).") from None


def get_school(session: Session) -> SchoolDetails:
    """The school's details (an empty record on a new register)."""
    s = session.scalars(select(School)).first()
    if s is None:
        return SchoolDetails("", "", "", "", 13, None)
    return SchoolDetails(s.name, s.address, s.headteacher, s.dsl_name, s.self_consent_age, s.logo_png, s.is_demo)


def letterhead(details: SchoolDetails, *, unnamed: str = "") -> LetterSchool:
    """The school as every document's letterhead draws it (``unnamed`` stands in for a school with no name)."""
    from safeguard_desktop.documents.layout import LetterSchool

    return LetterSchool(details.name or unnamed, details.address, details.headteacher, details.logo_png)


@changes(Topic.SCHOOL)
def update_school(session: Session, actor: Actor, details: SchoolDetails) -> None:
    """Save the school's details after checking them."""
    actor.require(Operation.EDIT_SCHOOL)
    if not details.name.strip():
        raise ValidationError("The school needs a name; it heads every letter.", field="name")
    if not 8 <= details.self_consent_age <= 18:
        raise ValidationError("The age for a pupil's own consent must be between 8 and 18.", field="self_consent_age")
    if details.logo_png is not None:
        if len(details.logo_png) > MAX_LOGO_BYTES:
            raise ValidationError("The logo is larger than 2 MB; choose a smaller image.", field="logo")
        if not details.logo_png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValidationError("The logo must be a PNG image.", field="logo")
    school = session.scalars(select(School)).first() or School()
    school.name = details.name.strip()
    school.address = details.address.strip()
    school.headteacher = details.headteacher.strip()
    school.dsl_name = details.dsl_name.strip()
    school.self_consent_age = details.self_consent_age
    school.logo_png = details.logo_png
    session.add(school)
    audit.record(session, actor, "edited school details", "school", 1)


def _code_for(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:30] or "purpose"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def add_purpose(session: Session, actor: Actor, name: str, description: str) -> int:
    """Add a purpose at the end of the list. Returns its id."""
    actor.require(Operation.MANAGE_PURPOSES)
    name = name.strip()
    if not name:
        raise ValidationError("A purpose needs a name.", field="name")
    if len(name) > 120:
        raise ValidationError("A purpose name is at most 120 characters.", field="name")
    existing = list(session.scalars(select(ConsentPurpose)))
    if any(p.name.casefold() == name.casefold() for p in existing):
        raise ConflictError(f"There is already a purpose called {name!r}.")
    order = (session.scalar(select(func.max(ConsentPurpose.sort_order))) or 0) + 1
    purpose = ConsentPurpose(
        code=_code_for(name, {p.code for p in existing}),
        name=name,
        description=description.strip(),
        wording_version=1,
        active=True,
        sort_order=order,
    )
    session.add(purpose)
    session.flush()
    audit.record(session, actor, "added consent purpose", "purpose", purpose.id, name)
    return purpose.id


def update_purpose(
    session: Session, actor: Actor, purpose_id: int, *, name: str, description: str, active: bool
) -> None:
    """Rename, reword or retire a purpose. New wording raises the wording version families are told."""
    actor.require(Operation.MANAGE_PURPOSES)
    purpose = session.get(ConsentPurpose, purpose_id)
    if purpose is None:
        raise NotFound("That purpose no longer exists.")
    name = name.strip()
    if not name:
        raise ValidationError("A purpose needs a name.", field="name")
    clash = session.scalars(
        select(ConsentPurpose).where(func.lower(ConsentPurpose.name) == name.lower(), ConsentPurpose.id != purpose_id)
    ).first()
    if clash is not None:
        raise ConflictError(f"There is already a purpose called {name!r}.")
    if description.strip() != purpose.description:
        purpose.wording_version += 1
    purpose.name = name
    purpose.description = description.strip()
    purpose.active = active
    audit.record(session, actor, "edited consent purpose", "purpose", purpose_id, name)


LAWFUL_BASES = ("consent", "public task")


def set_purpose_basis(session: Session, actor: Actor, purpose_id: int, *, lawful_basis: str,
                      evidence_years: int | None) -> None:  # fmt: skip
    """A purpose's lawful basis (consent, or public task where the school decides) and how many years after a
    pupil leaves its decisions are kept (None: the school's rule). A new basis raises the wording version."""
    actor.require(Operation.MANAGE_PURPOSES)
    purpose = session.get(ConsentPurpose, purpose_id)
    if purpose is None:
        raise NotFound("That purpose no longer exists.")
    if lawful_basis not in LAWFUL_BASES:
        raise ValidationError(f"The lawful basis is one of: {', '.join(LAWFUL_BASES)}.", field="lawful_basis")
    if evidence_years is not None and not 0 <= evidence_years <= 50:
        raise ValidationError("Keep the evidence 0 to 50 years after the pupil leaves.", field="evidence_years")
    if lawful_basis != purpose.lawful_basis:
        purpose.wording_version += 1  # families are told something different now
    purpose.lawful_basis = lawful_basis
    purpose.evidence_years = evidence_years
    audit.record(session, actor, "set a purpose's lawful basis", "purpose", purpose_id,
                 f"{lawful_basis}; evidence kept {evidence_years if evidence_years is not None else 'the usual'} "
                 "year(s) after leaving")  # fmt: skip


@dataclass(frozen=True)
class PurposeInput:
    """A purpose as its editor holds it."""

    name: str
    description: str
    active: bool = True
    lawful_basis: str = "consent"
    evidence_years: int | None = None


def purposes_to_edit(session: Session, actor: Actor) -> tuple[PurposeInfo, ...]:
    """Every purpose, retired ones too, for the purposes editor."""
    actor.require(Operation.MANAGE_PURPOSES)
    from safeguard_desktop.services.consent.grid import list_purposes

    return tuple(list_purposes(session, include_retired=True))


@changes(Topic.PURPOSES)
def save_purpose(session: Session, actor: Actor, purpose_id: int | None, data: PurposeInput) -> int:
    """Add a purpose (``purpose_id`` None) or change one, with its basis, in one transaction. Returns its id."""
    if purpose_id is None:
        purpose_id = add_purpose(session, actor, data.name, data.description)
        if not data.active:
            update_purpose(session, actor, purpose_id, name=data.name, description=data.description, active=False)
    else:
        update_purpose(session, actor, purpose_id, name=data.name, description=data.description, active=data.active)
    set_purpose_basis(session, actor, purpose_id, lawful_basis=data.lawful_basis, evidence_years=data.evidence_years)
    return purpose_id


def purpose_has_decisions(session: Session, purpose_id: int) -> bool:
    """True when any decision refers to the purpose (so it can be retired, never deleted)."""
    return bool(
        session.scalar(
            select(func.count()).select_from(ConsentDecision).where(ConsentDecision.purpose_id == purpose_id)
        )
    )


def read_setting(session: Session, key: str, default: Any = None) -> Any:
    """A setting's JSON value, or ``default`` when the school has not set it."""
    row = session.get(Setting, key)
    return default if row is None else json.loads(row.value)


def write_setting(session: Session, key: str, value: Any) -> None:
    """Store a setting (callers check permission and audit)."""
    row = session.get(Setting, key)
    text = json.dumps(value, sort_keys=True)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text


TERM_DATES_KEY = "term_dates"


def term_dates(session: Session) -> dict[int, tuple[date, date, date]]:
    """The school's term start dates by academic year (years not entered use the default split)."""
    stored = read_setting(session, TERM_DATES_KEY, {})
    return {int(year): tuple(date.fromisoformat(d) for d in days) for year, days in stored.items()}  # type: ignore[misc]


@changes(Topic.TERMS)
def set_term_dates(session: Session, actor: Actor, start_year: int, starts: tuple[date, date, date] | None) -> None:
    """Enter (or, with None, forget) the first days of the autumn, spring and summer terms of one academic year."""
    actor.require(Operation.EDIT_SCHOOL)
    stored = read_setting(session, TERM_DATES_KEY, {})
    label = f"{start_year}/{(start_year + 1) % 100:02d}"
    if starts is None:
        stored.pop(str(start_year), None)
        detail = f"{label}: default split"
    else:
        problem = check_term_starts(start_year, starts)
        if problem:
            raise ValidationError(problem, field="term_dates")
        stored[str(start_year)] = [d.isoformat() for d in starts]
        detail = f"{label}: " + ", ".join(format_uk_date(d) for d in starts)
    write_setting(session, TERM_DATES_KEY, stored)
    audit.record(session, actor, "set term dates", "setting", 0, detail)


LOCK_MINUTES_KEY = "lock_minutes"


def lock_minutes(session: Session) -> int:
    """Minutes without use before the window locks (default 10)."""
    return int(read_setting(session, LOCK_MINUTES_KEY, 10) or 10)


def set_lock_minutes(session: Session, actor: Actor, minutes: int) -> None:
    """How long the app may sit unused before it locks (1 to 60 minutes; leads). Audited."""
    actor.require(Operation.EDIT_SCHOOL)
    if not 1 <= minutes <= 60:
        raise ValidationError("Lock after between 1 and 60 minutes without use.", field="lock_minutes")
    write_setting(session, LOCK_MINUTES_KEY, minutes)
    audit.record(session, actor, "set the idle lock", "setting", 0, f"{minutes} minutes")
