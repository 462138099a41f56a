"""A lead's own encrypted copy of the server's register on this computer, for reading when the server cannot be
reached (issue "One register for the whole team", offline where it matters) — never a second register: it is
opened read-only (SQLite refuses every change), says when it was made, and is replaced at the lead's next sign-in
to the server.

The copy is a SQLCipher file under a random key, in this computer's folder of that server
(``data_dir/servers/<hash>/copy-<account>/``); its key — with the register's safeguarding key pair, which opens the
sealed text in it as it was on the server — is wrapped under the lead's password (argon2id, AES-GCM, bound to the
account's name) in the file beside it. Nobody else's password opens it, and staff and office keep none.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, insert, select

from safeguard_desktop.files import write_atomically
from safeguard_desktop.security import keyring
from safeguard_desktop.services import server_keys
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.faults import COPY_KEY_FILE

if TYPE_CHECKING:
    from safeguard_desktop.services.database import Register

COPY_FILE = "copy.db"
KEY_FILE = COPY_KEY_FILE
_LABEL = "safeguard server copy v1:"
#: Copied as well as the register's rows: the trail whole (so the copy's trail checks), never the key rows.
_TRAIL = ("audit_entry", "audit_rows", "audit_head")
_LEADS = (Role.DSL, Role.DEPUTY_DSL)


class NoCopy(ServiceError):
    """There is no copy of this register for this account on this computer (or the password does not open it)."""


def _folder(server_folder: Path, username: str) -> Path:
    return server_folder / f"copy-{username}"


def made_at(server_folder: Path, username: str) -> datetime | None:
    """When the account's copy here was made, or None when it has none."""
    try:
        data = json.loads((_folder(server_folder, username) / KEY_FILE).read_bytes()[:65536].decode("utf-8"))
        return datetime.fromisoformat(str(data["made"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(register: Register, actor: Actor, password: str, server_folder: Path) -> int | None:
    """Make (or replace) the signed-in lead's copy of the server register: every table's rows as they are now, in
    one read. None for an account that keeps none (not a lead, or holding no key); else how many rows. The copy's
    key stays with the open register, so :func:`refresh` can make it again while the lead works."""
    from safeguard_desktop.store.engine import state_of

    state_public = _public_of(register)
    if actor.role not in _LEADS or actor.safeguarding_key is None or state_public is None:
        return None
    file_key = os.urandom(32)
    body: dict[str, Any] = {"file_key": _b64(file_key), "public": _b64(state_public), "name": actor.name,
                               "private": _b64(actor.safeguarding_key), "role": actor.role.value}  # fmt: skip
    wrapped = server_keys.wrap_under_password(password, body, _LABEL + actor.username)
    rows = _write(register, _folder(server_folder, actor.username), file_key, wrapped)
    state_of(register.engine).copy_again = (file_key, wrapped, actor.safeguarding_key)
    return rows


def refresh(register: Register, actor: Actor, server_folder: Path) -> int | None:
    """The lead's copy made again now, under the key it was made with at sign-in (no password needed): every
    half hour while the lead works, so a server out of reach in the afternoon leaves this afternoon's copy. None
    when there is nothing to refresh (no copy made at this sign-in, or the register's key replaced since)."""
    from safeguard_desktop.store.engine import state_of

    again = state_of(register.engine).copy_again
    if again is None or actor.safeguarding_key != again[2]:
        return None
    file_key, wrapped, _private = again
    return _write(register, _folder(server_folder, actor.username), file_key, wrapped)


def _write(register: Register, folder: Path, file_key: bytes, wrapped: dict[str, Any]) -> int:
    """Every table's rows into a new copy beside ``folder``, then put in its place whole (or the old one kept)."""
    from safeguard_desktop.services import register_copy
    from safeguard_desktop.store.engine import make_engine, read_session
    from safeguard_desktop.store.models import Base

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700, parents=True)
    engine = make_engine(f"sqlite:///{partial / COPY_FILE}", key=file_key)
    rows = 0
    try:
        Base.metadata.create_all(engine)
        tables = [*register_copy.tables(), *(Base.metadata.tables[name] for name in _TRAIL)]
        with read_session(register.engine) as there, engine.begin() as here:
            for table in tables:
                batch = [dict(r) for r in there.connection().execute(select(table)).mappings()]
                if batch:
                    here.execute(insert(table), batch)
                    rows += len(batch)
    finally:
        engine.dispose()
    made = {"made": datetime.now().isoformat(timespec="seconds"), **wrapped}
    write_atomically(partial / KEY_FILE, json.dumps(made).encode("utf-8"), private=True)
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)  # the new copy whole, or the old one still there
    shutil.rmtree(old, ignore_errors=True)
    return rows


def open_copy(server_folder: Path, username: str, password: str) -> tuple[Register, Actor, datetime]:
    """The account's copy here, opened read-only with its password: the register, who it is, when it was made.
    NoCopy when there is none or the password does not open it."""
    from safeguard_desktop.security import sealing
    from safeguard_desktop.services.database import Register
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import make_engine, state_of

    folder = _folder(server_folder, username)
    refused = NoCopy("There is no copy of this register for that name on this computer, or that password does not "
                     "open it.")  # fmt: skip
    try:
        data = json.loads((folder / KEY_FILE).read_bytes()[:65536].decode("utf-8"))
        body = server_keys.open_under_password(password, data, _LABEL + username)
        made = datetime.fromisoformat(str(data["made"]))
        file_key = base64.b64decode(body["file_key"], validate=True)
        public, private = (base64.b64decode(body[k], validate=True) for k in ("public", "private"))
        role = Role(body["role"])
    except (OSError, ValueError, KeyError, TypeError, keyring.WrongPassword) as exc:
        raise refused from exc
    engine = make_engine(f"sqlite:///{folder / COPY_FILE}", key=file_key)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, record: Any) -> None:
        record.info["untouched"] = record.info["read_only"] = True  # (nothing is written, nor noted, nor locked)
        dbapi_connection.execute("PRAGMA query_only = ON")  # SQLite itself refuses every change

    audit.configure(engine, folder)  # (reads the chain's key; the copy has it)
    sealing.configure(engine, public, None)
    state_of(engine).offline_log = _offline_log(server_folder, username)  # what is viewed here, for the server
    register = Register(engine, folder)
    register.copy_made_at = made
    actor = Actor(str(body.get("name") or username), role, username, safeguarding_key=private, reading_copy=True)
    return register, actor, made


