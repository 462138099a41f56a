"""First run, sign-in, the recovery key and the lock, driven as a person would on the offscreen platform."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from PySide6.QtWidgets import QLabel

from safeguard_desktop.security import keyring
from safeguard_desktop.services.accounts import SignInFailed
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.ui import background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.main_window import MainWindow
from safeguard_desktop.ui.signin import FirstRunDialog, RecoveryKeyDialog, SignInDialog
from tests.test_letters import text_of as read_pdf_text

PASSWORD = "quiet harbour lamp twelve"


def test_first_run_creates_an_encrypted_register_and_shows_the_recovery_key_once(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstRunDialog(tmp_path)
    qtbot.addWidget(dialog)
    for edit, text in ((dialog.school_edit, "Elm Primary"), (dialog.name_edit, "Ann Lead"),
                       (dialog.user_edit, "a.lead"), (dialog.password_edit, PASSWORD)):  # fmt: skip
        qtbot.keyClicks(edit, text)
    qtbot.keyClicks(dialog.again_edit, "something else entirely")
    assert not dialog.create() and "not the same" in dialog.error_label.text()
    dialog.again_edit.setText(PASSWORD)
    dialog.password_edit.setText("short")
    dialog.again_edit.setText("short")
    assert not dialog.create() and "at least 12" in dialog.error_label.text()
    assert not keyring.is_protected(tmp_path)  # nothing made on a refusal
    dialog.password_edit.setText(PASSWORD)
    dialog.again_edit.setText(PASSWORD)
    assert dialog.create() and dialog.result_ is not None
    reg, actor, recovery = dialog.result_
    assert actor.role is Role.DSL and reg.protected and keyring.is_protected(tmp_path)
    shown = RecoveryKeyDialog(recovery, "Elm Primary")
    qtbot.addWidget(shown)
    assert not shown.continue_button.isEnabled()
    shown.show()
    shown.reject()  # Esc does not skip it
    assert shown.isVisible()
    shown.print_button.click()  # the key as a sheet to lock away, in the preview to print
    sheet = shown._printing
    pages = read_pdf_text(sheet.pdf)
    assert sheet.isVisible() and len(pages) == 1
    words = " ".join(pages[0].split())
    assert recovery in words and "Elm Primary" in words and "Where to keep it" in words
    assert re.search(r"Made on \d\d/\d\d/\d{4}", words)
    sheet.close()
    shown.confirm.setChecked(True)
    assert shown.continue_button.isEnabled()
    reg.close()
    assert keyring.unlock_with_recovery(tmp_path, recovery).database_key


def test_sign_in_shows_demo_accounts_only_for_the_demo_and_refuses_a_wrong_password(
    qtbot, tmp_path: Path, answers
) -> None:  # type: ignore[no-untyped-def]
    create_demo_register(tmp_path / "demo", pupils=20)[0].close()
    dialog = SignInDialog(tmp_path / "demo")
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert all(user in texts and password in texts for user, password, _r, _d in DEMO_ACCOUNTS)
    dialog.user_edit.setText("office")
    dialog.password_edit.setText("not the password")
    assert not dialog.sign_in() and "do not open" in dialog.error_label.text()
    dialog.password_edit.setText(DEMO_ACCOUNTS[2][1])
    assert dialog.sign_in() and dialog.result_ is not None
    reg, actor = dialog.result_
    assert actor.role is Role.OFFICE
    # The office sees no Incidents tab, and the window locks on Ctrl+L until the password is typed again.
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, actor))
    qtbot.addWidget(window)
    window.register_screen.load_now()
    window.show()
    assert window.incidents_screen is None and window.lock_action.isEnabled()
    window.lock_action.trigger()
    assert not window.centralWidget().isVisible() and "locked" in window.windowTitle()
    assert window.inactivity is not None
    unlock = window.inactivity.dialog
    assert unlock is not None and unlock.isVisible()
    unlock.password_edit.setText("wrong password!!")
    unlock.unlock_button.click()
    assert unlock.isVisible() and unlock.error_label.text() and not window.centralWidget().isVisible()
    # Quit, then "Stay locked": the lock screen comes back
    answers.answers.append(False)
    unlock.quit_button.click()
    unlock = window.inactivity.dialog
    assert unlock is not None and unlock.isVisible() and window.isVisible()
    unlock.password_edit.setText(DEMO_ACCOUNTS[2][1])
    unlock.unlock_button.click()
    assert window.centralWidget().isVisible() and "locked" not in window.windowTitle()
    background.set_synchronous(False)
    reg.close()


def test_a_real_register_never_lists_accounts_and_the_recovery_key_resets_a_password(
    qtbot, tmp_path: Path, answers
) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.accounts.signin import create_register

    reg, _actor, recovery = create_register(tmp_path, "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    reg.close()
    dialog = SignInDialog(tmp_path)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "a.lead" not in texts and "Demo" not in texts
    qtbot.keyClicks(dialog.user_edit, "a.lead")
    answers.answers += ["WRONG-KEY", "brand new long password"]
    dialog.recovery_button.click()
    assert "recovery key does not open" in dialog.error_label.text() and dialog.result_ is None
    answers.answers += [recovery, "brand new long password"]
    dialog.recovery_button.click()
    assert [title for title, _text in answers.asked] == ["Recovery key", "New password"] * 2
    assert dialog.result_ is not None and dialog.result_[1].username == "a.lead"
    dialog.result_[0].close()


def _fill(qtbot, form, user: str, name: str, role: Role, password: str) -> None:  # type: ignore[no-untyped-def]
    """Type into an account form as a person would, and press Save."""
    from PySide6.QtWidgets import QDialogButtonBox

    if user:
        form.user_edit.setText(user)
        form.name_edit.setText(name)
    form.role_combo.setCurrentIndex(form.role_combo.findData(role.value))
    for edit in (form.password_edit, form.again_edit):
        edit.clear()
        qtbot.keyClicks(edit, password)
    form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()


def test_the_dsl_manages_accounts_from_the_settings_menu(qtbot, tmp_path: Path, answers) -> None:  # type: ignore[no-untyped-def]
    import pyotp

    from safeguard_desktop.services.accounts.signin import create_register, sign_in

    reg, dsl, _ = create_register(tmp_path, "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_accounts_action()
    assert dialog.table.row_count() == 1
    # GIVEN a weak password THEN the reason is shown and no account is added
    form = dialog.add()
    _fill(qtbot, form, "o.office", "Olu Office", Role.OFFICE, "password1234")
    assert "too easy" in form.error_label.text() and form.isVisible() and dialog.table.row_count() == 1
    _fill(qtbot, form, "", "", Role.OFFICE, "tall green window seven")
    assert not form.isVisible() and dialog.table.row_count() == 2
    # The last DSL cannot be disabled; the office account can, and its password stops working
    dialog.table.selectRow(0)
    assert dialog.selected() == "a.lead"
    dialog.disable_button.click()
    assert "last active DSL" in dialog.error_label.text()
    dialog.table.selectRow(1)
    _fill(qtbot, dialog.change_role(), "", "", Role.DEPUTY_DSL, "small red boat harbour")
    assert keyring.unlock(tmp_path, "o.office", "small red boat harbour").safeguarding_private is not None
    promoted = keyring.unlock(tmp_path, "o.office", "small red boat harbour")
    dialog.table.selectRow(1)
    dialog.disable_button.click()
    assert dialog.table.text(1, 3) == "disabled"
    # THEN the keys the deputy held are replaced at once, and the window says what old key files still open
    assert "keys were replaced" in dialog.status_label.text() and "backups made before" in dialog.status_label.text()
    assert reg.keys is not None and reg.keys.database_key != promoted.database_key
    assert window.context.actor.safeguarding_key == reg.keys.safeguarding_private != promoted.safeguarding_private
    # A new recovery key, made here and shown once, opens the register; the old one no longer does.
    answers.answers += [False, True]
    dialog.recovery_button.click()
    assert not hasattr(dialog, "_recovery_dialog")  # "Keep the old one"
    dialog.recovery_button.click()
    fresh = dialog._recovery_dialog.key
    assert fresh and keyring.unlock_with_recovery(tmp_path, fresh).database_key == reg.keys.database_key
    # Two-step sign-in for oneself: the first code turns it on
    two = dialog.two_step()
    two.code_edit.setText("000000")
    two.on_button.click()
    assert two.isVisible() and two.error_label.text()
    two.code_edit.setText(pyotp.TOTP(two.secret).now())
    two.on_button.click()
    assert not two.isVisible()
    background.set_synchronous(False)
    reg.close()
    with pytest.raises(SignInFailed):
        sign_in(tmp_path, "a.lead", PASSWORD)  # now needs the code
    with pytest.raises(SignInFailed):
        sign_in(tmp_path, "o.office", "small red boat harbour")  # disabled


def test_the_audit_trail_screen_filters_checks_and_exports(qtbot, tmp_path: Path, answers) -> None:  # type: ignore[no-untyped-def]
    import csv

    from safeguard_desktop.services.accounts.signin import create_register, sign_in
    from safeguard_desktop.ui.admin.audit_dialog import HEADERS

    reg, _dsl, _ = create_register(tmp_path / "r", "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    reg.close()
    with pytest.raises(SignInFailed):
        sign_in(tmp_path / "r", "a.lead", "not my password at all")
    reg, dsl = sign_in(tmp_path / "r", "a.lead", PASSWORD)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_audit_action()
    what, detail = (HEADERS.index(name) for name in ("What", "Detail"))
    actions = [dialog.table.text(r, what) for r in range(dialog.table.row_count())]
    assert actions[0] == "signed in" and "failed sign-in" in actions
    dialog.filter_edit.setText("failed")
    dialog.reload()
    assert dialog.table.row_count() == 1 and "a.lead" in dialog.table.text(0, detail)
    dialog.dates_check.setChecked(True)
    ahead = f"{date.today() + timedelta(days=60):%d/%m/%Y}"  # a range in the future: nothing
    dialog.since_edit.line.setText(ahead)
    dialog.until_edit.line.setText(ahead)
    dialog.reload()
    assert dialog.table.row_count() == 0
    dialog.until_edit.line.setText("31/02/2026")  # not a date: said, nothing guessed
    dialog.reload()
    assert "not a real date" in dialog.status_label.text()
    dialog.verify()
    assert "intact" in dialog.status_label.text()
    out = tmp_path / "trail.csv"
    answers.answers.append(out)
    dialog.export()
    assert "Exported" in dialog.status_label.text()
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Entry", "When", "Who", "What"] and any(r[3] == "failed sign-in" for r in rows)
    reg.close()


def test_backups_on_a_schedule_from_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.accounts.signin import create_register
    from safeguard_desktop.services.records import backup

    reg, dsl, _ = create_register(tmp_path / "r", "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_backups_action()
    dialog.folder_edit.setText(str(tmp_path / "usb"))
    dialog.keep_spin.setValue(2)
    dialog.save()
    assert not dialog.isVisible()
    window.run_scheduled_backup()
    assert (
        len(backup.backups_in(tmp_path / "usb")) == 1 and "Scheduled backup made" in window.statusBar().currentMessage()
    )
    window.run_scheduled_backup()  # not due again yet
    assert len(backup.backups_in(tmp_path / "usb")) == 1
    background.set_synchronous(False)
    reg.close()


def test_anyone_changes_their_own_password_and_the_lead_sets_the_idle_lock(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services import settings
    from safeguard_desktop.services.accounts.signin import create_register, sign_in
    from safeguard_desktop.services.errors import PermissionDenied
    from safeguard_desktop.store.engine import read_session, write_session

    reg, dsl, _ = create_register(tmp_path, "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_accounts_action()
    _fill(qtbot, dialog.add(), "t.teacher", "Tia Teacher", Role.STAFF, "green apple river lamp")
    assert dialog.table.row_count() == 2
    dialog.set_lock(5)
    assert "locks after 5 minutes" in dialog.status_label.text()
    dialog.set_lock(0)
    assert dialog.error_label.text()
    from safeguard_desktop.services.accounts import staff_room
    from safeguard_desktop.services.actors import Actor
    from safeguard_desktop.ui.staff.window import StaffWindow

    with read_session(reg.engine) as session, pytest.raises(PermissionDenied):
        settings.set_lock_minutes(session, Actor("Tia Teacher", Role.STAFF, "t.teacher"), 30)
    with write_session(reg.engine) as session:  # the idle lock reaches staff with what is published to them
        assert reg.keys is not None  # (as signed in: the account added since is found in the key file)
        staff_room.publish(session, dsl, reg.keys, tmp_path)
    reg.close()
    desk, teacher = sign_in(tmp_path, "t.teacher", "green apple river lamp")
    assert isinstance(desk, staff_room.StaffDesk)
    window = StaffWindow(desk)
    qtbot.addWidget(window)
    assert window.inactivity.timer.interval() == 5 * 60_000
    form = window.on_change_password()
    for old, new, again in (("wrong one entirely", "violet moon bridge four", "violet moon bridge four"),
                            ("green apple river lamp", "violet moon bridge four", "violet moon bridge five")):  # fmt: skip
        form.old_edit.setText(old)
        form.new_edit.setText(new)
        form.again_edit.setText(again)
        form.on_save()
        assert form.isVisible() and form.error_label.text()
    form.again_edit.setText("violet moon bridge four")
    form.on_save()
    assert not form.isVisible() and "password is changed" in window.statusBar().currentMessage()
    with pytest.raises(SignInFailed):
        sign_in(tmp_path, "t.teacher", "green apple river lamp")
    desk, again = sign_in(tmp_path, "t.teacher", "violet moon bridge four")
    assert again.personal_key == teacher.personal_key  # their own key survives their own password change
    desk.close()


def test_staff_start_on_their_reports_without_the_register(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.accounts.signin import create_demo_register, sign_in
    from safeguard_desktop.ui.staff.window import StaffWindow

    create_demo_register(tmp_path, pupils=10)[0].close()
    desk, _staff = sign_in(tmp_path, "staff", DEMO_ACCOUNTS[3][1])
    window = StaffWindow(desk)
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["My &reports", "&Briefings"]  # no consent register, no events screen: staff hold no key
    assert "Chris Moore" in window.windowTitle() and "Oakfield" in window.windowTitle()
    assert len(window.choices()) == 10
    window.resize(1366, 768)
    assert window.frameGeometry().width() <= 1366


def test_staff_log_a_concern_and_open_the_briefing_published_to_them(qtbot, tmp_path: Path, answers) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta

    from pypdf import PdfReader

    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.services import events, incidents
    from safeguard_desktop.services.accounts import staff_room
    from safeguard_desktop.services.accounts.signin import create_demo_register, sign_in
    from safeguard_desktop.store.engine import read_session, write_session
    from safeguard_desktop.ui.staff.window import StaffWindow

    reg, dsl = create_demo_register(tmp_path, pupils=40)
    with write_session(reg.engine) as session:
        events.create_event(session, dsl, events.EventInput("Nativity", datetime.now() + timedelta(days=8), "Hall",
                                                            FilmingPolicy.PERSONAL_USE, year_groups=["Reception"]))  # fmt: skip
        assert reg.keys is not None
        staff_room.publish(session, dsl, reg.keys, tmp_path)
    reg.close()
    desk, _staff = sign_in(tmp_path, "staff", DEMO_ACCOUNTS[3][1])
    assert isinstance(desk, staff_room.StaffDesk)
    window = StaffWindow(desk)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(1)
    assert window.briefing_list.count() == 1 and "Nativity" in window.briefing_list.item(0).text()
    window.briefing_list.setCurrentRow(0)
    assert window.open_button.isEnabled()
    window.on_open_briefing()
    from safeguard_desktop.ui.pdf_preview import PdfPreviewDialog

    (preview,) = [w for w in window.findChildren(PdfPreviewDialog)]
    answers.answers.append(tmp_path / "briefing.pdf")
    preview.save_as()
    saved = tmp_path / "briefing.pdf"
    assert "CONFIDENTIAL" in PdfReader(saved).pages[0].extract_text()
    preview.close()
    # A concern, through the same form the leads use, sent to the staff room.
    from safeguard_desktop.ui.incidents.log_dialog import LogIncidentDialog

    window.on_log()
    dialog = window.log_dialog
    assert isinstance(dialog, LogIncidentDialog) and dialog.isVisible()
    dialog.summary_edit.setPlainText("Older pupils filming Jasper in the changing room")
    dialog.on_save()
    assert not dialog.isVisible()
    assert window.report_list.count() == 1 and "waiting for a lead" in window.report_list.item(0).text()
    window.grab().save(str(tmp_path / "staff.png"))
    reg, lead = sign_in(tmp_path, "dsl", DEMO_ACCOUNTS[0][1])
    with read_session(reg.engine) as session:
        assert any("Jasper" in v.summary for v in incidents.list_incidents(session, lead))
    reg.close()
    window.on_refresh()
    assert "incident" in window.report_list.item(0).text()


def test_a_leads_window_publishes_to_staff_after_an_event_changes(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json
    from datetime import datetime, timedelta

    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.services import events
    from safeguard_desktop.services.accounts import staff_room
    from safeguard_desktop.services.accounts.signin import create_demo_register, sign_in
    from safeguard_desktop.store.engine import write_session

    create_demo_register(tmp_path, pupils=20)[0].close()
    reg, lead = sign_in(tmp_path, "dsl", DEMO_ACCOUNTS[0][1])
    window = MainWindow(AppContext(reg, lead))
    qtbot.addWidget(window)
    assert window.publish_action.isEnabled()
    with write_session(reg.engine) as session:
        events.create_event(session, lead, events.EventInput("Carol concert", datetime.now() + timedelta(days=3),
                                                             "Church", FilmingPolicy.NO_FILMING, year_groups=["Year 1"]))  # fmt: skip
    window.context.publish({Topic.EVENTS})
    assert window.staff_publisher.timer.isActive()  # not at once: after the changes settle
    background.set_synchronous(True)
    try:
        window.staff_publisher.publish_now()
    finally:
        background.set_synchronous(False)
    assert "Published to 1 staff account(s)" in window.statusBar().currentMessage()
    reg.close()
    desk, _staff = sign_in(tmp_path, "staff", DEMO_ACCOUNTS[3][1])
    published = staff_room.read_published(tmp_path, desk.keys)
    assert published is not None and [b.name for b in published.briefings] == ["Carol concert"]
    assert json.loads((tmp_path / "staffroom" / "published.json").read_text(encoding="utf-8"))["publisher"] == "dsl"


def test_the_sign_in_runs_off_the_gui_thread_and_a_cancel_leaves_nothing_open(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The key derivation and the register's checks run on a worker: the window stays live, says it is signing in
    and takes no second press; Cancel meanwhile closes what the sign-in opened once it ends."""
    import threading

    from safeguard_desktop.services import presence

    folder = tmp_path / "demo"
    create_demo_register(folder, pupils=20)[0].close()
    background.set_synchronous(False)
    dialog = SignInDialog(folder)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user_edit.setText("dsl")
    dialog.password_edit.setText(DEMO_ACCOUNTS[0][1])
    gui = threading.get_ident()
    seen: list[int] = []
    from safeguard_desktop.services.accounts import signin

    real = signin.sign_in

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.get_ident())
        return real(*args, **kwargs)

    signin.sign_in = watched  # type: ignore[assignment]
    try:
        assert not dialog.sign_in()  # started, not finished
        assert dialog.status.isVisible() and not dialog.ok_button.isEnabled() and not dialog.password_edit.isEnabled()
        assert not dialog.sign_in()  # a second press while it runs does nothing
        qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=30_000)
        assert seen and all(ident != gui for ident in seen) and len(seen) == 1
        dialog.result_[0].close()
        again = SignInDialog(folder)
        qtbot.addWidget(again)
        again.show()
        again.user_edit.setText("office")
        again.password_edit.setText(DEMO_ACCOUNTS[2][1])
        again.sign_in()
        again.reject()  # Cancel while it runs
        qtbot.waitUntil(lambda: len(seen) == 2 and not again._signing_in, timeout=30_000)
        assert again.result_ is None
        assert not [p for p in presence.others(folder, None)]  # nothing left open in this folder
    finally:
        signin.sign_in = real  # type: ignore[assignment]
        background.set_synchronous(True)


