"""On a register on a server, every change is the trail's: the server records each row written, by which login and in
which transaction (``row_change``, kept by the administrator's triggers: services/server_grants._change_log), and a
change an account's login made in a transaction that wrote no entry of the trail is one made outside the app — with
psql and a stolen password, say. The app writes an entry in every transaction that writes rows (one "saved changes to
the register" where its work wrote none, as row_vouch does on this computer), so the check names only those.

Where a local register vouches for its rows with marks (records/row_vouch.py), the server's own record does it here:
it cannot be written by any account's login, and names the login, not what the client claims."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.store.engine import state_of

#: At sign-in, a lead's look takes in at most this many of the newest changes (``audit verify`` takes them all).
AT_SIGN_IN = 20_000
#: Where a PC remembers how far its leads' sign-ins found every change accounted for (its own folder of the server).
SEEN_FILE = "changes-checked.json"
_SAID = {"insert": "added", "update": "changed", "delete": "removed"}


def kept(connection: Any) -> bool:
    """Whether this server register keeps the record of changes (one prepared by an earlier version does not until
    ``server prepare`` is run again)."""
    return connection.execute(text("SELECT to_regprocedure('sg_changed_here()') IS NOT NULL")).scalar_one() is True


def kept_here(session: Session) -> bool:
    """Whether the register behind ``session`` is on a server that keeps the record (a local register keeps none)."""
    return session.get_bind().dialect.name == "postgresql" and kept(session.connection())


def newest(connection: Any) -> int:
    """The number of the newest change on the record (0 for none)."""
    return int(connection.execute(text("SELECT coalesce(max(id), 0) FROM row_change")).scalar_one())


@event.listens_for(Session, "before_commit")
def _entry_for_changes(session: Session) -> None:
    """At each commit on a server: a transaction that wrote rows and no entry gets one, in the signed-in account's
    name (the server stamps it with the login)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    writer = state_of(bind).server_writer
    if writer is None:
        return
    from safeguard_desktop.services.records import audit, row_vouch

    entry = session.info.get(row_vouch.LAST_ENTRY)
    if entry is not None and entry in session:
        return
    session.flush()
    tables = session.connection().execute(text("SELECT sg_changed_here()")).scalar()
    if not tables:
        return
    names = ", ".join(str(table).replace("_", " ") for table in tables)
    audit.record(session, Actor(writer, Role.STAFF), row_vouch.SAVED_ACTION, "rows", "", names)
    session.flush()


@dataclass(frozen=True)
class Unaccounted:
    """Changes no entry of the trail accounts for: how many rows, the first few tables' changes said for a person
    (one per transaction and table), the newest one's number, and how many such tables' changes in all."""

    count: int
    said: list[str]
    newest: int
    groups: int = 0

    def describe(self) -> str:
        left = max(self.groups, len(self.said)) - len(self.said)
        more = f" (and {left} more such change{'s' if left > 1 else ''} of a table)" if left else ""
        what = "a change was" if self.count == 1 else f"{self.count} changes were"
        return (f"{what} made on the server with no entry of the trail (outside the app): " + "; ".join(self.said)
                + more)  # fmt: skip


def _key(row_key: Any) -> str:
    if isinstance(row_key, str):
        row_key = json.loads(row_key)
    if not isinstance(row_key, dict) or not row_key:
        return ""
    if len(row_key) == 1:
        return str(next(iter(row_key.values())))
    return ", ".join(f"{k} {v}" for k, v in sorted(row_key.items()))


def _done(op: str, columns: Iterable[str]) -> str:
    """What was done to a row, said for a person: "added", "removed", "changed (its columns but the version)"."""
    changed = sorted({c.replace("_", " ") for c in columns if c and c != "version"})
    return _SAID.get(op, op) + (f" ({', '.join(changed)})" if op == "update" and changed else "")


def _said(rows: Iterable[Any]) -> list[str]:
    from safeguard_desktop.domain.dates import format_uk_datetime

    out = []
    for at, account, table, op, count, first, columns in rows:
        what = f"{table.replace('_', ' ')} {_key(first)}".strip()
        if count > 1:
            what += f" and {count - 1} more of its rows"
        out.append(f"{what} {_done(op, (columns or '').split(','))} by the login of the account {account} at "
                   f"{format_uk_datetime(at.astimezone().replace(tzinfo=None))}")  # fmt: skip
    return out


#: What a lead told of such changes does next (at sign-in, and in the window while working).
WHAT_TO_DO = ("Have the school's IT support change that login's password; then check the trail (Settings > Audit "
              "trail > Check the chain, or 'safeguard audit verify'), put right what was changed, and note them "
              "there.")  # fmt: skip


def told(found: str) -> str:
    """A finding of the check as a lead is told it: the finding, then what to do."""
    return f"{found[0].upper()}{found[1:]}. {WHAT_TO_DO}"


#: The most rows of one transaction said for a person (the rest counted).
ROWS_SAID = 40


