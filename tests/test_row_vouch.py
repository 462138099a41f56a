"""Rows vouched for by the trail: the office's key opens the register file (the office keeps the register), so with
the file alone it could change a decision or a never-photograph flag. Each commit's last audit entry records a
digest of every row written, under its writer's mark; the lead's check of the trail compares every row with it.

Attacks from outside the app's code paths: sqlcipher3 and the office's key on the file, and the office's own
process writing through the app's engine what its role may not (as a changed copy of the app would)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import select, text

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.security import keyring
from safeguard_desktop.services import consent
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register, sign_in
from safeguard_desktop.services.records import row_vouch, trail_check
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, ConsentDecision, ConsentPurpose, Pupil

LEAD, OFFICE = (next(p for u, p, _r, _d in DEMO_ACCOUNTS if u == name) for name in ("dsl", "office"))


@pytest.fixture
def school(tmp_path: Path) -> Path:
    folder = tmp_path / "school"
    reg, dsl = create_demo_register(folder, pupils=30)
    with write_session(reg.engine) as session:
        consent.set_never_photograph(session, dsl, 5, True, "Court order")
    reg.close()
    return folder


def _reply(state: ConsentState, name: str) -> consent.DecisionInput:
    return consent.DecisionInput(state, GivenByKind.PARENT, Route.PAPER_SLIP, date.today(), name, "Mother")


def _office_records_a_reply(folder: Path, pupil: int, state: ConsentState, name: str) -> int:
    """The office signs in and records a parent's reply for the first purpose, as it may; the decision's number."""
    reg, office = sign_in(folder, "office", OFFICE)
    try:
        with write_session(reg.engine) as session:
            purpose = session.scalars(select(ConsentPurpose)).first()
            assert purpose is not None
            consent.record_decisions(session, office, [pupil], [purpose.id], _reply(state, name))
            decision = session.scalar(select(ConsentDecision.id).order_by(ConsentDecision.id.desc()))
    finally:
        reg.close()
    assert decision is not None
    return decision


def _check(folder: Path) -> str:
    """The lead's full check of the trail, as the audit screen and `safeguard audit verify` make it."""
    reg, lead = sign_in(folder, "dsl", LEAD)
    try:
        with read_session(reg.engine) as session:
            return trail_check.check(session, lead, folder, reg.keys).describe()
    finally:
        reg.close()


def _with_office_key(folder: Path, *statements: str) -> None:
    """Statements run on the register file with sqlcipher3 and the office's key, as any SQLCipher client could."""
    key = keyring.unlock(folder, "office", OFFICE).database_key
    assert key is not None
    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def test_the_register_as_the_app_left_it_checks_out(school: Path) -> None:
    _office_records_a_reply(school, 3, ConsentState.REFUSED, "Parent A")
    assert "intact" in _check(school)
    with read_session(sign_in(school, "dsl", LEAD)[0].engine) as session:
        first = session.scalar(select(AuditEntry.sequence).where(AuditEntry.action == row_vouch.BASELINE_ACTION))
    assert (
        first is not None
        and keyring.current_record(school, keyring.unlock(school, "dsl", LEAD)).rows_vouched_from == first
    )


def test_a_decision_turned_round_with_the_office_key_is_named(school: Path) -> None:
    _with_office_key(school, "UPDATE consent_decision SET state = 'granted' WHERE id = "
                             "(SELECT min(id) FROM consent_decision)")  # fmt: skip
    said = _check(school)
    assert "consent decision" in said and "changed outside the app" in said and "intact" not in said.split(",")[1]


def test_a_never_photograph_flag_cleared_with_the_office_key_is_named(school: Path) -> None:
    _with_office_key(school, "UPDATE pupil SET never_photograph = 0 WHERE never_photograph = 1")
    assert "pupil" in (said := _check(school)) and "changed outside the app" in said


def test_rows_added_and_deleted_with_the_office_key_are_named(school: Path) -> None:
    _with_office_key(school, "DELETE FROM contact WHERE id = (SELECT min(id) FROM contact)",
                     "INSERT INTO setting(key, value, version) VALUES ('idle_lock_off', '1', 1)")  # fmt: skip
    said = _check(school)
    assert "2 rows of the register differ" in said
    assert "was deleted outside the app" in said and "setting idle_lock_off was added outside the app" in said


