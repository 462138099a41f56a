"""A register on a PostgreSQL server enforces the roles itself: logins for office and staff, connecting with psycopg
as psql would, read and change no more than the app lets their role (and a lead's no UPDATE of the trail).

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles, checking passwords
over TCP (CI starts one with scripts/start-test-postgres.sh: scram-sha-256); skipped otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import consent, incidents
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, ConsentPurpose

from .conftest import drop_logins, incidents_window, new_postgres_database

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
PASSWORD = "granite orchard seventeen lanterns"
LEAD = Actor("Dana Lead", Role.DSL, "d.lead")
TEACHER = Actor("Tom Teacher", Role.STAFF, "t.teacher")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A new database on the test server, prepared by `safeguard server prepare`, with a demo school, a flagged
    pupil, an incident a teacher reported and one a lead logged, and logins for a lead, the office and the
    teacher. Yields the database's URL (as its administrator)."""
    assert ADMIN_URL
    with new_postgres_database(ADMIN_URL, "safeguard_roles") as url:
        yield from _prepared(url, tmp_path)
    _drop_logins("d.lead", "p.deputy", "o.office", "t.teacher")


def _drop_logins(*users: str) -> None:
    drop_logins(ADMIN_URL or "", *users)


def _prepared(url: str, tmp_path: Path) -> Iterator[str]:
    assert main(["server", "prepare", url]) == 0
    reg = open_register(tmp_path / "admin", url)
    with write_session(reg.engine) as session:
        create_demo_school(session, LEAD, pupils=12)
        consent.set_never_photograph(session, LEAD, 1, True, "Court order")
        incidents.record_incident(session, TEACHER, incidents.IncidentInput(Category.CYBERBULLYING, "Teacher saw it"))
        incidents.record_incident(session, LEAD, incidents.IncidentInput(Category.REPUTATION, "About a colleague"))
    reg.close()
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD, encoding="utf-8")
    for user, role, name in (("d.lead", "dsl", LEAD.name), ("p.deputy", "deputy_dsl", "Pat Deputy"),
                             ("o.office", "office", "Olive Office"), ("t.teacher", "staff", TEACHER.name)):  # fmt: skip
        assert main(["--password-file", str(secret), "server", "add-login", url, user, role, "--name", name]) == 0
    yield url


def _login_url(url: str, user: str, driver: str = "postgresql+psycopg") -> str:
    """The database's URL with the login of ``user`` instead of the administrator."""
    from sqlalchemy.engine import make_url

    login = make_url(url).set(drivername=driver, username=f"sg_u_{user}", password=PASSWORD)
    return login.render_as_string(hide_password=False)


def _as(url: str, user: str):  # type: ignore[no-untyped-def]
    """A psycopg connection as the login of ``user``, as psql would make it."""
    import psycopg

    from safeguard_desktop.services import server as server_service

    return psycopg.connect(**server_service.connection_arguments(_login_url(url, user)), autocommit=True)


def _entries(url: str, tmp_path: Path, where) -> int:  # type: ignore[no-untyped-def]
    """How many audit entries match ``where``, read as the administrator."""
    reg = open_register(tmp_path / "administrator", url)
    try:
        with read_session(reg.engine) as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0)
    finally:
        reg.close()


