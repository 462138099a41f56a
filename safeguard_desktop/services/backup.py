"""Backups of the register: taken online (while the app runs), verified after writing, and restored safely.

A backup is one consistent SQLite copy made with SQLite's backup API in one step (measured: stepped
copies never finish under concurrent writes), plus the audit chain's outside anchor. Restore checks the
file before anything is replaced and keeps the replaced register aside.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine

from safeguard_desktop.services import audit
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.keyring import SLOTS_FILE
from safeguard_desktop.services.transaction import write_session
from safeguard_desktop.store.engine import WrongDatabaseKey, database_file
from safeguard_desktop.store.schema import KNOWN_REVISIONS
from safeguard_desktop.store.sqlite_files import connect_file, copy_database

BACKUP_SUFFIX = ".sgbackup.db"


@dataclass(frozen=True)
class BackupInfo:
    """A checked backup file."""

    path: Path
    revision: str
    pupils: int
    audit_entries: int


def _database_path(engine: Engine) -> tuple[Path, bytes | None]:
    path, key = database_file(engine)
    if path is None:
        raise ValidationError(
            "This register is on a database server; back it up with the server's own tools (e.g. pg_dump)."
        )
    return path, key


def check_backup(path: Path, key: bytes | None = None) -> BackupInfo:
    """Open a backup and check it is a whole, readable register this version understands (with the register's
    key when it is encrypted: a backup of another register, or a plain copy, is refused)."""
    if not path.is_file():
        raise ValidationError(f"{path.name}: no such file.")
    try:
        conn = connect_file(path, key, readonly=True)
        try:
            if key is not None and conn.execute("PRAGMA cipher_integrity_check").fetchall():
                raise ValidationError(f"{path.name} is damaged (cipher integrity check failed); choose another.")
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValidationError(f"{path.name} is damaged (integrity check failed); choose another backup.")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            pupils = conn.execute("SELECT count(*) FROM pupil").fetchone()[0]
            entries = conn.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
        finally:
            conn.close()
    except WrongDatabaseKey as exc:
        raise ValidationError(
            f"{path.name} does not open with this register's key: it is a backup of another register, or not a "
            "backup. Choose a backup of this register."
        ) from exc
    except (sqlite3.DatabaseError, sqlcipher3.dbapi2.DatabaseError, TypeError) as exc:
        raise ValidationError(f"{path.name} is not a Safeguard Desktop register ({exc}).") from exc
    if revision not in KNOWN_REVISIONS:
        raise ValidationError(f"{path.name} was made by a newer version of Safeguard Desktop; install it to restore.")
    return BackupInfo(path, revision, pupils, entries)


def back_up(engine: Engine, folder: Path, actor: Actor, destination: Path) -> BackupInfo:
    """Copy the register into ``destination`` (a folder), verify the copy, and audit it."""
    actor.require(Operation.MANAGE_BACKUPS)
    source, key = _database_path(engine)
    destination.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    target = destination / f"register-{stamp}{BACKUP_SUFFIX}"
    with write_session(engine) as session:
        audit.record(session, actor, "backed up the register", "backup", "", target.name)
    partial = target.with_suffix(".partial")
    copy_database(source, partial, key)
    anchor = folder / audit.ANCHOR_FILE
    if anchor.exists():
        shutil.copy2(anchor, target.with_name(target.name + ".anchor.json"))
    slots = folder / SLOTS_FILE
    if slots.exists():  # the key slots as they were, so the backup opens with the passwords of its day
        shutil.copy2(slots, target.with_name(target.name + ".keys.json"))
    info = check_backup(partial, key)
    partial.replace(target)
    return BackupInfo(target, info.revision, info.pupils, info.audit_entries)


def restore(engine: Engine, folder: Path, actor: Actor, backup: Path) -> Path:
    """Replace the register with a checked backup; the replaced file is kept aside. Returns its new path.

    The caller must close every connection to the register first (the app restarts after a restore).
    """
    actor.require(Operation.MANAGE_BACKUPS)
    current, key = _database_path(engine)
    check_backup(backup, key)
    engine.dispose()
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    aside = current.with_name(f"{current.stem}-replaced-{stamp}.db")
    copy_database(current, aside, key)
    for suffix in ("-wal", "-shm"):
        sidecar = current.with_name(current.name + suffix)
        if sidecar.exists():
            sidecar.unlink()
    copy_database(backup, current, key)
    anchor_copy = backup.with_name(backup.name + ".anchor.json")
    anchor = folder / audit.ANCHOR_FILE
    if anchor_copy.exists():
        shutil.copy2(anchor_copy, anchor)
    elif anchor.exists():
        anchor.unlink()
    with write_session(engine) as session:
        audit.record(
            session, actor, "restored the register", "backup", "", f"from {backup.name}; replaced kept as {aside.name}"
        )
    return aside
