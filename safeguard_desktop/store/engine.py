"""Engine creation: SQLite with WAL, foreign keys, synchronous=FULL, busy timeout and BEGIN IMMEDIATE for writes.

Any other SQLAlchemy URL (PostgreSQL) is used as given; nothing else in the app is SQLite-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from safeguard_desktop.store import touched

BUSY_TIMEOUT_MS = 10_000


class WrongDatabaseKey(Exception):
    """The key does not open this database file (or the file is not a register)."""


class StorageFault(Exception):
    """The database file could not be used for a reason of the disk's, not the key's (full, read-only, damaged,
    unreachable); ``str()`` is SQLite's own message."""


def cipher_connect(path: str, key: bytes) -> Any:
    """A DB-API connection to an SQLCipher file keyed with a raw 256-bit key, checked by reading at once.

    A raw key (not a passphrase) avoids SQLCipher's PBKDF2 on every connection (68 ms measured); a wrong key
    only shows on the first read, so read now and say so plainly.
    """
    import sqlcipher3

    connection = sqlcipher3.dbapi2.connect(path, check_same_thread=False)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.dbapi2.DatabaseError as exc:
        connection.close()
        # Only "not a database" means the key (or the file) is wrong: a full disk, a read-only folder or a
        # damaged page gave the same "restore the key file" advice before, which was wrong.
        if "not a database" in str(exc):
            raise WrongDatabaseKey(f"{path} does not open with this key.") from exc
        raise StorageFault(str(exc)) from exc
    return connection


@dataclass
class RegisterState:
    """What one open register's engine carries besides its connections, so every session on it finds it: the
    encrypted file and its key (which a key replacement changes), and what the services attach when the register
    is opened — its audit trail, the key text is sealed to, the folder of its key slots, who marks its entries.

    One object per engine (never a module dictionary keyed by URL: two registers open on one file in one process,
    as two accounts, keep apart)."""

    file: Path | None = None
    file_key: bytes | None = field(default=None, repr=False)
    trail: object | None = field(default=None, repr=False)
    sealing_public: bytes | None = field(default=None, repr=False)
    key_folder: Path | None = None
    signer: tuple[str, int, bytes] | None = field(default=None, repr=False)  # (account, key generation, agreed key)
    #: Audit entries this process has committed on this register (to tell its own changes from other computers').
    own_entries: int = 0
    #: A read-only copy's (services/server_copy.py): where what is done in it is noted, for the server's trail.
    offline_log: Path | None = None
    #: On a server: the signed-in account's personal private key (services/server_keys.py: a replaced key's shares).
    server_personal: bytes | None = field(default=None, repr=False)
    #: On a server: what each new connection runs first (services/server_two_step.Ticket: the session's ticket).
    server_ticket: Any = field(default=None, repr=False)
    #: On a server that records every change (records/server_changes.py): the signed-in account's name, in which a
    #: transaction that wrote rows and no entry of the trail gets one.
    server_writer: str | None = None
    #: On a server: the lead's copy's key, its wrapped key file and the key it holds (services/server_copy.refresh).
    copy_again: tuple[bytes, dict[str, Any], bytes] | None = field(default=None, repr=False)


def state_of(bind: Any) -> RegisterState:
    """The state of the register behind an engine, a connection or a session's bind (made empty on first use)."""
    engine = getattr(bind, "engine", bind)
    # A write session's engine is an execution_options() copy (an OptionEngine) of the register's own engine.
    while getattr(engine, "_proxied", None) is not None:
        engine = engine._proxied
    state = getattr(engine, "_register_state", None)
    if state is None:
        state = RegisterState()
        engine._register_state = state
    assert isinstance(state, RegisterState)
    return state


