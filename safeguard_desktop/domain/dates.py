"""UK dates: dd/mm/yyyy parsing and printing, and academic years (1 September to 31 August)."""

from __future__ import annotations

import re
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


def term_of(on: date) -> tuple[int, str]:
    """(academic-year start, term) containing ``on``: autumn Sep–Dec, spring Jan–Mar, summer Apr–Aug.

    Term dates vary by school and by the date of Easter; this fixed split is the default used for statistics.
    """
    start = academic_year_start(on)
    if on.month >= 9:
        return start, "autumn"
    return start, "spring" if on.month <= 3 else "summer"


def term_label(start_year: int, term: str) -> str:
    """'autumn 2026/27'."""
    return f"{term} {start_year}/{(start_year + 1) % 100:02d}"
