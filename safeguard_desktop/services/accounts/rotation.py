"""Revocation: taking keys away from an account replaces them.

Disabling an account, changing its role or resetting its password leaves its old key slot — in a backup, in a
copy, anywhere — holding the keys it had. So those keys are replaced, and each remaining account is given the new
ones in its envelope (services/envelopes.py), sealed to the personal public key the leads signed:

- always a new **database key** (SQLCipher ``PRAGMA rekey``): an old slot opens only backups made before;
- when the account held a lead's keys: a new **safeguarding key pair**, with every sealed text sealed again to it
  (what is written afterwards cannot be read with the old key), and a new **authority key**, handed over by a
  link the old key signs (each account follows it once and pins the new key at its next sign-in).

The replacement runs with the register held alone (services/presence.py), in four steps a kill can stop at any
point without locking anyone out: (1) the new keys are written beside the current ones in the key file as
*pending*; (2) one database transaction seals the texts again and records the new generation; (3) the file is
re-keyed; (4) the pending keys become current. An open that finds step (1) but not (2) forgets the pending keys
(the replacement is still owed and is done again); one that finds (2) finishes (3) and (4) — every account that
has the old keys also has the pending ones.

A replacement that cannot run now (someone else has the register open, or the change was made without a lead's
keys) is *owed*: recorded in the key file, done at the next lead's sign-in, and said in the accounts screen.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, Text, select, update

from safeguard_desktop import faultpoints
from safeguard_desktop.security import authority, envelopes, keyring, sealed_box, sealing
from safeguard_desktop.services import presence
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.settings import read_setting, write_setting
from safeguard_desktop.store.engine import rekey, use_key, write_session
from safeguard_desktop.store.models import Base

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from safeguard_desktop.services.database import Register

OWED = "rotation_owed"
GENERATION_SETTING = "key_generation"
_LEAD_ROLES = frozenset({"dsl", "deputy_dsl"})
#: Tables never re-sealed: the audit trail is hash-chained, and holds no sealed text.
#: On a server, the former texts of the chronology are kept as they were, and a key replacement's shares are not
#: sealed texts (services/server_keys.py).
_NOT_RESEALED = frozenset({"audit_entry", "audit_head", "sealed_former", "server_handover"})


@dataclass(frozen=True)
class Replaced:
    """What a replacement did."""

    generation: int
    lead_keys: bool
    resealed: int
    accounts: int
    #: Accounts with no personal key to seal an envelope to: they need a new password from a lead.
    left_out: tuple[str, ...]
    #: True when the recovery key could not be given the new keys: make a new one (accounts screen).
    recovery_stale: bool
    seconds: float
    at: datetime
    keys: keyring.Unlocked
    actor: Actor

    def summary(self) -> str:
        """What to tell the lead, plainly."""
        parts = ["The register's keys were replaced"]
        parts.append(" (the database key, the safeguarding key and the leads' signing key)" if self.lead_keys
                     else " (the database key)")  # fmt: skip
        parts.append(
            f". Old key files — in backups made before {self.at:%d/%m/%Y %H:%M} or in any copy — still open those "
            "backups, with the passwords they had then; they open nothing written from now on."
        )
        if self.left_out:
            parts.append(f" Give a new password to: {', '.join(self.left_out)}.")
        if self.recovery_stale:
            parts.append(" The recovery key no longer opens the register: make a new one (Settings > Accounts > New "
                         "recovery key, or 'safeguard users new-recovery-key') and lock it away.")  # fmt: skip
        return "".join(parts)


def owe(folder: Path, username: str, *, lead_keys: bool) -> None:
    """Record that the keys ``username`` held must be replaced (before the change that takes them is committed:
    a kill after the commit then still leaves the replacement owed, never forgotten)."""
    data = keyring.read_file(folder)
    found = data.get(OWED)
    due: dict[str, Any] = found if isinstance(found, dict) else {}
    accounts = [str(a) for a in due.get("accounts", [])][:1000]
    if username not in accounts:
        accounts.append(username)
    data[OWED] = {"accounts": accounts, "lead": bool(due.get("lead")) or lead_keys,
                  "since": str(due.get("since") or datetime.now().isoformat(timespec="seconds"))}  # fmt: skip
    keyring.write_file(folder, data)


STAFF_KEYLESS = "staff_keyless"


def owe_staff_keys(folder: Path, keys: keyring.Unlocked) -> list[str]:
    """On a register from before staff held no register key: owe a replacement for every staff account, so the
    database key their slots and envelopes still carry stops opening the register. Returns those accounts."""
    if keys.record is None:
        return []
    data = keyring.read_file(folder)
    if data.get(STAFF_KEYLESS):
        return []
    staff = sorted(n for n, a in keys.record.accounts.items() if a.role == "staff" and n in data["users"])
    if not staff:
        data[STAFF_KEYLESS] = True
        keyring.write_file(folder, data)
        return []
    for name in staff:
        owe(folder, name, lead_keys=False)
    return staff


def owed(folder: Path) -> dict[str, Any] | None:
    """The replacement owed, if any: {"accounts": [...], "lead": bool, "since": iso time}."""
    try:
        due = keyring.read_file(folder).get(OWED)
    except keyring.KeyError_:
        return None
    return due if isinstance(due, dict) else None


def _holders(data: dict[str, Any], keys: keyring.Unlocked, roles: dict[str, str]
             ) -> dict[str, tuple[bool, bool, str]]:  # fmt: skip
    """Who receives the new keys — (lead, staff, personal public key) by account: accounts active in the database
    and (when there is one) in the signed record; lead keys only where both say lead, no database key where either
    says staff; the personal public key the leads signed (a key swapped into a slot receives nothing)."""
    signed = keys.record.accounts if keys.record is not None else None
    holders = {}
    for name, role in roles.items():
        slot = data["users"].get(name)
        if slot is None:
            continue
        public = str(slot.get("personal_public", ""))
        lead = role in _LEAD_ROLES
        staff = role == "staff"
        if signed is not None:
            entry = signed.get(name)
            if entry is None or not entry.active:
                continue
            lead = lead and entry.role in _LEAD_ROLES
            staff = staff or entry.role == "staff"
            if entry.personal_public:
                public = entry.personal_public
        holders[name] = (lead, staff, public)
    return holders


def _plan(data: dict[str, Any], keys: keyring.Unlocked, roles: dict[str, str], lead_keys: bool
          ) -> tuple[dict[str, Any], keyring.Unlocked, list[str], bool]:  # fmt: skip
    """The pending replacement for the key file, the acting lead's new keys, the accounts left out and whether the
    recovery key is."""
    generation = int(data.get("generation", 0)) + 1
    database_key = secrets.token_bytes(32)
    sg_private, sg_public = keys.safeguarding_private, keys.safeguarding_public
    auth_private, auth_public, link = keys.authority_private, keys.authority_public, None
    if lead_keys:
        sg_private, sg_public = keyring.new_key_pair()
        if keys.authority_private is not None:
            auth_private, auth_public = authority.new_key_pair()
            link = authority.handover(keys.authority_private, auth_public)
    sealed: dict[str, Any] = {}
    left_out = []
    for name, (lead, staff, public) in sorted(_holders(data, keys, roles).items()):
        if not public:
            left_out.append(name)
            continue
        sealed[name] = envelopes.make(base64.b64decode(public), generation, None if staff else database_key,
                                      sg_private if lead else None, auth_private if lead else None)  # fmt: skip
    recovery_public = data["recovery"].get("personal_public")
    if recovery_public:
        sealed[envelopes.RECOVERY] = envelopes.make(base64.b64decode(recovery_public), generation, database_key,
                                                    sg_private, auth_private)  # fmt: skip
    sg_text = base64.b64encode(sg_public).decode("ascii")
    # The keys being replaced, sealed to the new safeguarding key: the leads — and only they — can still open the
    # backups made under them (restore re-keys such a backup and seals its texts again).
    history = {"generation": generation - 1, "sealed": sealed_box.seal(sg_public, json.dumps({
        "database": base64.b64encode(keys.register_key).decode("ascii"),
        "safeguarding": base64.b64encode(keys.safeguarding_private or b"").decode("ascii")}))}  # fmt: skip
    record = None
    new_record = None
    if auth_private is not None and auth_public is not None and keys.record is not None:
        base = keys.record
        record = authority.successor(base, auth_private, auth_public, safeguarding_public=sg_text,
                                     key_generation=generation)  # fmt: skip
        new_record = authority.verify(record, auth_public, "the new keys")
    pending = {"generation": generation, "envelopes": sealed, "safeguarding_public": sg_text, "authority": record,
               "link": link, "history": history}  # fmt: skip
    mine = dataclasses.replace(
        keys, database_key=database_key, safeguarding_private=sg_private, safeguarding_public=sg_public,
        authority_private=auth_private, authority_public=auth_public, record=new_record or keys.record,
        generation=generation, next=None, repin=keys.repin or link is not None,
    )  # fmt: skip
    return pending, mine, left_out, not recovery_public


def _sealed_columns() -> list[tuple[Any, Any, Any]]:
    """(table, primary key column, text column) for every text column of every table that may hold sealed text."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_RESEALED or len(table.primary_key.columns) != 1:
            continue
        key = next(iter(table.primary_key.columns))
        found += [(table, key, c) for c in table.columns if isinstance(c.type, (String, Text)) and c is not key]
    return found