def test_the_offices_own_process_may_not_vouch_for_what_its_role_may_not_change(school: Path) -> None:
    """A changed copy of the app, run with the office's keys: its commit is vouched for by an entry the office
    marks, so the row matches; the entry is held to the office's role and refused."""
    reg, _office = sign_in(school, "office", OFFICE)
    with write_session(reg.engine) as session:
        pupil = session.scalar(select(Pupil.id).where(Pupil.never_photograph.is_(True)))
        session.execute(text("UPDATE pupil SET never_photograph = 0 WHERE id = :id"), {"id": pupil})
    reg.close()
    said = _check(school)
    assert f"changed the never-photograph flag of pupil {pupil}" in said and "only a safeguarding lead may" in said


def test_the_offices_own_process_may_not_write_the_accounts(school: Path) -> None:
    reg, _office = sign_in(school, "office", OFFICE)
    with write_session(reg.engine) as session:
        session.execute(text("UPDATE user_account SET display_name = 'Not Me' WHERE username = 'dsl'"))
    reg.close()
    assert "changed user account rows, which that role may not change" in _check(school)


def test_the_office_may_change_the_wording_of_letters_but_not_the_idle_lock(school: Path) -> None:
    """Settings are held to the office's role by key: the wording of letters is the office's to change (in the
    app too), the idle lock, term dates and backups are the leads'."""
    from safeguard_desktop.services import settings
    from safeguard_desktop.services.events import templates

    reg, office = sign_in(school, "office", OFFICE)
    with write_session(reg.engine) as session:
        templates.restore_default(session, office, next(iter(templates.TEMPLATES)))
    reg.close()
    assert "intact" in _check(school)
    reg, _office = sign_in(school, "office", OFFICE)
    with write_session(reg.engine) as session:  # a changed copy of the app, with the office's keys
        settings.write_setting(session, settings.LOCK_MINUTES_KEY, 0)
    reg.close()
    said = _check(school)
    assert "changed the setting 'lock_minutes', which only a safeguarding lead may change" in said


def test_the_office_turns_on_its_own_two_step_sign_in_and_no_one_elses(school: Path) -> None:
    """An office account's two-step sign-in is its own row of second_factor: turning it on and signing in with a
    code check out (they wrote the accounts table, which the office may not change: a false alarm at every lead's
    check); a changed copy of the app turning off the DSL's is refused."""
    import pyotp

    from safeguard_desktop.services import accounts
    from safeguard_desktop.store.models import SecondFactor

    reg, office = sign_in(school, "office", OFFICE)
    secret = accounts.new_totp_secret()
    with write_session(reg.engine) as session:
        accounts.set_second_factor(session, office, "office", secret, pyotp.TOTP(secret).now())
    reg.close()
    reg, _office = sign_in(school, "office", OFFICE, pyotp.TOTP(secret).now())
    reg.close()
    with pytest.raises(accounts.SignInFailed):  # the code is still one-use, kept in the new row
        sign_in(school, "office", OFFICE, pyotp.TOTP(secret).now())
    assert "intact" in _check(school)
    reg, _office = sign_in(school, "office", OFFICE, pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)))
    with write_session(reg.engine) as session:
        session.add(SecondFactor(username="dsl", secret=None))
    reg.close()
    assert "changed another account's two-step sign-in, which only a safeguarding lead may" in _check(school)


def test_a_record_of_rows_removed_or_edited_breaks_its_entrys_mark(school: Path) -> None:
    _office_records_a_reply(school, 4, ConsentState.GRANTED, "Parent B")
    _with_office_key(school, "DELETE FROM audit_rows WHERE sequence = (SELECT max(sequence) FROM audit_rows "
                             "WHERE sequence < (SELECT max(sequence) FROM audit_entry))")  # fmt: skip
    assert "not marked by" in _check(school)


def test_a_recent_row_changed_with_the_office_key_is_told_at_the_leads_sign_in(school: Path) -> None:
    """The sign-in's quick look compares the rows the newest entries vouched for: a reply recorded today and then
    turned round in the file is told to the lead at once, before any full check."""
    decision = _office_records_a_reply(school, 6, ConsentState.REFUSED, "Parent C")
    _with_office_key(school, f"UPDATE consent_decision SET state = 'granted' WHERE id = {decision}")
    reg, _lead = sign_in(school, "dsl", LEAD)
    try:
        told = " ".join(reg.notices)
        assert f"consent decision {decision} was changed outside the app" in told
    finally:
        reg.close()


