"""The audit trail: who did what to which record, appended inside the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.store.models import AuditEntry


def record(
    session: Session, actor: Actor, action: str, kind: str = "", record_id: object = "", detail: str = ""
) -> None:
    """Append one entry. It commits or rolls back with the change it describes."""
    session.add(
        AuditEntry(
            at=datetime.now(),
            actor=actor.name,
            action=action,
            record_kind=kind,
            record_id=str(record_id),
            detail=detail,
        )
    )


def recent(session: Session, limit: int = 100) -> list[tuple[datetime, str, str, str, str, str]]:
    """The newest entries first, as plain tuples (at, actor, action, kind, id, detail)."""
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars()
    return [(e.at, e.actor, e.action, e.record_kind, e.record_id, e.detail) for e in rows]
