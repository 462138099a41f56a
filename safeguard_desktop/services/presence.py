"""Who has a register open, so that one process alone may replace its files (restore, migration).

Every process that opens a register (the app, each command) holds an operating-system lock on a file of its own
in the register's ``.open/`` folder for as long as it has the register open, with a note beside it saying who
and where. Replacing the register's files takes the folder's gate lock (which keeps newcomers out), then tries
each other process's lock: one that can be taken belonged to a process that has gone (a crash, a power cut)
and is cleared; one that cannot is a live holder, and the work is refused, naming them. Measured before this:
a restore while the app had the register open said "Restored" and the app's connection then undid it, audit
entry and all.

The locks are the operating system's (``fcntl``/``LockFileEx`` through ``filelock``): they vanish with the
process, so nothing is ever stuck. A folder whose file system cannot lock (some network shares) is refused:
a register there is not safe anyway.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from safeguard_desktop import faultpoints
from safeguard_desktop.folder_access import make_private
from safeguard_desktop.services.errors import ServiceError, StorageProblem

FOLDER = ".open"
GATE = "gate.lock"
GATE_WAIT = 20.0  # seconds a newcomer waits while a restore or migration finishes


class RegisterInUse(ServiceError):
    """Another process has the register open, or is replacing its files; the message names who and where."""


@dataclass(frozen=True)
class Holder:
    """Who else has the register open, as their note says."""

    user: str
    program: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        where = "on this computer" if self.host == socket.gethostname() else f"on {self.host}"
        return f"{self.program} {where}, signed in as {self.user or 'someone'} since {self.since} (process {self.pid})"


def program_name() -> str:
    """How other processes name this one: the app, or the command line."""
    started = Path(sys.argv[0]).name.lower() if sys.argv and sys.argv[0] else ""
    if "safeguard-desktop" in started or "safeguarddesktop" in started:
        return "Safeguard Desktop"
    if started.startswith("safeguard"):
        return "the safeguard command"
    return "Safeguard Desktop"


def _lock(path: Path) -> FileLock:
    # One lock object per use, not shared per thread (the app opens on one thread and closes on another), and
    # never a "soft" lock file that a crash would leave behind.
    return FileLock(path, mode=0o600, thread_local=False, fallback_to_soft=False)


class Presence:
    """This process's mark that it has the register open; released by :meth:`leave` (or at exit, by the OS)."""

    def __init__(self, folder: Path, lock: FileLock, note: Path) -> None:
        self.folder = folder
        self._lock = lock
        self.note = note
        self.lock_path = Path(lock.lock_file)

    def set_user(self, user: str) -> None:
        """Say who signed in (known only after the register opened)."""
        with suppress(OSError, ValueError):
            data = json.loads(self.note.read_text(encoding="utf-8"))
            data["user"] = user[:80]
            self.note.write_text(json.dumps(data), encoding="utf-8")

    def leave(self) -> None:
        """Release the mark; idempotent."""
        if self._lock.is_locked:
            self._lock.release(force=True)
        with suppress(OSError):
            self.note.unlink(missing_ok=True)
        with suppress(OSError):
            self.lock_path.unlink(missing_ok=True)


def _folder(register_folder: Path) -> Path:
    path = register_folder / FOLDER
    path.mkdir(exist_ok=True)
    return path


@contextmanager
def _gate(register_folder: Path, wait: float, doing: str) -> Iterator[None]:
    gate = _lock(_folder(register_folder) / GATE)
    try:
        gate.acquire(timeout=wait)
    except Timeout as exc:
        raise RegisterInUse(
            f"The register in {register_folder} is being restored or upgraded by another program; try again when "
            f"it has finished, then {doing}."
        ) from exc
    except OSError as exc:
        from safeguard_desktop.services.faults import plain_message

        raise StorageProblem(
            plain_message(exc, register_folder)
            or f"The folder {register_folder} cannot be locked ({exc.strerror or exc}); a register must be on this "
            "computer's own disk (or on a PostgreSQL server when it is shared)."
        ) from exc
    try:
        yield
    finally:
        gate.release(force=True)


@contextmanager
def folder_lock(register_folder: Path, name: str, wait: float = 10.0) -> Iterator[None]:
    """A short exclusive lock for a small shared file beside the register (e.g. the failed sign-in log)."""
    with exclusive_lock(_folder(register_folder) / f"{name}.mutex", wait):
        yield


@contextmanager
def exclusive_lock(path: Path, wait: float) -> Iterator[None]:
    """Hold the OS lock on ``path`` (OSError when another process keeps it for longer than ``wait`` seconds)."""
    lock = acquire(path, wait)
    try:
        yield
    finally:
        lock.release(force=True)


def acquire(path: Path, wait: float) -> FileLock:
    """The OS lock on ``path``, acquired (the caller releases it); OSError when another process keeps it."""
    lock = _lock(path)
    try:
        lock.acquire(timeout=wait)
    except Timeout as exc:
        raise OSError(f"{path.name} is held by another program") from exc
    return lock


def enter(register_folder: Path, program: str, user: str = "") -> Presence:
    """Mark the register as open by this process (waits briefly while another replaces its files)."""
    with _gate(register_folder, GATE_WAIT, "open it"):
        name = uuid.uuid4().hex
        lock = _lock(_folder(register_folder) / f"{name}.lock")
        lock.acquire(timeout=0)
        note = _folder(register_folder) / f"{name}.json"
        since = datetime.now().strftime("%d/%m/%Y %H:%M")
        info = {"user": user[:80], "program": program, "host": socket.gethostname(), "pid": os.getpid(), "since": since}
        with suppress(OSError):
            note.write_text(json.dumps(info), encoding="utf-8")
            make_private(note)
        faultpoints.reach("presence:after-enter")
        return Presence(register_folder, lock, note)


def _holder(note: Path) -> Holder:
    try:
        data = json.loads(note.read_bytes()[:4096].decode("utf-8"))
        return Holder(str(data["user"]), str(data["program"]), str(data["host"]), int(data["pid"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return Holder("", "Another program", "?", 0, "?")


def others(register_folder: Path, own: Presence | None) -> list[Holder]:
    """Everyone else with the register open now. Marks left by processes that have gone are cleared."""
    folder = register_folder / FOLDER
    if not folder.is_dir():
        return []
    live = []
    for path in sorted(folder.glob("*.lock")):
        if path.name == GATE or (own is not None and path == own.lock_path):
            continue
        probe = _lock(path)
        try:
            probe.acquire(timeout=0)
        except Timeout:
            live.append(_holder(path.with_suffix(".json")))
            continue
        except OSError:
            continue
        probe.release(force=True)  # it was free: its process has gone
        with suppress(OSError):
            path.with_suffix(".json").unlink(missing_ok=True)
            path.unlink(missing_ok=True)
    return live


@contextmanager
def alone(register_folder: Path, own: Presence | None, doing: str) -> Iterator[None]:
    """Hold the register's folder alone while its files are replaced: RegisterInUse, naming who else has it open,
    when anyone does. Newcomers wait at the gate until this ends."""
    with _gate(register_folder, 5.0, doing):
        holders = others(register_folder, own)
        if holders:
            names = "; ".join(h.describe() for h in holders)
            raise RegisterInUse(f"The register is open elsewhere: {names}. Close it there first, then {doing}.")
        yield