def reseal(session: Session, old_private: bytes, new_public: bytes,
           progress: Callable[[int, int, str], None] | None = None) -> int:  # fmt: skip
    """Seal every text sealed to the old safeguarding key again, to the new one; texts it does not open (a
    reporter's own copy, sealed to their personal key, or a damaged one) are left as they are."""
    from sqlalchemy import bindparam, func

    opener = sealed_box.opener(old_private)
    columns = _sealed_columns()
    like = sealed_box.SEALED_PREFIX + "%"
    total = sum(session.scalar(select(func.count()).where(c.like(like))) or 0 for _t, _k, c in columns)
    done = seen = 0
    for table, key, column in columns:
        rows = session.execute(select(key, column).where(column.like(like))).all()
        for start in range(0, len(rows), 1000):
            changes = []
            for row_key, value in rows[start : start + 1000]:
                try:
                    text = opener(value)
                except keyring.KeyError_:
                    continue
                changes.append({"k": row_key, "v": sealed_box.seal(new_public, text)})
            if changes:
                statement = update(table).where(key == bindparam("k")).values({column.name: bindparam("v")})
                session.connection().execute(statement, changes)
            done += len(changes)
            seen += len(rows[start : start + 1000])
            if progress is not None:
                progress(min(seen, total), max(total, 1), f"Sealing texts again to the new key: {seen:,} of {total:,}")
    return done


