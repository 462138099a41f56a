"""The incident screens driven as a safeguarding lead would: several pupils on one incident, statistics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import update

from PySide6.QtCore import Qt

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.store.engine import write_session
from safeguard_desktop.store.models import Incident
from safeguard_desktop.ui import background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, reg: Register, dsl: Actor) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=60)
    background.set_synchronous(True)
    win = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(win)
    yield win
    background.set_synchronous(False)


def test_several_pupils_and_a_member_of_staff_on_one_incident(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.incidents_screen
    assert screen is not None
    window.tabs.setCurrentWidget(screen)
    dialog = screen.on_log_button_clicked()
    picker = dialog.people
    first, second = picker.choices[0], picker.choices[1]
    # GIVEN part of a surname typed and Enter: the one matching pupil is linked
    picker.pupil_edit.setText(first.label)  # names may have accents; keyClicks types ASCII only
    qtbot.keyClick(picker.pupil_edit, Qt.Key.Key_Return)
    picker.pupil_involvement.setCurrentIndex(1)  # alleged
    picker.pupil_edit.setText(second.label)
    picker.add_pupil_button.click()
    # An ambiguous fragment links nobody and says why; the same pupil twice is refused.
    qtbot.keyClicks(picker.pupil_edit, "a")
    picker.add_pupil()
    assert "No single pupil matches" in picker.message.text()
    picker.pupil_edit.clear()
    picker.pupil_edit.setText(first.label)
    picker.add_pupil()
    assert "linked already" in picker.message.text() and picker.list.count() == 2
    qtbot.keyClicks(picker.staff_role_edit, "PE teacher")
    qtbot.keyClick(picker.staff_role_edit, Qt.Key.Key_Return)
    assert picker.list.count() == 3
    # Delete removes the chosen line
    picker.list.setCurrentRow(2)
    qtbot.keyClick(picker.list, Qt.Key.Key_Delete)
    assert picker.list.count() == 2
    dialog.category_combo.setCurrentIndex(list(Category).index(Category.CYBERBULLYING))
    dialog.summary_edit.setPlainText("Unkind messages in a group chat.")
    dialog.on_save()
    # THEN the incident links both pupils with their involvement, and the lead sees their names
    assert screen.current is not None
    linked = {(p.pupil_id, p.involvement) for p in screen.current.people}
    assert linked == {(first.id, "affected"), (second.id, "alleged")}
    assert first.label in screen.facts.text() and second.label in screen.facts.text()


def test_statistics_chart_and_table(qtbot, window: MainWindow, reg: Register, dsl: Actor) -> None:  # type: ignore[no-untyped-def]
    with write_session(reg.engine) as session:
        for when, category in [
            (datetime(2025, 10, 3), Category.PRIVACY),
            (datetime(2026, 10, 1), Category.PRIVACY),
            (datetime(2026, 10, 2), Category.PRIVACY),
            (datetime(2026, 11, 3), Category.CYBERBULLYING),
        ]:
            number = incidents.record_incident(session, dsl, incidents.IncidentInput(category, "Facts."))
            session.execute(update(Incident).where(Incident.id == number).values(reported_at=when))
    screen = window.incidents_screen
    assert screen is not None
    dialog = screen.open_statistics()
    # GIVEN terms: the chart has a bar set per category over the periods, the table the change
    chart = dialog.chart_view.chart()
    series = chart.series()[0]
    sets = {s.label(): [s.at(i) for i in range(s.count())] for s in series.barSets()}
    assert sets["abuse of privacy"][-1] == 2 and sets["cyberbullying"][-1] == 1
    rows = {
        (dialog.table.text(r, 0), dialog.table.text(r, 1)): dialog.table.text(r, 4)
        for r in range(dialog.table.row_count())
    }
    assert rows[("autumn 2026/27", "abuse of privacy")] == "+100.0%"
    # WHEN quarters are chosen THEN the chart shows quarters
    dialog.kind_combo.setCurrentIndex(1)
    axis = dialog.chart_view.chart().axes(Qt.Orientation.Horizontal)[0]
    assert "Q4 2026" in axis.categories()


def test_helpline_summary_from_the_screen_is_anonymised_until_names_are_ticked(
    qtbot, tmp_path, window: MainWindow, reg: Register, dsl: Actor, answers
) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from PySide6.QtPrintSupport import QPrinter

    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import read_session

    screen = window.incidents_screen
    assert screen is not None
    dialog = screen.on_log_button_clicked()
    pupil = dialog.people.choices[0]
    dialog.people.pupil_edit.setText(pupil.label)
    dialog.people.add_pupil()
    dialog.summary_edit.setPlainText(f"{pupil.name.split(', ')[1]} was filmed at the nativity and posted online.")
    dialog.on_save()
    summary = screen.open_helpline_summary()
    assert summary is not None
    # GIVEN the default: no name anywhere in the text, the pupil as "Pupil A"
    text = summary.text.toPlainText()
    surname, forename = pupil.name.split(", ")
    assert "Pupil A" in text and surname not in text and forename not in text
    summary.copy_text()
    # WHEN names are ticked THEN they appear
    summary.names_check.setChecked(True)
    assert forename in summary.text.toPlainText()
    summary.names_check.setChecked(False)
    # The PDF preview saves exactly what was shown, and printing goes page by page
    summary.preview_pdf()
    preview = summary.preview
    answers.answers.append(tmp_path / "summary.pdf")
    preview.save_as()
    saved = tmp_path / "summary.pdf"
    pdf_text = PdfReader(saved).pages[0].extract_text()
    assert "Pupil A" in pdf_text and surname not in pdf_text
    # Printed to a PDF file, the file is the document itself (vectors, not page bitmaps)
    printed: list[int] = []
    preview.printed.connect(printed.append)
    printer = QPrinter(QPrinter.PrinterMode.PrinterResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    preview.print_on(printer)
    assert (tmp_path / "printed.pdf").read_bytes() == saved.read_bytes()
    assert printed == [preview.document.pageCount()]
    with read_session(reg.engine) as session:
        actions = [entry[2] for entry in audit.recent(session, 50)]
    assert sum("helpline" in a for a in actions) >= 3  # anonymised, named, anonymised again
    assert any(a.startswith("saved helpline summary") for a in actions)
    assert any(a.startswith("printed") for a in actions)


def test_export_the_log_from_the_screen(qtbot, tmp_path, window: MainWindow, answers) -> None:  # type: ignore[no-untyped-def]
    import csv

    from pypdf import PdfReader

    screen = window.incidents_screen
    assert screen is not None
    dialog = screen.on_log_button_clicked()
    dialog.summary_edit.setPlainText("=1+1 typed as a summary")
    dialog.on_save()
    answers.answers += [tmp_path / "log.csv", tmp_path / "log"]
    screen.export_log()
    saved = tmp_path / "log.csv"
    with open(saved, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][9] == "Summary" and rows[1][9] == "'=1+1 typed as a summary"
    screen.export_log()  # a name typed without an extension is a PDF report
    pdf = tmp_path / "log.pdf"
    assert "typed as a summary" in PdfReader(pdf).pages[0].extract_text()


def test_term_dates_dialog(qtbot, window: MainWindow, reg: Register) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from safeguard_desktop.services.settings import term_dates
    from safeguard_desktop.store.engine import read_session

    dialog = window.on_terms_action()
    year = dialog.year()
    assert "Default split" in dialog.state_label.text()
    autumn, spring, summer = dialog.date_edits
    spring.line.setText(f"06/01/{year + 1}")
    summer.line.setText(f"20/04/{year + 1}")
    dialog.save()
    assert "The school's own dates" in dialog.state_label.text()
    with read_session(reg.engine) as session:
        assert term_dates(session)[year] == (date(year, 9, 1), date(year + 1, 1, 6), date(year + 1, 4, 20))
    # Out of order: refused with the reason, nothing changed
    summer.line.setText(f"02/01/{year + 1}")
    dialog.save()
    assert "in order" in dialog.error_label.text()
    # Outside the academic year: named, not moved to its edge
    summer.line.setText(f"02/09/{year + 1}")
    dialog.save()
    assert "latest date allowed" in dialog.error_label.text() and summer.text() == f"02/09/{year + 1}"
    dialog.default_button.click()
    assert "Default split" in dialog.state_label.text()
    with read_session(reg.engine) as session:
        assert year not in term_dates(session)
    assert autumn.date() == date(year, 9, 1)


def test_wording_editor_previews_live_and_saves(qtbot, window: MainWindow, reg: Register) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.events import templates
    from safeguard_desktop.store.engine import read_session

    dialog = window.on_wording_action()
    dialog.list.setCurrentRow(dialog.keys.index("letter_pupil"))
    assert dialog.document.pageCount() == 1  # the sample letter
    # GIVEN a typo in a placeholder THEN the preview says where, and Save is off
    dialog.editor.setPlainText("Reply for {forname} by {reply_by}.")
    qtbot.waitUntil(lambda: "not a placeholder" in dialog.error_label.text())
    assert not dialog.save_button.isEnabled() and "line 1" in dialog.error_label.text()
    # WHEN it is put right (a placeholder inserted by double-click) THEN the preview renders and it saves
    dialog.editor.setPlainText("Reply for  by {reply_by}.")
    cursor = dialog.editor.textCursor()
    cursor.setPosition(len("Reply for "))
    dialog.editor.setTextCursor(cursor)
    forename = next(
        dialog.placeholders.item(i) for i in range(dialog.placeholders.count())
        if dialog.placeholders.item(i).text().startswith("{forename}")
    )  # fmt: skip
    dialog.insert_placeholder(forename)
    assert dialog.editor.toPlainText() == "Reply for {forename} by {reply_by}."
    assert dialog.refresh_preview() and dialog.save_button.isEnabled()
    dialog.save()
    assert "Saved." in dialog.state_label.text() and "Not saved" not in dialog.state_label.text()
    with read_session(reg.engine) as session:
        assert templates.wording(session, "letter_pupil") == ("Reply for {forename} by {reply_by}.", True)
    dialog.restore_default()
    with read_session(reg.engine) as session:
        assert templates.wording(session, "letter_pupil")[1] is False


def test_import_photos_from_the_file_menu(qtbot, tmp_path, window: MainWindow, reg: Register, answers) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image
    from sqlalchemy import func, select

    from safeguard_desktop.store.engine import read_session
    from safeguard_desktop.store.models import Pupil, PupilPhoto

    with read_session(reg.engine) as session:
        upns = list(session.scalars(select(Pupil.upn).where(Pupil.upn.is_not(None)).limit(3)))
    folder = tmp_path / "photos"
    folder.mkdir()
    for code in upns:
        Image.new("RGB", (300, 400), "teal").save(folder / f"{code}.jpg", "JPEG")
    (folder / "stranger.jpg").write_bytes((folder / f"{upns[0]}.jpg").read_bytes())
    answers.answers += [folder, True]  # the folder, then "Import" after the preview

    window.photos_action.trigger()  # File ▸ Import pupil photos… as the menu calls it
    # GIVEN the preview THEN the lead is told what matches and what is left out, before anything is saved
    ((_title, preview),) = answers.asked[1:]
    assert "3 photo(s) match" in preview and "stranger.jpg: matches no pupil" in preview
    assert answers.told == [("Import pupil photos", "Imported 3 photo(s). They appear on the staff briefings.")]
    with read_session(reg.engine) as session:
        assert session.scalar(select(func.count()).select_from(PupilPhoto)) == 3
