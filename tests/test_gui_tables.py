"""Tables of any size: refills that keep the person's place and widths, and lists that open only what they show."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.security import sealing
from safeguard_desktop.services import incidents
from safeguard_desktop.services.accounts.signin import create_register, sign_in
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, Pupil

PASSWORD = "correct pony staple lantern"


def test_a_refill_keeps_the_chosen_row_and_the_widths_the_person_set(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from safeguard_desktop.ui.kit.table import Cell, ReadOnlyTable

    table = ReadOnlyTable(("No.", "Name", "Note"), "Records", pick_rows=True)
    qtbot.addWidget(table)
    table.resize(900, 400)
    table.show()
    rows = [(str(n), f"Pupil {n}", "x" * (80 if n == 3 else 3)) for n in range(5000)]
    table.set_rows(rows, keys=list(range(5000)))
    assert table.row_count() == 5000 and table.text(4999, 1) == "Pupil 4999"
    chosen: list[int] = []
    table.current_row_changed.connect(chosen.append)
    table.choose_key(1234)
    assert table.current_key() == 1234 and chosen[-1] == 1234
    # GIVEN the person widened the name column WHEN the rows are replaced (a reload after a change elsewhere)
    table.horizontalHeader().resizeSection(1, 333)
    table.set_rows(list(reversed(rows)), keys=list(reversed(range(5000))))
    # THEN the width stays, and the screen can choose the same record again by its key
    assert table.horizontalHeader().sectionSize(1) == 333
    assert chosen[-1] == -1 and table.current_key() is None
    assert table.choose_key(1234) and table.current_row() == 5000 - 1 - 1234
    assert not table.choose_key(99999)
    # a long text is whole in its tooltip; a coloured cell says its meaning in words too
    model = table.rows
    assert model.data(model.index(5000 - 1 - 3, 2), Qt.ItemDataRole.ToolTipRole) == "x" * 80
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) is None
    table.set_rows([("1", Cell("NOT — refused", "#f8d7da", "#721c24", "Refused"), "")])
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole).color().name() == "#f8d7da"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == "Refused"
    assert table.row_text(0) == "1 · NOT — refused · "


@pytest.fixture
def protected(tmp_path: Path) -> tuple[Register, Actor]:
    """A protected register (facts sealed) with five incidents, the newest overdue for follow-up."""
    folder = tmp_path / "school"
    reg, dsl, _recovery = create_register(folder, "Oakfield Primary", "a.lead", "Ann Lead", PASSWORD)
    reg.close()
    reg, dsl = sign_in(folder, "a.lead", PASSWORD)
    with write_session(reg.engine) as session:
        for n in range(5):
            number = incidents.record_incident(session, dsl, incidents.IncidentInput(
                Category.PRIVACY if n % 2 else Category.CYBERBULLYING, f"Secret summary {n}"))  # fmt: skip
        incidents.set_status(session, dsl, number, incidents.Status.MONITORING, reason="Spoke to the family",
                             follow_up_on=date.today() - timedelta(days=1))  # fmt: skip
    return reg, dsl


def test_the_leads_list_opens_one_sealed_value_per_line_and_no_summary(  # type: ignore[no-untyped-def]
    protected, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, dsl = protected
    opened: list[str] = []
    real = sealing.reveal
    monkeypatch.setattr(sealing, "reveal", lambda actor, stored: opened.append(stored or "") or real(actor, stored))
    with read_session(reg.engine) as session:
        lines = incidents.incident_lines(session, dsl)
        newest = incidents.incident_lines(session, dsl, limit=2)
    reg.close()
    assert [line.id for line in lines] == [5, 4, 3, 2, 1] and [line.id for line in newest] == [5, 4]
    assert lines[0].status is incidents.Status.MONITORING and lines[0].overdue and not lines[1].overdue
    assert {line.category for line in lines} == {Category.PRIVACY, Category.CYBERBULLYING}
    assert len(opened) == 5 + 2  # the facts of each line; never the summary, people or chronology


def test_the_incidents_screen_shows_the_newest_first_then_all_and_opens_the_chosen_once(  # type: ignore[no-untyped-def]
    qtbot, protected, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.incidents import screen as incidents_screen
    from safeguard_desktop.ui.main_window import MainWindow

    reg, dsl = protected
    monkeypatch.setattr(incidents_screen, "FIRST_LINES", 2)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    screen = window.incidents_screen
    assert screen is not None
    screen.count_caseload()  # soon after sign-in, before the tab is ever shown: its badge
    assert window.tabs.tabText(window.tabs.indexOf(screen)) == "&Incidents · 1 overdue"
    screen.reload()
    assert screen.list.row_count() == 5  # the newest two first, then the rest
    assert screen.list.row_text(0).startswith("5 · ") and "OVERDUE · monitoring" in screen.list.row_text(0)
    assert screen.current is not None and screen.current.id == 5 and screen.current.summary == "Secret summary 4"

    def views() -> int:
        with read_session(reg.engine) as session:
            return session.scalar(select(func.count()).where(AuditEntry.action == "viewed an incident")) or 0

    assert views() == 1  # the rest of the list arriving did not open it again
    screen.list.choose_key(3)
    assert screen.current.id == 3 and views() == 2
    window.close()
    reg.close()


def test_the_register_shows_its_first_pupils_by_name_then_all_of_them(  # type: ignore[no-untyped-def]
    qtbot, reg: Register, dsl: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguard_desktop.services.consent import register_view
    from safeguard_desktop.services.demo import create_demo_school
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow
    from safeguard_desktop.ui.register import screen as register_screen

    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=120)
    with read_session(reg.engine) as session:
        first = register_view.load_prepared(session, dsl, first=5)
        whole = register_view.load_prepared(session, dsl)
    assert whole.complete and whole.total == 120 and not first.complete and first.total == 120
    with read_session(reg.engine) as session:
        pupils = session.execute(select(Pupil.id, Pupil.legal_surname, Pupil.legal_forename)).all()
    by_name = sorted(pupils, key=lambda p: (p.legal_surname, p.legal_forename, p.id))[:5]
    assert {r.id for r in first.snapshot.rows} == {p.id for p in by_name}
    # each of the first pupils has the verdicts the whole register gives them
    verdicts = {r.id: r.verdicts for r in whole.snapshot.rows}
    assert all(r.verdicts == verdicts[r.id] for r in first.snapshot.rows)

    shown: list[int] = []
    monkeypatch.setattr(register_screen, "FIRST_PUPILS", 5)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    window.register_screen.model.modelReset.connect(lambda: shown.append(window.register_screen.model.total))
    window.register_screen.load_now()
    assert shown == [5, 120] and window.register_screen.count_label.text() == "Showing 120 of 120 pupils"
    window.register_screen.reload()  # after a change: the whole register at once, not the first five again
    assert shown == [5, 120, 120]


def test_an_events_roster_shows_its_first_participants_then_all_with_the_counts(  # type: ignore[no-untyped-def]
    qtbot, reg: Register, dsl: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.services import events
    from safeguard_desktop.services.demo import create_demo_school
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.events import screen as events_screen
    from safeguard_desktop.ui.main_window import MainWindow

    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=120)
        years = sorted(set(session.scalars(select(Pupil.year_group))))
        events.create_event(session, dsl, events.EventInput("Summer fair", datetime(2027, 7, 10, 13, 0), "Field",
                                                            FilmingPolicy.PERSONAL_USE, year_groups=years))  # fmt: skip
    with read_session(reg.engine) as session:
        (summary,) = events.list_events(session, dsl)
        part = events.roster(session, dsl, summary.id, first=7)
        whole = events.roster(session, dsl, summary.id)
    assert not part.complete and part.total == len(whole.lines) == 120 and whole.complete
    assert [line.pupil.id for line in part.lines] == [line.pupil.id for line in whole.lines][:7]
    assert [line.verdicts for line in part.lines] == [line.verdicts for line in whole.lines][:7]

    monkeypatch.setattr(events_screen, "FIRST_LINES", 7)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    shown: list[int] = []
    screen = window.events_screen
    screen.roster_table.rows.modelReset.connect(lambda: shown.append(screen.roster_table.row_count()))
    window.show()
    window.tabs.setCurrentWidget(screen)  # the first show reads the events, then the first one's roster
    assert shown[-2:] == [7, 120] and screen.counts.text() == whole.describe()
