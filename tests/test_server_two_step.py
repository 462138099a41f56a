"""Two-step sign-in on a server register is the server's own check: with an account's password alone — in the app, or
with psycopg as psql would connect — a login whose account uses it reads no row and writes none; a code the server
accepts opens one session, once; wrong codes are counted and slowed down by the server, whichever computer they come
from; only the account itself, or the DSL, changes its secret, and never from a session without its code.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles (CI starts one).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, text

from safeguard_desktop.security.throttle import TooManyAttempts
from safeguard_desktop.services import accounts, consent
from safeguard_desktop.services import server as server_service
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.server_two_step import CodeNeeded
from safeguard_desktop.store.engine import read_session, write_session

from .test_server_roles import ADMIN_URL, PASSWORD, _as, server  # noqa: F401  (the fixture, used by name)

pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
DATA_TABLES = ("pupil", "consent_decision", "incident", "incident_entry", "audit_entry", "user_account")


def _pupils(session) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from safeguard_desktop.store.models import Pupil

    return int(session.scalar(select(func.count()).select_from(Pupil)) or 0)


def _next_code(secret: str) -> str:
    """The phone's next code (the step after now: the current one was counted as used when the secret was set)."""
    return str(pyotp.TOTP(secret).at(time.time() + 30))


def _wrong_code(secret: str) -> str:
    """A code that is none of the three the server would take now."""
    totp, now = pyotp.TOTP(secret), time.time()
    near = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555", "666666")
                if code not in near)  # fmt: skip


def _as_though_a_minute_passed(url: str, user: str) -> None:
    """The server's record of the account's last used step moved back (the administrator's): a new code will do."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("UPDATE sg_two_step SET last_step = last_step - 4 WHERE login = :login"),
                               {"login": f"sg_u_{user}"})  # fmt: skip
    finally:
        admin.dispose()


@pytest.fixture
def enrolled(server: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The DSL's account with two-step sign-in turned on through the app on the server: (URL, its secret)."""
    reg, lead = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    secret = accounts.new_totp_secret()
    try:
        with write_session(reg.engine) as session:
            accounts.set_second_factor(session, lead, "d.lead", secret, code=pyotp.TOTP(secret).now())
        with read_session(reg.engine) as session:  # the window that turned it on goes on working
            assert _pupils(session) == 12
            assert not accounts.two_step_needed(session, lead)
    finally:
        reg.close()
    yield server, secret


def test_with_the_password_alone_psql_reads_and_writes_no_row(enrolled: tuple[str, str]) -> None:
    import psycopg

    url, secret = enrolled
    with _as(url, "d.lead") as lead:
        for table in DATA_TABLES:
            assert lead.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert lead.execute("UPDATE pupil SET never_photograph = false").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # (the row policy's check)
            lead.execute(
                "INSERT INTO pupil (legal_forename, legal_surname, year_group, reg_group, on_roll, "
                "never_photograph, legal_hold, version) VALUES ('A', 'B', '', '', true, false, false, 1)"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            lead.execute("SELECT * FROM sg_two_step")  # the secrets are the administrator's
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="two-step code"):
            lead.execute("SELECT sg_set_two_step('d.lead', NULL)")  # a stolen password cannot turn it off
        lead.execute("SELECT set_config('sg.ticket', 'a guess', false)")
        assert lead.execute("SELECT count(*) FROM pupil").fetchone() == (0,)  # a made-up ticket opens nothing
        # The phone's code, checked by the server: a ticket for this session, which then reads the register.
        code = _next_code(secret)
        ticket, wait = lead.execute("SELECT ticket, wait_seconds FROM sg_step_up(%s)", (code,)).fetchone()
        assert ticket and wait == 0
        lead.execute("SELECT set_config('sg.ticket', %s, false)", (ticket,))
        assert lead.execute("SELECT count(*) FROM pupil").fetchone() == (12,)
    with _as(url, "d.lead") as again:  # the same code, seen over a shoulder, opens nothing a second time
        assert again.execute("SELECT ticket FROM sg_step_up(%s)", (code,)).fetchone() == (None,)
        assert again.execute("SELECT count(*) FROM pupil").fetchone() == (0,)
    with _as(url, "o.office") as office:  # an account without two-step sign-in works as before
        assert office.execute("SELECT count(*) FROM pupil").fetchone() == (12,)


