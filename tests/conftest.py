"""Shared fixtures: real SQLite registers in temporary folders, actors of every role, and file writers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import Register, open_register

if TYPE_CHECKING:
    from safeguard_desktop.ui.kit.steps import Scripted

TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True, scope="session")
def _throwaway_config(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The folder chosen on a first run is remembered in the user's and the machine's config folders: tests keep
    theirs in a throwaway place, so they neither read a developer's real choice nor leave one behind."""
    config = tmp_path_factory.mktemp("config")
    os.environ["XDG_CONFIG_HOME"] = str(config / "user")
    os.environ["XDG_CONFIG_DIRS"] = str(config / "machine")


@pytest.fixture(scope="session")
def qapp_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Widgets are tried on the smallest screen a school laptop has, 1366×768 (the offscreen platform's screen
    is set from a file; elsewhere the real screen is used)."""
    import json
    import sys

    if os.environ.get("QT_QPA_PLATFORM") != "offscreen" or sys.platform == "win32":
        return [sys.argv[0]]
    config = tmp_path_factory.mktemp("screen") / "laptop.json"
    laptop = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96}
    config.write_text(json.dumps({"screens": [laptop]}), encoding="utf-8")
    return [sys.argv[0], "-platform", f"offscreen:configfile={config}"]


@pytest.fixture(autouse=True)
def _work_inline() -> Iterator[None]:
    """Work the app runs off the GUI thread runs inline in tests, so a test sees its result at once; a test that
    means to try the worker threads turns this off itself (background.set_synchronous(False))."""
    from safeguard_desktop.ui import background

    background.set_synchronous(True)
    yield
    background.set_synchronous(True)


@pytest.fixture
def answers() -> Iterator[Scripted]:
    """The answers the next questions and file choices get, in order (True/False, a Path or None for Cancel).

    The real dialogs run; only the person's answers are scripted. What was asked: ``answers.asked``."""
    from safeguard_desktop.ui.kit import steps

    scripted = steps.Scripted()
    before = steps.use(scripted)
    yield scripted
    steps.use(before)


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[Register]:
    """A new, empty register in a real SQLite file."""
    register = open_register(tmp_path / "data")
    yield register
    register.close()


@pytest.fixture
def dsl() -> Actor:
    return Actor("Dana Lead", Role.DSL)


@pytest.fixture
def office() -> Actor:
    return Actor("Olly Office", Role.OFFICE)


@pytest.fixture
def staff() -> Actor:
    return Actor("Sam Staff", Role.STAFF)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """Write rows as a real CSV file (RFC 4180 quoting) in the given encoding."""
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def upn(serial: int, la: str = "801", est: str = "2000", year: str = "15") -> str:
    """A valid UPN (check letter computed by python-stdnum)."""
    from stdnum.gb import upn as stdnum_upn

    body = f"{la}{est}{year}{serial:03d}"
    return stdnum_upn.calc_check_digit(body) + body


SIMS_HEADERS = ["UPN", "Adno", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "Year", "Reg Group"]


def sims_rows(count: int, start: int = 1) -> list[list[str]]:
    """Valid SIMS-style rows."""
    rows = []
    for n in range(start, start + count):
        rows.append([upn(n), str(1000 + n), f"Surname{n}", f"Forename{n}", "", "01/09/2015", "Year 5", "5A"])
    return rows


LEAD_PASSWORD = "test lead password one"


def cli_register(
    tmp_path: Path, capsys: pytest.CaptureFixture[str] | None = None, *, demo_pupils: int = 0
) -> list[str]:
    """A new encrypted register made with the CLI (``init``, or ``demo`` with its accounts); returns the arguments
    that sign in as its DSL, as office automation would run the command."""
    from safeguard_desktop.cli import main
    from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS

    data = tmp_path / "data"
    secret = tmp_path / "lead.password"
    if demo_pupils:
        assert main(["--data-dir", str(data), "demo", "--pupils", str(demo_pupils)]) == 0
        user, password = DEMO_ACCOUNTS[0][0], DEMO_ACCOUNTS[0][1]
    else:
        user, password = "lead", LEAD_PASSWORD
        secret.write_text(password + "\n", encoding="utf-8")
        assert main(["--data-dir", str(data), "init", "--school", "Test School", "--dsl-user", user,
                     "--dsl-name", "Test Lead", "--password-file", str(secret)]) == 0  # fmt: skip
    secret.write_text(password + "\n", encoding="utf-8")
    if capsys is not None:
        capsys.readouterr()
    return ["--data-dir", str(data), "--user", user, "--password-file", str(secret)]


