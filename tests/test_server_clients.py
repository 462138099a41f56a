"""Three client processes — the DSL, the office and a teacher, each with its own login — working on one register on
a PostgreSQL server at once, for a bounded run: nothing any of them wrote is lost, and each sees what the others
changed (through the trail's head, as the app's screens do, and in the rows its role may read).

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles (CI starts one with
scripts/start-test-postgres.sh); skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from .conftest import drop_logins, new_postgres_database

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "copper lantern meadow fortnight"
USERS = {"c.dsl": "dsl", "c.office": "office", "c.teacher": "staff"}
ROUNDS = 40
PUPILS = 2 * ROUNDS + 5
#: Who gave the consent the office records, one per round (told apart from the demo school's own decisions).
OFFICE_NAMES = [f"Parent {n}" for n in range(1, ROUNDS + 1)]


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[str]:
    """A prepared database with a school, the three logins, and the DSL signed in once (the key pair made)."""
    assert ADMIN_URL
    from safeguard_desktop.cli import main
    from safeguard_desktop.services import server
    from safeguard_desktop.services.actors import Actor, Role
    from safeguard_desktop.services.database import open_register
    from safeguard_desktop.services.demo import create_demo_school
    from safeguard_desktop.store.engine import write_session

    with new_postgres_database(ADMIN_URL, "safeguard_clients") as url:
        assert main(["--data-dir", str(tmp_path / "admin"), "server", "prepare", url]) == 0
        reg = open_register(tmp_path / "admin-register", url)
        with write_session(reg.engine) as session:
            create_demo_school(session, Actor("Dana Lead", Role.DSL, "c.dsl"), pupils=PUPILS)
        reg.close()
        secret = tmp_path / "pw"
        secret.write_text(PASSWORD, encoding="utf-8")
        for user, role in USERS.items():
            assert main(["--data-dir", str(tmp_path / "admin"), "--password-file", str(secret), "server",
                         "add-login", url, user, role]) == 0  # fmt: skip
        reg, _dsl = server.sign_in(tmp_path / "dsl-first", _no_user(url), "c.dsl", PASSWORD)
        reg.close()
        yield url
    drop_logins(ADMIN_URL, *USERS)


def _no_user(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=None, password=None).render_as_string(hide_password=False)


def client(user: str, url: str, folder: str, out: str) -> None:
    """One client process: sign in with its own login, do its role's work for ROUNDS rounds, look at the trail's
    head after each (as the window does every few seconds), then wait (up to a minute) until it has seen the
    others' work; write what it saw to ``out``."""
    from datetime import date

    from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
    from safeguard_desktop.domain.incidents import Category
    from safeguard_desktop.services import consent, elsewhere, incidents, server
    from safeguard_desktop.store.engine import read_session, write_session
    from safeguard_desktop.store.models import ConsentDecision, ConsentPurpose, Incident, Pupil

    reg, actor = server.sign_in(Path(folder), url, user, PASSWORD)
    seen, foreign = None, 0

    def look() -> None:
        nonlocal seen, foreign
        with read_session(reg.engine) as session:
            before = seen
            seen, _topics = elsewhere.look(session, actor, seen)
            if before is not None:
                foreign += max(0, (seen.head - before.head) - (seen.own - before.own))

    def sees_the_others() -> bool:
        with read_session(reg.engine) as session:
            if USERS[user] == "dsl":  # every teacher's concern, every decision the office recorded
                return (session.scalar(select(func.count()).select_from(Incident)) == ROUNDS
                        and session.scalar(select(func.count()).select_from(ConsentDecision)
                                           .where(ConsentDecision.given_by_name.in_(OFFICE_NAMES))) == ROUNDS)  # fmt: skip
            if USERS[user] == "office":  # every pupil the DSL flagged never to be photographed
                flagged = session.scalar(select(func.count()).select_from(Pupil).where(Pupil.never_photograph))
                return bool(flagged and flagged >= ROUNDS)
            return True  # a teacher reads only its own reports: the trail's head says the others worked

    with read_session(reg.engine) as session:
        purpose = session.scalars(select(ConsentPurpose.id).order_by(ConsentPurpose.id)).first()
    look()
    saw_all = False
    Path(out + ".ready").touch()  # signed in and looking: the three start together (the parent says when)
    go = Path(out).parent / "go"
    while not go.exists():
        time.sleep(0.05)
    for n in range(1, ROUNDS + 1):
        with write_session(reg.engine) as session:
            if USERS[user] == "office":
                consent.record_decisions(session, actor, [n], [purpose], consent.DecisionInput(
                    ConsentState.GRANTED, GivenByKind.PARENT, Route.PAPER_SLIP, date.today(), f"Parent {n}",
                    "Mother"))  # fmt: skip
            elif USERS[user] == "staff":
                incidents.record_incident(session, actor, incidents.IncidentInput(
                    Category.CYBERBULLYING, f"Concern {n} seen in class"))  # fmt: skip
            else:
                consent.set_never_photograph(session, actor, ROUNDS + n, True, f"Court order {n}")
        look()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not saw_all:
        time.sleep(0.2)
        look()
        saw_all = foreign >= 2 * ROUNDS and sees_the_others()
    with read_session(reg.engine) as session:
        mine = session.scalar(select(func.count()).select_from(Incident)) if USERS[user] == "staff" else None
    reg.close()
    Path(out).write_text(json.dumps({"foreign": foreign, "saw_all": saw_all, "own_incidents": mine}),
                         encoding="utf-8")  # fmt: skip


