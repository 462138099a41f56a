"""A local register moved onto a register on a PostgreSQL server (`safeguard server move-from`): every row and audit
entry there as it was here, the sealed text sealed again to the server's own key, the roles' logins working on
what was moved; refused with nothing changed when the local trail was tampered with, a case is restricted or the
server is in use; a kill at either side of the server's commit never leaves half a register; a server that alters
rows on the way is caught.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles (CI starts one with
scripts/start-test-postgres.sh); skipped otherwise.
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select, text

from safeguard_desktop import faultpoints
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.incidents import Category, EntryKind
from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services import consent, events, incidents, server
from safeguard_desktop.services.accounts import signin
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.pupils import photos
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, EventGroup, Incident, Pupil, PupilPhoto

from .conftest import drop_logins, new_postgres_database, raw_database, without_user

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {user: password for user, password, _role, _name in DEMO_ACCOUNTS}
TEACHER = Actor("Chris Moore (teacher)", Role.STAFF, "staff")
PASSWORD = PASSWORDS["dsl"]


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    """A new database on the test server, prepared (`safeguard server prepare`) and nothing more: its admin URL."""
    assert ADMIN_URL
    with new_postgres_database(ADMIN_URL, "safeguard_move") as url:
        assert _cli(tmp_path, ["server", "prepare", url]).returncode == 0
        yield url
    drop_logins(ADMIN_URL, *PASSWORDS)


def _local(folder: Path, pupils: int, incidents_made: int) -> None:
    """A local register (the demo school's accounts) with a flagged pupil, a lead's incidents and a teacher's."""
    reg, lead = create_demo_register(folder, pupils=pupils)
    with write_session(reg.engine) as session:
        consent.set_never_photograph(session, lead, 1, True, "Court order: no images")
        for n in range(incidents_made):
            incidents.record_incident(session, lead, incidents.IncidentInput(Category.CYBERBULLYING,
                                                                             f"Nativity video posted, case {n}"))  # fmt: skip
        incidents.record_incident(session, TEACHER, incidents.IncidentInput(Category.REPUTATION, "Fake account of me"))
        events.create_event(session, lead, events.EventInput("Nativity", datetime(2026, 12, 10, 14, 0), "Hall",
                                                             FilmingPolicy.PERSONAL_USE, year_groups=["Year 5"]))  # fmt: skip
        photo = io.BytesIO()
        Image.new("RGB", (60, 80), (200, 120, 40)).save(photo, "PNG")
        photos.set_photo(session, lead, 2, photos.thumbnail(photo.getvalue()))
    reg.close()


def _cli(tmp_path: Path, args: list[str], fault: str = "", user: str = "dsl") -> subprocess.CompletedProcess[str]:
    secret = tmp_path / f"{user}.pw"
    secret.write_text(PASSWORDS[user], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != faultpoints.ENV}
    if fault:
        env[faultpoints.ENV] = fault
    command = [sys.executable, "-m", "safeguard_desktop.cli", "--data-dir", str(tmp_path / "it-support"),
               "--user", user, "--password-file", str(secret), *args]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _move(tmp_path: Path, url: str, folder: Path, fault: str = "") -> subprocess.CompletedProcess[str]:
    return _cli(tmp_path, ["server", "move-from", url, str(folder)], fault)


def _count(url: str, model) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())
    finally:
        engine.dispose()


def _entries(session, first: int = 1) -> list[tuple]:  # type: ignore[no-untyped-def]
    columns = (AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.record_kind, AuditEntry.record_id,
               AuditEntry.detail)  # fmt: skip
    query = select(*columns).where(AuditEntry.sequence >= first).order_by(AuditEntry.sequence)
    return [tuple(row) for row in session.execute(query)]


def _as(url: str, user: str, password: str = ""):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    login = make_url(url).set(username=f"sg_u_{user}", password=password or PASSWORDS[user])
    login = login.render_as_string(hide_password=False)
    return psycopg.connect(**server.connection_arguments(login), autocommit=True)


