"""Checking the audit trail against everything that saw it: the database's head, the outside anchor, the anchor
each backup keeps (so a trail deleted or cut along with its anchor is still caught while a backup exists), and the
checkpoint each account keeps in its own profile (so a chain recomputed with ``audit.key``, which lies beside the
register, is caught by the next sign-in of anyone who saw it before). The check itself is audited. The app's audit
screen and ``safeguard audit verify`` both call this."""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard_desktop.security import profile_notes
from safeguard_desktop.security.authority import Record
from safeguard_desktop.security.keyring import Unlocked
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.records import audit, backup, row_vouch
from safeguard_desktop.store.models import AuditEntry, AuditRows

_STAMP = re.compile(r"register-(\d{4}-\d{2}-\d{2}_\d{6})")


def _made_at(path: Path) -> datetime | None:
    found = _STAMP.match(path.name)
    return datetime.strptime(found.group(1), "%Y-%m-%d_%H%M%S") if found else None


def _backups_since_restore(session: Session, folder: Path) -> list[Path]:
    """The backups in the schedule's folder and in backups/ beside the register, oldest first. Backups made before
    the last restore are left out: the restored chain continues an older one, not theirs."""
    last_restore = session.scalar(
        select(AuditEntry.at).where(AuditEntry.action == "restored the register").order_by(AuditEntry.id.desc())
    )
    places = {Path(backup.get_schedule(session, folder).folder), folder / "backups"}
    copies = []
    for place in places:
        for copy in backup.backups_in(place):
            made = _made_at(copy)
            if last_restore is None or (made is not None and made > last_restore):
                copies.append(copy)
    return sorted(copies, key=lambda copy: copy.name)  # the names carry the time they were made


def _checkpoint(copy: Path) -> audit.Checkpoint | None:
    try:
        data = json.loads(copy.with_name(copy.name + ".anchor.json").read_bytes()[:4096].decode("utf-8"))
        return audit.Checkpoint(int(data["count"]), str(data["last_hash"]), f"the backup {copy.name}")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def backup_checkpoints(session: Session, folder: Path) -> list[audit.Checkpoint]:
    """The anchors of every backup made since the last restore (see :func:`_backups_since_restore`)."""
    return [p for p in map(_checkpoint, _backups_since_restore(session, folder)) if p is not None]


PROFILE_FILE = "audit-checkpoints.json"
_PROFILE_LABEL = b"safeguard audit checkpoint v1"
_PROFILE_FIELDS = ("count", "last_hash", "at")


class AlteredCheckpoint(Exception):
    """This account's own checkpoint of the trail does not carry its own key's mark: it was edited."""


def profile_checkpoint(session: Session, folder: Path, keys: Unlocked | None) -> audit.Checkpoint | None:
    """The trail's head as this account last saw it, from its own profile (marked with a key derived from its
    personal key, so no other account can write one for it); None when there is none, or it dates from before the
    last restore (the restored chain continues an older one). AlteredCheckpoint when the mark does not check."""
    if keys is None or keys.personal_private is None:
        return None
    try:
        entry = profile_notes.read_marked(PROFILE_FILE, folder, keys.username, keys.personal_private,
                                          _PROFILE_LABEL, _PROFILE_FIELDS)  # fmt: skip
        if entry is None:
            return None
        count, last_hash, seen_at = int(entry["count"]), str(entry["last_hash"]), datetime.fromisoformat(entry["at"])
    except (profile_notes.AlteredNote, TypeError, ValueError) as exc:
        raise AlteredCheckpoint() from exc
    last_restore = session.scalar(
        select(AuditEntry.at).where(AuditEntry.action == "restored the register").order_by(AuditEntry.id.desc())
    )
    if last_restore is not None and seen_at <= last_restore:
        return None
    return audit.Checkpoint(count, last_hash, f"the checkpoint {keys.username} kept at {seen_at:%d/%m/%Y %H:%M}")


def remember_in_profile(session: Session, folder: Path, keys: Unlocked | None) -> None:
    """Keep the trail's head, as this account sees it now, in its own profile (at sign-in and when it closes)."""
    from safeguard_desktop.store.models import AuditHead

    if keys is None or keys.personal_private is None:
        return
    head = session.get(AuditHead, 1)
    if head is None or not head.count:
        return
    at = datetime.now().isoformat(timespec="seconds")
    profile_notes.write_marked(PROFILE_FILE, folder, keys.username, keys.personal_private, _PROFILE_LABEL,
                               {"count": head.count, "last_hash": head.last_hash, "at": at})  # fmt: skip


