"""Which rows a transaction wrote, noted by SQLite itself: a temporary trigger on every table of the register records
the key of each row inserted, updated or deleted (cascades included) into a temporary table of the connection.

Temporary triggers live in the connection, never in the file: a program that opens the file with a key does not see
them, cannot remove them and does not fire them. The ORM's flushes and the importers' bulk statements are noted
alike. The audit trail reads the keys at commit to vouch for the rows (services/records/row_vouch.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

#: The trail's own tables: what they hold is checked by the chain itself.
UNVOUCHED = frozenset({"audit_entry", "audit_head", "audit_rows", "alembic_version"})
_TABLE = "temp.sg_touched"


@cache
def vouched_tables() -> dict[str, str]:
    """Every table of the register whose rows the trail vouches for, with its one key column."""
    from safeguard_desktop.store.models import Base  # (not at import: the engine, which imports this, stays light)

    tables = {}
    for table in Base.metadata.sorted_tables:
        if table.name in UNVOUCHED:
            continue
        (key,) = table.primary_key.columns  # every table has a one-column key: a test holds it to that
        tables[table.name] = key.name
    return tables


def _statements(table: str, key: str) -> list[str]:
    note = f"INSERT INTO sg_touched(tbl, k) VALUES ('{table}', "  # (no schema named inside a trigger: temp is first)
    on = f'ON main."{table}" FOR EACH ROW BEGIN'
    return [
        f'CREATE TEMP TRIGGER IF NOT EXISTS "sg_touched_{table}_i" AFTER INSERT {on} {note}NEW."{key}"); END',
        f'CREATE TEMP TRIGGER IF NOT EXISTS "sg_touched_{table}_u" AFTER UPDATE {on} {note}OLD."{key}"), '
        f"('{table}', NEW.\"{key}\"); END",
        f'CREATE TEMP TRIGGER IF NOT EXISTS "sg_touched_{table}_d" AFTER DELETE {on} {note}OLD."{key}"); END',
    ]


def prepare(dbapi_connection: Any) -> None:
    """Before a transaction begins on this driver connection: forget what an earlier one noted, and put the triggers
    on any table that lacks them (a new register's tables are made after its first connection; a migration that
    rebuilds a table drops them). Two reads of the tiny schema tables when nothing is missing."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TABLE.split('.')[1]}(tbl TEXT NOT NULL, k)")
        cursor.execute(f"DELETE FROM {_TABLE}")
        wanted = vouched_tables()
        present = {row[0] for row in cursor.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        watched = {row[0] for row in cursor.execute("SELECT tbl_name FROM temp.sqlite_master WHERE type = 'trigger'")}
        for table in (wanted.keys() & present) - watched:
            for statement in _statements(table, wanted[table]):
                cursor.execute(statement)
    finally:
        cursor.close()


def suspend(dbapi_connection: Any) -> None:
    """Take the triggers off this connection (a migration rebuilds tables under them); the next transaction puts
    them back."""
    cursor = dbapi_connection.cursor()
    try:
        names = [row[0] for row in cursor.execute("SELECT name FROM temp.sqlite_master WHERE type = 'trigger' "
                                                  "AND name LIKE 'sg_touched_%'")]  # fmt: skip
        for name in names:
            cursor.execute(f'DROP TRIGGER IF EXISTS temp."{name}"')
    finally:
        cursor.close()


def keys_written(connection: Any) -> dict[str, set[Any]]:
    """The keys of the rows this transaction wrote, by table (an SQLAlchemy connection inside the transaction)."""
    written: dict[str, set[Any]] = {}
    made = connection.exec_driver_sql("SELECT 1 FROM temp.sqlite_master WHERE name = 'sg_touched'").first()
    if made is None:  # a connection the triggers were never put on (a migration's)
        return written
    rows = connection.exec_driver_sql(f"SELECT DISTINCT tbl, k FROM {_TABLE}").all()
    for table, key in rows:
        written.setdefault(table, set()).add(key)
    return written


def forget(connection: Any) -> None:
    """Clear what was noted (once vouched for, inside the same transaction)."""
    connection.exec_driver_sql(f"DELETE FROM {_TABLE}")
