"""Pupil facts: UPN checks, year groups, ages and the search key used by the register."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache, lru_cache

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import upn as stdnum_upn

YEAR_GROUPS: tuple[str, ...] = (
    "Nursery",
    "Reception",
    *(f"Year {n}" for n in range(1, 14)),
)

#: Why a pupil must never be photographed (the reason is seen only by safeguarding leads).
NEVER_PHOTOGRAPH_REASONS = ("Adopted", "Court order", "Relocated after domestic abuse", "Other safeguarding reason")

_YEAR_ALIASES = {
    "n": "Nursery",
    "n1": "Nursery",
    "n2": "Nursery",
    "nursery": "Nursery",
    "r": "Reception",
    "rec": "Reception",
    "reception": "Reception",
    "yr": "Reception",
}


# A permanent UPN in plain ASCII: check letter, 11 digits, a final digit. Only such strings take the quick path.
_PLAIN_PERMANENT_UPN = re.compile(r"[A-Z][0-9]{12}")


@cache
def _known_local_authority(number: str) -> bool:
    """Whether python-stdnum accepts this local-authority number (asked once per number)."""
    body = number + "000000000"
    return bool(stdnum_upn.is_valid(stdnum_upn.calc_check_digit(body) + body))


def normalise_upn(value: str) -> str:
    """Return the UPN upper-cased without spaces, or raise ValueError with a reason a person can act on.

    python-stdnum decides validity. A plain permanent UPN is checked with stdnum's own check-letter function
    and local-authority list directly, skipping its generic Unicode clean-up that costs more than the check
    (a test compares both paths on thousands of mutated numbers); anything else goes through
    ``stdnum.gb.upn.validate`` whole.
    """
    compact = value.strip().replace(" ", "").upper()
    if (
        _PLAIN_PERMANENT_UPN.fullmatch(compact)
        and _known_local_authority(compact[1:4])
        and stdnum_upn.calc_check_digit(compact[1:]) == compact[0]
    ):
        return compact
    try:
        return str(stdnum_upn.validate(value))
    except StdnumError as exc:
        compact = stdnum_upn.compact(value)
        if len(compact) != 13:
            raise ValueError(f"a UPN has 13 characters; {value!r} has {len(compact)}") from exc
        raise ValueError(f"{value!r} is not a valid UPN (check letter or format wrong)") from exc


@lru_cache(maxsize=256)
def normalise_year_group(value: str) -> str:
    """Map the many ways an MIS writes a year group ("Y7", "Year 07", "7", "R") to one name."""
    text = " ".join(value.strip().split())
    key = text.lower().replace(".", "")
    if key in _YEAR_ALIASES:
        return _YEAR_ALIASES[key]
    for prefix in ("year", "yr", "y"):
        if key.startswith(prefix):
            rest = key[len(prefix) :].strip()
            if rest.isdigit():
                key = rest
                break
    if key.isdigit() and 1 <= int(key) <= 13:
        return f"Year {int(key)}"
    raise ValueError(f"{value!r} is not a year group (expected Nursery, Reception or Year 1 to Year 13)")


def year_group_order(name: str) -> int:
    """Sort position of a year group; unknown names sort last."""
    try:
        return YEAR_GROUPS.index(name)
    except ValueError:
        return len(YEAR_GROUPS)


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on a date."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def search_key(*parts: str | None) -> str:
    """Fold text for accent- and case-insensitive matching: 'Zoë O’Brien' matches 'zoe o'brien'."""
    text = " ".join(p for p in parts if p)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def display_name(forename: str, surname: str, preferred_forename: str | None = None) -> str:
    """'Surname, Forename' as registers list pupils; the preferred forename wins when there is one."""
    return f"{surname}, {preferred_forename or forename}"
