"""Move a local register onto a new register on a PostgreSQL server (``safeguard server move-from``), verified.

The school's IT support runs it once, on the computer that holds the local register, with the server's
administrator URL and the DSL's account (its password opens the local register and becomes its login's password
on the server). In one transaction on the server, so that a failure or a kill leaves the server as it was:

- every row of every table is copied with its number, in the order the foreign keys need;
- text sealed to the local safeguarding key is opened and sealed again to the server register's new key pair
  (made now, the DSL's row holding it), so no key file of the local register — in a backup or anywhere — opens what
  is on the server; a reporter's own copy of a report (sealed to a personal key the server has no use for) stays
  behind, and who reported an incident and its status are kept plain as the server's row policies need;
- the local audit trail's entries are chained onto the server's trail, each as it was (when, who, what, detail);
  their marks stay behind (made with the local register's keys);
- then every row and every entry is read back and compared with the local register's, the sealed ones opened with
  each side's key: one difference and nothing is committed.

Passwords are not moved (the local hashes stay local): the DSL's login is made now; the other accounts are given
theirs by the DSL in Settings > Accounts, which hands each its key. The local register stays, marked as moved: every
sign-in to it says so (no silent second register). Refused, with nothing changed: a local trail that does not
verify, restricted cases (their keys are personal: not on a server yet), and a server register already in use.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Table, Text, delete, func, insert, select, text
from sqlalchemy.orm import Session

from safeguard_desktop.files import write_atomically
from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import ValidationError

if TYPE_CHECKING:
    from safeguard_desktop.services.database import Register

#: Not copied as rows: the trail (chained again onto the server's), and what belongs to the local register's keys
#: (two-step secrets sealed to personal keys, the server's own key rows).
_NOT_COPIED = frozenset({"audit_entry", "audit_rows", "audit_head", "second_factor", "server_key"})
#: Settings of the local register's keys, meaningless on the server.
_LOCAL_SETTINGS = frozenset({"key_generation"})
#: The file in a local register's folder that says it was moved (read at every sign-in to it, by every role).
MOVED_FILE = "moved-to-server.json"
_BATCH = 2_000

Progress = Callable[[int, int, str], None]


class MoveRefused(ValidationError):
    """The move cannot be made as things are; nothing was changed."""


class MoveMismatch(ValidationError):
    """What was read back from the server differs from the local register; nothing was committed."""


@dataclass
class Moved:
    """What a move did."""

    rows: dict[str, int] = field(default_factory=dict)
    entries: int = 0
    resealed: int = 0
    #: Reporters' own copies of their reports (sealed to their personal keys) left behind.
    own_copies_left: int = 0
    #: Sealed texts the local safeguarding key does not open (damaged, or an older key's): copied as they were.
    unopened: int = 0
    #: Accounts to be given a password (their login) on the server by the DSL.
    without_login: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: True when this run only finished a move whose server side was committed before it was stopped.
    finished_before: bool = False

    def summary(self) -> str:
        """What to tell the person who ran it."""
        if self.finished_before:
            return (
                "The register was moved to the server before this run (its copy there was read back and matched "
                "then); the local register is now marked as moved. Work on the server from now on."
            )
        total = sum(self.rows.values())
        lines = [
            f"Moved {total:,} rows ({self.rows.get('pupil', 0):,} pupils, {self.rows.get('incident', 0):,} incidents) "
            f"and {self.entries:,} audit entries to the server in {self.seconds:.1f} s; every row and entry was read "
            "back and matched the local register.",
            f"{self.resealed:,} sealed texts were sealed again to the server register's own key: the local key files "
            "and backups open none of them there.",
        ]
        if self.own_copies_left:
            lines.append(f"{self.own_copies_left} reporter's own copies of their reports stayed behind (the leads' "
                         "sealed copies moved).")  # fmt: skip
        if self.unopened:
            lines.append(f"{self.unopened} sealed texts did not open with the local key and were copied as they were.")
        if self.without_login:
            lines.append("Accounts without a login on the server yet (the DSL gives each a password in Settings > "
                         "Accounts): " + ", ".join(self.without_login) + ".")  # fmt: skip
        lines.append("The local register is kept, marked as moved: signing in to it says so. Work on the server from "
                     "now on.")  # fmt: skip
        return "\n".join(lines)


def _tables() -> list[Table]:
    from safeguard_desktop.store.models import Base

    return [t for t in Base.metadata.sorted_tables if t.name not in _NOT_COPIED]


def _text_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, (String, Text))]


def _integer_key(table: Table) -> bool:
    return all(isinstance(c.type, Integer) for c in table.primary_key.columns)


def _refuse_local(session: Session, local: Register, lead: Actor) -> None:
    from safeguard_desktop.services.records import trail_check
    from safeguard_desktop.store.models import Incident, IncidentReader

    if local.keys is None or lead.safeguarding_key is None or lead.role is not Role.DSL:
        raise MoveRefused("Sign in to the local register as its DSL to move it (an encrypted register with accounts: "
                          "its DSL's password opens what is sealed).")  # fmt: skip
    restricted = session.scalar(select(func.count()).select_from(Incident).where(Incident.case_public.is_not(None)))
    readers = session.scalar(select(func.count()).select_from(IncidentReader))
    if restricted or readers:
        raise MoveRefused(
            f"{restricted or readers} incident(s) of the local register are restricted cases, whose "
            "keys are their named readers' own: a server register cannot hold them yet. Lift the "
            "restrictions (Incidents > the case > Who reads it… > Let every lead read it) and move again; nothing was "
            "changed."
        )
    checked = trail_check.check(session, lead, local.folder, local.keys)
    if not checked.intact:
        raise MoveRefused(f"The local register's audit trail does not verify, so it is not moved: "
                          f"{checked.describe()} Nothing was changed.")  # fmt: skip


def _refuse_server(session: Session) -> None:
    from safeguard_desktop.store.models import AuditEntry, Event, Incident, Pupil, ServerKey, UserAccount

    found = {name: session.scalar(select(func.count()).select_from(model)) or 0
             for name, model in (("pupils", Pupil), ("accounts", UserAccount), ("incidents", Incident),
                                 ("events", Event), ("keys", ServerKey))}  # fmt: skip
    found["audit entries of its own"] = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.record_kind != "server")) or 0  # fmt: skip
    used = {name: n for name, n in found.items() if n}
    if used:
        said = ", ".join(f"{n} {name}" for name, n in used.items())
        raise MoveRefused(f"The register on the server is in use already ({said}): a local register is moved only "
                          "into a new one. Prepare a new database (safeguard server prepare URL) and move into "
                          "it; nothing was changed.")  # fmt: skip


@dataclass
class _Sealer:
    """Opens what the local safeguarding key sealed; seals it again to the server's key; counts."""

    local: Callable[[str], str]
    server_public: bytes
    server: Callable[[str], str]
    moved: Moved

    def moved_row(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        """The row as the server keeps it (counted)."""
        return self._as_moved(
            table, row, lambda opened: sealed_box.seal(self.server_public, opened), self.moved, view=False
        )

    def expected(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        """A local row as a reader of the server must see it once moved (sealed values opened)."""
        return self._as_moved(table, row, lambda opened: ("sealed", opened), Moved(), view=True)

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

    def _as_moved(self, table: Table, row: dict[str, Any], sealed: Callable[[str], Any], moved: Moved, *,
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


def _copy_table(local: Session, server: Session, table: Table, sealer: _Sealer) -> int:
    batch: list[dict[str, Any]] = []
    copied = 0
    for row in _rows(local, table):
        if table.name == "setting" and row["key"] in _LOCAL_SETTINGS:
            continue
        batch.append(sealer.moved_row(table, row))
        if len(batch) >= _BATCH:
            server.execute(insert(table), batch)
            copied, batch = copied + len(batch), []
    if batch:
        server.execute(insert(table), batch)
        copied += len(batch)
    return copied


def _compare_table(local: Session, server: Session, table: Table, sealer: _Sealer) -> None:
    """Every row of ``table`` on the server as the local one, opened; MoveMismatch naming the first difference."""
    key_names = [c.name for c in table.primary_key.columns]

    def expected() -> Iterator[dict[str, Any]]:
        for row in _rows(local, table):
            if not (table.name == "setting" and row["key"] in _LOCAL_SETTINGS):
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
        for want, got in _zip_longest(expected(), got_rows):
            differ(want, got)
        return
    by_key = {tuple(r[k] for k in key_names): r for r in got_rows}  # text keys: the two sort them differently
    for want in expected():
        differ(want, by_key.pop(tuple(want[k] for k in key_names), None))
    for left in by_key.values():
        differ(None, left)


def _zip_longest(a: Iterator[Any], b: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
    import itertools

    return itertools.zip_longest(a, b)


def _reset_numbering(server: Session, tables: list[Table]) -> None:
    """Each table's next number after the highest copied (rows were inserted with their own numbers)."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        server.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX({keys[0].name}) FROM {table.name}), "
            "0) + 1, false)"), {"t": table.name, "c": keys[0].name})  # fmt: skip


_ENTRY = ("at", "actor", "action", "record_kind", "record_id", "detail")


def _local_entries(local: Session) -> Iterator[tuple[Any, ...]]:
    from safeguard_desktop.store.models import AuditEntry

    columns = [getattr(AuditEntry, name) for name in _ENTRY]
    query = select(*columns).where(AuditEntry.sequence.is_not(None)).order_by(AuditEntry.sequence)
    for row in local.connection().execute(query.execution_options(yield_per=_BATCH)):
        yield tuple(row)


def _compare_entries(local: Session, server: Session, first: int) -> None:
    from safeguard_desktop.store.models import AuditEntry

    columns = [getattr(AuditEntry, name) for name in _ENTRY]
    query = select(*columns).where(AuditEntry.sequence >= first).order_by(AuditEntry.sequence)
    got = (tuple(r) for r in server.connection().execute(query.execution_options(yield_per=_BATCH)))
    for number, (want, have) in enumerate(_zip_longest(_local_entries(local), got), start=1):
        if want != have:
            raise MoveMismatch(f"The server's copy of audit entry {number} of the local register differs from it: "
                               "nothing was committed; the server is as it was.")  # fmt: skip


def move(local: Register, lead: Actor, server_register: Register, password: str,
         progress: Progress | None = None) -> Moved:  # fmt: skip
    """Move the register ``local`` (signed in as its DSL ``lead``, whose ``password`` becomes its login's) into the
    new register on the server, ``server_register`` (opened with its administrator's URL). MoveRefused or
    MoveMismatch with nothing changed on the server. A move stopped after the server's commit (a kill, a power cut)
    is finished by running it again."""
    from safeguard_desktop import faultpoints
    from safeguard_desktop.services import server, server_keys
    from safeguard_desktop.services.accounts import staff_reports
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import read_session, write_session
    from safeguard_desktop.store.models import ConsentPurpose, School, UserAccount

    said = progress or (lambda _done, _total, _text: None)
    started = time.perf_counter()
    if server_register.engine.dialect.name != "postgresql" or server.on_server(server_register):
        raise MoveRefused("Give the server register's administrator URL (postgresql+psycopg://ADMIN@HOST/DATABASE): "
                          "the administrator owns its tables.")  # fmt: skip
    where = _server_name(server_register)
    finished = _finish_begun(local, lead, server_register, where)
    if finished is not None:
        return finished
    if local.keys is not None and lead.safeguarding_key is not None:
        with write_session(local.engine) as session:  # staff reports waiting in the staff room: taken in first
            staff_reports.take_in(session, lead, local.keys, local.folder)
    moved = Moved()
    tables = _tables()
    token = secrets.token_hex(8)
    with read_session(local.engine) as here, write_session(server_register.engine) as there:
        said(0, len(tables) + 2, "Checking the local register and its audit trail")
        _refuse_local(here, local, lead)
        _refuse_server(there)
        assert lead.safeguarding_key is not None
        there.execute(delete(ConsentPurpose))  # what a new register was seeded with: the local register's instead
        there.execute(delete(School))
        keys = server_keys.make_pair(there, lead.username, password)
        assert keys.private is not None
        sealer = _Sealer(sealed_box.opener(lead.safeguarding_key), keys.public, sealed_box.opener(keys.private),
                         moved)  # fmt: skip
        for n, table in enumerate(tables, start=1):
            said(n, len(tables) + 2, f"Copying {table.name}")
            moved.rows[table.name] = _copy_table(here, there, table, sealer)
        _reset_numbering(there, tables)
        first = (audit._head(there).count or 0) + 1
        said(len(tables) + 1, len(tables) + 2, "Chaining the audit trail on the server")
        moved.entries = audit.append_copies(there, _local_entries(here))
        said(len(tables) + 2, len(tables) + 2, "Reading everything back and comparing it with the local register")
        for table in tables:
            _compare_table(here, there, table, sealer)
        _compare_entries(here, there, first)
        admin = server.administrator(server_register.engine)
        audit.record(there, admin, "moved a local register here", "server", token,
                     f"from {local.folder} by its DSL {lead.name}: {sum(moved.rows.values()):,} rows and "
                     f"{moved.entries:,} audit entries, read back and matched")  # fmt: skip
        server.set_account(there, admin, lead.username, lead.name, Role.DSL, password)  # the DSL's login
        moved.without_login = sorted(name for name in there.scalars(
            select(UserAccount.username).where(UserAccount.active.is_(True))) if name != lead.username)  # fmt: skip
        _mark(local.folder, where, token, done=False)  # before the server's commit: a rerun knows to look there
        faultpoints.reach("move:before-commit")
    faultpoints.reach("move:after-commit")
    _mark_done(local, lead, where, token)
    moved.seconds = time.perf_counter() - started
    return moved


def _finish_begun(local: Register, lead: Actor, server_register: Register, where: str) -> Moved | None:
    """A move begun before (the mark says so): finished now when the server committed it (Moved, saying so), the mark
    cleared when it did not (None: move again). MoveRefused when the register was moved already."""
    from safeguard_desktop.store.engine import read_session
    from safeguard_desktop.store.models import AuditEntry

    mark = _read_mark(local.folder)
    if mark is None:
        return None
    if mark.get("done"):
        raise MoveRefused(f"{moved_notice(local.folder)} It is not moved twice.")
    with read_session(server_register.engine) as session:
        committed = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "moved a local register here",
            AuditEntry.record_id == str(mark.get("token"))))  # fmt: skip
    if str(mark.get("server")) != where or not committed:  # stopped before that commit: nothing is on the server
        (local.folder / MOVED_FILE).unlink(missing_ok=True)
        return None
    _mark_done(local, lead, where, str(mark["token"]))
    return Moved(finished_before=True)


def _mark_done(local: Register, lead: Actor, where: str, token: str) -> None:
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import write_session

    with write_session(local.engine) as session:
        audit.record(session, lead, "moved the register to a server", "server", "", where)
    _mark(local.folder, where, token, done=True)


def _server_name(register: Register) -> str:
    address = register.engine.url
    return f"{address.host or 'localhost'}:{address.port or 5432}/{address.database}"


def _mark(folder: Path, where: str, token: str, *, done: bool) -> None:
    data = {"server": where, "at": datetime.now().isoformat(timespec="seconds"), "token": token, "done": done}
    write_atomically(folder / MOVED_FILE, json.dumps(data).encode("utf-8"))


def _read_mark(folder: Path) -> dict[str, Any] | None:
    """The mark of a move, or None when there is none; {} when it is there but cannot be read."""
    try:
        data = json.loads((folder / MOVED_FILE).read_bytes()[:4096].decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def moved_notice(folder: Path) -> str | None:
    """What every sign-in to a local register that was moved to a server says (None when it was not moved)."""
    data = _read_mark(folder)
    if data is None:
        return None
    try:
        where, at = str(data["server"]), datetime.fromisoformat(str(data["at"]))
    except (ValueError, KeyError, TypeError):
        return (f"This register may have been moved to a database server ({folder / MOVED_FILE} is there but "
                "unreadable). Ask the DSL before changing anything here.")  # fmt: skip
    if not data.get("done"):
        return (f"A move of this register to the database server {where} was begun on {at:%d/%m/%Y at %H:%M} and "
                "not finished: run 'safeguard server move-from' again, which finishes it or starts it afresh. "
                "Until then, change nothing here.")  # fmt: skip
    return (f"This register was moved to the database server {where} on {at:%d/%m/%Y at %H:%M}. What is changed "
            "here from now on is not on the server: sign in to the server's register instead (ask the DSL or the "
            "school's IT support for its address).")  # fmt: skip


__all__ = ["MOVED_FILE", "MoveMismatch", "MoveRefused", "Moved", "move", "moved_notice"]
