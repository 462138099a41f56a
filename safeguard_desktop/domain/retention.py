"""How long records are kept (IRMS toolkit defaults; each is a school setting), and when a record is due for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from safeguard_desktop.domain.dates import end_of_academic_year


@dataclass(frozen=True)
class RetentionRules:
    """Defaults from shared/DOMAIN.md."""

    consent_years_after_leaving: int = 1
    child_protection_years_after_birth: int = 25
    event_years_after_academic_year: int = 0


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def consent_review_date(left_on: date, rules: RetentionRules) -> date:
    """Consent decisions: a year after the pupil left."""
    return add_years(left_on, rules.consent_years_after_leaving)


def child_protection_review_date(date_of_birth: date, rules: RetentionRules) -> date:
    """Child-protection (incident) records: the pupil's date of birth plus 25 years, then review."""
    return add_years(date_of_birth, rules.child_protection_years_after_birth)


def event_review_date(event_day: date, rules: RetentionRules) -> date:
    """Event letters and rosters: after the end of the academic year of the event."""
    return add_years(end_of_academic_year(event_day), rules.event_years_after_academic_year)
