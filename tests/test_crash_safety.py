"""Nothing acknowledged is lost: writers killed with SIGKILL, and two processes writing at once."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session, write_session

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
    from safeguard_desktop.services import consent
    from safeguard_desktop.services.actors import Actor, Role
    from safeguard_desktop.services.database import open_register
    from safeguard_desktop.store.engine import write_session

    from safeguard_desktop.services import incidents
    from safeguard_desktop.security import keyring
    from safeguard_desktop.services.accounts.signin import sign_in

    folder, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if keyring.is_protected(__import__("pathlib").Path(folder)):
        reg, actor = sign_in(folder, "lead", "crash test password one")  # PASSWORD below
    else:
        reg = open_register(folder)
        actor = Actor(f"writer {tag}", Role.DSL)
    decision = dict(given_by_kind=GivenByKind.PARENT, route=Route.PHONE, given_on=date(2026, 11, 1),
                    given_by_name="Parent", given_by_relationship="Mother")
    for i in range(count):
        state = ConsentState.GRANTED if i % 2 else ConsentState.REFUSED
        with write_session(reg.engine) as session:
            consent.record_decisions(session, actor, [1 + i % 5], [1, 2], consent.DecisionInput(
                state=state, note=f"{tag}-{i}", **decision))
            incidents.add_entry(session, actor, 1, incidents.EntryKind.ACTION, f"{tag}-{i}")  # same transaction
        print(f"{tag}-{i}", flush=True)  # acknowledged: the commit returned
    """
)


PASSWORD = "crash test password one"


def _register(tmp_path: Path, dsl: Actor, *, encrypted: bool = False) -> Path:
    from safeguard_desktop.domain.incidents import Category
    from safeguard_desktop.services import incidents
    from safeguard_desktop.services.accounts.signin import create_register

    if encrypted:
        reg, dsl = create_register(tmp_path, "Crash School", "lead", "Lead", PASSWORD)[:2]
    else:
        reg = open_register(tmp_path)
    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=5)
        incidents.record_incident(session, dsl, incidents.IncidentInput(Category.OTHER, "For the chronology."))
    reg.close()
    return tmp_path


def _connect(folder: Path):  # type: ignore[no-untyped-def]
    if (folder / "keyslots.json").exists():
        from .conftest import raw_database

        return raw_database(folder, "lead", PASSWORD)
    return sqlite3.connect(folder / "register.db")


def _notes(folder: Path) -> list[str]:
    conn = _connect(folder)
    try:
        return [r[0] for r in conn.execute("SELECT note FROM consent_decision WHERE source = ''")]
    finally:
        conn.close()


def _entries(folder: Path) -> int:
    conn = _connect(folder)
    try:
        return int(conn.execute("SELECT count(*) FROM incident_entry").fetchone()[0])
    finally:
        conn.close()


def _integrity(folder: Path) -> str:
    conn = _connect(folder)
    try:
        if (folder / "keyslots.json").exists():
            problems = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            if problems:
                return f"cipher integrity: {problems[:3]}"
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["sqlite", "sqlcipher"])
def test_sigkill_during_writes_loses_no_acknowledged_commit(tmp_path: Path, dsl: Actor, encrypted: bool) -> None:
    folder = _register(tmp_path, dsl, encrypted=encrypted)
    rng = random.Random(11)
    acknowledged: list[str] = []
    for round_number in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), f"r{round_number}", "100000"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        wanted = rng.randint(1, 40)
        for _ in range(wanted):
            line = proc.stdout.readline().strip()
            if line:
                acknowledged.append(line)
        time.sleep(rng.random() * 0.05)  # kill at a random moment, often mid-transaction
        proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no chance to clean up either way
        proc.wait()
        # Lines printed before the kill but not yet read were acknowledged too.
        acknowledged.extend(line.strip() for line in proc.stdout if line.strip())
        assert _integrity(folder) == "ok"
    notes = _notes(folder)
    # Every acknowledged commit is there (two purposes per commit), and no commit is half-written.
    missing = [tag for tag in acknowledged if notes.count(tag) != 2]
    assert missing == []
    assert all(notes.count(tag) == 2 for tag in set(notes))
    # The incident entry written in the same transaction is there exactly when the decisions are.
    assert _entries(folder) == len(set(notes))
    if encrypted:
        from safeguard_desktop.services.accounts.signin import sign_in

        reg, dsl = sign_in(folder, "lead", PASSWORD)
    else:
        reg = open_register(folder)
    with read_session(reg.engine) as session:
        result = audit.verify(session, dsl)
    reg.close()
    assert result.intact, result.describe()


@pytest.mark.parametrize("count", [60])
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path, dsl: Actor, count: int) -> None:
    folder = _register(tmp_path, dsl)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), tag, str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outputs]
    notes = _notes(folder)
    assert len(notes) == 2 * 2 * count
    assert {f"{t}-{i}" for t in "ab" for i in range(count)} == set(notes)
    reg = open_register(folder)
    with read_session(reg.engine) as session:
        result = audit.verify(session, dsl)
    reg.close()
    assert result.intact and result.entries >= 2 * count, result.describe()
