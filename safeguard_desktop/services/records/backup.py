"""Backups of the register: taken online (while the app runs), verified after writing, and restored safely.

A backup is one consistent SQLite copy made with SQLite's backup API in one step (measured: stepped
copies never finish under concurrent writes), plus the audit chain's outside anchor. Restore checks the
file before anything is replaced and keeps the replaced register aside.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from safeguard_desktop import faultpoints
from safeguard_desktop.files import replace_file
from safeguard_desktop.folder_access import make_private
from safeguard_desktop.security.keyring import SLOTS_FILE, Unlocked
from safeguard_desktop.services import presence
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.presence import Presence
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.transaction import write_session
from safeguard_desktop.store.engine import StorageFault, WrongDatabaseKey, database_file
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
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S_%f")  # sorts by time; two in one second never collide
    target = destination / f"register-{stamp}{BACKUP_SUFFIX}"
    try:
        # One backup at a time into a folder: while this is held, any partial copy there was left by a backup
        # that was killed, and goes.
        in_progress = presence.acquire(destination / LOCK_NAME, wait=120)
    except OSError as exc:
        raise ValidationError(
            f"Another backup into {destination} is under way (or the folder cannot be locked: {exc}); try again "
            "when it has finished."
        ) from exc
    try:
        _clear_leftovers(destination)
        # The entry goes in first, so that the copy carries it; a copy that then fails is recorded as failed.
        with write_session(engine) as session:
            audit.record(session, actor, "backed up the register", "backup", "", target.name)
        partial = target.with_suffix(".partial")
        sides = [target.with_name(target.name + suffix) for suffix in (".anchor.json", ".keys.json", ".audit.key")]
        try:
            copy_database(source, partial, key)
            faultpoints.reach("backup:after-copy")
            # The side files as they were: the anchor, the key slots (so the backup opens with the passwords of its
            # day) and the audit chain's key (without which the trail cannot be checked).
            for name, side in zip((audit.ANCHOR_FILE, SLOTS_FILE, audit.KEY_FILE), sides, strict=True):
                if (folder / name).exists():
                    shutil.copy2(folder / name, side)
            make_private(partial, *sides)  # the copy is encrypted, but its key slots and audit key are secrets
            faultpoints.reach("backup:after-sides")
            info = check_backup(partial, key)
            replace_file(partial, target)
        except BaseException as exc:
            for leftover in (partial, *sides):
                with suppress(OSError):
                    leftover.unlink(missing_ok=True)
            if isinstance(exc, Exception):
                with suppress(Exception), write_session(engine) as session:
                    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)[:200]
                    audit.record(session, actor, "backup failed", "backup", "", f"{target.name}: {why}")
            if isinstance(exc, OSError | sqlite3.Error | sqlcipher3.dbapi2.Error):
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise ValidationError(
                    f"The backup into {destination} failed ({reason}); nothing was kept there. Check the disk or USB "
                    "stick has room and can be written to, then try again."
                ) from exc
            raise
    finally:
        in_progress.release(force=True)
    return BackupInfo(target, info.revision, info.pupils, info.audit_entries)


LOCK_NAME = ".safeguard-backup.lock"


def _clear_leftovers(destination: Path) -> None:
    """Remove partial copies (and their side files) left by backups that were killed part way. Called with the
    folder's backup lock held, so none of them is under way."""
    for partial in destination.glob(f"register-*{BACKUP_SUFFIX.removesuffix('.db')}.partial"):
        stem = partial.with_suffix(".db").name
        with suppress(OSError):
            partial.unlink(missing_ok=True)
            for suffix in (".anchor.json", ".keys.json", ".audit.key"):
                (destination / f"{stem}{suffix}").unlink(missing_ok=True)


def opening_key(
    path: Path, key: bytes | None, keys: Unlocked | None, folder: Path
) -> tuple[bytes | None, bytes | None]:
    """The key that opens the backup ``path`` — the register's own, or for a backup made before its keys were
    replaced, that generation's (only a lead's keys open them) — and the safeguarding key its texts are sealed to
    (None: the current one)."""
    if key is None or keys is None or not path.is_file():
        return key, None
    from safeguard_desktop.services.accounts import rotation

    candidates: list[tuple[bytes, bytes | None]] = [(key, None)]
    candidates += [(database, safeguarding) for _g, database, safeguarding in rotation.older_keys(folder, keys)]
    for candidate, safeguarding in candidates:
        try:
            connect_file(path, candidate, readonly=True).close()
        except WrongDatabaseKey:
            continue
        except (sqlite3.DatabaseError, sqlcipher3.dbapi2.DatabaseError, StorageFault):
            break
        return candidate, safeguarding
    return key, None