def test_a_backup_from_before_the_baseline_restored_is_vouched_for_again(school: Path, tmp_path: Path) -> None:
    """A backup made before the entry the record names (one from before the upgrade): once a lead restores it, the
    lead's sign-in vouches for its rows afresh, and the check of the trail is intact — not a false alarm."""
    from safeguard_desktop.services.records import backup

    reg, lead = sign_in(school, "dsl", LEAD)
    saved = backup.back_up(reg.engine, reg.folder, lead, tmp_path / "copies")
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        for _ in range(3):  # later entries, then a baseline the backup has not got
            consent.set_never_photograph(session, lead, 7, True, "Asked by the family")
            consent.set_never_photograph(session, lead, 7, False)
        later = row_vouch.vouch_for_everything(session, lead)
    assert keyring.vouch_rows_from(school, reg.keys, later)
    backup.restore(reg.engine, reg.folder, lead, saved.path, reg.presence, reg.keys)
    reg.close()
    assert "intact" in _check(school)
    assert keyring.current_record(school, keyring.unlock(school, "dsl", LEAD)).rows_vouched_from != later


def test_every_table_is_vouched_for_and_the_triggers_are_not_in_the_file(school: Path) -> None:
    """Every table of the register but the trail's own has a one-column key and is vouched for; the triggers that
    note the rows written live in the app's connection only: the file holds none, for another client to drop."""
    from safeguard_desktop.store import touched
    from safeguard_desktop.store.models import Base

    assert set(touched.vouched_tables()) == {t.name for t in Base.metadata.sorted_tables} - touched.UNVOUCHED
    key = keyring.unlock(school, "office", OFFICE).database_key
    assert key is not None
    connection = sqlcipher3.dbapi2.connect(str(school / "register.db"))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone() == (0,)
    finally:
        connection.close()


def test_the_audit_screen_names_the_rows_and_stays_on_the_screen(qtbot, school: Path) -> None:  # type: ignore[no-untyped-def]
    """The check's paragraph wraps in the audit screen (it widened the window to 4,376 pixels before)."""
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    _with_office_key(school, "UPDATE consent_decision SET state = 'granted' WHERE state = 'refused'")
    reg, lead = sign_in(school, "dsl", LEAD)
    window = MainWindow(AppContext(reg, lead))
    qtbot.addWidget(window)
    dialog = window.on_audit_action()
    dialog.verify()
    assert "changed outside the app" in dialog.status_label.text() and "more)" in dialog.status_label.text()
    assert dialog.sizeHint().width() <= 1366 and dialog.status_label.wordWrap()
    reg.close()


def test_the_sign_in_window_vouches_for_the_rows_after_it_closes(qtbot, school: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At a trust's size vouching for every row takes seconds: the sign-in window leaves it to the background once
    the lead is in, and it is done then."""
    from safeguard_desktop.services.records import backup
    from safeguard_desktop.ui.signin import SignInDialog

    reg, lead = sign_in(school, "dsl", LEAD)
    saved = backup.back_up(reg.engine, reg.folder, lead, tmp_path / "copies")
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        consent.set_never_photograph(session, lead, 7, True, "Asked by the family")
        later = row_vouch.vouch_for_everything(session, lead)
    assert keyring.vouch_rows_from(school, reg.keys, later)
    backup.restore(reg.engine, reg.folder, lead, saved.path, reg.presence, reg.keys)
    reg.close()
    dialog = SignInDialog(school)
    qtbot.addWidget(dialog)
    dialog.user_edit.setText("dsl")
    dialog.password_edit.setText(LEAD)
    assert dialog.sign_in() and dialog.result_ is not None
    record = lambda: keyring.current_record(school, keyring.unlock(school, "dsl", LEAD))  # noqa: E731
    assert record().rows_vouched_from == later  # not yet: the window is not held up
    qtbot.waitUntil(lambda: record().rows_vouched_from != later)
    dialog.result_[0].close()
    assert "intact" in _check(school)


def test_a_lead_demoted_later_wrote_as_a_lead_before(school: Path) -> None:
    """The deputy edits a purpose (a lead's task), then is made office: the check holds each entry to the role its
    writer had when writing it, from the leads' own entries in the trail — no false alarm after a demotion."""
    from safeguard_desktop.services import accounts, settings
    from safeguard_desktop.services.actors import Role

    deputy_password = next(p for u, p, _r, _d in DEMO_ACCOUNTS if u == "deputy")
    reg, deputy = sign_in(school, "deputy", deputy_password)
    with write_session(reg.engine) as session:
        settings.add_purpose(session, deputy, "Filming the leavers' assembly", "For the school's own archive.")
    reg.close()
    reg, lead = sign_in(school, "dsl", LEAD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.change_role(session, lead, school, reg.keys, "deputy", Role.OFFICE, "a new long office password")
    reg.close()
    said = _check(school)
    assert "intact" in said and "may not change" not in said