def test_the_apps_sign_in_and_lock_screen_need_the_code_the_server_checks(enrolled: tuple[str, str],
                                                                          tmp_path: Path) -> None:  # fmt: skip
    url, secret = enrolled
    pc = tmp_path / "dsl-pc"
    with pytest.raises(CodeNeeded, match="6-digit code"):
        server_service.sign_in(pc, url, "d.lead", PASSWORD)
    with pytest.raises(server_service.ServerSignInFailed, match="code"):
        server_service.sign_in(pc, url, "d.lead", PASSWORD, code=_wrong_code(secret))
    code = _next_code(secret)
    reg, actor = server_service.sign_in(pc, url, "d.lead", PASSWORD, code=code)
    try:
        assert actor.role is Role.DSL
        with read_session(reg.engine) as session:
            assert _pupils(session) == 12
        with pytest.raises(server_service.ServerSignInFailed):  # another PC, the code already used
            server_service.sign_in(tmp_path / "other-pc", url, "d.lead", PASSWORD, code=code)
        with pytest.raises(CodeNeeded):  # the lock screen is the sign-in: the password alone does not unlock
            server_service.confirm_again(reg, actor, PASSWORD)
        with pytest.raises(server_service.ServerSignInFailed):  # nor the code already used
            server_service.confirm_again(reg, actor, PASSWORD, code=code)
        _as_though_a_minute_passed(url, "d.lead")
        server_service.confirm_again(reg, actor, PASSWORD, code=pyotp.TOTP(secret).now())
        with write_session(reg.engine) as session:  # the window's new ticket lets it write
            consent.set_never_photograph(session, actor, 2, True, "Family's request")
    finally:
        reg.close()


def test_wrong_codes_are_counted_and_slowed_by_the_server_whichever_computer(enrolled: tuple[str, str],
                                                                             tmp_path: Path) -> None:  # fmt: skip
    url, secret = enrolled
    wrong = _wrong_code(secret)
    with _as(url, "d.lead") as attacker:  # psql, no app, no computer's own count of attempts
        for _ in range(4):
            assert attacker.execute("SELECT ticket, wait_seconds FROM sg_step_up(%s)", (wrong,)).fetchone() == (
                None, 0)  # fmt: skip
        ticket, wait = attacker.execute("SELECT ticket, wait_seconds FROM sg_step_up(%s)",
                                        (_next_code(secret),)).fetchone()  # fmt: skip
        assert ticket is None and wait > 0  # even the right code waits now
    with pytest.raises(TooManyAttempts, match="server records them"):  # a computer that never tried a code
        server_service.sign_in(tmp_path / "fresh-pc", url, "d.lead", PASSWORD, code=_next_code(secret))
    with _as(url, "p.deputy") as deputy:  # the leads see the wrong codes
        assert deputy.execute("SELECT count(*) FROM sg_two_step_failure WHERE login = 'sg_u_d.lead'").fetchone() == (
            4,)  # fmt: skip


def test_only_the_account_or_the_dsl_changes_its_two_step_sign_in(enrolled: tuple[str, str], tmp_path: Path) -> None:
    import psycopg

    url, secret = enrolled
    for user in ("p.deputy", "o.office", "t.teacher"):  # none of them turns the DSL's off
        with _as(url, user) as login, pytest.raises(psycopg.errors.InsufficientPrivilege, match="Only the DSL"):
            login.execute("SELECT sg_set_two_step('d.lead', NULL)")
    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", url, "d.lead", PASSWORD, code=_next_code(secret))
    deputy_secret = accounts.new_totp_secret()
    try:
        with write_session(reg.engine) as session:  # the DSL turns it on for the deputy, with the deputy's phone
            accounts.set_second_factor(session, dsl, "p.deputy", deputy_secret, code=pyotp.TOTP(deputy_secret).now())
    finally:
        reg.close()
    with _as(url, "p.deputy") as deputy:
        assert deputy.execute("SELECT count(*) FROM pupil").fetchone() == (0,)
    with pytest.raises(CodeNeeded):
        server_service.sign_in(tmp_path / "deputy-pc", url, "p.deputy", PASSWORD)
    reg, deputy_actor = server_service.sign_in(tmp_path / "deputy-pc", url, "p.deputy", PASSWORD,
                                               code=_next_code(deputy_secret))  # fmt: skip
    reg.close()
    assert deputy_actor.role is Role.DEPUTY_DSL


def test_the_sign_in_window_takes_the_code_for_the_server(qtbot, enrolled: tuple[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from safeguard_desktop.ui.signin import SignInDialog

    url, secret = enrolled
    bare = make_url(url).set(username=None, password=None).render_as_string(hide_password=False)
    dialog = SignInDialog(tmp_path / "pc", server_url=bare)
    qtbot.addWidget(dialog)
    dialog.user_edit.setText("d.lead")
    dialog.password_edit.setText(PASSWORD)
    assert not dialog.sign_in()  # no code: said, and nothing opened
    assert dialog.result_ is None and "6-digit code" in dialog.error_label.text()
    dialog.code_edit.setText(_next_code(secret))
    assert dialog.sign_in() and dialog.result_ is not None
    reg, actor = dialog.result_
    try:
        assert (actor.role, actor.username) == (Role.DSL, "d.lead")
    finally:
        reg.close()