def restore(engine: Engine, folder: Path, actor: Actor, backup: Path, own: Presence | None,
            keys: Unlocked | None = None) -> Path:  # fmt: skip
    """Replace the register with a checked backup; the replaced file is kept aside. Returns its new path.

    Refused (RegisterInUse, naming who) while any other process has the register open: its connection would
    undo the restore. ``own`` is the caller's own mark; the caller closes the register afterwards. With a lead's
    ``keys``, a backup made before the register's keys were replaced is restored too: re-keyed to the current
    keys and its texts sealed again, so the accounts and keys in force now stay in force.
    """
    actor.require(Operation.MANAGE_BACKUPS)
    current, key = _database_path(engine)
    source_key, old_safeguarding = opening_key(backup, key, keys, folder)
    check_backup(backup, source_key)
    with presence.alone(folder, own, "restore the backup"):
        return _replace_with(engine, folder, actor, backup, current, key, (source_key, old_safeguarding, keys))


def restore_unopenable(folder: Path, keys: Unlocked, backup: Path) -> Path | None:
    """Restore a backup over a register that cannot be opened any more (damaged, cut short or missing), with a
    lead's keys — the key slots, which a damaged database cannot check, say who is a lead: only a lead's slot holds
    the safeguarding key. The unopenable file is moved aside untouched (returned; None when there was none).
    The caller signs in afterwards, which records the restore in the restored trail."""
    if keys.safeguarding_private is None:
        raise PermissionDenied("Only a safeguarding lead can restore the register.")
    source_key, old_safeguarding = opening_key(backup, keys.register_key, keys, folder)
    check_backup(backup, source_key)
    current = folder / "register.db"
    own = presence.enter(folder, presence.program_name(), keys.username)
    try:
        with presence.alone(folder, own, "restore the backup"):
            stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
            aside = current.with_name(f"{current.stem}-damaged-{stamp}.db") if current.exists() else None
            if aside is not None:
                for suffix in ("", "-wal", "-shm"):  # moved as they are: the damaged bytes are evidence too
                    part = current.with_name(current.name + suffix)
                    if part.exists():
                        part.replace(aside.with_name(aside.name + suffix))
            _put_side(backup.with_name(backup.name + ".anchor.json"), folder / audit.ANCHOR_FILE,
                      remove_when_missing=True)  # fmt: skip
            _put_side(backup.with_name(backup.name + ".audit.key"), folder / audit.KEY_FILE, remove_when_missing=False)
            if source_key != keys.register_key and source_key is not None:
                prepared, _resealed = _adopted_copy(backup, current, source_key, keys, old_safeguarding)
                copy_database(prepared, current, keys.register_key)
                _remove_copy(prepared)
            else:
                copy_database(backup, current, keys.register_key)
    finally:
        own.leave()
    return aside


def _adopted_copy(backup: Path, current: Path, source_key: bytes, keys: Unlocked, old_safeguarding: bytes | None
                  ) -> tuple[Path, int]:  # fmt: skip
    """A backup made before the keys were replaced, brought under the current keys in a copy of its own beside the
    register (so a kill leaves the register as it was, never a file under keys nobody holds any more); the copy
    and how many sealed texts were sealed again."""
    from safeguard_desktop.services.accounts import rotation

    prepared = current.with_name(f"{current.stem}-restoring.db")
    _remove_copy(prepared)
    copy_database(backup, prepared, source_key)
    make_private(prepared)
    return prepared, rotation.adopt(prepared, source_key, keys, old_safeguarding)


def _remove_copy(prepared: Path) -> None:
    for part in (prepared, prepared.with_name(prepared.name + "-wal"), prepared.with_name(prepared.name + "-shm")):
        part.unlink(missing_ok=True)


def record_restore(session: Session, actor: Actor, backup: Path, aside: Path | None) -> None:
    """The audit entry of a restore over an unopenable register, written into the restored trail."""
    kept = f"the unopenable file kept as {aside.name}" if aside else "there was no register file"
    audit.record(session, actor, "restored the register", "backup", "", f"from {backup.name}; {kept}")


def _replace_with(engine: Engine, folder: Path, actor: Actor, backup: Path, current: Path, key: bytes | None,
                  older: tuple[bytes | None, bytes | None, Unlocked | None] = (None, None, None)) -> Path:  # fmt: skip
    engine.dispose()
    source_key, old_safeguarding, keys = older
    adopted, prepared = "", None
    if source_key is not None and source_key != key and keys is not None:
        prepared, resealed = _adopted_copy(backup, current, source_key, keys, old_safeguarding)
        adopted = f"; made under earlier keys, re-keyed ({resealed} sealed texts sealed again)"
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    aside = current.with_name(f"{current.stem}-replaced-{stamp}.db")
    copy_database(current, aside, key)
    make_private(aside)
    faultpoints.reach("restore:after-aside")
    # The backup's anchor goes in before its database: a restore killed in between then leaves an anchor behind
    # the (longer) current chain, which checks; the other way round it raised a false "end was cut off".
    anchor = folder / audit.ANCHOR_FILE
    _put_side(backup.with_name(backup.name + ".anchor.json"), anchor, remove_when_missing=True)
    _put_side(backup.with_name(backup.name + ".audit.key"), folder / audit.KEY_FILE, remove_when_missing=False)
    faultpoints.reach("restore:after-anchor")
    for suffix in ("-wal", "-shm"):  # nobody else has it open (presence.alone): these are our own leftovers
        sidecar = current.with_name(current.name + suffix)
        if sidecar.exists():
            sidecar.unlink()
    copy_database(prepared or backup, current, key)
    if prepared is not None:
        _remove_copy(prepared)
    faultpoints.reach("restore:after-database")
    with write_session(engine) as session:
        audit.record(session, actor, "restored the register", "backup", "",
                     f"from {backup.name}; replaced kept as {aside.name}{adopted}")  # fmt: skip
    return aside


