"""Consent as families give it, in the app: a giver chosen from the pupil's contacts, the register and the detail
panel showing a conflict and who disagrees, and a lead resolving it — driven offscreen as a person would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import contact_import
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store.engine import write_session
from safeguard_desktop.ui import background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.main_window import MainWindow

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv


@pytest.fixture
def window(qtbot, reg: Register, dsl: Actor, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    pupils = write_csv(tmp_path / "p.csv", [SIMS_HEADERS, [upn(1), "1", "Khan", "Zara", "", "03/03/2019", "Year 2",
                                                           "2K"]])  # fmt: skip
    people = write_csv(tmp_path / "c.csv", [["UPN", "Contact Name", "Relationship", "Parental Responsibility",
                                             "Lives With Pupil"],
                                            [upn(1), "Amina Khan", "Mother", "Yes", "Yes"],
                                            [upn(1), "Imran Khan", "Father", "Yes", "No"]])  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, read_pupil_file(pupils), today=TODAY)
        contact_import.import_contacts(session, dsl, read_pupil_file(people), apply=True)
    background.set_synchronous(True)
    win = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(win)
    win.register_screen.load_now()
    win.show()
    yield win
    background.set_synchronous(False)


def _record(qtbot, screen, contact_label: str, state_index: int) -> None:  # type: ignore[no-untyped-def]
    screen.table.selectRow(0)
    dialog = screen.record_decision(preselected_column=0)
    assert dialog is not None and dialog.contact_combo.isVisible()
    index = dialog.contact_combo.findText(contact_label, flags=Qt.MatchFlag.MatchStartsWith)
    assert index > 0
    dialog.contact_combo.setCurrentIndex(index)
    assert not dialog.ui.name_edit.isEnabled() and dialog.ui.name_edit.text() == contact_label
    dialog.ui.state_combo.setCurrentIndex(state_index)
    dialog.ui.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible(), dialog.ui.error_label.text()


def test_parents_who_disagree_show_as_a_conflict_until_a_lead_resolves_it(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.register_screen
    _record(qtbot, screen, "Amina Khan", 1)  # refused
    _record(qtbot, screen, "Imran Khan", 0)  # granted, later
    pupil = screen.model.pupil_at(0)
    assert pupil.verdicts[0] is Verdict.CONFLICT and not pupil.verdicts[0].allowed
    screen.table.selectRow(0)
    qtbot.waitUntil(lambda: "Amina Khan" in screen.detail.current.text())
    shown = screen.detail.current.text()
    assert "Conflict" in shown and "Amina Khan (Mother): refused" in shown and "Imran Khan (Father): granted" in shown
    assert "lives apart" in screen.detail.contacts.text()
    # The lead resolves it, with the reason.
    dialog = screen.on_conflicts_button_clicked()
    assert dialog.table.row_count() == 1 and "Imran Khan" in dialog.table.text(0, 3)
    dialog.table.selectRow(0)
    dialog.reason_edit.setPlainText("short")
    dialog.resolve_button.click()  # a reason is needed
    assert "reason" in dialog.error_label.text().casefold() and dialog.table.row_count() == 1
    dialog.reason_edit.setPlainText("Spoke to both parents; agreed no filming this year")
    dialog.resolve_button.click()
    assert dialog.table.row_count() == 0 and "Resolved for" in dialog.status_label.text()
    qtbot.waitUntil(lambda: screen.model.pupil_at(0).verdicts[0] is Verdict.REFUSED)


def test_form_replies_import_in_the_app_and_matching_the_unmatched_by_hand(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                          tmp_path: Path, answers) -> None:  # fmt: skip
    form = write_csv(tmp_path / "replies.csv", [
        ["Timestamp", "Email", "Your name", "Child's name", "Filming by parents at performances", "Trips"],
        ["28/11/2026 14:03:11", "", "Amina Khan", "Zara Khan", "No", "Yes"],
        ["29/11/2026 09:00:00", "", "A Friend", "Zarah Kahn", "Yes", "Yes"]])  # fmt: skip  # a typo: no such child
    answers.answers.append(form)
    dialog = window.on_consent_file_action("replies")
    qtbot.waitUntil(lambda: dialog.result is not None)
    assert "Would record 1 decision(s) from 1 reply(ies); 1 to match by hand" in dialog.summary.toPlainText()
    assert dialog.mapping.rowCount() == 1 and dialog.mapping.item(0, 0).text() == "Trips"  # not a purpose: left out
    dialog.apply()
    qtbot.waitUntil(lambda: dialog.result.applied)
    screen = window.register_screen
    qtbot.waitUntil(lambda: screen.model.pupil_at(0).verdicts[screen.model.purposes.index(
        "Filming by parents at performances")] is Verdict.REFUSED)  # fmt: skip
    queue = window.on_unmatched_action()
    assert queue.table.row_count() == 1 and "Zarah Kahn" in queue.table.text(0, 2)
    qtbot.keyClicks(queue.search, "zara")
    assert queue.pupils.count() == 1
    # The person recognises the family: the father answered (the form's "A Friend" was his partner's phone).
    queue.contact_combo.setCurrentIndex(queue.contact_combo.findText("Imran Khan", Qt.MatchFlag.MatchStartsWith))
    queue.match()
    assert queue.table.row_count() == 0 and "Matched: " in queue.status_label.text()
    column = screen.model.purposes.index("Filming by parents at performances")
    qtbot.waitUntil(lambda: screen.model.pupil_at(0).verdicts[column] is Verdict.CONFLICT)  # mother no, father yes


def test_legal_hold_and_restore_from_the_app(qtbot, window: MainWindow, tmp_path: Path, answers) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.records import backup
    from safeguard_desktop.store.engine import read_session
    from safeguard_desktop.store.models import Pupil

    retention = window.on_retention_action()
    retention.hold_edit.setText(upn(1))
    retention.hold_button.click()
    assert "pupil" in retention.held_label.text() and retention.hold_edit.text() == ""
    retention.hold_edit.setText("not-a-upn")
    retention.hold_button.click()
    assert "No pupil" in retention.status_label.text() and retention.hold_edit.text() == "not-a-upn"
    retention.hold_edit.setText(upn(1))
    retention.release_button.click()
    assert "Nothing is on legal hold" in retention.held_label.text()
    # A backup, then a change, then the backup restored from Settings ▸ Backups.
    context = window.context
    saved = backup.back_up(context.engine, context.register.folder, context.actor, tmp_path / "copies")
    with write_session(context.engine) as session:
        session.get(Pupil, 1).legal_surname = "Changed"
    dialog = window.on_backups_action()
    answers.answers += [saved.path, True]
    dialog.restore_button.click()
    assert "Replace the register with" in answers.asked[-1][1]
    qtbot.waitUntil(lambda: dialog.restored)
    assert not window.centralWidget().isEnabled() and "restored" in window.statusBar().currentMessage()
    with read_session(context.engine) as session:
        assert session.get(Pupil, 1).legal_surname == "Khan"  # the backup's


def test_contacts_are_added_and_changed_in_the_app(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    screen = window.register_screen
    screen.table.selectRow(0)
    dialog = screen.on_contacts_button_clicked()
    assert dialog.table.row_count() == 2
    qtbot.keyClicks(dialog.name_edit, "Ruth Khan")
    dialog.relationship_combo.setCurrentText("Grandparent")
    dialog.pr_check.setChecked(False)
    dialog.add()
    assert dialog.table.row_count() == 3 and dialog.error_label.text() == ""
    dialog.table.selectRow(2)  # priority 1 each: in the order added
    assert dialog.name_edit.text() == "Ruth Khan" and not dialog.pr_check.isChecked()
    dialog.email_edit.setText("ruth@example.org")
    dialog.save()
    assert "ruth@example.org" in dialog.table.text(2, 4)
    dialog.name_edit.clear()
    dialog.add()
    assert "name" in dialog.error_label.text() and dialog.table.row_count() == 3


def test_the_register_screen_shows_the_pupils_refusal_and_the_yearly_grant_kept(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                             dsl: Actor) -> None:  # fmt: skip
    from datetime import date

    from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
    from safeguard_desktop.services import consent
    from safeguard_desktop.services.consent import contacts

    with write_session(window.context.engine) as session:
        pupil = consent.find_pupil_by_upn(session, upn(1))
        pupil.date_of_birth = date(2012, 1, 1)  # 14: old enough for own consent
        mother = contacts.list_contacts(session, dsl, pupil.id)[0].id
        filming = consent.find_purpose(session, "parent_filming").id
        recording = consent.find_purpose(session, "school_recording").id

        def record(purposes, state, kind, on, until=None, contact=None):  # type: ignore[no-untyped-def]
            consent.record_decisions(session, dsl, [pupil.id], purposes, consent.DecisionInput(
                state, kind, Route.PAPER_SLIP, on, valid_until=until, contact_id=contact))  # fmt: skip

        record([filming], ConsentState.REFUSED, GivenByKind.PUPIL, date(2026, 10, 1))  # the pupil says no
        record([filming], ConsentState.GRANTED, GivenByKind.PARENT, date(2026, 11, 1), contact=mother)
        record([recording], ConsentState.GRANTED, GivenByKind.PARENT, date(2026, 9, 5), date(2027, 8, 31), mother)
        record([recording], ConsentState.GRANTED, GivenByKind.PARENT, date(2026, 11, 20), date(2026, 11, 30), mother)
    screen = window.register_screen
    screen.reload()
    names = screen.model.purposes
    qtbot.waitUntil(lambda: screen.model.pupil_at(0).verdicts[names.index("Filming by parents at performances")]
                    is Verdict.CONFLICT)  # fmt: skip
    # The slip's short grant has lapsed (30/11) but the yearly one still stands today.
    assert screen.model.pupil_at(0).verdicts[names.index("School recording of performances")] is Verdict.YES


def test_the_window_fits_a_1366_by_768_laptop(window: MainWindow) -> None:
    """Every tab's controls (the events screen's letter options included) fit the smallest common school laptop."""
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768
    for screen in (window.register_screen, window.events_screen):
        assert screen.minimumSizeHint().width() <= 1366
