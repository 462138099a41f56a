"""Incident statistics: per category per quarter and per term, with the change against a year earlier."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.dates import TERMS, quarter_label, quarter_of, term_label, term_of
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.settings import term_dates
from safeguard_desktop.store.models import Incident


@dataclass(frozen=True)
class PeriodCount:
    """One category in one period, beside the same period a year earlier."""

    period: str
    category: Category
    count: int
    year_earlier: int

    @property
    def change(self) -> float | None:
        """Percentage change against a year earlier; None when there was nothing to compare with."""
        if self.year_earlier == 0:
            return None
        return round(100 * (self.count - self.year_earlier) / self.year_earlier, 1)


@dataclass(frozen=True)
class IncidentStatistics:
    """Counts by reporting date."""

    quarters: tuple[PeriodCount, ...]
    terms: tuple[PeriodCount, ...]


def incident_statistics(session: Session, actor: Actor) -> IncidentStatistics:
    """Per category, for every quarter and term that has incidents, with the same period a year earlier."""
    actor.require(Operation.READ_INCIDENTS)
    from safeguard_desktop.services.incidents import facts

    rows = [(i.reported_at, facts(i, actor).category) for i in session.scalars(select(Incident)) if counted(i, actor)]
    return tally(session, rows)


def counted(incident: Incident, actor: Actor) -> bool:
    """True for an incident the actor's statistics count (another readers' restricted case is counted by them)."""
    return not incident.case_public or incident.id in actor.case_keys


def tally(session: Session, rows: Sequence[tuple[datetime, str]]) -> IncidentStatistics:
    """(reported at, category) counted per quarter and per term, each beside the same period a year earlier."""
    school_terms = term_dates(session)
    by_quarter: Counter[tuple[int, int, str]] = Counter()
    by_term: Counter[tuple[int, str, str]] = Counter()
    for reported_at, category in rows:
        year, quarter = quarter_of(reported_at.date())
        start, term = term_of(reported_at.date(), school_terms)
        by_quarter[(year, quarter, category)] += 1
        by_term[(start, term, category)] += 1
    quarters = tuple(
        PeriodCount(quarter_label(y, q), Category(c), n, by_quarter.get((y - 1, q, c), 0))
        for (y, q, c), n in sorted(by_quarter.items())
    )
    terms = tuple(
        PeriodCount(term_label(s, t), Category(c), n, by_term.get((s - 1, t, c), 0))
        for (s, t, c), n in sorted(by_term.items(), key=lambda item: (item[0][0], TERMS.index(item[0][1]), item[0][2]))
    )
    return IncidentStatistics(quarters, terms)


@dataclass(frozen=True)
class ChartData:
    """What the app's chart and the PDF report's chart both draw: counts per category over recent periods."""

    periods: tuple[str, ...]
    series: tuple[tuple[Category, tuple[int, ...]], ...]


def chart_data(counts: Sequence[PeriodCount], *, last: int = 6) -> ChartData:
    """The ``last`` periods that have incidents (in order), one series per category seen in them."""
    periods: list[str] = []
    for count in counts:
        if count.period not in periods:
            periods.append(count.period)
    shown = periods[-last:]
    table = {(c.period, c.category): c.count for c in counts if c.period in shown}
    categories = [c for c in Category if any((p, c) in table for p in shown)]
    return ChartData(tuple(shown), tuple((c, tuple(table.get((p, c), 0) for p in shown)) for c in categories))
