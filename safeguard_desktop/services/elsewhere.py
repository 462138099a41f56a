"""Changes made elsewhere — by another computer on the register's server, or another program on this one — told
apart from this process's own, so each screen shows them without a restart.

Every change to the register writes an audit entry, so the chain's head counts them all: what it grew by, less the
entries this process committed meanwhile (``RegisterState.own_entries``), is what others wrote. A lead, who may read
the trail, learns from those entries' kinds which screens they touch; any other role (whose login on a server
reads only the chain's columns) is told every topic its screens show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.store.engine import state_of
from safeguard_desktop.store.models import AuditEntry, AuditHead

EVERYTHING = frozenset(Topic)
#: What an entry of each kind changed, for the screens (an unknown kind: everything).
KIND_TOPICS: dict[str, frozenset[Topic]] = {
    "pupil": frozenset({Topic.PUPILS, Topic.CONSENT}),
    "contact": frozenset({Topic.PUPILS, Topic.CONSENT}),
    "contacts": frozenset({Topic.PUPILS, Topic.CONSENT}),
    "consent": frozenset({Topic.CONSENT}),
    "decision": frozenset({Topic.CONSENT}),
    "reply": frozenset({Topic.CONSENT}),
    "purpose": frozenset({Topic.PURPOSES, Topic.CONSENT}),
    "school": frozenset({Topic.SCHOOL}),
    "setting": frozenset({Topic.SCHOOL, Topic.TERMS}),
    "template": frozenset({Topic.TEMPLATES}),
    "event": frozenset({Topic.EVENTS, Topic.DOCUMENTS}),
    "incident": frozenset({Topic.INCIDENTS}),
    "account": frozenset({Topic.ACCOUNTS}),
    "keys": frozenset({Topic.ACCOUNTS}),
    "backup": frozenset({Topic.BACKUPS}),
    "audit": frozenset(),
    "staff room": frozenset(),
}
#: The most new entries whose kinds are read; beyond it (an import on another computer), everything.
MOST_READ = 2_000


@dataclass(frozen=True)
class Seen:
    """How far the trail had got, and how many entries of this process's own it held, when last looked at; on a
    server, for a lead, how far the server's record of changes had got, and what it held since the look before that
    no entry of the trail accounts for — a change made outside the app, told while the lead works
    (records/server_changes.py)."""

    head: int
    own: int
    changes: int = 0
    outside: str = ""


def _head(session: Session) -> int:
    head = session.get(AuditHead, 1)
    return int(head.count) if head is not None else 0


def _outside(session: Session, actor: Actor, seen: Seen | None) -> tuple[int, str]:
    """On a server that records its changes, for a lead: the record's newest number, and what changed since
    ``seen`` with no entry of the trail ("" for nothing, and at the first look: the sign-in looked)."""
    if state_of(session.get_bind()).server_writer is None or not actor.may(Operation.VIEW_AUDIT):
        return 0, ""  # (not a server that records its changes: its sign-in found that once)
    from safeguard_desktop.services.records import server_changes

    connection = session.connection()
    newest = server_changes.newest(connection)
    if seen is None or newest <= seen.changes:
        return newest, ""
    found = server_changes.unaccounted(connection, since=seen.changes)
    return newest, found.describe() if found is not None else ""


def look(session: Session, actor: Actor, seen: Seen | None) -> tuple[Seen, frozenset[Topic]]:
    """Where the trail is now, and what changed elsewhere since ``seen`` (None: the first look, nothing said)."""
    now = Seen(_head(session), state_of(session.get_bind()).own_entries, *_outside(session, actor, seen))
    if seen is None:
        return now, frozenset()
    if now.outside:  # (rows changed with no entry: the trail's head says nothing of them)
        return now, EVERYTHING
    if now.head < seen.head:  # the trail is shorter: a backup restored elsewhere — everything is new
        return now, EVERYTHING
    foreign = (now.head - seen.head) - (now.own - seen.own)
    if foreign <= 0:
        return now, frozenset()
    if not actor.may(Operation.VIEW_AUDIT) or now.head - seen.head > MOST_READ:
        return now, EVERYTHING
    kinds = session.scalars(select(AuditEntry.record_kind).where(AuditEntry.sequence > seen.head).distinct())
    topics: set[Topic] = {Topic.AUDIT}
    for kind in kinds:
        topics |= KIND_TOPICS.get(kind or "", EVERYTHING)
    return now, frozenset(topics)
