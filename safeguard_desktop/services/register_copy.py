"""Copying a register's tables and trail into another database, and comparing them after (services/server_move.py):
sealed text opened with one key and sealed again to another, each side read back as its reader sees it."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, Table, Text, insert, select, text
from sqlalchemy.orm import Session

from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services.errors import ValidationError

#: Not copied as rows: the trail (chained again onto the other's), and what belongs to the local register's keys
#: (two-step secrets sealed to personal keys, the server's own key rows).
NOT_COPIED = frozenset(
    {
        "audit_entry",
        "audit_rows",
        "audit_head",
        "second_factor",
        "server_key",
        "trust_summary",
        "server_handover",
        "sealed_former",
    }
)
#: Settings of the local register's keys, meaningless elsewhere.
LOCAL_SETTINGS = frozenset({"key_generation"})
_BATCH = 2_000


class MoveMismatch(ValidationError):
    """What was read back from the server differs from the local register; nothing was committed."""


@dataclass
class Counts:
    """What sealing again met."""

    resealed: int = 0
    #: Reporters' own copies of their reports (sealed to their personal keys) left behind.
    own_copies_left: int = 0
    #: Sealed texts the local safeguarding key does not open (damaged, or an older key's): copied as they were.
    unopened: int = 0


def tables() -> list[Table]:
    from safeguard_desktop.store.models import Base

    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def _text_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, (String, Text))]


def _integer_key(table: Table) -> bool:
    return all(isinstance(c.type, Integer) for c in table.primary_key.columns)


@dataclass
class Sealer:
    """Opens what the local safeguarding key sealed; seals it again to the server's key; counts."""

    local: Callable[[str], str]
    server_public: bytes
    server: Callable[[str], str]
    moved: Counts

    def moved_row(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        """The row as the server keeps it (counted)."""
        return self._as_moved(
            table, row, lambda opened: sealed_box.seal(self.server_public, opened), self.moved, view=False
        )

    def expected(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        """A local row as a reader of the server must see it once moved (sealed values opened)."""
        return self._as_moved(table, row, lambda opened: ("sealed", opened), Counts(), view=True)

    def seen(self, row: dict[str, Any], table: Table) -> dict[str, Any]:
        """A server row as its reader sees it: sealed values opened with the server's key, the rest as stored."""
        out = dict(row)
        for name in _text_columns(table):
            if sealed_box.is_sealed(out.get(name)):
                try:
                    out[name] = ("sealed", self.server(out[name]))
                except keyring.KeyError_:
                    out[name] = ("unopened", out[name])
        return out

    def _as_moved(self, table: Table, row: dict[str, Any], sealed: Callable[[str], Any], moved: Counts, *,
                  view: bool) -> dict[str, Any]:  # fmt: skip
        out = dict(row)
        for name in _text_columns(table):
            value = out.get(name)
            if not isinstance(value, str) or not sealed_box.is_sealed(value):
                continue
            if (table.name, name) == ("incident", "reporter_copy"):
                out[name] = None
                moved.own_copies_left += 1
                continue
            try:
                opened = self.local(value)
            except keyring.KeyError_:
                moved.unopened += 1
                out[name] = ("unopened", value) if view else value
                continue
            out[name] = sealed(opened)
            moved.resealed += 1
            if (table.name, name) == ("incident", "meta"):
                _plain_for_policies(out, opened)
        if table.name == "user_account":
            from safeguard_desktop.services.accounts import NO_HASH

            out["password_hash"] = NO_HASH  # the local hash stays local (the server's login is the check)
        return out


def _plain_for_policies(row: dict[str, Any], facts_text: str) -> None:
    """Who reported an incident and its status, plain on a server: its row policy gives staff their own reports."""
    try:
        facts = json.loads(facts_text)
    except ValueError:
        return
    if isinstance(facts, dict):
        row["reported_by_user"] = facts.get("reported_by_user") or row.get("reported_by_user")
        row["status"] = str(facts.get("status") or row.get("status") or "")


def _rows(session: Session, table: Table) -> Iterator[dict[str, Any]]:
    keys = list(table.primary_key.columns)
    result = session.connection().execute(select(table).order_by(*keys).execution_options(yield_per=_BATCH))
    for row in result.mappings():
        yield dict(row)


def copy_table(local: Session, server: Session, table: Table, sealer: Sealer) -> int:
    batch: list[dict[str, Any]] = []
    copied = 0
    for row in _rows(local, table):
        if table.name == "setting" and row["key"] in LOCAL_SETTINGS:
            continue
        batch.append(sealer.moved_row(table, row))
        if len(batch) >= _BATCH:
            server.execute(insert(table), batch)
            copied, batch = copied + len(batch), []
    if batch:
        server.execute(insert(table), batch)
        copied += len(batch)
    return copied


def compare_table(local: Session, server: Session, table: Table, sealer: Sealer) -> None:
    """Every row of ``table`` on the server as the local one, opened; MoveMismatch naming the first difference."""
    key_names = [c.name for c in table.primary_key.columns]

    def expected() -> Iterator[dict[str, Any]]:
        for row in _rows(local, table):
            if not (table.name == "setting" and row["key"] in LOCAL_SETTINGS):
                yield sealer.expected(table, row)

    def differ(want: dict[str, Any] | None, got: dict[str, Any] | None) -> None:
        if want != got:
            where = want or got or {}
            key = ", ".join(f"{k} {where.get(k)}" for k in key_names)
            columns = sorted(k for k in set(want or {}) | set(got or {}) if (want or {}).get(k) != (got or {}).get(k))
            raise MoveMismatch(f"The server's copy of {table.name} ({key}) differs from the local register in "
                               f"{', '.join(columns) or 'its presence'}: nothing was committed; the server is as it "
                               "was. Try again; if it recurs, keep the local register and report it.")  # fmt: skip

    got_rows = (sealer.seen(row, table) for row in _rows(server, table))
    if _integer_key(table):
        for want, got in itertools.zip_longest(expected(), got_rows):
            differ(want, got)
        return
    by_key = {tuple(r[k] for k in key_names): r for r in got_rows}  # text keys: the two sort them differently
    for want in expected():
        differ(want, by_key.pop(tuple(want[k] for k in key_names), None))
    for left in by_key.values():
        differ(None, left)


def reset_numbering(server: Session, tables: list[Table]) -> None:
    """Each table's next number after the highest copied (rows were inserted with their own numbers)."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        server.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX({keys[0].name}) FROM {table.name}), "
            "0) + 1, false)"), {"t": table.name, "c": keys[0].name})  # fmt: skip


_ENTRY = ("at", "actor", "action", "record_kind", "record_id", "detail")


def local_entries(local: Session) -> Iterator[tuple[Any, ...]]:
    from safeguard_desktop.store.models import AuditEntry

    columns = [getattr(AuditEntry, name) for name in _ENTRY]
    query = select(*columns).where(AuditEntry.sequence.is_not(None)).order_by(AuditEntry.sequence)
    for row in local.connection().execute(query.execution_options(yield_per=_BATCH)):
        yield tuple(row)


def compare_entries(local: Session, server: Session, first: int) -> None:
    from safeguard_desktop.store.models import AuditEntry

    columns = [getattr(AuditEntry, name) for name in _ENTRY]
    query = select(*columns).where(AuditEntry.sequence >= first).order_by(AuditEntry.sequence)
    got = (tuple(r) for r in server.connection().execute(query.execution_options(yield_per=_BATCH)))
    for number, (want, have) in enumerate(itertools.zip_longest(local_entries(local), got), start=1):
        if want != have:
            raise MoveMismatch(f"The server's copy of audit entry {number} of the local register differs from it: "
                               "nothing was committed; the server is as it was.")  # fmt: skip
