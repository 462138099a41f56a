"""Bring a database to the schema this app expects: back up first, migrate in one go, refuse newer files.

The current revision is read with a plain query so that a normal start-up never imports Alembic.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from safeguard_desktop.store import touched
from safeguard_desktop.store.engine import database_file
from safeguard_desktop.store.schema import HEAD_REVISION, KNOWN_REVISIONS
from safeguard_desktop.store.sqlite_files import copy_database

log = logging.getLogger(__name__)

__all__ = ["HEAD_REVISION", "KNOWN_REVISIONS", "DatabaseTooNew", "current_revision", "upgrade"]


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer Safeguard Desktop; opening it could lose data."""


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrations_folder() -> Path:
    """Where the migration scripts live inside the package."""
    return Path(__file__).resolve().parent / "migrations"


def backup_sqlite_file(engine: Engine, folder: Path, reason: str) -> Path | None:
    """Copy the SQLite file with the online backup API (consistent even while others write)."""
    source_path, key = database_file(engine)
    if source_path is None or not source_path.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{source_path.stem}-{reason}-{stamp}.db"
    copy_database(source_path, target, key)
    log.info("Backed up the register before %s", reason)
    return target


def upgrade(engine: Engine, backup_folder: Path | None = None) -> str:
    """Migrate to :data:`HEAD_REVISION`. Returns what was done: "current", "created" or "migrated".

    Raises:
        DatabaseTooNew: the database carries a revision this build does not know.
    """
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return "current"
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise DatabaseTooNew(
            f"This register was written by a newer version of Safeguard Desktop (schema {revision}). "
            "Install the newer version to open it; nothing has been changed."
        )
    if revision is not None and backup_folder is not None:
        backup_sqlite_file(engine, backup_folder, "before-migration")
    _run_alembic(engine)
    return "created" if revision is None else "migrated"


def _run_alembic(engine: Engine, target: str = "head", *, down: bool = False) -> None:
    """Run Alembic to ``target`` on one connection with SQLite's foreign keys off (batch mode recreates tables,
    and with foreign keys on, ON DELETE CASCADE deleted every child row — measured)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # The pragma is a no-op inside a transaction, and any statement through SQLAlchemy begins one (the
            # engine's "begin" hook): set it on the driver's connection, before anything else runs.
            _pragma(conn, "PRAGMA foreign_keys = OFF")
            conn.info["untouched"] = True  # no row-noting triggers while tables are rebuilt (store/touched.py)
            touched.suspend(conn.connection.driver_connection)
        try:
            config.attributes["connection"] = conn
            if down:
                command.downgrade(config, target)
            else:
                command.upgrade(config, target)
            conn.commit()
            if sqlite:
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                conn.rollback()
                if problems:
                    raise RuntimeError(f"Migration left {len(problems)} broken references; restore the backup.")
        finally:
            if sqlite:  # the connection goes back to the pool: with its foreign keys on again
                conn.rollback()
                _pragma(conn, "PRAGMA foreign_keys = ON")
                conn.info.pop("untouched", None)


def _pragma(conn: Connection, statement: str) -> None:
    """Run a PRAGMA outside any transaction, on the driver's own connection."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def foreign_keys_on(conn: Connection) -> bool:
    """Whether SQLite enforces foreign keys on this connection (read outside any transaction)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return bool(cursor.execute("PRAGMA foreign_keys").fetchone()[0])
    finally:
        cursor.close()