def replace_keys(register: Register, actor: Actor, *, progress: Callable[[int, int, str], None] | None = None,
                 force: bool = False) -> Replaced | None:  # fmt: skip
    """Do the owed replacement now (or, with ``force``, a full one anyway). None when none is owed; RegisterInUse
    (naming who) when someone else has the register open; PermissionDenied without a lead's keys."""
    keys = register.keys
    folder = register.folder
    if keys is None:
        return None
    due = owed(folder)
    if due is None and not force:
        return None
    lead_keys = force or bool(due and due.get("lead"))
    lead_private = keys.safeguarding_private
    if lead_private is None or (keys.record is not None and keys.authority_private is None):
        raise PermissionDenied("Only a safeguarding lead can replace the register's keys; it is done at the next "
                               "lead's sign-in.")  # fmt: skip
    started = time.perf_counter()
    with presence.alone(folder, register.presence, "replace the register's keys"):
        from safeguard_desktop.services.accounts import active_roles
        from safeguard_desktop.store.engine import read_session

        with read_session(register.engine) as session:
            roles = active_roles(session)
        data = keyring.read_file(folder)
        if keys.record is not None:  # as it stands now, with the change just made (not as it was at sign-in)
            record = authority.verify(data["authority"], keys.authority_public, str(keyring.slots_path(folder)))
            keys = dataclasses.replace(keys, record=record)
        pending, mine, left_out, recovery_stale = _plan(data, keys, roles, lead_keys)
        data["rotation"] = pending
        keyring.write_file(folder, data)
        faultpoints.reach("rotation:after-pending")
        because = ", ".join(str(a) for a in (due or {}).get("accounts", [])) or "asked for"
        with write_session(register.engine) as session:
            resealed = 0
            if lead_keys:
                resealed = reseal(session, lead_private, mine.safeguarding_public, progress)
            write_setting(session, GENERATION_SETTING, mine.generation)
            audit.record(session, actor, "replaced the register's keys", "keys", str(mine.generation),
                         f"because of: {because}; {'lead keys too; ' if lead_keys else ''}"
                         f"{resealed} sealed texts sealed again")  # fmt: skip
        faultpoints.reach("rotation:after-commit")
        rekey(register.engine, mine.register_key)
        faultpoints.reach("rotation:after-rekey")
        finish(folder)
        with suppress(OSError, keyring.KeyError_):  # else its next sign-in follows the link and pins it then
            keyring.remake_own_slot(folder, mine)
            mine = dataclasses.replace(mine, repin=False)
    register.keys = mine
    sealing.configure(register.engine, mine.safeguarding_public, folder)
    audit.configure_signer(register.engine, mine.username, mine.personal_private, mine.safeguarding_public,
                           mine.generation)  # fmt: skip
    new_actor = dataclasses.replace(actor, safeguarding_key=mine.safeguarding_private)
    return Replaced(mine.generation, lead_keys, resealed, len(pending["envelopes"]), tuple(left_out), recovery_stale,
                    time.perf_counter() - started, datetime.now(), mine, new_actor)  # fmt: skip


