"""Which column of an MIS export holds which register field: the names SIMS, Arbor, Bromcom, ScholarPack and
iSAMS use, and the person's own choices when a file uses others."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from safeguard_desktop.services.errors import ValidationError


@dataclass(frozen=True)
class FieldSpec:
    """A register field an MIS column can fill."""

    key: str
    label: str
    required: bool
    synonyms: tuple[str, ...]


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("upn", "UPN", False, ("upn", "unique pupil number", "pupil upn", "upn number")),
    FieldSpec(
        "admission_number",
        "Admission number",
        False,
        ("adno", "adm no", "admission no", "admission number", "admissions number", "admission num", "adm number"),
    ),
    FieldSpec(
        "legal_surname",
        "Legal surname",
        True,
        ("legal surname", "surname", "last name", "lastname", "family name", "legal last name", "pupil surname"),
    ),
    FieldSpec(
        "legal_forename",
        "Legal forename",
        True,
        (
            "legal forename",
            "forename",
            "forenames",
            "first name",
            "firstname",
            "given name",
            "legal first name",
            "pupil forename",
        ),
    ),
    FieldSpec(
        "preferred_forename",
        "Preferred forename",
        False,
        ("preferred forename", "preferred first name", "preferred name", "known as", "chosen name", "nickname"),
    ),
    FieldSpec("preferred_surname", "Preferred surname", False, ("preferred surname", "preferred last name")),
    FieldSpec("date_of_birth", "Date of birth", True, ("dob", "date of birth", "birth date", "birthdate", "d o b")),
    FieldSpec(
        "year_group",
        "Year group",
        True,
        ("year group", "year", "yeargroup", "nc year", "national curriculum year", "curriculum year", "year grp"),
    ),
    FieldSpec(
        "reg_group",
        "Registration group",
        False,
        (
            "reg group",
            "registration group",
            "registration form",
            "reg form",
            "tutor group",
            "form",
            "form group",
            "class",
            "reg",
            "registration",
            "tutor",
        ),
    ),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
IDENTIFIERS = ("upn", "admission_number")


def header_key(text: str) -> str:
    """A column heading as compared: lower case, every run of other characters one space ("Child's name" and
    "CHILDS  NAME" differ, "Reg-Group" and "reg group" do not)."""
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def find_columns(headers: list[str], synonyms: Mapping[str, Sequence[str]],
                 key: Callable[[str], str] = header_key) -> dict[str, int]:  # fmt: skip
    """Each field's column: the first of its names the file uses, in the order given, never a column another
    field has taken already."""
    keys = [key(h) for h in headers]
    found: dict[str, int] = {}
    for name, names in synonyms.items():
        for synonym in names:
            if synonym in keys and keys.index(synonym) not in found.values():
                found[name] = keys.index(synonym)
                break
    return found


def suggest_mapping(headers: list[str]) -> dict[str, int]:
    """Map register fields to column positions by recognising the names MIS exports use."""
    return find_columns(headers, {spec.key: spec.synonyms for spec in FIELDS})


def missing_fields(mapping: Mapping[str, int]) -> list[str]:
    """Labels of what a mapping still lacks: required fields, and at least one identifier."""
    missing = [f.label for f in FIELDS if f.required and f.key not in mapping]
    if not any(k in mapping for k in IDENTIFIERS):
        missing.append("UPN or admission number")
    return missing


def mapping_from_names(headers: list[str], names: Mapping[str, str]) -> dict[str, int]:
    """Turn {field: header text} into positions; ValidationError names an unknown field or header."""
    result = suggest_mapping(headers)
    keys = [header_key(h) for h in headers]
    for field_key, header in names.items():
        if field_key not in FIELD_BY_KEY:
            known = ", ".join(FIELD_BY_KEY)
            raise ValidationError(f"Unknown field {field_key!r} in the mapping; fields are: {known}.")
        wanted = header_key(header)
        if wanted not in keys:
            raise ValidationError(f"The file has no column called {header!r}; its columns are: {', '.join(headers)}.")
        result[field_key] = keys.index(wanted)
    return result
