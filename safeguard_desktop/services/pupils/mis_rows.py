"""Checking one row of an MIS export: every mapped cell, with a reason a person can act on for each problem."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from safeguard_desktop.domain.dates import parse_uk_date
from safeguard_desktop.domain.pupils import normalise_upn, normalise_year_group
from safeguard_desktop.domain.text import UNSAFE
from safeguard_desktop.services.pupils.mis_mapping import FIELD_BY_KEY, IDENTIFIERS

_LIMITS = {
    "legal_forename": 100,
    "legal_surname": 100,
    "preferred_forename": 100,
    "preferred_surname": 100,
    "reg_group": 40,
    "admission_number": 20,
}
_BAD_CHARACTER = UNSAFE  # control characters and the bidirectional overrides that can disguise a name
EARLIEST_BIRTH = date(1990, 1, 1)


@dataclass(frozen=True)
class Rejection:
    """A row that cannot be imported: where, which field, and why."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class PupilRecord:
    """A validated row."""

    line: int
    values: dict[str, object]

    @property
    def name(self) -> str:
        """Surname, forename for previews."""
        return f"{self.values['legal_surname']}, {self.values['legal_forename']}"


def _bad_character(text: str) -> str | None:
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    return f"contains a control character (U+{ord(found.group()):04X}); correct it in the MIS and export again"


@dataclass(frozen=True)
class _FieldCheck:
    """How one mapped column is checked: worked out once per import, applied to every row."""

    key: str
    label: str
    index: int
    required: bool
    limit: int
    convert: Callable[[str], object] | None


def _birth_date_checker(today: date) -> Callable[[str], date]:
    def check(text: str) -> date:
        born = parse_uk_date(text)
        if born > today:
            raise ValueError(f"{text!r} is in the future")
        if born < EARLIEST_BIRTH:
            raise ValueError(f"{text!r} is too early for a pupil")
        return born

    return check


def plan_checks(mapping: Mapping[str, int], today: date) -> list[_FieldCheck]:
    converters: dict[str, Callable[[str], object]] = {
        "upn": normalise_upn,
        "date_of_birth": _birth_date_checker(today),
        "year_group": normalise_year_group,
    }
    return [
        _FieldCheck(
            key, FIELD_BY_KEY[key].label, index, FIELD_BY_KEY[key].required, _LIMITS.get(key, 0), converters.get(key)
        )
        for key, index in mapping.items()
    ]


def validate_row(
    line: int, cells: list[str], width: int, plan: list[_FieldCheck]
) -> tuple[PupilRecord | None, list[Rejection]]:
    if len(cells) != width:
        return None, [Rejection(line, "row", f"has {len(cells)} fields but the header has {width}")]
    values: dict[str, object] = {}
    problems: list[Rejection] = []
    clean_row = _BAD_CHARACTER.search("".join(cells)) is None  # one search per row; cells only when needed
    for check in plan:
        raw = cells[check.index]
        bad = None if clean_row else _bad_character(raw)
        if bad:
            problems.append(Rejection(line, check.label, bad))
            continue
        text = raw.strip()
        if "  " in text:
            text = " ".join(text.split())
        if check.limit and len(text) > check.limit:
            problems.append(Rejection(line, check.label, f"is longer than {check.limit} characters"))
        elif not text:
            if check.required:
                problems.append(Rejection(line, check.label, "is empty"))
            values[check.key] = None
        elif check.convert is None:
            values[check.key] = text
        else:
            try:
                values[check.key] = check.convert(text)
            except ValueError as exc:
                problems.append(Rejection(line, check.label, str(exc)))
    if not problems and not values.get("upn") and not values.get("admission_number"):
        problems.append(Rejection(line, "UPN", "the row has neither a UPN nor an admission number"))
    if problems:
        return None, problems
    return PupilRecord(line, values), []


def raw_identifiers(cells: list[str], mapping: Mapping[str, int]) -> set[str]:
    found = set()
    for key in IDENTIFIERS:
        index = mapping.get(key)
        if index is not None and index < len(cells):
            text = "".join(cells[index].split()).upper()
            if text:
                found.add(f"{key}:{text}")
    return found
