"""Backups: consistent while others write, verified, and restored without losing the register replaced."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from safeguard_desktop.cli import main
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.records import audit, backup
from safeguard_desktop.store.engine import read_session, write_session

from .test_crash_safety import WRITER, _register


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_backups_taken_while_another_process_writes_are_consistent(tmp_path: Path, dsl: Actor) -> None:
    folder = _register(tmp_path / "school", dsl)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), "w", "400"], stdout=subprocess.DEVNULL)
    reg = open_register(folder)
    copies = [backup.back_up(reg.engine, folder, dsl, tmp_path / "usb") for _ in range(5)]
    writer.wait(timeout=120)
    reg.close()
    for info in copies:
        assert backup.check_backup(info.path).pupils == 5
        # Each copy is a whole transaction boundary: decisions come in pairs, each with its audit entry.
        assert count(info.path, "consent_decision") % 2 == 0


def test_restore_checks_first_and_keeps_the_replaced_register(tmp_path: Path, dsl: Actor) -> None:
    folder = _register(tmp_path / "school", dsl)
    reg = open_register(folder)
    saved = backup.back_up(reg.engine, folder, dsl, tmp_path / "usb")
    reg.close()
    # Later, pupils are lost by mistake…
    with sqlite3.connect(folder / "register.db") as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM consent_decision")
        conn.execute("DELETE FROM pupil")
    conn.close()
    # A damaged file or something else is refused, and nothing is replaced.
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    reg = open_register(folder)
    with pytest.raises(ValidationError, match="not a Safeguard Desktop register"):
        backup.restore(reg.engine, folder, dsl, junk, reg.presence)
    assert count(folder / "register.db", "pupil") == 0
    aside = backup.restore(reg.engine, folder, dsl, saved.path, reg.presence)
    reg.close()
    assert count(folder / "register.db", "pupil") == 5
    assert count(aside, "pupil") == 0  # the replaced register is kept, not overwritten
    reg = open_register(folder)
    with read_session(reg.engine) as session:
        result = audit.verify(session, dsl)
    reg.close()
    assert result.intact, result.describe()


def test_only_leads_back_up(reg, office: Actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        backup.back_up(reg.engine, reg.folder, office, tmp_path)


def test_cli_backup_and_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import cli_register

    signed = cli_register(tmp_path, demo_pupils=12)
    capsys.readouterr()
    assert main([*signed, "backup", "--to", str(tmp_path / "usb")]) == 0
    assert "Backed up 12 pupils" in capsys.readouterr().out
    (copy,) = (tmp_path / "usb").glob(f"*{backup.BACKUP_SUFFIX}")
    assert main([*signed, "restore", str(copy)]) == 0
    assert "Restored 12 pupils" in capsys.readouterr().out
    assert main([*signed, "restore", str(tmp_path / "missing.db")]) == 2


def test_scheduled_backups_are_made_when_due_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    import os
    from datetime import datetime, timedelta

    from safeguard_desktop.services.accounts.signin import create_register

    reg, dsl, _ = create_register(tmp_path / "r", "Elm Primary", "a.lead", "Ann Lead", "quiet harbour lamp twelve")
    usb = tmp_path / "usb"
    with write_session(reg.engine) as session:
        backup.set_schedule(session, dsl, backup.Schedule(str(usb), every_days=1, keep=3))
        with pytest.raises(ValidationError, match="every 1 to 31 days"):
            backup.set_schedule(session, dsl, backup.Schedule(str(usb), every_days=0, keep=3))
    # GIVEN no backup yet: one is due and made; straight after, none is due
    first = backup.scheduled_backup(reg.engine, reg.folder, dsl)
    assert first is not None and first.path.parent == usb
    assert backup.scheduled_backup(reg.engine, reg.folder, dsl) is None
    # WHEN days pass (file times moved back) THEN each run makes one, and only the newest 3 stay
    for day in range(1, 5):
        for path in usb.iterdir():
            old = path.stat().st_mtime - 86400
            os.utime(path, (old, old))
        made = backup.scheduled_backup(reg.engine, reg.folder, dsl, now=datetime.now() + timedelta(seconds=day))
        assert made is not None
    kept = backup.backups_in(usb)
    assert len(kept) == 3 and all(Path(str(k) + ".keys.json").exists() for k in kept)
    assert not Path(str(first.path) + ".keys.json").exists()  # pruned with its backup
    assert backup.check_backup(kept[-1], reg.keys.database_key if reg.keys else None).pupils == 0
    reg.close()