def test_a_school_of_2000_pupils_and_500_incidents_moves_whole_and_verified(tmp_path: Path, target: str) -> None:
    folder = tmp_path / "school"
    _local(folder, 2000, 500)
    local, lead = signin.sign_in_register(folder, "dsl", PASSWORDS["dsl"])
    with read_session(local.engine) as session:
        local_entries = _entries(session)
        summaries = {i: incidents.read_incident(session, lead, i).summary for i in (1, 250, 501)}
        local_private = lead.safeguarding_key
    local.close()
    assert local_private is not None

    moved = _move(tmp_path, target, folder)

    assert moved.returncode == 0, moved.stderr
    assert "every row and entry was read back and matched" in moved.stdout
    assert "Accounts without a login on the server yet" in moved.stdout and "office" in moved.stdout
    assert _count(target, Pupil) == 2000 and _count(target, Incident) == 501
    assert _count(target, PupilPhoto) == 1 and _count(target, EventGroup) == 1  # (bytes, dates compared too)
    engine = create_engine(target)
    with engine.connect() as conn:
        # Entry by entry, the local trail is on the server after its own set-up entry, as it was
        server_entries = _entries(conn, first=2)
        assert server_entries[: len(local_entries)] == local_entries
        # No local password hash left the computer; no sealed value opens with the local register's key
        assert set(conn.execute(text("SELECT password_hash FROM user_account")).scalars()) == {""}
        sealed = [v for v in conn.execute(text("SELECT summary FROM incident")).scalars() if sealed_box.is_sealed(v)]
        assert len(sealed) == 501
        opener = sealed_box.opener(local_private)
        for value in sealed:
            with pytest.raises(keyring.KeyError_):
                opener(value)
        reason = conn.execute(text("SELECT never_photograph_reason FROM pupil WHERE id = 1")).scalar_one()
        assert sealed_box.is_sealed(reason)
    engine.dispose()

    # The DSL signs in to the server with the same password and reads what was sealed; the trail checks
    there, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(target), "dsl", PASSWORDS["dsl"])
    try:
        with read_session(there.engine) as session:
            assert {i: incidents.read_incident(session, dsl, i).summary for i in summaries} == summaries
            assert audit.verify(session, dsl).intact
        with write_session(there.engine) as session:  # and gives the office and the teacher their logins
            for user, role in (("office", Role.OFFICE), ("staff", Role.STAFF)):
                server.set_account(session, dsl, user, "", role, PASSWORDS[user])
    finally:
        there.close()
    with _as(target, "office") as office:
        assert office.execute("SELECT count(*) FROM pupil").fetchone() == (2000,)
    with _as(target, "staff") as teacher:  # the teacher's own report, by the row policy: only that one
        assert teacher.execute("SELECT count(*) FROM incident").fetchone() == (1,)

    # The local register says it was moved, to every role; a second move is refused, the server unchanged
    office_here = _cli(tmp_path, ["--data-dir", str(folder), "purposes"], user="office")
    assert "was moved to the database server" in office_here.stderr
    again = _move(tmp_path, target, folder)
    assert again.returncode == 2 and "not moved twice" in again.stderr
    assert _count(target, Pupil) == 2000


def test_a_tampered_trail_a_restricted_case_or_a_server_in_use_is_refused_and_nothing_changes(
    tmp_path: Path, target: str
) -> None:
    folder = tmp_path / "school"
    _local(folder, 20, 2)
    raw = raw_database(folder, "dsl", PASSWORDS["dsl"])
    raw.execute("UPDATE audit_entry SET detail = detail || ' (edited)' WHERE sequence = 3")
    raw.commit()
    raw.close()

    refused = _move(tmp_path, target, folder)

    assert refused.returncode == 2 and "audit trail does not verify" in refused.stderr, refused.stderr
    assert _count(target, Pupil) == 0 and _count(target, AuditEntry) == 1  # the server's set-up entry alone
    assert not (folder / "moved-to-server.json").exists()

    restricted = tmp_path / "restricted"
    _local(restricted, 20, 1)
    reg, lead = signin.sign_in_register(restricted, "dsl", PASSWORDS["dsl"])
    with write_session(reg.engine) as session:
        from safeguard_desktop.services.incidents import restricted as cases

        cases.restrict(session, lead, 1, ["dsl"], "The deputy is its subject")
    reg.close()
    refused = _move(tmp_path, target, restricted)
    assert refused.returncode == 2 and "restricted cases" in refused.stderr, refused.stderr
    assert _count(target, Pupil) == 0

    plain = tmp_path / "plain"
    _local(plain, 20, 1)
    assert _move(tmp_path, target, plain).returncode == 0
    other = tmp_path / "other"
    _local(other, 30, 1)
    in_use = _move(tmp_path, target, other)
    assert in_use.returncode == 2 and "in use already" in in_use.stderr
    assert _count(target, Pupil) == 20


