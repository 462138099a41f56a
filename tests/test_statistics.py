"""Incident statistics against hand-computed figures."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import update

from safeguard_desktop.domain.dates import quarter_of, term_of
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import incidents, settings
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.incidents.statistics import incident_statistics
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import Incident

# (reported on, category)
DATA = [
    (datetime(2025, 10, 3), Category.PRIVACY),  # Q4 2025, autumn 2025/26
    (datetime(2025, 11, 20), Category.PRIVACY),  # Q4 2025, autumn 2025/26
    (datetime(2025, 11, 21), Category.REPUTATION),  # Q4 2025, autumn 2025/26
    (datetime(2026, 2, 1), Category.PRIVACY),  # Q1 2026, spring 2025/26
    (datetime(2026, 10, 1), Category.PRIVACY),  # Q4 2026, autumn 2026/27
    (datetime(2026, 10, 2), Category.PRIVACY),  # Q4 2026
    (datetime(2026, 11, 2), Category.PRIVACY),  # Q4 2026
    (datetime(2026, 11, 3), Category.CYBERBULLYING),  # Q4 2026
]


@pytest.fixture
def logged(reg: Register, dsl: Actor) -> Register:
    with write_session(reg.engine) as session:
        for when, category in DATA:
            number = incidents.record_incident(session, dsl, incidents.IncidentInput(category, "Facts."))
            session.execute(update(Incident).where(Incident.id == number).values(reported_at=when))
    return reg


def test_quarters_and_terms_against_a_year_earlier(logged: Register, dsl: Actor) -> None:
    with read_session(logged.engine) as session:
        stats = incident_statistics(session, dsl)
    quarters = {(p.period, p.category): (p.count, p.year_earlier, p.change) for p in stats.quarters}
    assert quarters[("Q4 2026", Category.PRIVACY)] == (3, 2, 50.0)  # 3 against 2: +50%
    assert quarters[("Q4 2026", Category.CYBERBULLYING)] == (1, 0, None)
    assert quarters[("Q4 2025", Category.REPUTATION)] == (1, 0, None)
    assert quarters[("Q1 2026", Category.PRIVACY)] == (1, 0, None)
    assert sum(p.count for p in stats.quarters) == len(DATA)
    terms = {(p.period, p.category): (p.count, p.year_earlier, p.change) for p in stats.terms}
    assert terms[("autumn 2026/27", Category.PRIVACY)] == (3, 2, 50.0)
    assert terms[("spring 2025/26", Category.PRIVACY)] == (1, 0, None)
    assert [p.period for p in stats.terms][:2] == ["autumn 2025/26", "autumn 2025/26"]


def test_periods() -> None:
    assert quarter_of(date(2026, 12, 31)) == (2026, 4) and quarter_of(date(2026, 1, 1)) == (2026, 1)
    assert term_of(date(2026, 9, 1)) == (2026, "autumn") and term_of(date(2027, 3, 31)) == (2026, "spring")
    assert term_of(date(2027, 4, 1)) == (2026, "summer") and term_of(date(2027, 8, 31)) == (2026, "summer")


def test_only_leads_see_statistics(logged: Register, office: Actor, staff: Actor) -> None:
    for actor in (office, staff):
        with pytest.raises(PermissionDenied), read_session(logged.engine) as session:
            incident_statistics(session, actor)


def test_cli_stats_json(logged: Register, capsys: pytest.CaptureFixture[str]) -> None:
    from safeguard_desktop.cli import main

    assert main(["--data-dir", str(logged.folder), "incidents", "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["quarters"] if r["period"] == "Q4 2026" and r["category"] == "abuse of privacy")
    assert (row["count"], row["year_earlier"], row["change_percent"]) == (3, 2, 50.0)


def test_incident_log_pdf_has_every_incident_and_the_statistics(logged: Register, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from safeguard_desktop.cli import main

    out = tmp_path / "log.pdf"
    assert main(["--data-dir", str(logged.folder), "incidents", "log", "--format", "pdf", "--out", str(out)]) == 0
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert text.count("Facts.") == len(DATA) and "Q4 2026" in text and "+50.0%" in text
    assert "CONFIDENTIAL" in text


def test_school_term_dates_move_the_term_boundaries(logged: Register, dsl: Actor) -> None:
    # Spring 2026 starts late (05/01) and summer early (13/04); incidents in the holidays count with the term before.
    with write_session(logged.engine) as session:
        settings.set_term_dates(session, dsl, 2025, (date(2025, 9, 3), date(2026, 1, 5), date(2026, 4, 13)))
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Holiday."))
        session.execute(update(Incident).where(Incident.id == number).values(reported_at=datetime(2026, 1, 2)))
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Easter."))
        session.execute(update(Incident).where(Incident.id == number).values(reported_at=datetime(2026, 4, 6)))
    with read_session(logged.engine) as session:
        stats = incident_statistics(session, dsl)
    terms = {(p.period, p.category): p.count for p in stats.terms}
    assert terms[("autumn 2025/26", Category.SCAM)] == 1  # 02/01/2026 is before spring's first day
    assert terms[("spring 2025/26", Category.SCAM)] == 1  # 06/04/2026 is before summer's 13/04
    # Without the school's dates the default split would have put them in spring and summer.
    assert term_of(date(2026, 1, 2)) == (2025, "spring") and term_of(date(2026, 4, 6)) == (2025, "summer")


def test_term_dates_are_checked_and_for_leads(reg: Register, dsl: Actor, office: Actor) -> None:
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match="in order"):
            settings.set_term_dates(session, dsl, 2026, (date(2026, 9, 3), date(2027, 4, 12), date(2027, 1, 5)))
        with pytest.raises(ValidationError, match="within the academic year 2026/27"):
            settings.set_term_dates(session, dsl, 2026, (date(2025, 9, 3), date(2027, 1, 5), date(2027, 4, 12)))
        with pytest.raises(PermissionDenied):
            settings.set_term_dates(session, office, 2026, (date(2026, 9, 3), date(2027, 1, 5), date(2027, 4, 12)))
    with read_session(reg.engine) as session:
        assert settings.term_dates(session) == {}


def test_cli_terms(reg: Register, capsys: pytest.CaptureFixture[str]) -> None:
    from safeguard_desktop.cli import main

    base = ["--data-dir", str(reg.folder), "terms"]
    assert main([*base, "set", "2026/27", "--autumn", "03/09/2026", "--spring", "05/01/2027",
                 "--summer", "12/04/2027"]) == 0  # fmt: skip
    assert main([*base, "list"]) == 0
    assert "2026/27  autumn 03/09/2026  spring 05/01/2027  summer 12/04/2027" in capsys.readouterr().out
    assert main([*base, "set", "2026/27", "--autumn", "03/09/2026", "--spring", "05/01/2028",
                 "--summer", "12/04/2027"]) == 2  # fmt: skip
    assert "within the academic year" in capsys.readouterr().err
    assert main([*base, "clear", "2026/27"]) == 0
    assert main([*base, "list"]) == 0
    assert "No term dates entered" in capsys.readouterr().out


def test_the_log_pdf_shows_every_category_in_its_legend_and_no_column_over_another(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from safeguard_desktop.documents.fonts import REGULAR, register_fonts
    from safeguard_desktop.documents.letters import LetterSchool
    from safeguard_desktop.documents.reports import LOG_COLUMNS, render_incident_log
    from safeguard_desktop.domain.incidents import Category

    register_fonts()
    names = [c.value for c in Category]
    rows = [(str(i), "02/12/2026 14:35", name, "immediate danger", "monitoring", "Summary") for i, name in
            enumerate(names, 1)]  # fmt: skip
    pdf = render_incident_log(LetterSchool("Oakfield", "", ""), rows, [], ("Per quarter", ["Q4 2026"],
                              [(name, [1]) for name in names]))  # fmt: skip
    pages = PdfReader(io.BytesIO(pdf)).pages
    width = float(pages[1].mediabox.width)
    legend: list[tuple[str, float]] = []
    pages[1].extract_text(visitor_text=lambda text, _cm, tm, _font, _size: legend.append((text.strip(), tm[4])))
    shown = {text: x for text, x in legend if text in names}
    assert set(shown) == set(names) and all(x + stringWidth(t, REGULAR, 8) < width for t, x in shown.items())
    cells: list[tuple[str, float]] = []
    pages[0].extract_text(visitor_text=lambda text, _cm, tm, _font, _size: cells.append((text.strip(), tm[4])))
    urgency_x = next(x for text, x in cells if text == "immediate danger")
    status_x = next(x for text, x in cells if text == "monitoring")
    assert urgency_x + stringWidth("immediate danger", REGULAR, 8.5) < status_x  # whole, and clear of the status
    assert LOG_COLUMNS[3][0] == "Urgency"