def database_file(engine: Engine) -> tuple[Path | None, bytes | None]:
    """The SQLite file behind ``engine`` and its SQLCipher key (None, None for a database server)."""
    state = state_of(engine)
    if state.file_key is not None:
        return state.file, state.file_key
    if engine.dialect.name == "sqlite" and engine.url.database and engine.url.database != ":memory:":
        return Path(engine.url.database), None
    return None, None


def make_engine(
    url: str, *, key: bytes | None = None, on_connect: Callable[[Any], None] | None = None, **kwargs: Any
) -> Engine:
    """Create the engine; for SQLite, install the pragmas and transaction handling measured safe here.
    ``on_connect`` runs on each new connection before anything else does (a server register's ticket), and is kept
    in the register's state.

    With ``key`` the SQLite file is SQLCipher-encrypted: SQLAlchemy is given the sqlcipher3 module as well as
    the connection creator, or its exceptions would escape unwrapped (shared/MEASURED.md).
    """
    if key is not None:
        import sqlcipher3

        from safeguard_desktop.paths import sqlite_file_of

        file = sqlite_file_of(url)
        if file is None:
            raise ValueError(f"An encrypted register is an SQLite file, not {url.split(':', 1)[0]}.")
        path = str(file)
        # The URL names the file (so the engine reports it, and pools as for any file); the creator keys it with the
        # key the engine's state holds now (a key replacement changes it).
        state = RegisterState(file=Path(path), file_key=key)

        def connect() -> Any:
            assert state.file_key is not None
            return cipher_connect(path, state.file_key)

        engine = create_engine(url, creator=connect, module=sqlcipher3.dbapi2, **kwargs)
        engine._register_state = state  # type: ignore[attr-defined]
    else:
        engine = create_engine(url, **kwargs)
    if on_connect is not None:
        state_of(engine).server_ticket = on_connect
        event.listen(engine, "connect", lambda dbapi_connection, _record: on_connect(dbapi_connection))
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def rekey(engine: Engine, new_key: bytes) -> None:
    """Re-encrypt the SQLCipher file behind ``engine`` under ``new_key`` (SQLCipher's ``PRAGMA rekey``: every page
    rewritten in one transaction, so a kill leaves the file whole under the old key or the new one), and make the
    engine's new connections use it. The caller holds the register alone: no other connection may be open."""
    state = state_of(engine)
    if state.file is None or state.file_key is None:
        raise ValueError("Only an encrypted register's file can be given a new key.")
    engine.dispose()  # pooled connections hold the old key
    rekey_file(state.file, state.file_key, new_key)
    state.file_key = new_key
    engine.dispose()


def rekey_file(path: Path, old_key: bytes, new_key: bytes) -> None:
    """Re-encrypt one SQLCipher file from ``old_key`` to ``new_key``, then checkpoint: until the re-keyed pages are
    written back from the write-ahead log, the old key still reads the main file. Nobody else may have it open."""
    connection = cipher_connect(str(path), old_key)
    try:
        connection.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def use_key(engine: Engine, key: bytes) -> None:
    """Make ``engine`` open its file with ``key`` from now on (the file was re-keyed by an earlier process)."""
    state = state_of(engine)
    if state.file_key is None:
        raise ValueError("Only an encrypted register's file has a key.")
    state.file_key = key
    engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # The rows a transaction writes are noted in a temporary table (store/touched.py): in memory, not in a
        # temporary file (which SQLCipher would encrypt page by page).
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock at once: a deferred BEGIN that upgrades later
        # skips SQLite's busy handler and loses updates (measured in shared/MEASURED.md).
        # (A read-only copy takes no write lock: SQLite refuses it there, and its first write says why instead.)
        writes = conn.get_execution_options().get("write", False) and not conn.info.get("read_only")
        mode = "IMMEDIATE" if writes else "DEFERRED"
        if not conn.info.get("untouched"):  # the rows it writes noted, for the trail to vouch for (store/touched.py)
            touched.prepare(conn.connection.driver_connection)
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back on any error."""
    with Session(engine.execution_options(write=True), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
