"""Open the register: find it, migrate it (after a backup), seed purposes and the school row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import DBAPIError

from safeguard_desktop import paths
from safeguard_desktop.domain.purposes import DEFAULT_PURPOSES
from safeguard_desktop.folder_access import make_private
from safeguard_desktop.security import keyring, sealing
from safeguard_desktop.security.keyring import Unlocked
from safeguard_desktop.services import presence
from safeguard_desktop.services.accounts import rotation
from safeguard_desktop.services.errors import ServiceError, StorageProblem
from safeguard_desktop.services.faults import plain_message
from safeguard_desktop.services.presence import Presence
from safeguard_desktop.services.records import audit
from safeguard_desktop.store import migrate
from safeguard_desktop.store.engine import (
    RegisterState,
    StorageFault,
    WrongDatabaseKey,
    make_engine,
    read_session,
    state_of,
    write_session,
)
from safeguard_desktop.store.models import ConsentPurpose, Pupil, School


class RegisterLocked(ServiceError):
    """The register is encrypted: sign in (or use the recovery key) to open it."""


@dataclass
class Register:
    """An open register: the engine and the folder it lives in, the keys that opened it (when encrypted), and —
    through :attr:`state`, which every session on the engine finds — its file key, audit trail, the key text is
    sealed to and who marks its entries."""

    engine: Engine
    folder: Path
    keys: Unlocked | None = field(default=None, repr=False)
    presence: Presence | None = field(default=None, repr=False)
    #: What the sign-in found for the leads' attention (e.g. an audit trail changed outside the app).
    notices: list[str] = field(default_factory=list, repr=False)
    #: When this is a lead's read-only copy of a server register (services/server_copy.py): when it was made.
    copy_made_at: datetime | None = None

    @property
    def state(self) -> RegisterState:
        """What the register's engine carries (file and key, trail, sealing, signer)."""
        return state_of(self.engine)

    @property
    def trail(self) -> audit.AuditTrail:
        """The register's audit trail (its chain key and outside anchor)."""
        trail = self.state.trail
        assert isinstance(trail, audit.AuditTrail)
        return trail

    @property
    def protected(self) -> bool:
        """True for an encrypted register with accounts."""
        return self.keys is not None

    @property
    def moved_notice(self) -> str | None:
        """What to tell everyone who signs in to a local register that was moved to a database server."""
        from safeguard_desktop.services.server_move import moved_notice

        return moved_notice(self.folder) if self.engine.dialect.name == "sqlite" else None

    def is_empty(self) -> bool:
        """True when no pupil has been imported yet."""
        with read_session(self.engine) as session:
            return not session.scalar(select(func.count()).select_from(Pupil))

    def is_demo(self) -> bool:
        """True when this register holds the fictional demo school."""
        with read_session(self.engine) as session:
            return bool(session.scalar(select(School.is_demo).limit(1)))

    def close(self) -> None:
        """Keep the trail's head in the signed-in account's own profile (a later rewrite of what it saw is then
        caught), then release every connection, and this process's mark that it has the register open."""
        if self.keys is not None:
            from safeguard_desktop.services.records import trail_check

            try:
                with read_session(self.engine) as session:
                    trail_check.remember_in_profile(session, self.folder, self.keys)
            except (DBAPIError, ServiceError, OSError):
                pass  # a register that cannot be read now was checked at sign-in; the next one checks again
        self.engine.dispose()
        if self.presence is not None:
            self.presence.leave()


def _refuse_empty_file(folder: Path, *, new: bool) -> None:
    """A register file cut to nothing (a copy that failed, a full disk, a sync client) is never taken for a new,
    empty register: that would start afresh over it, and every account would then be refused."""
    file = paths.database_file(folder)
    if not new and file.is_file() and file.stat().st_size == 0:
        raise RegisterLocked(
            f"The register file {file} is empty (0 bytes): it was damaged or cut short. Restore the newest backup "
            "(safeguard restore FILE, from the backups folder); nothing has been created in its place."
        )


def refuse_network_drive(folder: Path) -> None:
    """SQLite's WAL does not work on a network file system: a register there can be damaged, so it is refused."""
    kind = paths.network_drive(folder)
    if kind is not None:
        where = kind if kind.startswith("a ") else f"a network drive ({kind})"
        raise RegisterLocked(
            f"The register's folder {folder} is on {where}. "
            "A register there can be damaged (its write-ahead log does not work across a network). Keep it on this "
            "computer's own disk — close the app and copy the whole folder there — or use a shared register on a "
            "PostgreSQL server."
        )


def open_register(
    data_dir: str | Path | None = None,
    url: str | None = None,
    *,
    keys: Unlocked | None = None,
    new: bool = False,
    on_connect: Callable[[Any], None] | None = None,
) -> Register:
    """Open (creating or migrating as needed) the register in ``data_dir`` or at ``url``. ``on_connect``: what each
    new connection to a server runs first (its two-step ticket: services/server_two_step.py).

    A protected register (key slots beside it) opens only with ``keys`` from a sign-in; its file is
    SQLCipher-encrypted and sensitive text is sealed to the safeguarding key.
    """
    folder = paths.data_dir(data_dir)
    database_url = paths.database_url(folder, url)
    embedded = url is None and paths.sqlite_file_of(database_url) is not None
    if embedded:
        refuse_network_drive(folder)
    mark = presence.enter(folder, presence.program_name()) if embedded else None
    try:
        return _open(folder, database_url, embedded, keys, new, mark, on_connect)
    except BaseException as exc:
        if mark is not None:
            mark.leave()
        if isinstance(exc, DBAPIError):  # a damaged page, a full disk: said as such, never a traceback
            message = plain_message(exc, folder if embedded else None)
            if message is not None:
                raise StorageProblem(message) from exc
        raise