def _refused(connection, statement: str) -> bool:  # type: ignore[no-untyped-def]
    import psycopg

    try:
        connection.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_the_office_login_reads_no_incident_and_changes_neither_the_trail_nor_a_flag(server: str) -> None:
    with _as(server, "o.office") as office:
        assert office.execute("SELECT session_user").fetchone() == ("sg_u_o.office",)
        assert office.execute("SELECT count(*) FROM pupil").fetchone() == (12,)  # the register is the office's
        for table in ("incident", "incident_person", "incident_entry", "incident_reader", "cp_transfer"):
            assert _refused(office, f"SELECT count(*) FROM {table}"), table
        assert _refused(office, "SELECT action, detail FROM audit_entry")  # the trail is the leads' to read
        assert _refused(office, "UPDATE audit_entry SET chain_hash = 'x'")
        assert _refused(office, "DELETE FROM audit_entry")
        assert _refused(office, "UPDATE pupil SET never_photograph = false WHERE id = 1")
        assert _refused(
            office,
            "INSERT INTO pupil (legal_forename, legal_surname, year_group, reg_group, on_roll, "
            "never_photograph, legal_hold, version) VALUES ('A', 'B', '', '', true, true, false, 1)",
        )
        assert _refused(office, "INSERT INTO setting (key, value, version) VALUES ('lock_minutes', '0', 1)")
        assert _refused(office, "UPDATE school SET name = 'Elsewhere'")
        assert _refused(office, "DELETE FROM pupil WHERE id = 12")  # (the app removes no pupil: leavers go off roll)
        assert _refused(office, "INSERT INTO second_factor (username, version) VALUES ('d.lead', 1)")
        # What the office keeps in the app, it may change with its login too.
        office.execute("UPDATE pupil SET reg_group = '5X' WHERE id = 2")
        office.execute("INSERT INTO setting (key, value, version) VALUES ('template:letter_body', '\"\"', 1)")
        office.execute("INSERT INTO second_factor (username, version) VALUES ('o.office', 1)")


def test_the_app_records_consent_through_the_office_login(server: str, tmp_path: Path) -> None:
    """The privileges cover what the app writes for the office: a decision, its audit entry, the chain's head."""
    reg = open_register(tmp_path / "office", _login_url(server, "o.office"))
    try:
        with write_session(reg.engine) as session:
            purpose = session.scalars(select(ConsentPurpose)).first()
            assert purpose is not None
            consent.record_decisions(session, Actor("Olive Office", Role.OFFICE, "o.office"), [3], [purpose.id],
                                     consent.DecisionInput(ConsentState.GRANTED, GivenByKind.PARENT,
                                                           Route.PAPER_SLIP, date.today(), "Parent A", "Mother"))  # fmt: skip
    finally:
        reg.close()
    assert _entries(server, tmp_path, AuditEntry.actor == "Olive Office") == 1


def test_a_staff_login_sees_only_its_own_reports(server: str) -> None:
    with _as(server, "t.teacher") as staff:
        assert [row[0] for row in staff.execute("SELECT summary FROM incident")] == ["Teacher saw it"]
        assert _refused(staff, "SELECT count(*) FROM consent_decision")
        assert _refused(staff, "SELECT never_photograph_reason FROM pupil")
        assert _refused(staff, "SELECT count(*) FROM contact")
        assert _refused(staff, "UPDATE incident SET summary = 'changed'")
        assert _refused(staff, "UPDATE audit_entry SET chain_hash = 'x'")
        assert _refused(staff, "INSERT INTO incident (category, four_cs, urgency, status, reported_at, summary, "
                               "platforms, evidence_links, reported_by, created_at, legal_hold, version, "
                               "reported_by_user) VALUES ('', '', '', 'open', now(), 'in another name', '', '', '', "
                               "now(), false, 1, 'd.lead')")  # fmt: skip


def test_nobody_changes_the_trail_or_the_chronology_not_even_a_lead(server: str, tmp_path: Path) -> None:
    from safeguard_desktop.domain.incidents import EntryKind

    reg = open_register(tmp_path / "admin", server)
    with write_session(reg.engine) as session:
        incidents.add_entry(session, LEAD, 1, EntryKind.ACTION, "Called the parent")
    reg.close()
    with _as(server, "d.lead") as lead:  # (the DSL: its login may put a new seal on a sealed text, nothing else)
        assert len(list(lead.execute("SELECT id FROM incident"))) == 2
        assert _refused(lead, "UPDATE audit_entry SET detail = 'rewritten'")
        assert _refused(lead, "DELETE FROM audit_entry")
        assert _refused(lead, "UPDATE incident_entry SET text = 'rewritten'")
        lead.execute("UPDATE school SET name = 'Oakfield Primary'")  # the rest is the leads'