def authorship(folder: Path, keys: Unlocked | None, record: Record | None = None,
               ) -> tuple[Callable[[Any], str | None] | None, int]:  # fmt: skip
    """A lead's check of each entry's mark against the account it names (current or earlier personal key, under the
    safeguarding key of its generation), and the entry from which the leads signed that every entry is marked.
    (None, 0) for an account that holds no safeguarding key (only leads can check marks). ``record``: the record of
    accounts, already read and verified (read here when not given)."""
    from safeguard_desktop.security import keyring
    from safeguard_desktop.services.accounts import rotation

    if keys is None or keys.safeguarding_private is None:
        return None, 0
    record = record or keyring.current_record(folder, keys)
    if record is None:
        return None, 0
    privates = {keys.generation: keys.safeguarding_private}
    for generation, _database, older in rotation.older_keys(folder, keys):
        if older is not None:
            privates.setdefault(generation, older)
    try:
        recovery_public = str(keyring.read_file(folder)["recovery"].get("personal_public", ""))
    except (keyring.KeyError_, KeyError):
        recovery_public = ""
    agreed: dict[tuple[int, str], bytes | None] = {}

    def key_for(generation: int, public: str) -> bytes | None:
        if (generation, public) not in agreed:
            try:
                agreed[(generation, public)] = audit.agreed_key(privates[generation], base64.b64decode(public))
            except (KeyError, ValueError):
                agreed[(generation, public)] = None
        return agreed[(generation, public)]

    def check(entry: Any) -> str | None:  # an entry's sequence, chain_hash, signature, signer and rows digest
        if not entry.signature or not entry.signer:
            return (
                "this entry carries no writer's mark: it was written with a key to the file, not by the app (or by "
                "an account from before personal keys: give it a new password in Settings > Accounts)"
            )
        generation_text, _, mark = entry.signature.partition(":")
        rows = getattr(entry, "rows", None)  # the digest of its record of rows written, when it has one
        account = record.accounts.get(entry.signer)
        if account is not None:
            publics = [account.personal_public, *account.former]
        else:
            publics = [recovery_public] if entry.signer == "recovery" and recovery_public else []
        try:
            generation = int(generation_text)
        except ValueError:
            generation = -1
        for public in publics:
            key = key_for(generation, public) if public else None
            if key is not None and hmac.compare_digest(mark, audit.mark(key, entry.chain_hash, rows)):
                return None
        return (f"this entry is not marked by {entry.signer}, the account it names: it was written or changed "
                "outside the app")  # fmt: skip

    return check, record.audit_marked_from


QUICK_MARKS = 200  # the newest entries whose marks every lead sign-in checks (a full check: audit verify)


def _newest_marks(session: Session, folder: Path, keys: Unlocked | None, count: int,
                  record: Record | None) -> str | None:  # fmt: skip
    check_mark, marked_from = authorship(folder, keys, record)
    if check_mark is None or not count:
        return None
    first = session.scalar(select(func.min(AuditEntry.sequence)).where(AuditEntry.signature.is_not(None)))
    start = min(x for x in (first, marked_from or None, count + 1) if x is not None)
    newest = session.execute(select(AuditEntry.sequence, AuditEntry.chain_hash, AuditEntry.signature,
                                    AuditEntry.signer, AuditRows.rows)
                             .outerjoin(AuditRows, AuditRows.entry_hash == AuditEntry.chain_hash)
                             .where(AuditEntry.sequence >= max(start, count - QUICK_MARKS + 1))
                             .order_by(AuditEntry.sequence))  # fmt: skip
    for sequence, chained, signature, signer, written in newest:
        problem = check_mark(SimpleNamespace(sequence=sequence, chain_hash=chained, signature=signature, signer=signer,
                                             rows=row_vouch.record_digest(written)))  # fmt: skip
        if problem is not None:
            return f"entry {sequence}: {problem}"
    return None