@pytest.mark.parametrize("point", faultpoints.SERVER_POINTS)
def test_killed_either_side_of_the_servers_commit_the_move_run_again_finishes_it(
    tmp_path: Path, target: str, point: str
) -> None:
    folder = tmp_path / "school"
    _local(folder, 40, 3)

    killed = _move(tmp_path, target, folder, fault=point)

    assert killed.returncode == faultpoints.KILLED, killed.stderr
    assert _count(target, Pupil) == (0 if point == "move:before-commit" else 40)  # all or nothing
    begun = _cli(tmp_path, ["--data-dir", str(folder), "purposes"], user="office")
    assert "was begun on" in begun.stderr and "not finished" in begun.stderr  # nobody works on there meanwhile
    again = _move(tmp_path, target, folder)
    assert again.returncode == 0, again.stderr
    assert ("moved to the server before this run" in again.stdout) == (point == "move:after-commit")
    assert _count(target, Pupil) == 40
    verified = _cli(tmp_path, ["--database", without_user(target), "audit", "verify"])
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr
    after = _cli(tmp_path, ["--data-dir", str(folder), "purposes"], user="office")
    assert "was moved to the database server" in after.stderr


def test_a_server_that_alters_a_row_on_the_way_is_caught_and_nothing_is_committed(tmp_path: Path, target: str) -> None:
    folder = tmp_path / "school"
    _local(folder, 30, 2)
    engine = create_engine(target)
    with engine.begin() as conn:  # e.g. a trigger left by someone with the administrator's rights
        conn.execute(
            text(
                "CREATE FUNCTION sg_test_rename() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.id = 7 THEN NEW.legal_surname := 'Somebody-Else'; END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(text("CREATE TRIGGER sg_test_rename BEFORE INSERT ON pupil FOR EACH ROW "
                          "EXECUTE FUNCTION sg_test_rename()"))  # fmt: skip

    caught = _move(tmp_path, target, folder)

    assert caught.returncode == 2, caught.stdout
    assert "pupil (id 7) differs from the local register in legal_surname" in caught.stderr, caught.stderr
    assert _count(target, Pupil) == 0 and not (folder / "moved-to-server.json").exists()
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER sg_test_rename ON pupil"))
    engine.dispose()
    assert _move(tmp_path, target, folder).returncode == 0
    assert _count(target, Pupil) == 30