def test_three_clients_at_once_lose_nothing_and_each_sees_the_others_work(tmp_path: Path, shared: str) -> None:
    url = _no_user(shared)
    runs = {}
    for user in USERS:
        out = tmp_path / f"{user}.json"
        code = (
            f"from tests.test_server_clients import client; client({user!r}, {url!r}, {str(tmp_path / user)!r}, "
            f"{str(out)!r})"
        )
        runs[user] = (subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True), out)  # fmt: skip
    deadline = time.monotonic() + 120
    while not all(Path(f"{out}.ready").exists() for _p, out in runs.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    (tmp_path / "go").touch()
    for user, (process, _out) in runs.items():
        _stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, (user, stderr[-3000:])
    said = {user: json.loads(out.read_text(encoding="utf-8")) for user, (_p, out) in runs.items()}
    for user, seen in said.items():  # each saw, through the trail's head, at least the others' 2 x ROUNDS changes
        assert seen["foreign"] >= 2 * ROUNDS and seen["saw_all"], (user, said)
    assert said["c.teacher"]["own_incidents"] == ROUNDS  # its own reports, by the server's row policy

    # Nothing lost: every change of every client is on the server, each in the trail, and the trail checks
    from safeguard_desktop.services import server
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import read_session
    from safeguard_desktop.store.models import AuditEntry, ConsentDecision, Incident, Pupil

    reg, dsl = server.sign_in(tmp_path / "dsl-after", url, "c.dsl", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            assert session.scalar(select(func.count()).select_from(Incident)) == ROUNDS
            assert session.scalar(select(func.count()).select_from(Pupil).where(Pupil.never_photograph)) >= ROUNDS
            office_made = session.scalar(select(func.count()).select_from(ConsentDecision).where(
                ConsentDecision.given_by_name.in_(OFFICE_NAMES)))  # fmt: skip
            assert office_made == ROUNDS
            by = dict(session.execute(select(AuditEntry.actor, func.count()).group_by(AuditEntry.actor)).all())
            for user in USERS:  # each client's every change is in the trail, under its own name (and its sign-in)
                assert by.get(user, 0) >= ROUNDS + 1, by
            assert audit.verify(session, dsl).intact
    finally:
        reg.close()
