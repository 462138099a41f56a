"""A full disk, for real: the register and a backup stick on small tmpfs file systems filled to the last byte.
Each command says the disk is full (not "wrong key"), nothing saved is lost, a failed sign-in is still noted,
and once space is freed everything works and the audit trail is whole. Needs root to mount (CI runs as root)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguard_desktop.cli import main
from safeguard_desktop.services.accounts import SignInFailed
from safeguard_desktop.services.accounts.signin import create_register, sign_in
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.records import audit, backup
from safeguard_desktop.store.engine import read_session

from .conftest import LEAD_PASSWORD

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0,  # posix-only: guarded
    reason="mounts a small tmpfs (Linux, as root)",
)


@contextlib.contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    """Write a filler file until the disk refuses another byte."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for block in (65536, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\xaa" * block)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def test_on_a_full_disk_every_command_says_so_and_nothing_is_lost(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with small_disk(tmp_path / "disk", "8m") as disk:
        school = disk / "register"
        reg, actor, _ = create_register(school, "Elm", "lead", "Ann Lead", LEAD_PASSWORD)
        with read_session(reg.engine) as session:
            entries_before = audit.verify(session, actor).entries
        reg.close()
        secret = tmp_path / "pw"
        secret.write_text(LEAD_PASSWORD, encoding="utf-8")
        signed = ["--data-dir", str(school), "--user", "lead", "--password-file", str(secret)]
        filler = fill(disk)
        # A wrong password gets the ordinary message, and is still noted (in the room set aside for it)
        with pytest.raises(SignInFailed):
            sign_in(school, "lead", "wrong password for the full disk")
        # The right password: the disk is named as the cause, never the key
        with pytest.raises(ServiceError) as caught:
            sign_in(school, "lead", LEAD_PASSWORD)[0].close()
        assert "disk is full" in str(caught.value) and "key" not in str(caught.value)
        code = main([*signed, "terms", "set", "2026/27", "--autumn", "02/09/2026", "--spring", "05/01/2027",
                     "--summer", "19/04/2027"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2 and "disk is full" in err and "Traceback" not in err and "key" not in err
        # WHEN space is freed THEN everything works, nothing saved was lost, and the failed attempt is on record
        filler.unlink()
        reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
        with read_session(reg.engine) as session:
            verdict = audit.verify(session, actor)
            failed = [row for row in audit.recent(session) if row[2] == "failed sign-in"]
        reg.close()
        assert verdict.intact, verdict.describe()
        assert verdict.entries > entries_before
        assert any("wrong" not in row[5] and "'lead'" in row[5] for row in failed)


def test_a_backup_to_a_full_stick_leaves_nothing_there_and_says_why(tmp_path: Path) -> None:
    school = tmp_path / "register"
    reg, actor, _ = create_register(school, "Elm", "lead", "Ann Lead", LEAD_PASSWORD)
    try:
        with small_disk(tmp_path / "stick", "64k") as stick:
            with pytest.raises(ServiceError, match=r"backup into .* failed.*room") as caught:
                backup.back_up(reg.engine, reg.folder, actor, stick)
            assert "Traceback" not in str(caught.value)
            # No partial copy, no side files (only the empty lock file that keeps backups into it one at a time)
            assert [p.name for p in stick.iterdir() if p.name != backup.LOCK_NAME] == []
        with read_session(reg.engine) as session:
            actions = [row[2] for row in audit.recent(session)]
            assert actions[:2] == ["backup failed", "backed up the register"]
            assert audit.verify(session, actor).intact
    finally:
        reg.close()


def test_a_read_only_folder_is_said_as_such(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with small_disk(tmp_path / "disk", "8m") as disk:
        school = disk / "register"
        create_register(school, "Elm", "lead", "Ann Lead", LEAD_PASSWORD)[0].close()
        remounted = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True)
        if remounted.returncode != 0:
            pytest.skip("cannot remount read-only here")
        with pytest.raises(ServiceError) as caught:
            sign_in(school, "lead", LEAD_PASSWORD)[0].close()
        message = str(caught.value)
        assert ("cannot be written" in message or "could not be reached" in message) and "key" not in message
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        sign_in(school, "lead", LEAD_PASSWORD)[0].close()
