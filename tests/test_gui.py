"""The register window driven as a person would: type to filter, pick filters, record, import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.store.engine import write_session
from safeguard_desktop.ui import background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.importer.import_dialog import PAGE_DONE, PAGE_MAPPING, PAGE_PREVIEW, ImportDialog
from safeguard_desktop.ui.main_window import MainWindow
from safeguard_desktop.ui.register.model import FIXED_COLUMNS

from .conftest import SIMS_HEADERS, sims_rows, upn, write_csv


@pytest.fixture
def window(qtbot, reg: Register, dsl: Actor) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=120)
    background.set_synchronous(True)
    win = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(win)
    win.register_screen.load_now()
    win.show()
    yield win
    background.set_synchronous(False)


def shown_names(win: MainWindow) -> list[str]:
    model = win.register_screen.model
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def test_demo_register_shows_every_pupil_and_purpose(window: MainWindow) -> None:
    screen = window.register_screen
    assert screen.model.rowCount() == 120
    assert screen.model.columnCount() == FIXED_COLUMNS + 10
    assert "Showing 120 of 120 pupils" in screen.count_label.text()
    assert "DEMO" in window.windowTitle()


def test_typing_filters_instantly_accent_blind(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.register_screen
    target = screen.model.pupil_at(0)
    qtbot.keyClicks(screen.filter_edit, target.upn)
    assert [screen.model.pupil_at(r).upn for r in range(screen.model.rowCount())] == [target.upn]
    screen.filter_edit.clear()
    qtbot.keyClicks(screen.filter_edit, "zoe")
    names = shown_names(window)
    assert names and all("Zoë" in n or "zoe" in n.casefold() for n in names)
    qtbot.keyClick(screen.filter_edit, Qt.Key.Key_Escape)
    assert screen.model.rowCount() == 120


def test_year_class_and_state_filters(window: MainWindow) -> None:
    screen = window.register_screen
    screen.year_combo.setCurrentText("Year 2")
    assert {screen.model.pupil_at(r).year_group for r in range(screen.model.rowCount())} == {"Year 2"}
    screen.year_combo.setCurrentIndex(0)
    screen.state_combo.setCurrentText("Never photograph")
    flagged = [screen.model.pupil_at(r) for r in range(screen.model.rowCount())]
    assert flagged and all(p.never_photograph for p in flagged)
    screen.state_combo.setCurrentText("No decision")
    screen.purpose_combo.setCurrentIndex(2)  # School website
    rows = [screen.model.pupil_at(r) for r in range(screen.model.rowCount())]
    assert rows and all(p.verdicts[1] in (Verdict.NO_DECISION, Verdict.REQUESTED, Verdict.EXPIRED) for p in rows)


def test_selecting_a_pupil_shows_history(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.register_screen
    screen.table.selectRow(0)
    pupil = screen.model.pupil_at(0)
    qtbot.waitUntil(lambda: screen.detail.title.text() == pupil.name)
    assert pupil.upn in screen.detail.facts.text()


def test_record_a_decision_through_the_dialog(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.register_screen
    screen.table.selectRow(0)
    pupil = screen.model.pupil_at(0)
    dialog = screen.record_decision(preselected_column=0)
    assert dialog is not None
    dialog.ui.state_combo.setCurrentIndex(2)  # Withdrawn
    # The pupil's first contact is offered; this answer came from someone else, typed by name.
    assert dialog.contact_combo.currentIndex() == 1 and not dialog.ui.name_edit.isEnabled()
    dialog.contact_combo.setCurrentIndex(0)
    qtbot.keyClicks(dialog.ui.name_edit, "Zofia Kowalska")
    dialog.ui.relationship_combo.setCurrentText("Mother")
    dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible()
    row = screen.model.row_of(pupil.id)
    # Withdrawn — or, where another parent's grant stands, a conflict for a lead (treated as no either way).
    assert screen.model.pupil_at(row).verdicts[0] in (Verdict.WITHDRAWN, Verdict.CONFLICT)
    assert not screen.model.pupil_at(row).verdicts[0].allowed
    screen.table.selectRow(row)
    qtbot.waitUntil(lambda: screen.detail.history.row_count() > 0)
    assert screen.detail.history.text(0, 2) == "Withdrawn"
    assert "Zofia Kowalska" in screen.detail.history.text(0, 3)


def test_the_dialog_keeps_its_input_when_the_service_refuses(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.register_screen
    screen.table.selectRow(0)
    dialog = screen.record_decision(preselected_column=0)
    assert dialog is not None
    dialog.contact_combo.setCurrentIndex(0)  # someone other than the pupil's contacts, to be named
    dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and "name" in dialog.ui.error_label.text()
    qtbot.keyClicks(dialog.ui.name_edit, "A Parent")
    dialog.ui.relationship_combo.setCurrentText("")
    dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and "related" in dialog.ui.error_label.text()
    assert dialog.ui.name_edit.text() == "A Parent"


def test_import_dialog_previews_then_applies(qtbot, tmp_path: Path, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    rows = sims_rows(3, start=500)
    rows.append([upn(600), "x", "", "NoSurname", "", "01/09/2015", "Year 5", "5A"])
    path = write_csv(tmp_path / "new.csv", [SIMS_HEADERS, *rows])
    dialog = ImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load_file(path)
    assert dialog.pages.currentIndex() == PAGE_PREVIEW
    assert dialog.rejected_table.row_count() == 1
    assert dialog.rejected_table.text(0, 0) == "5" and dialog.rejected_table.text(0, 1) == "Legal surname"
    assert dialog.added_table.row_count() == 3
    assert dialog.left_table.row_count() == 120  # the demo pupils are not in this file
    assert not dialog.apply_button.isEnabled() and dialog.back_button.isEnabled()
    dialog.skip_check.setChecked(True)
    assert dialog.apply_button.isEnabled()
    dialog.apply_button.click()
    assert dialog.pages.currentIndex() == PAGE_DONE
    assert window.register_screen.model.total == 3  # leavers are hidden, not deleted
    window.register_screen.left_check.setChecked(True)
    assert window.register_screen.model.total == 123


def test_import_dialog_asks_for_a_mapping(qtbot, tmp_path: Path, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "odd.csv", [["Ref", "Fam", "Giv", "Born", "Yr"], [upn(1), "Ali", "Sara", "01/09/2015", "5"]]
    )
    dialog = ImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.load_file(path)
    assert dialog.pages.currentIndex() == PAGE_MAPPING
    assert "Legal surname" in dialog.mapping_problem.text()
    assert not dialog.preview_button.isEnabled()
    dialog.mapping_combos["legal_surname"].setCurrentText("Fam")
    dialog.mapping_combos["legal_forename"].setCurrentText("Giv")
    dialog.mapping_combos["date_of_birth"].setCurrentText("Born")
    dialog.mapping_combos["year_group"].setCurrentText("Yr")
    dialog.mapping_combos["upn"].setCurrentText("Ref")
    assert dialog.mapping_problem.text() == ""
    dialog.preview_button.click()
    assert dialog.pages.currentIndex() == PAGE_PREVIEW and dialog.added_table.row_count() == 1


def test_import_runs_off_the_gui_thread(qtbot, tmp_path: Path, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    background.set_synchronous(False)
    path = write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(50, start=300)])
    dialog = ImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.load_file(path)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == PAGE_PREVIEW, timeout=10_000)
    assert dialog.added_table.row_count() == 50


def test_office_staff_cannot_reach_lead_settings(qtbot, reg: Register, office: Actor) -> None:  # type: ignore[no-untyped-def]
    background.set_synchronous(True)
    win = MainWindow(AppContext(reg, office))
    qtbot.addWidget(win)
    assert win.import_action.isEnabled()
    assert not win.school_action.isEnabled() and not win.purposes_action.isEnabled()
    assert not win.register_screen.never_button.isVisibleTo(win)
    background.set_synchronous(False)


def test_accessible_names_on_controls(window: MainWindow) -> None:
    screen = window.register_screen
    for widget in (screen.filter_edit, screen.year_combo, screen.reg_combo, screen.state_combo, screen.table):
        assert widget.accessibleName()


def test_text_from_data_is_never_markup(qtbot, tmp_path: Path, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.register.detail_panel import DetailPanel

    # GIVEN a pupil whose name and class look like markup
    rows = [
        SIMS_HEADERS,
        [upn(900), "9000", "<b>Bold</b>", "<img src='/etc/passwd'>", "", "01/09/2015", "Year 5", "<i>5A"],
    ]
    dialog = ImportDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.load_file(write_csv(tmp_path / "markup.csv", rows))
    dialog.skip_check.setChecked(True)
    dialog.apply_button.click()
    screen = window.register_screen
    screen.left_check.setChecked(False)
    qtbot.keyClicks(screen.filter_edit, "bold")
    assert screen.model.rowCount() == 1
    # WHEN it is shown
    screen.table.selectRow(0)
    qtbot.waitUntil(lambda: "Bold" in screen.detail.title.text())
    # THEN every label shows the characters as typed
    assert screen.detail.title.text() == "<b>Bold</b>, <img src='/etc/passwd'>"
    assert screen.detail.title.textFormat() == Qt.TextFormat.PlainText
    assert isinstance(screen.detail, DetailPanel)
    assert "<i>5A" in screen.detail.facts.text() and screen.detail.facts.textFormat() == Qt.TextFormat.PlainText
    consent = screen.record_decision(preselected_column=0)
    assert consent is not None
    assert "&lt;b&gt;Bold&lt;/b&gt;" in consent.ui.pupils_label.text()
    assert consent.ui.error_label.textFormat() == Qt.TextFormat.PlainText


def test_back_up_from_the_file_menu(qtbot, tmp_path: Path, window: MainWindow, answers) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.records.backup import BACKUP_SUFFIX, check_backup

    assert window.backup_action.isEnabled() and window.audit_action.isEnabled()
    (tmp_path / "usb").mkdir()
    answers.answers.append(tmp_path / "usb")
    window.backup_action.trigger()
    (copy,) = (tmp_path / "usb").glob(f"*{BACKUP_SUFFIX}")
    assert check_backup(copy).pupils == 120
    assert "verified" in window.statusBar().currentMessage()


def test_events_screen_creates_an_event_and_shows_who_may_be_filmed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.events.event_dialog import EventDialog

    window.tabs.setCurrentWidget(window.events_screen)
    screen = window.events_screen
    assert screen.event_list.count() == 0
    dialog = EventDialog(window.context, screen)
    qtbot.addWidget(dialog)
    dialog.created.connect(screen.reload)
    dialog.on_buttons_accepted()
    assert "Give the event a name" in dialog.error_label.text()
    qtbot.keyClicks(dialog.name_edit, "Reception nativity")
    dialog.on_buttons_accepted()
    assert "who takes part" in dialog.error_label.text()
    reception = dialog.years_list.findItems("Reception", Qt.MatchFlag.MatchExactly)[0]
    reception.setCheckState(Qt.CheckState.Checked)
    dialog.policy_combo.setCurrentIndex(1)  # no filming
    dialog.footage_check.setChecked(True)
    assert "password" in dialog.preview.toPlainText()
    dialog.on_buttons_accepted()
    assert screen.event_list.count() == 1 and screen.current is not None
    counts = screen.current.counts()
    assert counts["participants"] == screen.roster_table.row_count() > 0
    # Parents may not film: the counts and the roster follow the school's recording, never parents' filming.
    assert f"{counts['may_be_filmed']} may be in the school's recording" in screen.counts.text()
    assert "filmed by parents" not in screen.counts.text()
    assert screen.roster_table.rows.columnCount() == 3
    assert screen.roster_table.heading(2) == "School recording"
    screen.only_not.setChecked(True)
    assert screen.roster_table.row_count() == counts["must_not_be_filmed"]
    assert all(screen.roster_table.text(r, 2).startswith("NOT") for r in range(screen.roster_table.row_count()))


def test_letters_from_the_events_screen(qtbot, tmp_path: Path, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.services import events

    with write_session(window.context.engine) as session:
        events.create_event(session, window.context.actor, events.EventInput(
            "Year 2 assembly", datetime(2026, 12, 10, 9), "Hall", FilmingPolicy.PHOTO_MOMENT, year_groups=["Year 2"]))  # fmt: skip
    screen = window.events_screen
    window.tabs.setCurrentWidget(screen)
    assert screen.letters_button.isEnabled()
    screen.undecided_check.setChecked(False)
    # WHEN the letters are made on a worker thread, as in the app, with the progress box showing
    background.set_synchronous(False)
    try:
        screen.print_letters()
        box = screen.document_job.progress_box
        box.show()
        qtbot.waitUntil(lambda: screen.preview is not None, timeout=30_000)
    finally:
        background.set_synchronous(True)
    # THEN the progress box has gone and the preview shows one page per participant
    assert not shiboken6.isValid(box) or not box.isVisible()
    pages = screen.preview.document.pageCount()
    assert pages == screen.current.counts()["participants"] > 0
    assert f"{pages} letters ready" in screen.counts.text()


def test_briefing_and_notice_from_the_events_screen(qtbot, tmp_path: Path, window: MainWindow, answers) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from pypdf import PdfReader

    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.services import events

    with write_session(window.context.engine) as session:
        events.create_event(session, window.context.actor, events.EventInput(
            "Carols", datetime(2026, 12, 15, 18), "Church", FilmingPolicy.NO_FILMING, classes=["1A"]))  # fmt: skip
    screen = window.events_screen
    window.tabs.setCurrentWidget(screen)
    assert screen.documents_button.isEnabled()
    for kind in ("briefing", "notice-a3", "chase", "announcement"):
        screen.save_document(kind)
        preview = screen.preview
        assert preview is not None and preview.document.pageCount() >= 1 and "ready" in screen.counts.text()
        answers.answers.append(tmp_path / kind)  # typed without ".pdf": it is added
        preview.save_as()
        assert PdfReader(tmp_path / f"{kind}.pdf").pages
        preview.close()
    assert "CONFIDENTIAL" in PdfReader(tmp_path / "briefing.pdf").pages[0].extract_text()
    assert "Carols" in PdfReader(tmp_path / "announcement.pdf").pages[0].extract_text()


def test_recording_returned_slips(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from safeguard_desktop.domain.consent import Verdict
    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.domain.slips import SlipReference
    from safeguard_desktop.services import events

    with write_session(window.context.engine) as session:
        first = events.create_event(session, window.context.actor, events.EventInput(
            "Carols", datetime(2026, 12, 15, 18), "Church", FilmingPolicy.NO_FILMING, classes=["1A"]))  # fmt: skip
        other = events.create_event(session, window.context.actor, events.EventInput(
            "Sports day", datetime(2027, 6, 15, 10), "Field", FilmingPolicy.PERSONAL_USE, classes=["1A"]))  # fmt: skip
    screen = window.events_screen
    window.tabs.setCurrentWidget(screen)
    screen.reload(first)
    line = screen.current.lines[0]
    dialog = screen.on_slips_button_clicked()
    # GIVEN a scanned slip from this event
    qtbot.keyClicks(dialog.reference_edit, str(SlipReference(first, line.pupil.id)))
    qtbot.keyClick(dialog.reference_edit, Qt.Key.Key_Return)
    assert line.pupil.surname in dialog.pupil_label.text() and dialog.save_button.isEnabled()
    # WHEN the office ticks the slip's one question (parents may not film here: that row is greyed out) and saves
    assert not dialog.filming.button(1).isEnabled() and dialog.recording.button(0).isEnabled()
    dialog.recording.button(0).setChecked(True)
    qtbot.keyClicks(dialog.given_by_edit, "Anna Parent")
    dialog.save_button.click()
    # THEN it is recorded, and the dialog is ready for the next slip
    assert "1 slip(s) recorded" in dialog.status_label.text() and dialog.reference_edit.text() == ""
    updated = next(x for x in screen.current.lines if x.pupil.id == line.pupil.id)
    assert updated.verdicts == (Verdict.REFUSED,)
    # A slip from another event, or a mistyped one, is told apart clearly.
    qtbot.keyClicks(dialog.reference_edit, str(SlipReference(other, line.pupil.id)))
    qtbot.keyClick(dialog.reference_edit, Qt.Key.Key_Return)
    assert "another event" in dialog.error_label.text() and not dialog.save_button.isEnabled()
    dialog.reference_edit.clear()
    qtbot.keyClicks(dialog.reference_edit, str(SlipReference(first, line.pupil.id)))
    qtbot.keyClick(dialog.reference_edit, Qt.Key.Key_Return)
    assert "recorded already" in dialog.error_label.text()


def test_logging_an_incident_with_guidance_and_the_guard(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.domain.incidents import Category

    screen = window.incidents_screen
    assert screen is not None
    window.tabs.setCurrentWidget(screen)
    dialog = screen.on_log_button_clicked()
    # GIVEN the illegal-content category: the guidance says what never to do, and the links field is gone
    dialog.category_combo.setCurrentIndex(list(Category).index(Category.ILLEGAL))
    assert "Do not view, copy" in dialog.guidance.text() and "0344 381 4772" in dialog.guidance.text()
    assert not dialog.links_edit.isEnabled()
    # WHEN a web address is typed into the summary, the service refuses it and nothing is logged
    qtbot.keyClicks(dialog.summary_edit, "Pupil saw an image at www.bad.example and told me.")
    dialog.on_save()
    assert "holds a web address (www.bad.example)" in dialog.error_label.text() and screen.list.row_count() == 0
    # THEN, written as the fact of a report, it is logged and opens with its chronology
    dialog.summary_edit.setPlainText("A pupil told me of an image online. Not viewed. Reported to the IWF.")
    dialog.on_save()
    assert screen.list.row_count() == 1 and screen.current is not None
    assert screen.current.category is Category.ILLEGAL and screen.current.evidence_links == []
    entry = screen.add_entry()
    entry.kind_combo.setCurrentIndex(1)  # referral
    entry.referral_combo.setCurrentText("IWF")
    entry.text_edit.setPlainText("Reported to the IWF by phone.")
    entry.reference_edit.setText("IWF-77")
    entry.on_save()
    assert screen.chronology.row_count() == 1 and "IWF IWF-77" in screen.chronology.text(0, 3)
    decision = screen.add_entry()
    decision.kind_combo.setCurrentIndex(2)  # decision, without a reason
    decision.text_edit.setPlainText("No police referral.")
    decision.on_save()
    assert "reason" in decision.error_label.text() and screen.chronology.row_count() == 1
    closing = screen.close_incident()
    assert closing.windowTitle() == f"Close incident {screen.current.id}"
    closing.outcome_edit.setPlainText("Reported; no further action in school.")
    closing.on_save()
    assert closing.isVisible() and "reason" in closing.error_label.text().lower()
    closing.reason_edit.setPlainText("IWF handling it")
    closing.on_save()
    assert not closing.isVisible()
    # THEN it leaves the list of open incidents but stays in view, closed, and can be reopened with a reason
    assert screen.current.status.value == "closed" and "Reopen" in screen.close_button.text().replace("&", "")
    assert screen.list.row_count() == 0 and "0 open in all" in screen.caseload_label.text()
    reopening = screen.close_or_reopen()
    assert "Outcome: Reported; no further action in school." in reopening.findChildren(QLabel)[0].text()
    reopening.on_save()
    assert reopening.isVisible() and "why" in reopening.error_label.text().lower()
    reopening.reason_edit.setPlainText("The image was shared again in a group chat")
    reopening.on_save()
    assert not reopening.isVisible() and screen.current.status.value == "open" and screen.list.row_count() == 1
    assert "Status: open (reopened)" in screen.chronology.text(screen.chronology.row_count() - 1, 4)


def test_staff_see_only_their_reports_status(qtbot, reg: Register, staff: Actor, dsl: Actor) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.domain.incidents import Category
    from safeguard_desktop.services import incidents

    with write_session(reg.engine) as session:
        incidents.record_incident(session, staff, incidents.IncidentInput(Category.CYBERBULLYING, "Mine."))
        incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Not mine."))
    background.set_synchronous(True)
    win = MainWindow(AppContext(reg, staff))
    qtbot.addWidget(win)
    screen = win.incidents_screen
    assert screen is not None
    screen.reload()
    assert screen.list.row_count() == 1 and "open" in screen.list.row_text(0)
    assert "Mine." not in screen.list.row_text(0) and not screen.entry_button.isVisibleTo(win)
    background.set_synchronous(False)
