"""First run, sign-in, the recovery key and the lock, driven as a person would on the offscreen platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtWidgets import QLabel

from safeguard_desktop.services import keyring
from safeguard_desktop.services.accounts import SignInFailed
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.signin import DEMO_ACCOUNTS, create_demo_register
from safeguard_desktop.ui import background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.main_window import MainWindow
from safeguard_desktop.ui.signin import FirstRunDialog, RecoveryKeyDialog, SignInDialog

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
    shown.confirm.setChecked(True)
    assert shown.continue_button.isEnabled()
    reg.close()
    assert keyring.unlock_with_recovery(tmp_path, recovery).database_key


def test_sign_in_shows_demo_accounts_only_for_the_demo_and_refuses_a_wrong_password(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
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
    window.lock_now(prompt=False)
    assert not window.centralWidget().isVisible() and "locked" in window.windowTitle()
    assert window.inactivity is not None
    assert not window.inactivity.unlock("wrong password!!")
    assert not window.centralWidget().isVisible()
    assert window.inactivity.unlock(DEMO_ACCOUNTS[2][1])
    assert window.centralWidget().isVisible() and "locked" not in window.windowTitle()
    background.set_synchronous(False)
    reg.close()


def test_a_real_register_never_lists_accounts_and_the_recovery_key_resets_a_password(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.signin import create_register

    reg, _actor, recovery = create_register(tmp_path, "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    reg.close()
    dialog = SignInDialog(tmp_path)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "a.lead" not in texts and "Demo" not in texts
    qtbot.keyClicks(dialog.user_edit, "a.lead")
    assert not dialog.use_recovery_key("WRONG-KEY", "brand new long password")
    assert "recovery key does not open" in dialog.error_label.text()
    assert dialog.use_recovery_key(recovery, "brand new long password")
    assert dialog.result_ is not None and dialog.result_[1].username == "a.lead"
    dialog.result_[0].close()


def test_the_dsl_manages_accounts_from_the_settings_menu(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyotp

    from safeguard_desktop.services.signin import create_register, sign_in

    reg, dsl, _ = create_register(tmp_path, "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_accounts_action()
    assert dialog.table.rowCount() == 1
    # GIVEN a weak password THEN the reason is shown and no account is added
    assert not dialog.add(("o.office", "Olu Office", Role.OFFICE, "password1234"))
    assert "too easy" in dialog.error_label.text() and dialog.table.rowCount() == 1
    assert dialog.add(("o.office", "Olu Office", Role.OFFICE, "tall green window seven"))
    assert dialog.table.rowCount() == 2
    # The last DSL cannot be disabled; the office account can, and its password stops working
    dialog.table.selectRow(0)
    assert dialog.selected() == "a.lead" and not dialog.toggle_active()
    assert "last active DSL" in dialog.error_label.text()
    dialog.table.selectRow(1)
    assert dialog.change_role(Role.DEPUTY_DSL, "small red boat harbour")
    assert keyring.unlock(tmp_path, "o.office", "small red boat harbour").safeguarding_private is not None
    promoted = keyring.unlock(tmp_path, "o.office", "small red boat harbour")
    assert dialog.toggle_active() and dialog.table.item(1, 3).text() == "disabled"
    # THEN the keys the deputy held are replaced at once, and the window says what old key files still open
    assert "keys were replaced" in dialog.status_label.text() and "backups made before" in dialog.status_label.text()
    assert reg.keys is not None and reg.keys.database_key != promoted.database_key
    assert window.context.actor.safeguarding_key == reg.keys.safeguarding_private != promoted.safeguarding_private
    # A new recovery key, made here and shown once, opens the register; the old one no longer does.
    assert dialog.new_recovery_key(confirmed=False) is None
    fresh = dialog.new_recovery_key(confirmed=True)
    assert fresh and keyring.unlock_with_recovery(tmp_path, fresh).database_key == reg.keys.database_key
    # Two-step sign-in for oneself: the first code turns it on
    two = dialog.two_step()
    two.code_edit.setText("000000")
    assert not two.turn(True)
    two.code_edit.setText(pyotp.TOTP(two.secret).now())
    assert two.turn(True)
    background.set_synchronous(False)
    reg.close()
    with pytest.raises(SignInFailed):
        sign_in(tmp_path, "a.lead", PASSWORD)  # now needs the code
    with pytest.raises(SignInFailed):
        sign_in(tmp_path, "o.office", "small red boat harbour")  # disabled


def test_the_audit_trail_screen_filters_checks_and_exports(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from safeguard_desktop.services.signin import create_register, sign_in

    reg, _dsl, _ = create_register(tmp_path / "r", "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    reg.close()
    with pytest.raises(SignInFailed):
        sign_in(tmp_path / "r", "a.lead", "not my password at all")
    reg, dsl = sign_in(tmp_path / "r", "a.lead", PASSWORD)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_audit_action()
    actions = [dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())]
    assert actions[0] == "signed in" and "failed sign-in" in actions
    dialog.filter_edit.setText("failed")
    dialog.reload()
    assert dialog.table.rowCount() == 1 and "a.lead" in dialog.table.item(0, 5).text()
    dialog.dates_check.setChecked(True)
    dialog.since_edit.setDate(dialog.since_edit.date().addDays(60))  # a range in the future: nothing
    dialog.until_edit.setDate(dialog.since_edit.date())
    dialog.reload()
    assert dialog.table.rowCount() == 0
    assert dialog.verify() and "intact" in dialog.status_label.text()
    out = tmp_path / "trail.csv"
    assert dialog.export(str(out)) > 3
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Entry", "When", "Who", "What"] and any(r[3] == "failed sign-in" for r in rows)
    reg.close()


def test_backups_on_a_schedule_from_the_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services import backup
    from safeguard_desktop.services.signin import create_register

    reg, dsl, _ = create_register(tmp_path / "r", "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_backups_action()
    dialog.folder_edit.setText(str(tmp_path / "usb"))
    dialog.keep_spin.setValue(2)
    assert dialog.save()
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
    from safeguard_desktop.services.errors import PermissionDenied
    from safeguard_desktop.services.signin import create_register, sign_in
    from safeguard_desktop.store.engine import read_session, write_session

    reg, dsl, _ = create_register(tmp_path, "Elm Primary", "a.lead", "Ann Lead", PASSWORD)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_accounts_action()
    assert dialog.add(("t.teacher", "Tia Teacher", Role.STAFF, "green apple river lamp"))
    assert dialog.set_lock(5) and not dialog.set_lock(0)
    reg.close()
    reg, teacher = sign_in(tmp_path, "t.teacher", "green apple river lamp")
    with read_session(reg.engine) as session:
        assert settings.lock_minutes(session) == 5
    window = MainWindow(AppContext(reg, teacher))
    qtbot.addWidget(window)
    assert window.inactivity is not None and window.inactivity.timer.interval() == 5 * 60_000
    dialog = window.on_accounts_action()
    assert not dialog.add_button.isEnabled() and not dialog.lock_spin.isEnabled()
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        settings.set_lock_minutes(session, teacher, 30)
    assert dialog.change_own_password("violet moon bridge four")
    reg.close()
    with pytest.raises(SignInFailed):
        sign_in(tmp_path, "t.teacher", "green apple river lamp")
    reg, again = sign_in(tmp_path, "t.teacher", "violet moon bridge four")
    assert again.personal_key == teacher.personal_key  # their own key survives their own password change
    reg.close()


def test_staff_start_on_their_reports_without_the_register(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.signin import create_demo_register, sign_in

    create_demo_register(tmp_path, pupils=10)[0].close()
    reg, staff = sign_in(tmp_path, "staff", DEMO_ACCOUNTS[3][1])
    window = MainWindow(AppContext(reg, staff))
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["&Events", "&Incidents"]  # no consent register for staff
    assert not any(a.text() == "&Consent" and a.isVisible() for a in window.menuBar().actions())
    reg.close()


def test_staff_open_the_confidential_briefing_from_the_events_tab(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from pypdf import PdfReader

    from safeguard_desktop.domain.events import FilmingPolicy
    from safeguard_desktop.services import events
    from safeguard_desktop.services.signin import create_demo_register, sign_in
    from safeguard_desktop.store.engine import write_session

    reg, dsl = create_demo_register(tmp_path, pupils=40)
    with write_session(reg.engine) as session:
        events.create_event(session, dsl, events.EventInput("Nativity", datetime(2026, 12, 10, 14), "Hall",
                                                            FilmingPolicy.PERSONAL_USE, year_groups=["Reception"]))  # fmt: skip
    reg.close()
    reg, staff = sign_in(tmp_path, "staff", DEMO_ACCOUNTS[3][1])
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, staff))
    qtbot.addWidget(window)
    screen = window.events_screen
    window.tabs.setCurrentWidget(screen)
    screen.reload()
    assert "confidential staff briefing" in screen.counts.text() and screen.documents_button.isEnabled()
    assert [a.text() for a in screen.documents_button.menu().actions()] == ["Confidential staff briefing…"]
    screen.save_document("briefing")
    background.set_synchronous(False)
    preview = screen.preview
    assert preview is not None
    saved = preview.save_as(str(tmp_path / "briefing.pdf"))
    assert saved and "CONFIDENTIAL" in PdfReader(saved).pages[0].extract_text()
    reg.close()