def _offline_log(server_folder: Path, username: str) -> Path:
    return server_folder / f"done-in-copy-{username}.jsonl"


def replay(session: Any, actor: Actor, server_folder: Path) -> int:
    """At the account's next sign-in to the server: what it did in its copy here (the records it viewed, the
    documents it printed) into the server's trail, each saying when, then the note removed. How many."""
    from safeguard_desktop.services.records import audit

    path = _offline_log(server_folder, actor.username)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[:10_000]
    except OSError:
        return 0
    done = 0
    for line in lines:
        try:
            note = json.loads(line)
            at = datetime.fromisoformat(str(note["at"]))
            action, kind, record, detail = (str(note[k]) for k in ("action", "record_kind", "record_id", "detail"))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short (the app stopped while writing it)
        said = f"in this computer's read-only copy, on {at:%d/%m/%Y at %H:%M}" + (f": {detail}" if detail else "")
        audit.record(session, actor, action[:60], kind, record, said)
        done += 1
    path.unlink(missing_ok=True)
    return done


def confirm_again(register: Register, actor: Actor, password: str) -> None:
    """The lock screen's check on a copy: its key file opens with ``password`` (NoCopy when not)."""
    open_copy(register.folder.parent, actor.username, password)[0].close()


def _public_of(register: Register) -> bytes | None:
    from safeguard_desktop.store.engine import state_of

    return state_of(register.engine).sealing_public


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
