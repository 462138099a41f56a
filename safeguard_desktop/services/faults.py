"""Faults of the environment (a full disk, a read-only folder, a file held by another program, a damaged file)
told apart from everything else, each in one plain sentence with what to do. Used by the command line and the
app's last-resort error handler: a person gets a step to take, never a traceback."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

_FULL = ("database or disk is full", "no space left")
_READ_ONLY = ("readonly database", "read-only file system", "attempt to write a readonly")
_DAMAGED = ("malformed", "database disk image", "file is not a database", "not a database")
_UNREACHABLE = ("unable to open database file", "disk i/o error")
#: A register's PostgreSQL server out of reach, or the connection to it lost (psycopg's and the server's words).
_SERVER_GONE = ("connection failed", "could not connect to server", "server closed the connection unexpectedly",
                "terminating connection", "connection refused", "the connection is closed", "consuming input failed",
                "ssl syscall error", "connection timed out", "timeout expired", "connection is lost")  # fmt: skip
#: The server reached, and the login refused: the sign-in's to say (one message for every cause), not a fault.
_SERVER_LOGIN_REFUSED = ("password authentication failed", "is not permitted to log in", "does not exist")
_SERVER_REFUSED = ("permission denied for", "violates row-level security policy", "insufficientprivilege")


LOW_SPACE = 4_000_000  # bytes: below this, SQLite's "unable to open" means it could not make its -wal/-shm files


def _nearly_full(folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        return shutil.disk_usage(folder).free < LOW_SPACE
    except OSError:
        return False


#: What SQLite says of a change refused by ``PRAGMA query_only`` — in the folder of a lead's read-only copy of a
#: server register (services/server_copy.py), beside its key file.
COPY_MARK = "attempt to write a readonly database"
COPY_KEY_FILE = "copy-key.json"


def plain_message(exc: BaseException, folder: Path | None = None) -> str | None:
    """What to tell a person about ``exc`` when it is the environment's fault; None when it is not. ``folder``
    (the register's) tells a full disk from an unreachable one when SQLite only says it could not open the file."""
    text = " ".join(str(part) for part in (exc, getattr(exc, "orig", "") or "")).lower()
    code = getattr(exc, "errno", None)
    full = code == errno.ENOSPC or any(marker in text for marker in _FULL)
    if full or (any(marker in text for marker in _UNREACHABLE) and _nearly_full(folder)):
        return (
            "The disk is full, so nothing more could be written; the last change was not saved, and nothing already "
            "saved was lost. Free some space (empty the Recycle Bin, remove old files or old backups), then try again."
        )
    if COPY_MARK in text and folder is not None and (folder / COPY_KEY_FILE).is_file():
        return (
            "This is a read-only copy of the server's register, for reading while the server cannot be reached: "
            "nothing can be changed here. Sign in to the server again once it is back to make the change."
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(marker in text for marker in _READ_ONLY):
        filename = getattr(exc, "filename", None)
        where = f" ({filename})" if filename else ""
        return (
            f"The folder or file{where} cannot be written: it is read-only, or this account may not change it. "
            "Choose another folder, or ask IT support for write access to it."
        )
    if any(marker in text for marker in _DAMAGED):
        return (
            "The register file is damaged (part of it cannot be read). Nothing more was changed. Restore the newest "
            "backup (safeguard restore FILE, from the backups folder); the damaged file is kept aside by the restore."
        )
    if "database is locked" in text or "database table is locked" in text or "database is busy" in text:
        return (
            "The register was busy with another long piece of work (a backup, a key replacement, or another "
            "computer's change) for more than ten seconds, so this change waited and was not saved; nothing was "
            "lost. Try again in a moment."
        )
    if any(marker in text for marker in _SERVER_GONE) and not any(m in text for m in _SERVER_LOGIN_REFUSED):
        return (
            "The register's server cannot be reached (the network, or the server itself, is down), so this change "
            "was not saved; nothing already saved was lost. Try again when the network is back, or ask the school's "
            "IT support."
        )
    if any(marker in text for marker in _SERVER_REFUSED):
        return (
            "The register's server refused this for your account: its login may not read or change that. Nothing "
            "was changed. If your role should allow it, ask the school's IT support to run 'safeguard server "
            "prepare' again (after an upgrade) or to check your login's role."
        )
    if any(marker in text for marker in _UNREACHABLE):
        return (
            "The register file could not be reached. If it is on a USB stick or a network drive, check it is "
            "connected; a register belongs on this computer's own disk (or on a PostgreSQL server when shared)."
        )
    return None