def test_the_lock_screen_checks_off_the_gui_thread(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Unlocking runs the sign-in's checks on a worker, as the sign-in does: the form waits and says so."""
    folder = tmp_path / "demo"
    create_demo_register(folder, pupils=20)[0].close()
    dialog = SignInDialog(folder)
    qtbot.addWidget(dialog)
    dialog.user_edit.setText("office")
    dialog.password_edit.setText(DEMO_ACCOUNTS[2][1])
    assert dialog.sign_in() and dialog.result_ is not None
    reg, actor = dialog.result_
    window = MainWindow(AppContext(reg, actor))
    qtbot.addWidget(window)
    window.register_screen.load_now()
    window.show()
    window.lock_action.trigger()
    assert window.inactivity is not None and window.inactivity.dialog is not None
    unlock = window.inactivity.dialog
    background.set_synchronous(False)
    try:
        unlock.password_edit.setText("wrong password!!")
        unlock.unlock_button.click()
        assert unlock.status.isVisible() and not unlock.unlock_button.isEnabled()
        qtbot.waitUntil(lambda: bool(unlock.error_label.text()), timeout=30_000)
        assert unlock.unlock_button.isEnabled() and not window.centralWidget().isVisible()
        unlock.password_edit.setText(DEMO_ACCOUNTS[2][1])
        unlock.unlock_button.click()
        # (the title is read back off the GUI thread too: it follows the window's contents)
        qtbot.waitUntil(lambda: window.centralWidget().isVisible() and "locked" not in window.windowTitle(),
                        timeout=30_000)  # fmt: skip
    finally:
        background.set_synchronous(True)
        reg.close()
