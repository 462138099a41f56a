"""Dialogs that behave: typed work is never thrown away unasked, dates stay as typed, events can be changed and
deleted, a purpose exists only once saved, every dialog fits a 1366x768 laptop, and printing sends the PDF itself.

The real dialogs run on a 1366x768 offscreen screen (conftest); only the person's answers are scripted.
"""

from __future__ import annotations

import os
import stat
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialogButtonBox

from safeguard_desktop.services import events
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.ui.kit.steps import Scripted
from safeguard_desktop.ui.main_window import MainWindow

from .test_gui import window  # noqa: F401 - the demo school's window, shared


def _actions(reg: Register) -> list[str]:
    with read_session(reg.engine) as session:
        return [entry[2] for entry in audit.recent(session, 200)]


def test_esc_asks_before_throwing_away_a_typed_incident(qtbot, window: MainWindow, answers: Scripted) -> None:  # type: ignore[no-untyped-def]
    screen = window.incidents_screen
    assert screen is not None
    # GIVEN an untouched form THEN Esc closes it without a question (none is scripted: one would fail the test)
    untouched = screen.on_log_button_clicked()
    qtbot.keyClick(untouched, Qt.Key.Key_Escape)
    assert not untouched.isVisible() and answers.asked == []
    # GIVEN a typed summary WHEN Esc and "Keep editing" THEN the form stays with the text
    dialog = screen.on_log_button_clicked()
    dialog.summary_edit.setFocus()
    qtbot.keyClicks(dialog.summary_edit, "Year 6 pupil shown a video")
    answers.answers += [False, True]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.summary_edit.toPlainText() == "Year 6 pupil shown a video"
    assert "will be lost" in answers.asked[0][1]
    # WHEN Esc and "Discard" THEN it closes
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_enter_in_a_field_never_sends_a_half_written_incident(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.incidents_screen
    assert screen is not None
    dialog = screen.on_log_button_clicked()
    picker = dialog.people
    picker.pupil_edit.setText(picker.choices[0].label)
    qtbot.keyClick(picker.pupil_edit, Qt.Key.Key_Return)
    # THEN the pupil is linked and the form is still open, with no complaint about the empty summary
    assert picker.list.count() == 1 and dialog.isVisible() and dialog.error_label.text() == ""


def _consent_dialog(window: MainWindow):  # type: ignore[no-untyped-def]
    screen = window.register_screen
    screen.table.selectRow(0)
    dialog = screen.record_decision(preselected_column=0)
    assert dialog is not None
    dialog.ui.state_combo.setCurrentIndex(1)  # Refused
    dialog.contact_combo.setCurrentIndex(0)
    dialog.ui.name_edit.setText("Ann Parent")
    dialog.ui.relationship_combo.setCurrentText("Mother")
    return dialog


def _type_date(qtbot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.line.selectAll()
    field.line.setFocus()
    qtbot.keyClicks(field.line, text)
    field.line.editingFinished.emit()  # leaving the field (focus does not move on the offscreen platform)


def test_a_typed_date_stays_as_typed_and_an_american_one_is_refused(qtbot, window: MainWindow, reg: Register) -> None:  # type: ignore[no-untyped-def]
    earlier = date.today() - timedelta(days=4)
    typed = f"{earlier:%d/%m/%Y}"
    dialog = _consent_dialog(window)
    # GIVEN a date before today typed key by key THEN no key moves it to another (the old field capped at today)
    _type_date(qtbot, dialog.ui.given_date, typed)
    assert dialog.ui.given_date.text() == typed and dialog.ui.given_date.problem() is None
    # GIVEN an American date WHEN saving THEN it is refused with the reason, and nothing is saved
    before = len(_actions(reg))
    _type_date(qtbot, dialog.ui.given_date, "11/28/2026")
    assert "day/month/year" in dialog.ui.error_label.text()
    dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and "Did you mean 28/11/2026?" in dialog.ui.error_label.text()
    assert dialog.ui.given_date.text() == "11/28/2026" and len(_actions(reg)) == before
    # A date after today is named as such, not replaced by today
    _type_date(qtbot, dialog.ui.given_date, f"{date.today() + timedelta(days=3):%d/%m/%Y}")
    assert "latest date allowed" in (dialog.ui.given_date.problem() or "")
    # WHEN the right date is typed and saved THEN the decision carries it
    _type_date(qtbot, dialog.ui.given_date, typed)
    dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible() and dialog.result_decision is not None
    assert dialog.result_decision.given_on == earlier


def test_events_are_made_changed_archived_and_deleted(
    qtbot, window: MainWindow, reg: Register, answers: Scripted
) -> None:  # type: ignore[no-untyped-def]
    screen = window.events_screen
    window.tabs.setCurrentWidget(screen)
    # GIVEN a new event typed in the dialog
    dialog = screen.on_new_button_clicked()
    qtbot.keyClicks(dialog.name_edit, "Winter concert")
    when = datetime.now().replace(hour=18, minute=30, second=0, microsecond=0) + timedelta(days=10)
    _type_date(qtbot, dialog.when_edit.day, f"{when:%d/%m/%Y}")
    dialog.when_edit.time_edit.setTime(dialog.when_edit.time_edit.time().fromString("18:30", "HH:mm"))
    dialog.years_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.on_buttons_accepted()
    assert not dialog.isVisible()
    assert screen.chosen() is not None and screen.chosen().name == "Winter concert"
    assert screen.chosen().starts_at == when
    # WHEN it is changed THEN the list and the roster show the new name, and the audit says what changed
    edit = screen.on_edit_button_clicked()
    assert edit.name_edit.text() == "Winter concert" and edit.years_list.item(0).checkState() == Qt.CheckState.Checked
    edit.name_edit.clear()
    qtbot.keyClicks(edit.name_edit, "Winter concert (Year 1)")
    edit.on_buttons_accepted()
    assert screen.chosen().name == "Winter concert (Year 1)" and "Winter concert (Year 1)" in screen.title.text()
    assert any(a.startswith("changed event") for a in _actions(reg))
    # A change made elsewhere meanwhile is refused, never overwritten
    stale = screen.on_edit_button_clicked()
    with write_session(reg.engine) as session:
        events.archive_event(session, window.context.actor, screen.chosen().id, version=screen.chosen().version)
        events.archive_event(session, window.context.actor, screen.chosen().id, version=screen.chosen().version + 1,
                             archived=False)  # fmt: skip
    stale.on_buttons_accepted()
    assert stale.isVisible() and "changed by someone else" in stale.error_label.text()
    stale.done(0)
    screen.reload()
    # WHEN archived THEN it leaves the list; Show archived brings it back
    event_id = screen.chosen().id
    screen.archive_button.click()
    assert event_id not in [e.id for e in screen.summaries]
    screen.archived_check.setChecked(True)
    assert event_id in [e.id for e in screen.summaries]
    screen.event_list.setCurrentRow([e.id for e in screen.summaries].index(event_id))
    # WHEN deleted (after "Keep it", then "Delete event") THEN it is gone and the audit keeps its name and date
    answers.answers += [False, True]
    screen.delete_button.click()
    assert event_id in [e.id for e in screen.summaries]
    screen.delete_button.click()
    assert event_id not in [e.id for e in screen.summaries]
    assert "Answers already recorded from its reply slips stay" in answers.asked[-1][1]
    with read_session(reg.engine) as session:
        deleted = [e for e in audit.recent(session, 50) if e[2].startswith("deleted event")]
    assert deleted and f"{when:%d/%m/%Y %H:%M}" in " ".join(str(part) for part in deleted[0])


def test_add_purpose_makes_no_column_until_saved(qtbot, window: MainWindow, reg: Register, answers: Scripted) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.admin.purposes_dialog import PurposesDialog

    columns = window.register_screen.model.columnCount()
    window.purposes_action.trigger()
    (dialog,) = window.findChildren(PurposesDialog)
    count = len(dialog.purposes)
    # GIVEN Add purpose, then Close and "Discard" THEN no purpose was made
    dialog.add_button.click()
    assert dialog.list.count() == count + 1 and dialog.name_edit.text() == "New purpose"
    answers.answers.append(True)
    dialog.reject()
    assert not dialog.isVisible()
    with read_session(reg.engine) as session:
        from safeguard_desktop.services.consent.grid import list_purposes

        assert len(list_purposes(session, include_retired=True)) == count
    assert window.register_screen.model.columnCount() == columns
    # GIVEN Add purpose, a name and Save THEN it is a column of the register
    window.purposes_action.trigger()
    dialog = next(d for d in window.findChildren(PurposesDialog) if d.isVisible())
    dialog.add_button.click()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Local newspaper")
    dialog.save_button.click()
    assert [p.name for p in dialog.purposes][-1] == "Local newspaper" and not dialog.has_unsaved_work()
    assert window.register_screen.model.columnCount() == columns + 1


def _inside(dialog, area) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the dialog's visible buttons that are not wholly on the screen."""
    outside = []
    for button in dialog.findChildren(QAbstractButton):
        if not button.isVisibleTo(dialog) or button.width() == 0:
            continue
        top_left = button.mapToGlobal(button.rect().topLeft())
        bottom_right = button.mapToGlobal(button.rect().bottomRight())
        if not (area.contains(top_left) and area.contains(bottom_right)):
            outside.append(button.text() or button.accessibleName())
    return outside


def test_every_dialog_fits_a_1366_by_768_laptop(qtbot, window: MainWindow, answers: Scripted) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.admin.templates_dialog import TemplatesDialog
    from safeguard_desktop.ui.pdf_preview import PdfPreviewDialog

    area = QApplication.primaryScreen().availableGeometry()
    assert (area.width(), area.height()) == (1366, 768)
    window.events_screen.show()
    with write_session(window.context.engine) as session:
        events.create_event(session, window.context.actor, events.EventInput(
            "Carols", datetime.now() + timedelta(days=5), "Church", events.FilmingPolicy.NO_FILMING,
            year_groups=["Year 1"]))  # fmt: skip
    window.events_screen.reload()
    window.events_screen.save_document("briefing")
    opened = {
        "preview": window.events_screen.preview,
        "wording": TemplatesDialog(window.context, window),
        "incident": window.incidents_screen.on_log_button_clicked(),
        "event": window.events_screen.on_new_button_clicked(),
    }
    window.wording_action.trigger()
    opened["wording"] = window.findChildren(TemplatesDialog)[-1]
    for name, dialog in opened.items():
        dialog.show()
        frame = dialog.frameGeometry()
        assert area.contains(frame), f"{name} dialog {frame} is larger than the screen {area}"
        assert _inside(dialog, area) == [], f"{name}: buttons off the screen"
    assert isinstance(opened["preview"], PdfPreviewDialog)


def test_a_dialog_remembers_its_size(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = window.events_screen.on_new_button_clicked()
    dialog.resize(700, 500)
    dialog.done(0)
    again = window.events_screen.on_new_button_clicked()
    assert (again.width(), again.height()) == (700, 500)


def test_printing_sends_the_pdf_itself(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from PySide6.QtPrintSupport import QPrinter

    from safeguard_desktop.services.events import print_queue
    from safeguard_desktop.ui.pdf_preview import PdfPreviewDialog

    from .test_gui_preview import _pdf

    pdf = _pdf()
    # GIVEN the system's queue (a stand-in lp that keeps what it is given, as CUPS would spool it)
    if sys.platform == "win32":
        pytest.skip("lp is the queue of Linux and macOS")
    kept = tmp_path / "spooled.pdf"
    lp = tmp_path / "lp"
    lp.write_text(
        f"#!/bin/sh\necho \"$@\" > {tmp_path}/args\ncat > {kept}\necho 'request id is Office-7 (1 file(s))'\n"
    )
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)
    job = print_queue.PrintJob("Office", "Consent letters", copies=2, first_page=2, last_page=3, duplex=True)
    said = print_queue.send(pdf, job, str(lp))
    # THEN the queue got the PDF byte for byte (vectors), with the copies, pages and sides chosen
    assert kept.read_bytes() == pdf and "Office-7" in said
    assert (tmp_path / "args").read_text().split() == ["-d", "Office", "-n", "2", "-t", "Consent", "letters", "-P",
                                                       "2-3", "-o", "sides=two-sided-long-edge", "-"]  # fmt: skip
    # A queue that refuses says why
    lp.write_text("#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n")
    with pytest.raises(print_queue.ServiceError, match="does not exist"):
        print_queue.send(pdf, job, str(lp))
    # GIVEN no queue (Windows) and a page range THEN the pages are drawn at no more than 300 dpi
    dialog = PdfPreviewDialog(pdf + b"", "Letters", "letters.pdf")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "drawn.pdf"))
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(1, 1)
    printed: list[int] = []
    dialog.printed.connect(printed.append)
    dialog.print_on(printer)
    assert printed == [1] and len(PdfReader(tmp_path / "drawn.pdf").pages) == 1
    assert os.path.getsize(tmp_path / "drawn.pdf") < 3_000_000