def finish(folder: Path) -> None:
    """Make a pending replacement current in the key file (the database already has it)."""
    data = keyring.read_file(folder)
    rotation = data.pop("rotation", None)
    if not isinstance(rotation, dict):
        return
    data["generation"] = int(rotation["generation"])
    data["envelopes"] = rotation["envelopes"]
    data["safeguarding_public"] = rotation["safeguarding_public"]
    if rotation.get("authority"):
        data["authority"] = rotation["authority"]
        data.pop("pending_authority", None)
    if rotation.get("link"):
        data.setdefault("authority_chain", []).append(rotation["link"])
    if rotation.get("history"):
        data.setdefault("key_history", []).append(rotation["history"])
    data[STAFF_KEYLESS] = True  # every envelope of this generation was made by the rule: staff hold no register key
    data.pop(OWED, None)
    keyring.write_file(folder, data)


def forget(folder: Path) -> None:
    """Drop a pending replacement the database never took (it is still owed, and done again)."""
    data = keyring.read_file(folder)
    if data.pop("rotation", None) is not None:
        keyring.write_file(folder, data)


def database_generation(engine: Engine) -> int:
    """The key generation the database has committed to."""
    from safeguard_desktop.store.engine import read_session

    with read_session(engine) as session:
        return int(read_setting(session, GENERATION_SETTING, 0) or 0)


def resume(engine: Engine, folder: Path, keys: keyring.Unlocked, opened_with_next: bool,
           mark: presence.Presence | None) -> keyring.Unlocked:  # fmt: skip
    """At an open: finish or forget a replacement a kill interrupted; the keys to go on with."""
    nxt = keys.next
    if nxt is None:
        return keys
    if database_generation(engine) < nxt.generation:
        forget(folder)  # step 2 never committed: the current keys are right
        return dataclasses.replace(keys, next=None)
    if not opened_with_next:
        try:
            with presence.alone(folder, mark, "finish replacing the register's keys"):
                rekey(engine, nxt.register_key)
        except presence.RegisterInUse:
            # Texts are sealed to the new key, the file still under the old one: go on with both; the next open
            # finishes it.
            return dataclasses.replace(nxt, database_key=keys.database_key, next=None)
    else:
        use_key(engine, nxt.register_key)
    finish(folder)
    return dataclasses.replace(nxt, next=None)


def older_keys(folder: Path, keys: keyring.Unlocked) -> list[tuple[int, bytes, bytes | None]]:
    """The keys of every earlier generation (generation, database key, safeguarding private key), newest first,
    opened one from the next with the current safeguarding key: what a lead needs to restore an older backup."""
    if keys.safeguarding_private is None:
        return []
    try:
        history = keyring.read_file(folder).get("key_history", [])
    except keyring.KeyError_:
        return []
    found: list[tuple[int, bytes, bytes | None]] = []
    opener = keys.safeguarding_private
    for entry in reversed(history if isinstance(history, list) else []):
        try:
            payload = json.loads(sealed_box.open_sealed(opener, str(entry["sealed"])))
            database = base64.b64decode(payload["database"], validate=True)
            safeguarding = base64.b64decode(payload["safeguarding"], validate=True) or None
            found.append((int(entry["generation"]), database, safeguarding))
        except (keyring.KeyError_, KeyError, TypeError, ValueError):
            break  # a damaged link: the generations before it cannot be opened
        if safeguarding is None:
            break
        opener = safeguarding
    return found


def adopt(path: Path, file_key: bytes, keys: keyring.Unlocked, old_safeguarding: bytes | None) -> int:
    """Bring a register file made under older keys (a restored backup) under the current ones: re-keyed, its
    sealed texts sealed again to the current safeguarding key; the number re-sealed."""
    from safeguard_desktop.paths import sqlite_url
    from safeguard_desktop.store.engine import make_engine, rekey_file

    rekey_file(path, file_key, keys.register_key)
    engine = make_engine(sqlite_url(path), key=keys.register_key)
    try:
        with write_session(engine) as session:
            done = 0
            if old_safeguarding is not None and old_safeguarding != keys.safeguarding_private:
                done = reseal(session, old_safeguarding, keys.safeguarding_public)
            write_setting(session, GENERATION_SETTING, keys.generation)
    finally:
        engine.dispose()
    return done
