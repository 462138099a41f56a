"""Checking the audit trail against everything that saw it: the database's head, the outside anchor, and the
anchor each backup keeps (so a trail deleted or cut along with its anchor is still caught while a backup
exists). The check itself is audited. The app's audit screen and ``safeguard audit verify`` both call this."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.services import audit, backup
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.store.models import AuditEntry

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


def quick(session: Session, folder: Path) -> str | None:
    """The check made at every sign-in, in a few indexed reads (not the whole chain): the head against the last
    entry, the anchor and the newest backup's anchor, and no entry outside the chain. What is wrong, or None."""
    from sqlalchemy import func

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
    for point in points:
        if point.count > count:
            return f"{point.source} saw {point.count} entries and it has {count}"
        seen = session.scalar(select(AuditEntry.chain_hash).where(AuditEntry.sequence == point.count))
        if point.count and seen != point.last_hash:
            return f"it no longer matches {point.source}"
    return None


def check(session: Session, actor: Actor, folder: Path) -> audit.Verification:
    """Verify the trail against its head, its anchor and the backups' anchors; audit the check."""
    result = audit.verify(session, actor, backup_checkpoints(session, folder))
    audit.record(session, actor, "verified the audit trail", "audit", "", result.describe())
    return result
