"""Incident exports shared by the app and the command line: the log (CSV or PDF) and helpline summaries.

Every export is audited. The CSV is spreadsheet-safe; the PDF report carries the statistics chart.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.files import write_atomically
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.csv_export import write_safe_csv
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.incidents.helpline import HelplineSummary
from safeguard_desktop.services.incidents.incident_people import describe_people
from safeguard_desktop.services.incidents.statistics import chart_data, incident_statistics
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.settings import get_school, letterhead

LOG_HEADERS = ("Number", "Reported", "Happened", "Category", "4 Cs", "Urgency", "Status", "Platforms", "People",
               "Summary", "Follow up", "Outcome")  # fmt: skip


def _outcome(view: incidents.IncidentView) -> str:
    """The newest outcome recorded (when it was closed), or ""."""
    outcomes = [e.text for e in view.entries if e.kind == "outcome"]
    return outcomes[-1] if outcomes else ""


def incident_log_pdf(session: Session, actor: Actor) -> bytes:
    """The incident log as a PDF report: every incident, then the chart and the quarterly statistics."""
    from safeguard_desktop.documents.reports import render_incident_log

    views = incidents.list_incidents(session, actor)
    stats = incident_statistics(session, actor)
    chart = chart_data(stats.quarters)
    return render_incident_log(
        letterhead(get_school(session)),
        [
            (str(v.id), format_uk_datetime(v.reported_at), v.category.value, v.urgency.value, v.status.value, v.summary)
            for v in views
        ],
        [
            (p.period, p.category.value, p.count, p.year_earlier, "—" if p.change is None else f"{p.change:+.1f}%")
            for p in stats.quarters
        ],
        ("Incidents per quarter, by category", chart.periods, [(c.value, v) for c, v in chart.series]),
    )


def export_log(session: Session, actor: Actor, target: Path, fmt: str) -> int:
    """Write the incident log as ``csv`` or ``pdf``; returns how many incidents. Audited."""
    actor.require(Operation.READ_INCIDENTS)
    if fmt not in ("csv", "pdf"):
        raise ValidationError("The incident log is exported as csv or pdf.")
    if target.suffix.lower() != f".{fmt}":
        raise ValidationError(f"{target.name}: the file name must end in .{fmt}.")
    views = incidents.list_incidents(session, actor)
    if fmt == "csv":
        write_safe_csv(
            target,
            LOG_HEADERS,
            (
                (
                    v.id,
                    format_uk_datetime(v.reported_at),
                    format_uk_datetime(v.occurred_at),
                    v.category.value,
                    v.four_cs.value,
                    v.urgency.value,
                    v.status.value,
                    ", ".join(v.platforms),
                    "; ".join(describe_people(session, actor, v)),
                    v.summary,
                    v.follow_up_on.strftime("%d/%m/%Y") if v.follow_up_on else "",
                    _outcome(v),
                )
                for v in views
            ),
        )
    else:
        write_atomically(target, incident_log_pdf(session, actor))
    audit.record(session, actor, f"exported the incident log ({fmt})", "incident", "", f"{len(views)}")
    return len(views)


def helpline_pdf(session: Session, summary: HelplineSummary) -> bytes:
    """A helpline summary (made, and audited, by helpline_summary) laid out on the school's letterhead."""
    from safeguard_desktop.documents.notices import render_helpline_summary

    return render_helpline_summary(letterhead(get_school(session)), summary.title, summary.lines)