def rows_with_entry(session: Session, actor: Actor, sequence: int) -> list[str]:
    """What the server recorded as written in the same transaction as the trail's entry ``sequence`` (a lead's look
    behind an entry: "saved changes to the register", or one a login wrote for itself beside a change made with
    psql): each table's rows, with the login; [] where the server kept no record of it."""
    actor.require(Operation.VIEW_AUDIT)
    if not kept_here(session):
        return []
    found = session.connection().execute(text(
        "SELECT c.table_name, c.op, c.row_key::text, c.columns, c.account, c.login FROM row_change e "
        "JOIN row_change c ON c.txid = e.txid AND c.at = e.at JOIN audit_entry a ON e.row_key = "
        "jsonb_build_object('id', a.id) WHERE e.table_name = 'audit_entry' AND e.op = 'insert' AND a.sequence = :s "
        "AND c.table_name NOT IN ('audit_entry', 'audit_rows') ORDER BY c.id LIMIT :n"),
        {"s": sequence, "n": ROWS_SAID + 1}).all()  # fmt: skip
    said = []
    for table, op, key, columns, account, login in found[:ROWS_SAID]:
        by = f"the login of the account {account}" if account else f"the server's login {login}"
        said.append(f"{table.replace('_', ' ')} {_key(key)} {_done(op, columns or [])} by {by}")
    if len(found) > ROWS_SAID:
        said.append("and more")
    return said


#: A lead's entry saying it has seen the changes made outside the app up to a change's number (its record).
NOTE_ACTION = "noted changes made outside the app"


def newest_by_a_lead(connection: Any, action: str, kind: str) -> int:
    """The highest record number of the entries ``action`` on ``kind`` that a lead's own login wrote (the server
    stamps each entry with its login, so the office's or a teacher's cannot write one that counts); 0 for none."""
    from safeguard_desktop.services.server_school import of_connection

    school = of_connection(connection)
    found = connection.execute(text(
        "SELECT max(CAST(a.record_id AS bigint)) FROM audit_entry a JOIN pg_roles r ON r.rolname = :prefix || a.signer "
        "WHERE a.action = :action AND a.record_kind = :kind AND a.record_id ~ '^[0-9]{1,18}$' "
        "AND pg_has_role(r.oid, :lead, 'MEMBER')"),
        {"prefix": school.login_prefix, "action": action, "kind": kind, "lead": school.lead}).scalar_one()  # fmt: skip
    return int(found or 0)


def noted_up_to(connection: Any) -> int:
    """The newest change a lead has noted; 0 for none."""
    return newest_by_a_lead(connection, NOTE_ACTION, "row_change")


def unaccounted(connection: Any, since: int = 0, shown: int = 5) -> Unaccounted | None:
    """The changes after ``since`` (a change's number), and after the newest a lead noted, that an account's login
    made in a transaction with no entry of the trail; None when there are none. A transaction is its number and its
    start (the numbers start again on a server restored from a dump)."""
    since = max(since, noted_up_to(connection))
    where = ("c.account IS NOT NULL AND c.id > :since AND NOT EXISTS (SELECT 1 FROM row_change e WHERE "
             "e.txid = c.txid AND e.at = c.at AND e.table_name = 'audit_entry' AND e.op = 'insert')")  # fmt: skip
    grouped = connection.execute(text(
        f"SELECT min(c.at), c.account, c.table_name, c.op, count(*), min(c.row_key::text), "
        f"string_agg(DISTINCT array_to_string(c.columns, ','), ','), min(c.id) AS first, max(c.id) "
        f"FROM row_change c WHERE {where} GROUP BY c.txid, c.at, c.account, c.table_name, c.op "
        "ORDER BY first"), {"since": since}).all()  # fmt: skip
    if not grouped:
        return None
    total = sum(int(row[4]) for row in grouped)
    return Unaccounted(
        total, _said(row[:7] for row in grouped[:shown]), max(int(row[8]) for row in grouped), len(grouped)
    )


def noted_before(connection: Any) -> str:
    """What the leads have noted so far, said for a person ("" for nothing)."""
    from safeguard_desktop.domain.dates import format_uk_datetime

    up_to = noted_up_to(connection)
    if not up_to:
        return ""
    at, actor = connection.execute(text(
        "SELECT at, actor FROM audit_entry WHERE action = :action AND record_kind = 'row_change' "
        "AND record_id = :id ORDER BY sequence DESC LIMIT 1"),
        {"action": NOTE_ACTION, "id": str(up_to)}).one()  # fmt: skip
    return (
        f"Changes made on the server outside the app were noted in it (the last by {actor} on "
        f'{format_uk_datetime(at)}: see the entries "{NOTE_ACTION}").'
    )


@changes(Topic.AUDIT)
def note(session: Session, actor: Actor) -> Unaccounted | None:
    """A lead notes, in the trail, the changes made outside the app that the check names (the entry holds what they
    were; the check then counts them as seen, and goes on naming any made after). What was noted, or None."""
    from safeguard_desktop.services.errors import ValidationError
    from safeguard_desktop.services.records import audit

    actor.require(Operation.VIEW_AUDIT)
    if not kept_here(session):
        raise ValidationError("Only a register on a server keeps a record of changes made outside the app.")
    found = unaccounted(session.connection(), shown=20)
    if found is None:
        return None
    audit.record(session, actor, NOTE_ACTION, "row_change", found.newest, found.describe())
    return found


def at_sign_in(connection: Any, folder: Path) -> str | None:
    """A lead's look at sign-in, on a server that keeps the record: the changes since this PC's leads last found
    them all accounted for (at most the newest :data:`AT_SIGN_IN`); what is wrong, or None (and the point reached is
    remembered)."""
    top = newest(connection)
    seen = folder / SEEN_FILE
    try:
        since = int(json.loads(seen.read_text(encoding="utf-8")).get("checked", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        since = 0
    since = max(0, min(since, top), top - AT_SIGN_IN)
    found = unaccounted(connection, since)
    if found is not None:
        return found.describe()
    with contextlib.suppress(OSError):  # (the next sign-in looks again from where it could)
        seen.write_text(json.dumps({"checked": top}), encoding="utf-8")
    return None