def raw_database(folder: Path, user: str, password: str, database: Path | None = None):  # type: ignore[no-untyped-def]
    """The register file opened directly with sqlcipher3 and the account's key (from the key file in ``folder``),
    as any SQLCipher client could; ``database`` another file than the one beside it."""
    import sqlcipher3

    from safeguard_desktop.security import keyring

    keys = keyring.unlock(folder, user, password)
    conn = sqlcipher3.dbapi2.connect(str(database or folder / "register.db"))
    conn.execute(f"PRAGMA key = \"x'{keys.database_key.hex()}'\"")
    return conn


def key_opens(folder: Path, key: bytes) -> bool:
    """True when the raw 256-bit ``key`` opens the live register file in ``folder`` (sqlcipher3, outside the app)."""
    import sqlcipher3

    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.dbapi2.DatabaseError:
        return False
    finally:
        connection.close()


def register_at(folder: Path, revision: str) -> Path:
    """A register file in ``folder`` at an earlier schema ``revision`` (as a school's from an older version), for
    tests of what this version does when it opens one. Returns the file."""
    from alembic import command
    from alembic.config import Config

    from safeguard_desktop.store import migrate
    from safeguard_desktop.store.engine import make_engine

    engine = make_engine(f"sqlite:///{folder / 'register.db'}")
    config = Config()
    config.set_main_option("script_location", str(migrate.migrations_folder()))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    engine.dispose()
    return folder / "register.db"


def school_with_accounts(folder: Path, lead_password: str, *others: tuple[str, Role, str]) -> str:
    """An encrypted register at ``folder`` whose DSL is "a.lead" (Ann Lead) with ``lead_password``, and the other
    accounts (user name, role, password; display name: the user name titled), closed again; returns its recovery
    key."""
    from safeguard_desktop.services import accounts
    from safeguard_desktop.services.accounts.signin import create_register
    from safeguard_desktop.store.engine import write_session

    reg, dsl, recovery = create_register(folder, "Oakfield Primary", "a.lead", "Ann Lead", lead_password)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        for name, role, password in others:
            accounts.add_account(session, dsl, folder, reg.keys,
                                 accounts.NewAccount(name, name.title(), role, password))  # fmt: skip
    reg.close()
    return recovery


def incidents_window(qtbot, register: Register, actor: Actor):  # type: ignore[no-untyped-def]
    """The main window for ``actor``, shown, on its Incidents tab: (window, incidents screen)."""
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    window = MainWindow(AppContext(register, actor))
    qtbot.addWidget(window)
    window.show()
    screen = window.incidents_screen
    assert screen is not None
    window.tabs.setCurrentWidget(screen)
    return window, screen


@contextmanager
def new_postgres_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A database of its own on the test server for one test, dropped after it (its sessions ended): its URL."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'"))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def drop_logins(admin_url: str, *users: str) -> None:
    """Logins are the server's, not one database's: each test's go with it."""
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for user in users:
            conn.execute(text(f'DROP ROLE IF EXISTS "sg_u_{user}"'))
    admin.dispose()


SERVER_PASSWORD = "granite orchard seventeen lanterns"


def without_user(url: str) -> str:
    """A database's address as the school's PCs (and the trust) have it: no administrator, no password in it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=None, password=None).render_as_string(hide_password=False)


def dsl_made_school(tmp_path: Path, url: str, accounts: dict[str, Any], *, pupils: int = 0) -> str:
    """A new register on the test server as a school sets one up: ``server init`` with its DSL (d.lead, "Dana
    Lead"), who signs in and sets each account's password in the app (so each holds its key, and the DSL's pinned),
    with ``pupils`` demo pupils. Every password is SERVER_PASSWORD, in ``tmp_path/password.txt``. The address the
    school's PCs use (no administrator in it)."""
    from safeguard_desktop.cli import main
    from safeguard_desktop.services import server
    from safeguard_desktop.services.demo import create_demo_school
    from safeguard_desktop.store.engine import write_session

    secret = tmp_path / "password.txt"
    secret.write_text(SERVER_PASSWORD, encoding="utf-8")
    assert main(["--data-dir", str(tmp_path / "it"), "--password-file", str(secret), "server", "init", url,
                 "--dsl-user", "d.lead", "--dsl-name", "Dana Lead"]) == 0  # fmt: skip
    bare = without_user(url)
    reg, dsl = server.sign_in(tmp_path / "dsl-pc", bare, "d.lead", SERVER_PASSWORD)
    try:
        with write_session(reg.engine) as session:
            if pupils:
                create_demo_school(session, dsl, pupils=pupils)
            for user, role in accounts.items():
                server.set_account(session, dsl, user, user.title(), role, SERVER_PASSWORD)
    finally:
        reg.close()
    return bare