def _upgrade(engine: Engine, folder: Path, mark: Presence | None) -> None:
    """Migrate when needed, alone: nobody else may have the register open while its tables are rebuilt."""
    if migrate.current_revision(engine) == migrate.HEAD_REVISION:
        return
    if mark is None:  # a database server: its own locks apply
        migrate.upgrade(engine, backup_folder=paths.backup_dir(folder))
        return
    with presence.alone(folder, mark, "open it with this version"):
        migrate.upgrade(engine, backup_folder=paths.backup_dir(folder))


def _keyed_engine(database_url: str, keys: Unlocked) -> tuple[Engine, bool]:
    """The engine under the current database key — or, when a key replacement was interrupted after the file was
    re-keyed, under the pending one (see services/rotation.py); True in the second case."""
    engine = make_engine(database_url, key=keys.register_key)
    if keys.next is None:
        return engine, False
    try:
        engine.connect().close()
    except WrongDatabaseKey:
        engine.dispose()
        return make_engine(database_url, key=keys.next.register_key), True
    return engine, False


def _open(
    folder: Path,
    database_url: str,
    embedded: bool,
    keys: Unlocked | None,
    new: bool,
    mark: Presence | None,
    on_connect: Callable[[Any], None] | None = None,
) -> Register:
    if embedded and keyring.is_protected(folder):
        if keys is None:
            raise RegisterLocked("This register is encrypted: sign in with your name and password.")
        _refuse_empty_file(folder, new=new)
        if not new and not paths.database_file(folder).exists():
            raise RegisterLocked(
                f"The key file is in {folder} but the register (register.db) is not. Restore register.db from the "
                "newest backup (safeguard restore, or copy the backup in as register.db); nothing has been created."
            )
        try:
            engine, opened_with_next = _keyed_engine(database_url, keys)
            _upgrade(engine, folder, mark)
            keys = rotation.resume(engine, folder, keys, opened_with_next, mark)
        except WrongDatabaseKey as exc:
            raise RegisterLocked(
                "The register file does not open with its key: the file was damaged or replaced, or the key file "
                "(keyslots.json) belongs to another copy. Restore the newest backup (safeguard restore FILE, from the "
                "backups folder); if the register was copied in from elsewhere, copy its own keyslots.json with it."
            ) from exc
        except (StorageFault, DBAPIError) as exc:
            message = plain_message(exc, folder)
            if message is None:
                raise
            raise StorageProblem(message) from exc
        sealing.configure(engine, keys.safeguarding_public, folder)
        audit.configure_signer(engine, keys.username, keys.personal_private, keys.safeguarding_public,
                               keys.generation)  # fmt: skip
    else:
        if embedded:
            _refuse_empty_file(folder, new=new)
        engine = make_engine(database_url, on_connect=on_connect)
        try:
            _upgrade(engine, folder, mark)
        except DBAPIError as exc:
            engine.dispose()
            if embedded and "not a database" in str(exc.orig):
                raise RegisterLocked(
                    f"The register in {folder} is encrypted but its key file ({keyring.SLOTS_FILE}) is missing. "
                    "Copy the key file back from the newest backup folder (it is the backup's .keys.json, renamed "
                    f"to {keyring.SLOTS_FILE}); nothing has been changed."
                ) from exc
            message = plain_message(exc, folder)
            if message is not None:
                raise StorageProblem(message) from exc
            raise
        sealing.configure(engine, None)
        audit.configure_signer(engine, "", None, b"", 0)
        keys = None
    if embedded:  # the register and the files SQLite keeps beside it (which copy its permissions)
        db = paths.database_file(folder)
        make_private(db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    audit.configure(engine, folder)
    _seed(engine)
    return Register(engine=engine, folder=folder, keys=keys, presence=mark)


def _seed(engine: Engine) -> None:
    with read_session(engine) as session:
        has_school = session.scalar(select(func.count()).select_from(School))
        has_purposes = session.scalar(select(func.count()).select_from(ConsentPurpose))
    with write_session(engine) as session:
        audit.seal_pending(session)
    if has_school and has_purposes:
        return
    with write_session(engine) as session:
        if not session.scalar(select(func.count()).select_from(School)):
            session.add(School(name="", address="", headteacher="", dsl_name="", self_consent_age=13))
        if not session.scalar(select(func.count()).select_from(ConsentPurpose)):
            session.execute(
                insert(ConsentPurpose),
                [
                    {
                        "code": p.code,
                        "name": p.name,
                        "description": p.description,
                        "wording_version": 1,
                        "active": True,
                        "sort_order": i,
                        "version": 1,
                    }
                    for i, p in enumerate(DEFAULT_PURPOSES)
                ],
            )
        if state_of(engine).signer is not None:  # the rows vouched for by an entry (services/records/row_vouch.py)
            from safeguard_desktop.services.actors import Actor, Role

            audit.record(session, Actor("Safeguard Desktop", Role.DSL), "set up the school and its default purposes",
                         "register")  # fmt: skip
