"""Rows vouched for by the trail: every transaction's last audit entry records a digest of each row the transaction
wrote, and that entry's writer's mark covers the record. A key to the file (the office's opens it) then changes no
consent decision, contact or never-photograph flag unseen: the lead's check of the trail finds the row no longer
matching what the last entry to vouch for it recorded, and names it.

- **Which rows**: SQLite notes them itself (store/touched.py), so the ORM's flushes and the importers' bulk
  statements are covered alike; read back at commit, in the same transaction.
- **Digest of a row**: BLAKE2b-128 over the table, the key and each column that is not NULL as ``name=type:value``,
  in name order, from the values SQLite holds (so a migration adding a nullable column changes no digest). Columns a
  role may not change (the never-photograph flag for the office) get a digest of their own.
- **Where**: ``audit_rows(entry_hash, sequence, rows)``, zlib-compressed JSON ``{"rows": {table: {key: [digest,
  guarded] | null}}, "whole": [tables]}`` for the transaction's last entry (one is written when it wrote none);
  its mark becomes ``HMAC(agreed key, "audit entry" ‖ chain hash ‖ "rows" ‖ SHA-256(record))``, so deleting,
  adding or editing a record breaks the mark, and no one but a lead remakes a lead's mark.
- **From when**: a lead's sign-in vouches once for every row of every table (the baseline) and signs its entry
  into the record of accounts (``rows_vouched_from``), so the check cannot be switched off by making the register
  look older.
- **What an entry may vouch for**: a lead's, anything; the office's, never the incident tables, the accounts, the
  school, the purposes or the never-photograph flag (what the office may not change in the app), so an entry the
  office forges for its own change is both attributed to it and held to its role."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.store import touched
from safeguard_desktop.store.engine import state_of
from safeguard_desktop.store.models import AuditEntry, AuditRows

#: Tables the office may not write at all, in the app or through an entry of its own.
NOT_THE_OFFICES = frozenset({"school", "consent_purpose", "incident", "incident_person", "incident_entry",
                             "incident_reader", "cp_transfer", "user_account"})  # fmt: skip
#: The settings the office may change in the app (the wording of letters, how its reply and MIS files are read);
#: every other (term dates, the idle lock, backups, two-step sign-in, the key generation) is the leads'.
OFFICE_SETTINGS = ("template:", "form_reply_mapping", "mis_consent_mapping")
#: Columns the office may not change, with what a row the office adds must hold in them (as SQLite's quote() says it).
GUARDED: dict[str, dict[str, str]] = {"pupil": {"never_photograph": "0", "never_photograph_reason": "NULL"}}
_LEADS = frozenset({Role.DSL.value, Role.DEPUTY_DSL.value})
_OFFICE = Role.OFFICE.value
#: The most a record of rows may take once unpacked (a baseline of 50,000 pupils is about 12 MB).
MAX_RECORD = 512 * 1024 * 1024
BASELINE_ACTION = "vouched for every row of the register"
SAVED_ACTION = "saved changes to the register"
LAST_ENTRY = "audit_last_entry"


def _name(identifier: str) -> str:
    """An SQL identifier, quoted (a column's name comes from the file, which anyone with its key can change)."""
    return '"' + identifier.replace('"', '""') + '"'


def _text(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def _row_text(columns: Iterable[str]) -> str:
    """The SQL that says a row as text: each column that is not NULL as ``name=quote(value)``, in name order (so a
    migration adding a nullable column changes no digest). SQLite's quote() tells integers, text and blobs apart and
    says each the same way in every version; built in SQLite, it costs a microsecond a row, not the 15 in Python."""
    parts = [f"(CASE WHEN {_name(c)} IS NULL THEN '' ELSE {_text(c + '=')} || quote({_name(c)}) || char(31) END)"
             for c in sorted(columns)]  # fmt: skip
    return " || ".join(parts) or "''"


def _guarded_text(table: str) -> str:
    return " || char(31) || ".join(f"quote({_name(c)})" for c in sorted(GUARDED[table])) if table in GUARDED else "NULL"


def row_digest(table: str, key: object, text: str) -> bytes:
    """The digest of one row: the table, its key and the row's text (see :func:`_row_text`), under BLAKE2b-128."""
    return hashlib.blake2b(f"{table}\x1f{key}\x1f{text}".encode("utf-8", "surrogatepass"), digest_size=16).digest()


def guarded_digest(table: str, key: object, text: str) -> bytes:
    """The digest of a row's guarded columns (NULL said as NULL: a flag cleared is a change)."""
    return hashlib.blake2b(f"guarded\x1f{table}\x1f{key}\x1f{text}".encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()  # fmt: skip


def default_guarded(table: str, key: object) -> bytes:
    """The guarded digest of a row holding what a row the office adds must hold."""
    values = GUARDED[table]
    return guarded_digest(table, key, "\x1f".join(values[c] for c in sorted(values)))


def _select(
    connection: Any, table: str, key_column: str, where: str = "", parameters: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, str, str | None]]:
    """(key, the row's text, its guarded columns' text) of each row, read through the driver's own cursor inside the
    connection's transaction (streamed). The columns are the file's own: one added outside the app is in the text."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        columns = [row[1] for row in cursor.execute(f"PRAGMA main.table_info({_name(table)})")]
        cursor.execute(f"SELECT {_name(key_column)}, {_row_text(columns)}, {_guarded_text(table)} "
                       f"FROM main.{_name(table)} {where}", parameters)  # fmt: skip
        yield from cursor
    finally:
        cursor.close()


@dataclass
class Written:
    """One table's part of a record: the keys of the rows vouched for with their digests (16 bytes each, in the same
    order), the guarded digests for a table with guarded columns, and the keys of the rows deleted."""

    keys: list[Any] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    guarded: list[bytes] = field(default_factory=list)
    deleted: list[Any] = field(default_factory=list)

    def add(self, table: str, key: Any, text: str, guarded: str | None) -> None:
        self.keys.append(key)
        self.digests.append(row_digest(table, key, text))
        if guarded is not None:
            self.guarded.append(guarded_digest(table, key, guarded))

    def packed(self) -> dict[str, Any]:
        out: dict[str, Any] = {"keys": self.keys, "digests": base64.b64encode(b"".join(self.digests)).decode("ascii")}
        if self.guarded:
            out["guarded"] = base64.b64encode(b"".join(self.guarded)).decode("ascii")
        if self.deleted:
            out["deleted"] = self.deleted
        return out


def entries(part: object) -> Iterator[tuple[str, bytes | None, bytes | None]]:
    """(key, digest or None for a row deleted, guarded digest or None) of one table's part of a record read back;
    ValueError when it is not one the app writes."""
    if not isinstance(part, dict) or not isinstance(part.get("keys"), list):
        raise ValueError("a table's part of the record of rows is not one the app writes")
    keys = part["keys"]
    digests = base64.b64decode(part.get("digests", ""), validate=True)
    guarded = base64.b64decode(part.get("guarded", ""), validate=True)
    if len(digests) != 16 * len(keys) or len(guarded) not in (0, len(digests)):
        raise ValueError("a table's part of the record of rows does not add up")
    for at, key in enumerate(keys):
        yield str(key), digests[16 * at : 16 * at + 16], guarded[16 * at : 16 * at + 16] if guarded else None
    for key in part.get("deleted", []):
        yield str(key), None, None


def digests_of_written(connection: Any, written: dict[str, set[Any]]) -> dict[str, Written]:
    """What the rows the transaction wrote now hold, and which it deleted, read in the same transaction."""
    tables = touched.vouched_tables()
    out: dict[str, Written] = {}
    for table, keys in written.items():
        key_column = tables[table]
        part = out[table] = Written()
        where = f"WHERE {_name(key_column)} IN (SELECT k FROM temp.sg_touched WHERE tbl = {_text(table)})"
        for key, text, guarded in _select(connection, table, key_column, where):
            part.add(table, key, text, guarded)
        if len(part.keys) < len(keys):
            part.deleted = sorted(keys - set(part.keys), key=str)
    return out


def pack(rows: dict[str, Written], whole: Iterable[str] = ()) -> bytes:
    """The record kept in ``audit_rows``: JSON, the digests as base64 (raw digests do not compress: level 1)."""
    body = {
        "rows": {table: part.packed() for table, part in rows.items()},
        **({"whole": sorted(whole)} if whole else {}),
    }
    return zlib.compress(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8"), 1)


def unpack(blob: bytes) -> dict[str, Any]:
    """A record read back, within :data:`MAX_RECORD`; ValueError when it is not one."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(blob, MAX_RECORD)
    if inflater.unconsumed_tail:
        raise ValueError("the record of rows is larger than any the app writes")
    data = json.loads(text.decode("utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rows"), dict):
        raise ValueError("the record of rows is not one the app writes")
    return data


def record_digest(blob: bytes | None) -> str | None:
    """What an entry's mark covers of its record of rows (None: the entry has none)."""
    return None if blob is None else hashlib.sha256(blob).hexdigest()


def _remark(session: Session, entry: AuditEntry, blob: bytes) -> None:
    from safeguard_desktop.services.records import audit

    signer = state_of(session.get_bind()).signer
    assert signer is not None and entry.chain_hash
    session.add(AuditRows(entry_hash=entry.chain_hash, sequence=entry.sequence, rows=blob))
    entry.signature = f"{signer[1]}:{audit.mark(signer[2], entry.chain_hash, record_digest(blob))}"
    session.info["audit_rows_for"] = entry.sequence


@event.listens_for(Session, "before_commit")
def _vouch_for_rows(session: Session) -> None:
    """At every commit of a register whose entries are marked: the rows written, vouched for by the last entry."""
    bind = session.get_bind()
    state = state_of(bind)
    if state.signer is None or state.trail is None or bind.dialect.name != "sqlite":
        return
    session.flush()
    connection = session.connection()
    written = touched.keys_written(connection)
    if not written:
        return
    from safeguard_desktop.services.records import audit

    blob = pack(digests_of_written(connection, written))
    entry = session.info.get(LAST_ENTRY)
    if entry is None or entry not in session or session.info.get("audit_rows_for") == entry.sequence:
        names = ", ".join(sorted(table.replace("_", " ") for table in written))
        audit.record(session, Actor(state.signer[0], Role.STAFF), SAVED_ACTION, "rows", "", names)
        entry = session.info[LAST_ENTRY]
        session.flush()
    _remark(session, entry, blob)
    touched.forget(connection)
    session.flush()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_entry(session: Session) -> None:
    session.info.pop(LAST_ENTRY, None)
    session.info.pop("audit_rows_for", None)


def vouch_for_everything(session: Session, actor: Actor) -> int:
    """The baseline: one entry, by a lead, vouching for every row of every table. Its sequence number."""
    from safeguard_desktop.services.records import audit

    connection = session.connection()
    rows: dict[str, Written] = {}
    for table, key_column in touched.vouched_tables().items():
        part = rows[table] = Written()
        for key, text, guarded in _select(connection, table, key_column):
            part.add(table, key, text, guarded)
    audit.record(session, actor, BASELINE_ACTION, "rows", "", f"{sum(len(part.keys) for part in rows.values())} rows")
    entry = session.info[LAST_ENTRY]
    session.flush()
    _remark(session, entry, pack(rows, whole=touched.vouched_tables()))
    return int(entry.sequence)


#: The newest records of rows each lead sign-in compares with the rows they name (a full check: audit verify), and
#: the most rows it reads for them (an import's record names tens of thousands: the sign-in stays quick).
QUICK_RECORDS = 200
QUICK_ROWS = 5_000


def recent_difference(connection: Any, start: int) -> str | None:
    """The check made at a lead's sign-in, in a few reads: the rows the newest :data:`QUICK_RECORDS` entries vouched
    for (from ``start``, the baseline; the baseline itself is left to the full check) against what they hold now.
    The first difference, said for a person, or None. Their marks were checked just before (trail_check.quick)."""
    newest: dict[str, dict[str, tuple[bytes | None, int]]] = {}
    records = connection.exec_driver_sql(
        "SELECT e.sequence, r.rows FROM audit_entry AS e JOIN audit_rows AS r ON r.entry_hash = e.chain_hash "
        "WHERE e.sequence > ? ORDER BY e.sequence DESC LIMIT ?", (start, QUICK_RECORDS))  # fmt: skip
    tables = touched.vouched_tables()
    gathered = 0
    for sequence, blob in records:
        if gathered >= QUICK_ROWS:
            break
        try:
            data = unpack(blob)
        except (ValueError, zlib.error, UnicodeDecodeError):
            return f"entry {sequence}'s record of the rows it wrote is damaged"
        if data.get("whole"):
            break  # everything older is what it vouched for
        try:
            for table, part in data["rows"].items():
                if table in tables:
                    seen = newest.setdefault(table, {})
                    for key, digest, _guarded in entries(part):
                        if gathered < QUICK_ROWS and key not in seen:
                            seen[key] = (digest, sequence)
                            gathered += 1
        except ValueError:
            return f"entry {sequence}'s record of the rows it wrote is damaged"
    for table, expected in newest.items():
        keys = list(expected)
        for at in range(0, len(keys), 500):
            chunk = keys[at : at + 500]
            marks = ", ".join("?" * len(chunk))
            native = tuple(int(k) for k in chunk) if _numbered(table) else tuple(chunk)  # (the key's index used)
            present = set()
            where = f"WHERE {_name(tables[table])} IN ({marks})"
            for native_key, text, _guarded_text in _select(connection, table, tables[table], where, native):
                key = str(native_key)
                present.add(key)
                digest, sequence = expected[key]
                if digest is None:
                    return f"{_said(table)} {key} was put back outside the app (entry {sequence} deleted it)"
                if row_digest(table, native_key, text) != digest:
                    return (f"{_said(table)} {key} was changed outside the app (it is not what entry {sequence} "
                            "recorded)")  # fmt: skip
            for key in chunk:
                if key not in present and expected[key][0] is not None:
                    return f"{_said(table)} {key} was deleted outside the app (entry {expected[key][1]} recorded it)"
    return None


@cache
def _numbered(table: str) -> bool:
    """Whether the table's key is a number (every table's but the settings')."""
    from safeguard_desktop.store.models import Base

    (key,) = Base.metadata.tables[table].primary_key.columns
    return key.type.python_type is int


def _said(table: str) -> str:
    return table.replace("_", " ").replace("cp transfer", "child-protection transfer")


@dataclass
class RowCheck:
    """The lead's check of the rows against the trail: fed each entry's record of rows as the chain is walked (after
    its mark checked), then compared with every table. ``roles`` are the accounts' roles in the signed record."""

    start: int
    roles: dict[str, str]
    #: Each account's roles over the trail: (entry, role from then on), from the leads' entries that added it or
    #: changed its role — a lead demoted later still wrote as a lead before.
    timeline: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    expected: dict[str, dict[str, tuple[bytes, int] | None]] = field(default_factory=dict)
    guarded: dict[str, dict[str, bytes]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    found: int = 0

    def take(self, sequence: int, signer: str | None, blob: bytes) -> str | None:
        """Fold in one entry's record; what is wrong with it (a role exceeded, a record damaged), or None."""
        if sequence < self.start:
            return None
        try:
            data = unpack(blob)
        except (ValueError, zlib.error, UnicodeDecodeError) as exc:
            return f"its record of the rows it wrote is damaged ({exc})"
        tables = touched.vouched_tables()
        role = self.role_at(signer or "", sequence)
        whole = data.get("whole") or []
        # A table made by a later version of the app is not in an earlier baseline: empty then, any row in it that
        # no later entry vouched for is said to be added outside the app.
        if sequence == self.start and (role not in _LEADS or not set(whole) <= set(tables)):
            return "the entry that vouched for every row of the register is not a lead's, or names tables it has not"
        if whole and role not in _LEADS:
            return f"this entry, by {signer}, vouched for whole tables, which only a safeguarding lead's may"
        for table in whole:
            self.expected[table] = {}
        for table, part in data["rows"].items():
            if table not in tables:
                return f"its record of rows names a table the register does not have ({table!r})"
            if role not in _LEADS and (role != _OFFICE or table in NOT_THE_OFFICES):
                return (f"this entry, by {signer} ({role or 'no role'}), changed {_said(table)} rows, which that "
                        "role may not change")  # fmt: skip
            try:
                rows: Iterable[tuple[str, bytes | None, bytes | None]] = entries(part)
                if role == _OFFICE and table == "second_factor":  # its own two-step sign-in, no one else's
                    rows = list(rows)
                    if any(key != signer for key, _d, _g in rows):
                        return (f"this entry, by {signer} (office), changed another account's two-step sign-in, "
                                "which only a safeguarding lead may")  # fmt: skip
                if role == _OFFICE and table == "setting":
                    rows = list(rows)
                    beyond = next((key for key, _d, _g in rows if not key.startswith(OFFICE_SETTINGS)), None)
                    if beyond is not None:
                        return (f"this entry, by {signer} (office), changed the setting {beyond!r}, which only a "
                                "safeguarding lead may change")  # fmt: skip
                problem = self._fold(sequence, signer, role, table, rows)
            except ValueError as exc:
                return f"its record of the rows it wrote is damaged ({exc})"
            if problem is not None:
                return problem
        return None

    def role_at(self, account: str, sequence: int) -> str:
        """The account's role when it wrote entry ``sequence`` (its role now when the trail does not say)."""
        role = self.roles.get(account, "")
        for since, given in self.timeline.get(account, ()):
            if since >= sequence:
                break
            role = given
        return role

    def _fold(self, sequence: int, signer: str | None, role: str, table: str,
              rows: Iterable[tuple[str, bytes | None, bytes | None]]) -> str | None:  # fmt: skip
        expected = self.expected.setdefault(table, {})
        guarded = self.guarded.setdefault(table, {}) if table in GUARDED else None
        for key, digest, guarded_now in rows:
            if digest is None:
                expected[key] = None  # deleted: a guarded digest stays, for a row put back under the same key
                continue
            expected[key] = (digest, sequence)
            if guarded is None:
                continue
            new = guarded_now or b""
            if role not in _LEADS:
                before = guarded.get(key) or default_guarded(table, key)
                if new != before:
                    return (f"this entry, by {signer} ({role}), changed the never-photograph flag of pupil {key}, "
                            "which only a safeguarding lead may")  # fmt: skip
            guarded[key] = new
        return None

    def compare(self, connection: Any) -> list[str]:
        """Every row of every table against what the trail last vouched for; what differs, said for a person (the
        first 20), and ``found`` set to how many."""
        if self.start < 1:
            return []
        for table, key_column in touched.vouched_tables().items():
            expected = self.expected.get(table, {})
            for key, text, _guarded in _select(connection, table, key_column):
                vouched = expected.pop(str(key), None)
                if vouched is None:
                    self._say(f"{_said(table)} {key} was added outside the app")
                elif row_digest(table, key, text) != vouched[0]:
                    self._say(f"{_said(table)} {key} was changed outside the app (it is not what entry "
                              f"{vouched[1]} recorded)")  # fmt: skip
            for key, vouched in expected.items():
                if vouched is not None:
                    self._say(f"{_said(table)} {key} was deleted outside the app (entry {vouched[1]} recorded it)")
        return self.problems

    def _say(self, problem: str) -> None:
        self.found += 1
        if len(self.problems) < 20:
            self.problems.append(problem)