def _put_side(copy: Path, target: Path, *, remove_when_missing: bool) -> None:
    """Put a backup's side file in place atomically (or remove the current one when the backup had none)."""
    if not copy.exists():
        if remove_when_missing:
            target.unlink(missing_ok=True)
        return
    partial = target.with_name(target.name + ".restoring")
    try:
        shutil.copy2(copy, partial)
        replace_file(partial, target)
    finally:
        partial.unlink(missing_ok=True)


SCHEDULE_KEY = "backup_schedule"


@dataclass(frozen=True)
class Schedule:
    """Backups on a schedule: where, how often, how many to keep (daily and 14 by default)."""

    folder: str = ""
    every_days: int = 1
    keep: int = 14
    enabled: bool = True


def get_schedule(session: Session, register_folder: Path) -> Schedule:
    """The school's schedule; by default daily into backups/ beside the register, keeping 14."""
    from safeguard_desktop.services.settings import read_setting

    stored = read_setting(session, SCHEDULE_KEY, {}) or {}
    return Schedule(
        folder=str(stored.get("folder") or register_folder / "backups"),
        every_days=int(stored.get("every_days", 1)),
        keep=int(stored.get("keep", 14)),
        enabled=bool(stored.get("enabled", True)),
    )


@changes(Topic.BACKUPS)
def set_schedule(session: Session, actor: Actor, schedule: Schedule) -> None:
    """Change where and how often backups are made (leads). Audited."""
    from safeguard_desktop.services.settings import write_setting

    actor.require(Operation.MANAGE_BACKUPS)
    if not 1 <= schedule.every_days <= 31:
        raise ValidationError("Back up every 1 to 31 days (daily is what the DfE standards expect).")
    if not 1 <= schedule.keep <= 365:
        raise ValidationError("Keep between 1 and 365 backups.")
    if not schedule.folder.strip():
        raise ValidationError("Choose the folder for backups (a USB stick, a network share).")
    write_setting(session, SCHEDULE_KEY, {"folder": schedule.folder.strip(), "every_days": schedule.every_days,
                                          "keep": schedule.keep, "enabled": schedule.enabled})  # fmt: skip
    audit.record(session, actor, "changed the backup schedule", "backup", "",
                 f"every {schedule.every_days} day(s) to {schedule.folder}, keep {schedule.keep}")  # fmt: skip


def backups_in(folder: Path) -> list[Path]:
    """Backup files in ``folder``, oldest first (their names carry the time they were made)."""
    return sorted(folder.glob(f"register-*{BACKUP_SUFFIX}")) if folder.is_dir() else []


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest backups beyond ``keep`` (with their side files). Returns what was removed."""
    old = backups_in(folder)[:-keep] if keep > 0 else []
    for path in old:
        for suffix in ("", ".anchor.json", ".keys.json", ".audit.key"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    return old


def is_due(schedule: Schedule, now: datetime | None = None) -> bool:
    """True when the newest backup in the schedule's folder is older than the interval (or there is none)."""
    if not schedule.enabled:
        return False
    newest = backups_in(Path(schedule.folder))
    if not newest:
        return True
    age = (now or datetime.now()) - datetime.fromtimestamp(newest[-1].stat().st_mtime)
    return age.total_seconds() >= schedule.every_days * 86400 - 600  # ten minutes' grace for a daily start


def scheduled_backup(
    engine: Engine, register_folder: Path, actor: Actor, *, now: datetime | None = None
) -> BackupInfo | None:
    """Make the scheduled backup when it is due, then keep only the newest N. Any signed-in role may trigger it:
    the copy is encrypted and goes where the leads chose."""
    from safeguard_desktop.services.transaction import read_session

    with read_session(engine) as session:
        schedule = get_schedule(session, register_folder)
    if not is_due(schedule, now):
        return None
    scheduler = Actor(f"{actor.name} (scheduled)", Role.DSL, actor.username)
    info = back_up(engine, register_folder, scheduler, Path(schedule.folder))
    prune(Path(schedule.folder), schedule.keep)
    return info