def test_each_account_signs_in_to_the_server_with_its_own_login(server: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The command line (and the app) sign in with the account's own login: its role is the login's group, the
    app's checks and the server's agree, and a wrong password is one plain refusal."""
    from safeguard_desktop.services import server as server_service
    from safeguard_desktop.store import migrate

    assert main(["--data-dir", str(tmp_path / "it"), "server", "prepare", server]) == 0  # again, as after an upgrade
    assert f"revision {migrate.HEAD_REVISION}" in capsys.readouterr().out
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD, encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "pc"), "--database", server]
    assert main([*data, "--user", "o.office", "--password-file", str(secret), "pupils"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) >= 12
    assert main([*data, "--user", "o.office", "--password-file", str(secret), "incidents", "list"]) == 2
    said = capsys.readouterr()
    assert "Teacher saw it" not in said.out and said.err.startswith("safeguard:")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the password at all", encoding="utf-8")
    assert main([*data, "--user", "o.office", "--password-file", str(wrong), "pupils"]) == 2
    assert "does not sign in" in capsys.readouterr().err
    assert main([*data, "--user", "nobody", "--password-file", str(secret), "pupils"]) == 2
    assert "does not sign in" in capsys.readouterr().err
    reg, actor = server_service.sign_in(tmp_path / "pc", server, "t.teacher", PASSWORD)
    try:
        assert (actor.role, actor.username) == (Role.STAFF, "t.teacher")
        with read_session(reg.engine) as session:
            assert [r.id for r in incidents.my_reports(session, actor)] == [1]
    finally:
        reg.close()
    reg, actor = server_service.sign_in(tmp_path / "pc", server, "d.lead", PASSWORD)
    reg.close()
    assert actor.role is Role.DSL
    # This computer's part of the server register is a folder of its own, apart from a local register's files.
    assert not (tmp_path / "pc" / "audit-anchor.json").exists()
    assert list((tmp_path / "pc" / "servers").glob("*/audit-anchor.json"))


def test_the_apps_sign_in_window_signs_in_to_the_server_as_the_account(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from safeguard_desktop.ui.signin import SignInDialog

    bare = make_url(server).set(username=None, password=None).render_as_string(hide_password=False)
    dialog = SignInDialog(tmp_path / "pc", server_url=bare)
    qtbot.addWidget(dialog)
    assert not dialog.recovery_button.isVisible() and dialog.code_edit.isEnabled()  # (the server checks codes)
    dialog.user_edit.setText("o.office")
    dialog.password_edit.setText(PASSWORD)
    assert dialog.sign_in() and dialog.result_ is not None
    reg, actor = dialog.result_
    try:
        assert (actor.role, actor.username) == (Role.OFFICE, "o.office")
    finally:
        reg.close()


def test_a_login_across_the_network_requires_tls_unless_told_otherwise() -> None:
    from safeguard_desktop.services import server as server_service

    far = server_service.login_url("postgresql+psycopg://db.school.local/safeguarding", "o.office", "p w")
    assert far.startswith("postgresql+psycopg://sg_u_o.office:") and "sslmode=require" in far
    near = server_service.login_url("postgresql+psycopg://127.0.0.1:5432/safeguarding", "o.office", "p")
    assert "sslmode" not in near
    told = server_service.login_url("postgresql+psycopg://db/safeguarding?sslmode=verify-full", "o.office", "p")
    assert "sslmode=verify-full" in told and "require" not in told


def test_a_disabled_login_is_refused_at_once_and_its_open_session_ends(server: str, tmp_path: Path) -> None:
    import psycopg

    from safeguard_desktop.services import server as server_service

    held = _as(server, "o.office")  # the office PC, signed in
    assert held.execute("SELECT count(*) FROM pupil").fetchone() == (12,)
    assert main(["--data-dir", str(tmp_path / "it"), "server", "disable-login", server, "o.office"]) == 0
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT count(*) FROM pupil")  # its session was ended
    with pytest.raises(server_service.ServerSignInFailed):
        server_service.sign_in(tmp_path / "pc", server, "o.office", PASSWORD)
    assert _entries(server, tmp_path, AuditEntry.action == "disabled an account") == 1


def test_a_concern_a_teacher_logs_on_the_server_appears_on_the_dsls_list(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The teacher's classroom PC logs it through the app's own service with the teacher's login (the server's row
    policy admits it as theirs); the DSL's window, signed in elsewhere, shows it at its next look."""
    from safeguard_desktop.services import server as server_service

    reg, lead = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    window, screen = incidents_window(qtbot, reg, lead)
    before = screen.list.row_count()
    classroom, teacher = server_service.sign_in(tmp_path / "classroom-pc", server, "t.teacher", PASSWORD)
    try:
        with write_session(classroom.engine) as session:
            number = incidents.record_incident(session, teacher, incidents.IncidentInput(
                Category.CYBERBULLYING, "Seen in the playground group chat"))  # fmt: skip
            urgent = incidents.record_incident(session, teacher, incidents.IncidentInput(
                Category.CYBERBULLYING, "A pupil says they will hurt themselves tonight",
                incidents.Urgency.IMMEDIATE))  # fmt: skip
    finally:
        classroom.close()
    window.elsewhere.look()
    assert screen.list.row_count() == before + 2 and screen.list.rows.key(1) == number
    # The urgent one is flagged above the caseload until the DSL opens it, as a staff report taken in would be.
    assert screen.urgent_unread == {urgent} and "URGENT" in screen.caseload_label.text()
    reg.close()


def test_the_lock_screen_on_a_server_register_asks_the_servers_password(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services import server as server_service
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    reg, office = server_service.sign_in(tmp_path / "office-pc", server, "o.office", PASSWORD)
    window = MainWindow(AppContext(reg, office))
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.lock_action.isEnabled() and window.inactivity is not None
        window.lock_action.trigger()
        assert not window.centralWidget().isVisible()
        assert not window.inactivity.unlock("not the password at all")
        assert not window.centralWidget().isVisible()
        assert window.inactivity.unlock(PASSWORD) and window.centralWidget().isVisible()
    finally:
        reg.close()


def test_every_role_opens_its_window_on_the_server_without_a_refusal(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What each role's window reads at the start is within its login's privileges: the screens load, nothing fails
    (a screen asking the server for more than the role may read would show the privilege error)."""
    from safeguard_desktop.services import server as server_service
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.kit import ops
    from safeguard_desktop.ui.main_window import MainWindow

    failures: list[str] = []
    shown = ops.show_failure
    ops.show_failure = lambda _parent, title, error: failures.append(f"{title}: {error}")  # type: ignore[assignment]
    try:
        for user in ("d.lead", "p.deputy", "o.office", "t.teacher"):
            reg, actor = server_service.sign_in(tmp_path / user, server, user, PASSWORD)
            window = MainWindow(AppContext(reg, actor))
            qtbot.addWidget(window)
            window.show()
            for index in range(window.tabs.count()):
                window.tabs.setCurrentIndex(index)
            window.elsewhere.look()
            reg.close()
    finally:
        ops.show_failure = shown  # type: ignore[assignment]
    assert failures == []


class _Relay:
    """A TCP relay to the test server that a test can cut, as a network cable pulled, and join again."""

    def __init__(self, host: str, port: int) -> None:
        import socket

        self.target = (host, port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.sockets: list = []  # type: ignore[type-arg]
        self.listener = None

    def join(self) -> None:
        import socket
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener

        def pump(source, sink) -> None:  # type: ignore[no-untyped-def]
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

        def accept() -> None:
            while True:
                try:
                    client, _address = listener.accept()
                except OSError:
                    return
                upstream = socket.create_connection(self.target)
                self.sockets += [client, upstream]
                threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
                threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    def cut(self) -> None:
        import socket

        assert self.listener is not None
        with contextlib.suppress(OSError):  # wakes the thread waiting in accept(), so the port is free again
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for end in self.sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
                end.close()
        self.sockets = []


def test_the_window_says_when_the_server_is_out_of_reach_and_when_it_is_back(
    qtbot, server: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from safeguard_desktop.services import server as server_service

    address = make_url(server)
    relay = _Relay(address.host or "127.0.0.1", address.port or 5432)
    relay.join()
    through = address.set(port=relay.port).render_as_string(hide_password=False)
    reg, lead = server_service.sign_in(tmp_path / "dsl-pc", through, "d.lead", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, lead)
    try:
        window.elsewhere.look()
        assert not window.reach_label.isVisible()
        relay.cut()  # the network goes
        window.elsewhere.look()
        assert window.reach_label.isVisible() and "cannot be reached" in window.reach_label.text()
        relay.join()  # and comes back
        window.elsewhere.look()
        assert not window.reach_label.isVisible()
    finally:
        relay.cut()
        reg.close()


def test_a_deputy_who_edits_the_accounts_table_is_still_a_deputy(server: str, tmp_path: Path) -> None:
    """DSL or deputy is the login's group on the server (sg_dsl or sg_lead), not the accounts table; and the accounts
    are the DSL's alone (Settings > Accounts): a deputy's login neither makes itself "dsl" there nor marks the DSL's
    account disabled (which would lock the DSL out of the app), nor removes pupils or consent history (the retention
    rules are the DSL's); were the table changed (by the administrator), a deputy signs in as a deputy still."""
    from safeguard_desktop.services import server as server_service

    with _as(server, "p.deputy") as deputy:
        assert _refused(deputy, "UPDATE user_account SET role = 'dsl' WHERE username = 'p.deputy'")
        assert _refused(deputy, "UPDATE user_account SET active = false WHERE username = 'd.lead'")
        assert _refused(deputy, "INSERT INTO user_account (username, display_name, role, password_hash, active) VALUES "
                                "('x.lead', 'X', 'dsl', '', true)")  # fmt: skip
        assert _refused(deputy, "DELETE FROM consent_decision")
        assert _refused(deputy, "DELETE FROM pupil WHERE id = 12")
        assert _refused(deputy, 'GRANT sg_dsl TO "sg_u_p.deputy"')  # nor can it join the DSL's group
        deputy.execute("UPDATE school SET name = 'Oakfield Primary'")  # (what a lead keeps, it may change)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("UPDATE user_account SET role = 'dsl' WHERE username = 'p.deputy'"))
    admin.dispose()
    reg, actor = server_service.sign_in(tmp_path / "pc", server, "p.deputy", PASSWORD)
    reg.close()
    assert actor.role is Role.DEPUTY_DSL
    reg, actor = server_service.sign_in(tmp_path / "pc", server, "d.lead", PASSWORD)
    reg.close()
    assert actor.role is Role.DSL


def test_the_dsl_adds_and_disables_accounts_from_the_app_and_nobody_else_can(server: str, tmp_path: Path) -> None:
    """Through sg_set_login / sg_disable_login, which only the DSL's group may call: the password reaches the server
    as its SCRAM verifier only; the new login connects with its role's privileges; the deputy and the office are
    refused the functions with their own logins."""
    import psycopg

    from safeguard_desktop.services import server as server_service

    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            assert server_service.set_account(session, dsl, "n.new", "Nia New", Role.OFFICE, PASSWORD) == (
                "added an account"
            )
    except Exception:
        reg.close()
        raise
    try:
        admin = create_engine(ADMIN_URL or "")
        with admin.connect() as conn:  # kept as a SCRAM verifier (the DSL's login may not even read this table)
            assert conn.execute(text("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                                     "WHERE rolname = 'sg_u_n.new'")).scalar_one()  # fmt: skip
        admin.dispose()
        with _as(server, "n.new") as new:
            assert new.execute("SELECT count(*) FROM pupil").fetchone() == (12,)
            assert _refused(new, "SELECT count(*) FROM incident")
        for user in ("p.deputy", "o.office", "t.teacher"):
            with _as(server, user) as other:
                assert _refused(other, "SELECT sg_set_login('t.teacher', 'sg_dsl', 'SCRAM-SHA-256$x')"), user
                assert _refused(other, "SELECT sg_disable_login('d.lead')"), user
        with write_session(reg.engine) as session:
            with pytest.raises(ValidationError):
                server_service.disable_account(session, dsl, "d.lead")  # not oneself
            server_service.disable_account(session, dsl, "n.new")
        with pytest.raises(psycopg.OperationalError):
            _as(server, "n.new")
        assert _entries(server, tmp_path, AuditEntry.action == "added an account") >= 1
    finally:
        reg.close()
        _drop_logins("n.new")


def test_the_dsl_manages_the_servers_accounts_in_the_accounts_screen(
    qtbot, server: str, tmp_path: Path, answers
) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services import server as server_service
    from safeguard_desktop.ui.admin.server_accounts_dialog import ServerAccountsDialog

    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, dsl)
    try:
        assert window.accounts_action.isEnabled()
        dialog = window.on_accounts_action()
        assert isinstance(dialog, ServerAccountsDialog)
        assert {dialog.table.rows.text(r, 0) for r in range(dialog.table.row_count())} >= {"d.lead", "o.office"}
        form = dialog.add()
        form.user_edit.setText("k.kitchen")
        form.name_edit.setText("Kit Chen")
        form.role_combo.setCurrentIndex(form.role_combo.findData(Role.STAFF.value))
        form.password_edit.setText("short")
        form.again_edit.setText("short")
        form.check()
        assert form.isVisible() and form.error_label.text()  # a weak password: said in the form, which stays
        form.password_edit.setText(PASSWORD)
        form.again_edit.setText(PASSWORD)
        form.check()
        assert not form.isVisible() and "k.kitchen" in dialog.status_label.text()
        names = [dialog.table.rows.text(r, 0) for r in range(dialog.table.row_count())]
        assert "k.kitchen" in names
        with _as(server, "k.kitchen") as kitchen:
            assert _refused(kitchen, "SELECT count(*) FROM consent_decision")  # a staff login
        dialog.table.selectRow(names.index("k.kitchen"))
        answers.answers.append(True)
        dialog.disable()
        assert "disabled" in dialog.status_label.text()
    finally:
        reg.close()
        _drop_logins("k.kitchen")


def test_incident_content_on_the_server_is_sealed_to_the_leads_key(server: str, tmp_path: Path) -> None:
    """The DSL's first sign-in makes the register's key on the server; a teacher's report, logged through the app
    with the teacher's own login, is then ciphertext to the server's administrator, and opens for the DSL and for a
    deputy the DSL gave a password to — not for a deputy only the administrator made (who is told so)."""
    from safeguard_desktop.services import server as server_service

    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    try:
        assert any("safeguarding key was made" in n for n in reg.notices) and dsl.safeguarding_key is not None
        with write_session(reg.engine) as session:
            server_service.set_account(session, dsl, "q.deputy", "Quinn Deputy", Role.DEPUTY_DSL, PASSWORD)
    finally:
        reg.close()
    classroom, teacher = server_service.sign_in(tmp_path / "classroom-pc", server, "t.teacher", PASSWORD)
    try:
        with write_session(classroom.engine) as session:
            number = incidents.record_incident(session, teacher, incidents.IncidentInput(
                Category.CYBERBULLYING, "Quetzal group chat naming a pupil"))  # fmt: skip
        with read_session(classroom.engine) as session:
            assert [r.id for r in incidents.my_reports(session, teacher)] == [number, 1]  # still the teacher's own
    finally:
        classroom.close()
    admin = create_engine(server)
    with admin.connect() as conn:  # the administrator, or anyone with the database's files or backups
        summary, meta = conn.execute(text(f"SELECT summary, meta FROM incident WHERE id = {number}")).one()
    admin.dispose()
    assert summary.startswith("sealed:v1:") and meta.startswith("sealed:v1:") and "Quetzal" not in summary + meta
    for user in ("d.lead", "q.deputy"):
        reg, lead = server_service.sign_in(tmp_path / user, server, user, PASSWORD)
        try:
            with write_session(reg.engine) as session:
                assert "Quetzal" in incidents.read_incident(session, lead, number).summary, user
        finally:
            reg.close()
    reg, deputy = server_service.sign_in(tmp_path / "p.deputy", server, "p.deputy", PASSWORD)
    try:
        assert any("do not hold the key" in n for n in reg.notices)
        with pytest.raises(PermissionDenied, match="holds no safeguarding key"), write_session(reg.engine) as session:
            incidents.read_incident(session, deputy, number)
    finally:
        reg.close()
    _drop_logins("q.deputy")


def test_a_public_key_swapped_on_the_server_is_refused_before_anything_is_sealed_to_it(server: str,
                                                                                       tmp_path: Path) -> None:  # fmt: skip
    import base64
    import json

    from safeguard_desktop.security import keyring
    from safeguard_desktop.services import server as server_service
    from safeguard_desktop.services import server_keys

    server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)[0].close()  # the key made
    server_service.sign_in(tmp_path / "office-pc", server, "o.office", PASSWORD)[0].close()  # its first use kept
    _private, other = keyring.new_key_pair()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # the administrator puts a key of its own in the clear row
        conn.execute(text("UPDATE server_key SET wrapped = :w WHERE username = ''"),
                     {"w": json.dumps({"public": base64.b64encode(other).decode()})})  # fmt: skip
    admin.dispose()
    for user in ("d.lead", "o.office"):
        with pytest.raises(server_keys.KeyChanged, match="changed it there"):
            server_service.sign_in(tmp_path / user, server, user, PASSWORD)


def _forge(connection, actor: str, *, signer: str = "", sequence_offset: int = 1, good_hash: bool = True) -> int:  # type: ignore[no-untyped-def]
    """With a login and psql alone: chain an entry onto the trail as the app would (the chain's key is in its head,
    which every writer reads), saying ``actor`` did it, and move the head onto it. Its number."""
    from datetime import datetime

    from safeguard_desktop.services.records import audit

    count, last_hash, key = connection.execute("SELECT count, last_hash, chain_key FROM audit_head").fetchone()
    sequence, at = count + sequence_offset, datetime.now()
    made = audit.chain_hash(bytes.fromhex(key), last_hash, sequence, at, actor, "gave consent", "pupil", "1", "")
    chained = made if good_hash else "0" * 64
    with connection.transaction():
        connection.execute("INSERT INTO audit_entry (sequence, chain_hash, at, actor, action, record_kind, record_id, "
                           "detail, signer) VALUES (%s, %s, %s, %s, 'gave consent', 'pupil', '1', '', %s)",
                           (sequence, chained, at, actor, signer or None))  # fmt: skip
        connection.execute("UPDATE audit_head SET count = %s, last_hash = %s", (sequence, chained))
    return sequence


def _forge_refused(connection, actor: str, **how) -> bool:  # type: ignore[no-untyped-def]
    import psycopg

    try:
        _forge(connection, actor, **how)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_no_login_writes_the_trail_in_another_accounts_name_even_with_psql(server: str, tmp_path: Path) -> None:
    """The trail on the server names its writers itself: a stolen office (or deputy's, or teacher's) password and
    psql chain no entry in the DSL's name, not even behind a table of their own standing in for the accounts; what
    they write in their own name is stamped with their login whatever they say; the chain's key and head stay
    the chain's. The trail still checks out afterwards."""
    from safeguard_desktop.services.records import audit

    with _as(server, "o.office") as office:
        assert _forge_refused(office, LEAD.name)
        assert _forge_refused(office, LEAD.name, signer="d.lead")
        office.execute("CREATE TEMP TABLE user_account (username text, display_name text)")
        office.execute("INSERT INTO user_account VALUES ('o.office', 'Dana Lead')")
        office.execute("SET search_path = pg_temp, public")
        assert _forge_refused(office, LEAD.name)  # (the server's check reads the register's accounts, not these)
        office.execute("RESET search_path")
        office.execute("DROP TABLE pg_temp.user_account")
        own = _forge(office, "Olive Office", signer="d.lead")  # in its own name: taken, stamped with its login
        assert _refused(office, "UPDATE audit_head SET chain_key = repeat('0', 64)")
        assert _refused(office, "UPDATE audit_head SET count = count - 1")  # (the head off its newest entry)
        assert _forge_refused(office, "Olive Office", sequence_offset=3)  # a gap in the chain
        assert _refused(
            office,
            "INSERT INTO audit_entry (at, actor, action, record_kind, record_id, detail) "
            "VALUES (now(), 'Olive Office', 'x', '', '', '')",
        )  # (no number: outside the chain)
    with _as(server, "p.deputy") as deputy:
        assert _forge_refused(deputy, LEAD.name)
        assert _refused(deputy, "DELETE FROM audit_head")
    with _as(server, "t.teacher") as staff:
        assert _forge_refused(staff, LEAD.name)
    reg = open_register(tmp_path / "check", server)
    try:
        with read_session(reg.engine) as session:
            entry = session.scalars(select(AuditEntry).where(AuditEntry.sequence == own)).one()
            assert (entry.actor, entry.signer) == ("Olive Office", "o.office")
            assert not session.scalars(select(AuditEntry).where(AuditEntry.actor == LEAD.name,
                                                                AuditEntry.action == "gave consent")).all()  # fmt: skip
            assert audit.verify(session, LEAD).intact
            shown = audit.browse(session, LEAD, text="gave consent")
            assert [row.written_by for row in shown] == ["o.office"]
    finally:
        reg.close()


def test_an_entry_broken_on_the_server_names_the_login_that_wrote_it(server: str, tmp_path: Path) -> None:
    """What the server cannot recompute (the chain's hash), the check does, and then names the login that wrote the
    entry; an entry written with the server's stamp turned off (the administrator alone can) is named too."""
    from safeguard_desktop.services.records import audit

    with _as(server, "o.office") as office:
        broken = _forge(office, "Olive Office", good_hash=False)

    def checked() -> audit.Verification:
        reg = open_register(tmp_path / "check", server)
        try:
            with read_session(reg.engine) as session:
                return audit.verify(session, LEAD)
        finally:
            reg.close()

    found = checked()
    assert (found.intact, found.first_broken) == (False, broken)
    assert "written by the login of the account o.office" in found.describe()


def test_an_entry_written_with_the_servers_stamp_turned_off_is_named(server: str, tmp_path: Path) -> None:
    """The administrator alone can turn the server's stamp off; an entry written meanwhile is named by the check."""
    from safeguard_desktop.services.records import audit

    reg = open_register(tmp_path / "admin", server)
    try:
        with reg.engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER sg_trail_writer"))
        with write_session(reg.engine) as session:
            audit.record(session, LEAD, "gave consent", "pupil", 1)
        with reg.engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER sg_trail_writer"))
        with read_session(reg.engine) as session:
            found = audit.verify(session, LEAD)
            last = session.scalar(select(func.max(AuditEntry.sequence)))
            first = session.scalars(select(AuditEntry).where(AuditEntry.sequence == 1)).one()
    finally:
        reg.close()
    assert first.signer is not None and first.signer.startswith("@")  # the administrator's, stamped '@<login>'
    assert (found.intact, found.first_broken) == (False, last)
    assert "no stamp of the login that wrote it" in found.describe()