def quick(session: Session, folder: Path, keys: Unlocked | None = None) -> str | None:
    """The check made at every sign-in, in a few indexed reads (not the whole chain): the head against the last
    entry, the anchor and the newest backup's anchor, and no entry outside the chain. What is wrong, or None."""
    from safeguard_desktop.store.models import AuditHead

    head = session.get(AuditHead, 1)
    count, last_hash = (head.count, head.last_hash) if head is not None else (0, "")
    top = session.scalar(select(func.max(AuditEntry.sequence)))
    if (top or 0) != count:
        return f"its last entry is number {top or 0} but its head says {count}"
    if count and session.scalar(select(AuditEntry.chain_hash).where(AuditEntry.sequence == count)) != last_hash:
        return "its last entry is not the one its head names"
    if count and session.scalar(select(AuditEntry.id).where(AuditEntry.sequence.is_(None)).limit(1)) is not None:
        return "an entry was added outside the chain"
    trail = audit.trail_for(session)
    try:
        anchor = audit.Checkpoint(*trail.read_anchor(), source="its outside anchor")
    except audit.DamagedAnchor:
        return "its outside anchor is damaged"
    newest = next(filter(None, map(_checkpoint, reversed(_backups_since_restore(session, folder)))), None)
    points = [anchor] if newest is None else [anchor, newest]  # only the newest backup's anchor is read
    try:
        own = profile_checkpoint(session, folder, keys)
    except AlteredCheckpoint:
        return "the checkpoint of it kept in your own profile was edited"
    if own is not None:
        points.append(own)
    record = _record(folder, keys)  # read and verified once for the marks and the rows
    marked = _newest_marks(session, folder, keys, count, record)
    if marked is not None:
        return marked
    rows = row_check(session, folder, keys, record) if record is not None else None
    if rows is not None:
        differs = row_vouch.recent_difference(session.connection(), rows.start)
        if differs is not None:
            return differs
    for point in points:
        if point.count > count:
            return f"{point.source} saw {point.count} entries and it has {count}"
        seen = session.scalar(select(AuditEntry.chain_hash).where(AuditEntry.sequence == point.count))
        if point.count and seen != point.last_hash:
            return f"it no longer matches {point.source}"
    return None


def check(session: Session, actor: Actor, folder: Path, keys: Unlocked | None = None,
          progress: Callable[[int, int], None] | None = None) -> audit.Verification:  # fmt: skip
    """Verify the trail against its head, its anchor, the backups' anchors and the checkpoint in the account's own
    profile. It only reads: run it in a read transaction (writers go on meanwhile), then :func:`record_check`."""
    points = backup_checkpoints(session, folder)
    try:
        own = profile_checkpoint(session, folder, keys)
    except AlteredCheckpoint:
        return audit.Verification(False, 0, None, "the checkpoint of it kept in your own profile was edited")
    record = _record(folder, keys)
    check_mark, marked_from = authorship(folder, keys, record)
    rows = row_check(session, folder, keys, record) if check_mark else None
    return audit.verify(session, actor, points + ([own] if own is not None else []), check_mark, marked_from,
                        progress=progress, rows=rows)  # fmt: skip


def _record(folder: Path, keys: Unlocked | None) -> Record | None:
    """The record of accounts a lead's check reads (None for an account that holds no safeguarding key)."""
    from safeguard_desktop.security import keyring

    if keys is None or keys.safeguarding_private is None:
        return None
    return keyring.current_record(folder, keys)


def row_check(session: Session, folder: Path, keys: Unlocked | None,
              record: Record | None = None) -> row_vouch.RowCheck | None:  # fmt: skip
    """The check of every row against the trail, from the entry the leads signed as the baseline (None before one,
    and on a database server, whose own roles keep the office from the rows)."""
    from safeguard_desktop.security import keyring

    if keys is None or session.get_bind().dialect.name != "sqlite":
        return None
    record = record or keyring.current_record(folder, keys)
    if record is None or not record.rows_vouched_from:
        return None
    roles = {name: account.role for name, account in record.accounts.items()}
    roles["recovery"] = Role.DSL.value  # the recovery key resets a lead's password: a lead's power
    lead_roles = (Role.DSL.value, Role.DEPUTY_DSL.value)
    timeline: dict[str, list[tuple[int, str]]] = {}
    then: dict[str, str] = {}  # each account's role as the walk through these entries has got to
    given = session.execute(select(AuditEntry.sequence, AuditEntry.action, AuditEntry.record_id, AuditEntry.detail,
                                   AuditEntry.signer)
                            .where(AuditEntry.action.in_(ROLE_ACTIONS), AuditEntry.record_kind == "account")
                            .order_by(AuditEntry.sequence))  # fmt: skip
    for sequence, action, account, role, signer in given:
        # Only a lead's, then (every mark is checked by the walk the check then makes); the register's creation only
        # as the first of them.
        first = not then and ROLE_ACTIONS[action]
        if sequence is not None and (first or then.get(signer or "", roles.get(signer or "", "")) in lead_roles):
            then[account] = ROLE_ACTIONS[action] or role
            timeline.setdefault(account, []).append((sequence, then[account]))
    return row_vouch.RowCheck(record.rows_vouched_from, roles, timeline)


#: The entries in which a lead gave an account its role: the role, or "" where the detail is the role.
ROLE_ACTIONS = {"added an account": "", "changed an account's role": "",
                "created the register and the first DSL account": Role.DSL.value}  # fmt: skip


@changes(Topic.AUDIT)
def record_check(session: Session, actor: Actor, result: audit.Verification) -> audit.Verification:
    """The check itself goes into the trail, with what it found (a short write after the long read)."""
    actor.require(Operation.VIEW_AUDIT)
    audit.record(session, actor, "verified the audit trail", "audit", "", result.describe())
    return result
