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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from safeguard_desktop.files import write_atomically
from safeguard_desktop.security import sealed_box
from safeguard_desktop.services import register_copy
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.register_copy import MoveMismatch

if TYPE_CHECKING:
    from safeguard_desktop.services.database import Register

#: The file in a local register's folder that says it was moved (read at every sign-in to it, by every role).
MOVED_FILE = "moved-to-server.json"

Progress = Callable[[int, int, str], None]


class MoveRefused(ValidationError):
    """The move cannot be made as things are; nothing was changed."""


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
    moved, counts = Moved(), register_copy.Counts()
    tables = register_copy.tables()
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
        sealer = register_copy.Sealer(sealed_box.opener(lead.safeguarding_key), keys.public,
                                      sealed_box.opener(keys.private), counts)  # fmt: skip
        for n, table in enumerate(tables, start=1):
            said(n, len(tables) + 2, f"Copying {table.name}")
            moved.rows[table.name] = register_copy.copy_table(here, there, table, sealer)
        register_copy.reset_numbering(there, tables)
        first = (audit._head(there).count or 0) + 1
        said(len(tables) + 1, len(tables) + 2, "Chaining the audit trail on the server")
        moved.entries = audit.append_copies(there, register_copy.local_entries(here))
        said(len(tables) + 2, len(tables) + 2, "Reading everything back and comparing it with the local register")
        for table in tables:
            register_copy.compare_table(here, there, table, sealer)
        register_copy.compare_entries(here, there, first)
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
    moved.resealed, moved.own_copies_left, moved.unopened = counts.resealed, counts.own_copies_left, counts.unopened
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
