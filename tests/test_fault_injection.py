"""The process stopped dead at each named point (faultpoints.POINTS), as a kill or a power cut would: afterwards
the register signs in, its audit trail checks, it holds either the old or the new state (never half), nothing
is left that needs a person to tidy, and the same command run again succeeds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlcipher3

from safeguard_desktop import faultpoints
from safeguard_desktop.services import events
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, sign_in
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session

from .conftest import raw_database

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = DEMO_ACCOUNTS[0][0], DEMO_ACCOUNTS[0][1]
# What a register's folder may hold after any of these commands, killed or not.
EXPECTED = {"register.db", "register.db-wal", "register.db-shm", "keyslots.json", "audit-anchor.json",
            "failed-signins.jsonl", "demo-accounts.json", "backups", ".open", "logs", "viewing", "staffroom"}  # fmt: skip

COMMANDS = {
    "backup:after-copy": ["backup", "--to", "{copies}"],
    "backup:after-sides": ["backup", "--to", "{copies}"],
    "restore:after-aside": ["restore", "{backup}"],
    "restore:after-anchor": ["restore", "{backup}"],
    "restore:after-database": ["restore", "{backup}"],
    "write:after-partial": ["notice", "1", "--out", "{out}"],
    "anchor:after-temp": ["purposes"],
    "presence:after-enter": ["purposes"],
    "signin:after-unlock": ["purposes"],
    "slots:after-pending": ["users", "reset-password", "office", "--new-password-file", "{newpw}"],
    "slots:after-commit": ["users", "reset-password", "staff", "--new-password-file", "{newpw}"],
    "rotation:after-pending": ["users", "disable", "deputy"],
    "rotation:after-commit": ["users", "disable", "deputy"],
    "rotation:after-rekey": ["users", "disable", "deputy"],
}


def _cli(folder: Path, secret: Path, args: list[str], fault: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != faultpoints.ENV}
    if fault:
        env[faultpoints.ENV] = fault
    command = [sys.executable, "-m", "safeguard_desktop.cli", "--data-dir", str(folder), "--user", USER,
               "--password-file", str(secret), *args]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _state(folder: Path) -> tuple[int, bool, str]:
    reg, actor = sign_in(folder, USER, PASSWORD)
    try:
        with read_session(reg.engine) as session:
            shows = len(events.list_events(session, actor))
            verdict = audit.verify(session, actor)
    finally:
        reg.close()
    return shows, verdict.intact, verdict.describe()


def test_every_point_has_a_command() -> None:
    assert set(COMMANDS) == set(faultpoints.POINTS) - set(faultpoints.SERVER_POINTS)


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(COMMANDS))
def test_killed_at_each_point_nothing_is_half_done(tmp_path: Path, point: str) -> None:
    folder = tmp_path / "school"
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD, encoding="utf-8")
    made = subprocess.run([sys.executable, "-m", "safeguard_desktop.cli", "--data-dir", str(folder), "demo",
                           "--pupils", "30"], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stderr
    created = _cli(folder, secret, ["events", "create", "--name", "Winter Concert", "--date", "10/12/2026",
                                    "--policy", "personal-use", "--year", "5"])  # fmt: skip
    assert created.returncode == 0, created.stderr
    copies = tmp_path / "copies"
    assert _cli(folder, secret, ["backup", "--to", str(copies)]).returncode == 0
    (backup,) = copies.glob("*.sgbackup.db")
    # Change the register after the backup, so a restore has something to undo
    second = _cli(folder, secret, ["events", "create", "--name", "Summer Show", "--date", "10/07/2027",
                                   "--policy", "no-filming", "--year", "6"])  # fmt: skip
    assert second.returncode == 0, second.stderr
    before = _state(folder)
    assert before[1], before[2]
    newpw = tmp_path / "staff.pw"
    newpw.write_text("a brand new staff password", encoding="utf-8")
    args = [a.format(copies=copies, backup=backup, out=tmp_path / "notice.pdf", newpw=newpw) for a in COMMANDS[point]]

    old_keys = tmp_path / "old-keys"
    old_keys.mkdir()
    shutil.copy2(folder / "keyslots.json", old_keys / "keyslots.json")

    # WHEN the command is stopped dead at the point
    killed = _cli(folder, secret, args, fault=point)
    assert killed.returncode == faultpoints.KILLED, (killed.stdout, killed.stderr)

    # THEN the register signs in and checks, and holds the old state or the new one
    after = _state(folder)
    assert after[1], after[2]
    if point.startswith("rotation"):  # the sign-in finished the replacement: the old slot opens no live register
        deputy = next((u, p) for u, p, role, _ in DEMO_ACCOUNTS if role.value == "deputy_dsl")
        with pytest.raises(sqlcipher3.dbapi2.DatabaseError):
            raw = raw_database(old_keys, *deputy, database=folder / "register.db")
            raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert after[0] in (before[0], 1)  # both events, or the backup's one
    leftovers = {p.name for p in folder.iterdir()} - EXPECTED
    # The restore's copy of what it replaced, or a killed writer's temporary anchor (cleared at a later start)
    assert all(n.startswith("register-replaced-") or n.startswith("audit-anchor.json.") for n in leftovers), leftovers
    # AND the same command, run again (a little later), succeeds and leaves a whole result
    for leftover in folder.glob("*.tmp"):  # as if the next start were more than a few seconds later
        os.utime(leftover, (leftover.stat().st_atime - 60, leftover.stat().st_mtime - 60))
    again = _cli(folder, secret, args)
    assert again.returncode == 0, again.stderr
    final = _state(folder)
    assert final[1], final[2]
    if point.startswith("restore"):
        assert final[0] == 1  # the backup's one event
    if point.startswith("backup"):
        assert len(list(copies.glob("*.sgbackup.db"))) == 2 and not list(copies.glob("*.partial"))
    assert not list(folder.glob("*.tmp"))
    if point == "write:after-partial":
        assert (tmp_path / "notice.pdf").read_bytes().startswith(b"%PDF")
        assert not list(tmp_path.glob("*.partial"))
