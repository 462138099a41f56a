"""UK dates: dd/mm/yyyy parsing and printing, and academic years (1 September to 31 August)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache

_UK_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?\s*$")


@lru_cache(maxsize=4096)
def parse_uk_date(text: str) -> date:
    """Parse dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy, and ISO yyyy-mm-dd that spreadsheets write).

    Raises:
        ValueError: with a message naming the expected format, or why the date is not real.
    """
    m = _UK_DATE.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _ISO_DATE.match(text)
        if not m:
            raise ValueError(f"{text!r} is not a date in dd/mm/yyyy form")
        year, month, day = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from exc


_TYPED = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*([0-9]{1,2}|[A-Za-z]{3,9})\s*[/.\- ]\s*(\d{2}|\d{4})\s*$")
_MONTHS = {name: n for n, names in enumerate((("jan", "january"), ("feb", "february"), ("mar", "march"),
           ("apr", "april"), ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
           ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1)
           for name in names}  # fmt: skip


def read_typed_date(text: str, *, earliest: date | None = None, latest: date | None = None) -> date:
    """A date as a person types it in the UK: 28/11/2026, 28.11.26, 28-11-2026, 28 11 2026 or 28 Nov 2026.

    Two-digit years are this century's. Nothing is corrected silently: a date that is not real, is in the
    American order, or falls outside ``earliest``..``latest`` is refused with a sentence saying why.

    Raises:
        ValueError: with what to type instead.
    """
    m = _TYPED.match(text)
    if not m:
        iso = _ISO_DATE.match(text)
        if iso:
            return _in_range(date(*(int(g) for g in iso.groups())), earliest, latest)
        raise ValueError(f"'{text.strip()}' is not a date: type it as day/month/year, for example 28/11/2026.")
    day, month_text, year_text = m.groups()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower(), 0)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if month == 0:
        raise ValueError(f"'{month_text}' is not a month. Type the date as day/month/year, for example 28/11/2026.")
    if month > 12:
        hint = f" Did you mean {month:02d}/{int(day):02d}/{year}?" if int(day) <= 12 and month <= 31 else ""
        raise ValueError(f"There is no month {month}: dates here are day/month/year.{hint}")
    try:
        value = date(year, month, int(day))
    except ValueError:
        raise ValueError(f"{int(day)}/{month}/{year} is not a real date (check the day and the month).") from None
    return _in_range(value, earliest, latest)


def _in_range(value: date, earliest: date | None, latest: date | None) -> date:
    if latest is not None and value > latest:
        raise ValueError(f"{format_uk_date(value)} is after {format_uk_date(latest)}, the latest date allowed here.")
    if earliest is not None and value < earliest:
        raise ValueError(f"{format_uk_date(value)} is before {format_uk_date(earliest)}, the earliest allowed here.")
    return value


def format_uk_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, or an empty string for no date."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_uk_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM, or an empty string."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def academic_year_start(on: date) -> int:
    """The calendar year in which the academic year containing ``on`` began (September)."""
    return on.year if on.month >= 9 else on.year - 1


def academic_year_label(on: date) -> str:
    """'2026/27' style label of the academic year containing ``on``."""
    start = academic_year_start(on)
    return f"{start}/{(start + 1) % 100:02d}"


def end_of_academic_year(on: date) -> date:
    """31 August ending the academic year that contains ``on`` (the usual validity of an annual consent)."""
    return date(academic_year_start(on) + 1, 8, 31)


def quarter_of(on: date) -> tuple[int, int]:
    """(year, quarter 1–4) of the calendar quarter containing ``on``."""
    return on.year, (on.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    """'Q4 2026'."""
    return f"Q{quarter} {year}"


TERMS = ("autumn", "spring", "summer")


def default_term_starts(start_year: int) -> tuple[date, date, date]:
    """The fixed split used where the school has not entered its term dates: 1 Sep, 1 Jan, 1 Apr."""
    return date(start_year, 9, 1), date(start_year + 1, 1, 1), date(start_year + 1, 4, 1)


def term_of(on: date, school_terms: Mapping[int, tuple[date, date, date]] | None = None) -> tuple[int, str]:
    """(academic-year start, term) containing ``on``.

    ``school_terms`` maps an academic year's start to the first days of its autumn, spring and summer terms
    as the school entered them; holidays belong to the term before them. Years the school has not entered
    use the default split (autumn Sep–Dec, spring Jan–Mar, summer Apr–Aug).
    """
    start = academic_year_start(on)
    # The academic year begins on 1 September whatever day teaching starts: the autumn date splits nothing.
    _autumn, spring, summer = (school_terms or {}).get(start) or default_term_starts(start)
    if on >= summer:
        return start, "summer"
    if on >= spring:
        return start, "spring"
    return start, "autumn"


def check_term_starts(start_year: int, starts: tuple[date, date, date]) -> str | None:
    """Why these term dates cannot be right for the academic year starting in ``start_year``, or None."""
    autumn, spring, summer = starts
    first, last = date(start_year, 9, 1), date(start_year + 1, 8, 31)
    label = f"{start_year}/{(start_year + 1) % 100:02d}"
    for name, day in (("autumn", autumn), ("spring", spring), ("summer", summer)):
        if not first <= day <= last:
            span = f"01/09/{start_year} to 31/08/{start_year + 1}"
            return f"The {name} term must start within the academic year {label} ({span})."
    if not autumn < spring < summer:
        return "The terms must start in order: autumn, then spring, then summer."
    return None


def term_label(start_year: int, term: str) -> str:
    """'autumn 2026/27'."""
    return f"{term} {start_year}/{(start_year + 1) % 100:02d}"