def _drive(steps):  # type: ignore[no-untyped-def]
    """Take each (dialog class, action) when that dialog is the modal one on screen, in turn (their exec() blocks)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    pending = list(steps)

    def tick() -> None:
        shown = QApplication.activeModalWidget()
        QTimer.singleShot(30, tick) if len(pending) > 1 or not isinstance(shown, pending[0][0]) else None
        if isinstance(shown, pending[0][0]) and shown.isVisible():
            pending.pop(0)[1](shown)  # (an action may open the next dialog: the next tick is already set)

    QTimer.singleShot(30, tick)
    return pending


def test_a_classroom_pc_connects_to_the_schools_server_once_and_signs_in_there_from_then_on(
    qtbot,
    tmp_path: Path,
    target: str,  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy.engine import make_url

    from safeguard_desktop.services import server_address
    from safeguard_desktop.ui.app import open_register_for, parse_args
    from safeguard_desktop.ui.connection import ConnectionDialog
    from safeguard_desktop.ui.signin import FirstRunDialog, SignInDialog

    school = tmp_path / "school"
    _local(school, 12, 1)
    assert _move(tmp_path, target, school).returncode == 0
    address = make_url(target)
    pc = tmp_path / "classroom-pc"  # nothing on it yet

    def connect(dialog: ConnectionDialog) -> None:
        dialog.host_edit.setText("sg server")  # as people type it: refused, naming the field
        dialog.database_edit.setText(str(address.database))
        dialog.port_spin.setValue(int(address.port or 5432))
        dialog.ok_button.click()
        assert "not a server name" in dialog.error_label.text() and dialog.isVisible()
        assert dialog.tls_box.isChecked()  # encrypted unless IT support turns it off
        dialog.host_edit.setText(str(address.host))
        dialog.ok_button.click()

    def sign_in(dialog: SignInDialog) -> None:
        assert dialog.server_url is not None and dialog.switch_button.isVisible()
        dialog.user_edit.setText("dsl")
        dialog.password_edit.setText(PASSWORDS["dsl"])
        dialog.ok_button.click()

    left = _drive([(FirstRunDialog, lambda d: d.server_button.click()), (ConnectionDialog, connect),
                   (SignInDialog, sign_in)])  # fmt: skip
    signed = open_register_for(parse_args(["--data-dir", str(pc)]), pc)
    assert not left and not isinstance(signed, int)
    assert signed.actor.role is Role.DSL and server.on_server(signed.register)  # type: ignore[arg-type]
    with read_session(signed.register.engine) as session:  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(Pupil)) == 12
    signed.register.close()
    assert server_address.remembered(pc) is not None

    # Next start: the server's sign-in at once; "this computer's register" forgets the server
    left = _drive([(SignInDialog, lambda d: d.switch_button.click()), (FirstRunDialog, lambda d: d.done(0))])
    assert open_register_for(parse_args(["--data-dir", str(pc)]), pc) == 0
    assert not left and server_address.remembered(pc) is None


def test_server_init_makes_a_new_register_whose_dsl_signs_in_and_a_move_into_it_is_refused(
    tmp_path: Path, target: str
) -> None:
    made = _cli(tmp_path, ["server", "init", target, "--dsl-user", "dsl", "--dsl-name", "Helen Carter"])
    assert made.returncode == 0 and "dsl is its DSL" in made.stdout, made.stderr
    there, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(target), "dsl", PASSWORDS["dsl"])
    try:
        assert dsl.role is Role.DSL and dsl.name == "Helen Carter" and dsl.safeguarding_key is not None
    finally:
        there.close()
    folder = tmp_path / "school"
    _local(folder, 10, 1)
    refused = _move(tmp_path, target, folder)  # a register already begun is not overwritten by a move
    assert refused.returncode == 2 and "in use already" in refused.stderr
    assert _count(target, Pupil) == 0


def test_after_a_move_the_dsls_accounts_screen_shows_who_has_no_login_yet_and_gives_one(
    qtbot,
    tmp_path: Path,
    target: str,  # type: ignore[no-untyped-def]
) -> None:
    from safeguard_desktop.ui.admin.server_accounts_dialog import ServerAccountsDialog

    from .conftest import incidents_window

    folder = tmp_path / "school"
    _local(folder, 10, 1)
    assert _move(tmp_path, target, folder).returncode == 0
    reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(target), "dsl", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, dsl)
    try:
        dialog = window.on_accounts_action()
        assert isinstance(dialog, ServerAccountsDialog)
        state = {dialog.table.rows.text(r, 0): dialog.table.rows.text(r, 3) for r in range(dialog.table.row_count())}
        assert state["dsl"] == "active" and state["office"].startswith("no login yet")
        assert "No login yet" in dialog.status_label.text() and "deputy, office, staff" in dialog.status_label.text()
        names = list(state)
        dialog.table.selectRow(names.index("office"))
        form = dialog.change()
        assert form is not None
        form.password_edit.setText(PASSWORD)
        form.again_edit.setText(PASSWORD)
        form.check()
        qtbot.waitUntil(lambda: dialog.table.rows.text(names.index("office"), 3) == "active", timeout=10_000)
    finally:
        reg.close()
    with _as(target, "office", PASSWORD) as office:  # the login the DSL just gave
        assert office.execute("SELECT count(*) FROM pupil").fetchone() == (10,)


def test_a_lead_reads_this_computers_copy_when_the_server_cannot_be_reached_and_changes_nothing_in_it(
    qtbot,
    tmp_path: Path,
    target: str,
    answers,  # type: ignore[no-untyped-def]
) -> None:
    import socket

    from sqlalchemy.engine import make_url

    from safeguard_desktop.services import server_copy
    from safeguard_desktop.services.errors import PermissionDenied, StorageProblem
    from safeguard_desktop.services.transaction import write_session as app_write
    from safeguard_desktop.ui.signin import SignInDialog

    from .conftest import incidents_window

    folder = tmp_path / "school"
    _local(folder, 12, 2)
    assert _move(tmp_path, target, folder).returncode == 0
    pc = tmp_path / "dsl-pc"
    there, dsl = server.sign_in(pc, without_user(target), "dsl", PASSWORD)
    with read_session(there.engine) as session:
        summaries = {i: incidents.read_incident(session, dsl, i).summary for i in (1, 2, 3)}
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    dead_port = probe.getsockname()[1]
    probe.close()  # nothing listens there: the server "cannot be reached" at that address
    unreachable = make_url(without_user(target)).set(port=dead_port).render_as_string(hide_password=False)
    copy_folder = server.local_folder(pc, unreachable)
    try:
        assert server_copy.keep(there, dsl, PASSWORD, copy_folder)  # as the app does after a lead's sign-in
    finally:
        there.close()
    with pytest.raises(server_copy.NoCopy):  # another password does not open it; nor does the office keep one
        server_copy.open_copy(copy_folder, "dsl", PASSWORDS["office"])
    stored = next(copy_folder.glob("copy-dsl/copy.db")).read_bytes()
    assert b"SQLite format 3" not in stored[:16] and b"Nativity" not in stored  # encrypted at rest

    dialog = SignInDialog(pc, server_url=unreachable)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user_edit.setText("dsl")
    dialog.password_edit.setText(PASSWORD)
    dialog.ok_button.click()
    assert "cannot be reached" in dialog.error_label.text() and dialog.copy_button.isVisible()
    assert "(read-only)" in dialog.copy_button.text()
    dialog.copy_button.click()
    assert dialog.result_ is not None
    copy, lead = dialog.result_
    try:
        assert copy.copy_made_at is not None and lead.role is Role.DSL
        with read_session(copy.engine) as session:  # the sealed text opens with the lead's key, as on the server
            assert {i: incidents.read_incident(session, lead, i).summary for i in summaries} == summaries
            assert audit.verify(session, lead).intact
            assert session.scalar(select(func.count()).select_from(Pupil)) == 12
        with pytest.raises(PermissionDenied, match="read-only copy"), app_write(copy.engine) as session:
            consent.set_never_photograph(session, lead, 3, True, "Court order")  # not offered, refused if asked
        writer = dataclasses.replace(lead, reading_copy=False)  # a change asked for all the same: SQLite refuses it
        with pytest.raises(StorageProblem, match="read-only copy"), app_write(copy.engine) as session:
            consent.set_never_photograph(session, writer, 3, True, "Court order")
        with pytest.raises(StorageProblem, match="read-only copy"), app_write(copy.engine) as session:
            incidents.add_entry(session, lead, 1, EntryKind.ACTION, "Spoke to the parent")  # (a lead's follow-up)
        with pytest.raises(server_copy.NoCopy):  # the lock screen's check: the password opens the copy
            server_copy.confirm_again(copy, lead, "not the password")
        server_copy.confirm_again(copy, lead, PASSWORD)
        window, screen = incidents_window(qtbot, copy, lead)  # the lead's window works on it, reading
        assert not screen.log_button.isEnabled() and not window.accounts_action.isEnabled()
        qtbot.waitUntil(lambda: screen.list.row_count() == 3, timeout=10_000)
        screen.list.selectRow(0)
        qtbot.waitUntil(lambda: screen.current is not None, timeout=10_000)
        assert not screen.entry_button.isEnabled() and not screen.close_button.isEnabled()  # read, not follow up
        assert not screen.take_button.isEnabled() and screen.helpline_button.isEnabled()
        assert not answers.told, answers.told  # nothing it does by itself tries to write
        window.close()
    finally:
        copy.close()
    # What was viewed in the copy reaches the server's trail at the next sign-in there (here: that address's notes)
    there, dsl = server.sign_in(pc, without_user(target), "dsl", PASSWORD)
    try:
        with write_session(there.engine) as session:
            assert server_copy.replay(session, dsl, copy_folder) >= 3
        with read_session(there.engine) as session:
            viewed = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "viewed an incident")).all()
            assert sum("in this computer's read-only copy" in d for d in viewed) >= 3
            assert audit.verify(session, dsl).intact
        with write_session(there.engine) as session:
            assert server_copy.replay(session, dsl, copy_folder) == 0  # once
    finally:
        there.close()
