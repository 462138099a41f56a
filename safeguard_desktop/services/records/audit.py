"""The audit trail: append-only entries, chained, each marked by the account that wrote it.

Each entry's hash covers its sequence number, the previous entry's hash and its own fields (an HMAC under the
chain's key, which is kept inside the register: no secret, since anyone with a key to the file reads it). What
holds against a non-lead with a key to the file is each entry's *mark*, an HMAC under the key its writer's
personal key agrees with the safeguarding key: it covers the chain hash (so every entry before it) and the record
of the rows its transaction wrote. A full recompute of the chain with its key is caught at the first lead's entry
whose mark no longer matches. The chain's head (count and last hash) is kept in the database and, after every
commit, in an anchor file outside it; each account's profile and each backup keep checkpoints too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from safeguard_desktop import faultpoints
from safeguard_desktop.files import replace_file
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.store.engine import state_of
from safeguard_desktop.store.models import AuditEntry, AuditHead, AuditRows

KEY_FILE = "audit.key"
ANCHOR_FILE = "audit-anchor.json"
_SEPARATOR = "\x1f"
_HEX64 = re.compile(r"[0-9a-f]{64}")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditTrail:
    """Where a register's chain key and outside anchor live."""

    key: bytes
    anchor_path: Path

    def read_anchor(self) -> tuple[int, str]:
        """(count, last hash) from the outside anchor; (0, "") when there is none yet. DamagedAnchor when the file
        is there but is not an anchor (cut short, edited, another file copied over it)."""
        try:
            data = json.loads(self.anchor_path.read_bytes()[:4096].decode("utf-8"))
            count, last_hash = int(data["count"]), str(data["last_hash"])
        except FileNotFoundError:
            return 0, ""
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DamagedAnchor(
                f"The audit trail's outside anchor ({self.anchor_path.name}) is damaged or unreadable. Copy the "
                "newest backup's .anchor.json over it, then check the trail again (Settings > Audit trail)."
            ) from exc
        if count < 0 or not _HEX64.fullmatch(last_hash or "0" * 64):
            raise DamagedAnchor(
                f"The audit trail's outside anchor ({self.anchor_path.name}) holds values no anchor can hold. Copy "
                "the newest backup's .anchor.json over it, then check the trail again (Settings > Audit trail)."
            )
        return count, last_hash

    def write_anchor(self, count: int, last_hash: str) -> None:
        """Move the anchor forward (never back), atomically, through a temporary file of its own (a fixed name
        shared by every writer raced: 2 of 35 concurrent writers crashed). A damaged anchor is left as it is,
        for the check to report."""
        if count <= self.read_anchor()[0]:
            return
        handle, name = tempfile.mkstemp(prefix=self.anchor_path.name + ".", suffix=".tmp", dir=self.anchor_path.parent)
        partial = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps({"count": count, "last_hash": last_hash}))
            faultpoints.reach("anchor:after-temp")
            replace_file(partial, self.anchor_path)
        finally:
            partial.unlink(missing_ok=True)


class AuditKeyMissing(ServiceError):
    """The chain key beside a register that has a chain is missing or damaged; the message says what to restore."""


def _clear_stale_anchor_files(folder: Path) -> None:
    """Remove temporary anchor files of writers that were killed (a live writer's exists for microseconds)."""
    now = time.time()
    for leftover in folder.glob(f"{ANCHOR_FILE}.*.tmp"):
        with suppress(OSError):
            if now - leftover.stat().st_mtime > 10:
                leftover.unlink()


class DamagedAnchor(ServiceError):
    """The anchor file beside the register is not a readable anchor; the message says how to mend it."""


def configure(engine: Engine, folder: Path) -> AuditTrail:
    """Load (or make) the chain key of the register in ``folder``. It is kept inside the register, in the chain's
    head; an ``audit.key`` beside it (a register from before, or one put back from an earlier backup) is taken in
    and then removed."""
    key_path = folder / KEY_FILE
    with Session(engine) as session, session.begin():
        head = session.get(AuditHead, 1)
        stored = head.chain_key if head is not None else None
        if stored is not None and len(stored) == 64 and _HEX64.fullmatch(stored):
            key = bytes.fromhex(stored)
        elif stored is not None:
            raise AuditKeyMissing(
                "The audit trail's key inside the register is damaged, so the trail can be neither checked nor "
                "continued. Restore the newest backup (Settings > Backups, or safeguard restore); nothing has been "
                "changed."
            )
        else:
            key = _key_from_before(session, key_path, folder)
            if head is None:
                head = AuditHead(id=1, count=0, last_hash="")
                session.add(head)
            head.chain_key = key.hex()
    with suppress(OSError):  # inside the register now (a kill before this leaves the same key in both: harmless)
        key_path.unlink(missing_ok=True)
    trail = AuditTrail(key=key, anchor_path=folder / ANCHOR_FILE)
    _clear_stale_anchor_files(folder)
    state_of(engine).trail = trail
    return trail


def _key_from_before(session: Session, key_path: Path, folder: Path) -> bytes:
    """The chain key of a register from before it was kept inside: its ``audit.key``; a new key for a register
    whose chain has not started. A missing key of a chain that has is never replaced by a new one (it would make
    every entry so far look forged): AuditKeyMissing says what to restore."""
    if not key_path.exists():
        if session.scalar(select(AuditEntry.id).where(AuditEntry.sequence.is_not(None)).limit(1)) is not None:
            raise AuditKeyMissing(
                f"The audit trail's key ({KEY_FILE}) is missing from {folder}, so the trail can be neither checked nor "
                "continued. Copy it back from the backups folder (each backup of this register's version keeps it as "
                "<backup>.audit.key) and open the register again; nothing has been changed."
            )
        return secrets.token_bytes(32)
    key = key_path.read_bytes()[:64]
    if len(key) != 32:
        raise AuditKeyMissing(
            f"The audit trail's key ({key_path}) is damaged. Copy it back from the backups folder (each backup of "
            "this register's version keeps it as <backup>.audit.key) and open the register again; nothing has been "
            "changed."
        )
    return key


def agreed_key(private: bytes, public: bytes) -> bytes:
    """The key one X25519 private key and the other's public key agree on (either side computes it): an account's
    personal key with the safeguarding public key when it marks an entry, the safeguarding private key with the
    account's public key when a lead checks the mark."""
    from safeguard_desktop.security.sealed_box import agreed_key as agree

    return agree(private, public, b"safeguard audit author v1")


def configure_signer(engine: Engine, username: str, personal_private: bytes | None, safeguarding_public: bytes,
                     generation: int) -> None:  # fmt: skip
    """Mark every entry written through ``engine`` as ``username``'s (None: unmarked, as on a register without
    accounts)."""
    state = state_of(engine)
    if personal_private is None or not username:
        state.signer = None
        return
    state.signer = (username, generation, agreed_key(personal_private, safeguarding_public))


def mark(key: bytes, chain_hash: str, rows: str | None = None) -> str:
    """An entry's mark under an agreed key: it covers the chain hash, and so the entry and all before it, and the
    digest of its record of the rows its transaction wrote, when it has one (services/records/row_vouch.py)."""
    text = b"audit entry\x1f" + chain_hash.encode("ascii")
    if rows is not None:
        text += b"\x1frows\x1f" + rows.encode("ascii")
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def trail_for(session: Session) -> AuditTrail:
    """The trail of the register this session writes to."""
    trail = state_of(session.get_bind()).trail
    if not isinstance(trail, AuditTrail):
        raise RuntimeError("The audit trail is not configured for this register; open it with open_register().")
    return trail


def _hash(key: bytes, entry: Any, previous: str) -> str:
    """The chain hash of ``entry`` (an AuditEntry, or anything with its fields) after ``previous``."""
    return chain_hash(key, previous, entry.sequence, entry.at, entry.actor, entry.action, entry.record_kind,
                      entry.record_id, entry.detail)  # fmt: skip


def chain_hash(key: bytes, previous: str, sequence: int, at: datetime, actor: str, action: str, record_kind: str,
               record_id: str, detail: str) -> str:  # fmt: skip
    """The one formula of the chain: HMAC-SHA256 over the entry's fields and the hash before it."""
    text = _SEPARATOR.join((str(sequence), previous, at.isoformat(), actor, action, record_kind, record_id, detail))
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()  # = hmac.new(...).hexdigest(), in one C call


def _head(session: Session) -> AuditHead:
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, count=0, last_hash="")
        session.add(head)
    return head


def _append(session: Session, trail: AuditTrail, head: AuditHead, entry: AuditEntry) -> None:
    if "audit_anchor" not in session.info:  # once per transaction: may the anchor move on past this chain?
        session.info["audit_anchor_ok"] = _continues_through_anchor(session, trail, head)
    entry.sequence = head.count + 1
    entry.chain_hash = _hash(trail.key, entry, head.last_hash)
    head.count = entry.sequence
    head.last_hash = entry.chain_hash
    session.info["audit_anchor"] = (trail, head.count, head.last_hash)
    session.info["audit_appended"] = session.info.get("audit_appended", 0) + 1


def _continues_through_anchor(session: Session, trail: AuditTrail, head: AuditHead) -> bool:
    """True when the chain still passes through the outside anchor. The anchor never moves on past a chain cut
    short or rewritten behind it: it would hide the cut (measured before: a tail cut without touching the anchor
    verified again after a few sign-ins)."""
    try:
        anchor_count, anchor_hash = trail.read_anchor()
    except DamagedAnchor:
        return False
    if anchor_count == 0:
        return True
    if anchor_count > head.count:
        return False
    at_anchor = session.scalar(select(AuditEntry.chain_hash).where(AuditEntry.sequence == anchor_count))
    return at_anchor == anchor_hash


def record(
    session: Session, actor: Actor, action: str, kind: str = "", record_id: object = "", detail: str = ""
) -> None:
    """Append one entry to the chain. It commits or rolls back with the change it describes. In a lead's read-only
    copy (nothing can be written), what was done is noted beside it instead, for the server's trail."""
    offline = state_of(session.get_bind()).offline_log
    if offline is not None:
        note = {"at": datetime.now().isoformat(), "actor": actor.name, "action": action, "record_kind": kind,
                "record_id": str(record_id), "detail": detail}  # fmt: skip
        with offline.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(note) + "\n")
        return
    trail = trail_for(session)
    head = _head(session)
    entry = AuditEntry(
        at=datetime.now(),
        actor=actor.name,
        action=action,
        record_kind=kind,
        record_id=str(record_id),
        detail=detail,
    )
    _append(session, trail, head, entry)
    signer = state_of(session.get_bind()).signer
    if signer is not None:
        entry.signer = signer[0]
        entry.signature = f"{signer[1]}:{mark(signer[2], entry.chain_hash)}"
    session.add(entry)
    session.info["audit_last_entry"] = entry  # the one that vouches for the transaction's rows (row_vouch.py)


def append_copies(session: Session, entries: Iterable[Sequence[Any]]) -> int:
    """Chain onto this register's trail, in their order, entries copied from another register's trail (a local
    register moved to a server): each as it was — when, who, what, which record, the detail — chained under this
    trail's key. Their marks stay behind (made with keys this register does not hold). ``entries``: rows of (at,
    actor, action, record_kind, record_id, detail). How many were chained."""
    from sqlalchemy import insert

    trail = trail_for(session)
    head = _head(session)
    if "audit_anchor" not in session.info:
        session.info["audit_anchor_ok"] = _continues_through_anchor(session, trail, head)
    batch: list[dict[str, Any]] = []
    copied = 0
    for at, actor, action, kind, record_id, detail in entries:
        sequence = head.count + 1
        hashed = chain_hash(trail.key, head.last_hash, sequence, at, actor, action, kind, record_id, detail)
        batch.append({"sequence": sequence, "chain_hash": hashed, "at": at, "actor": actor, "action": action,
                      "record_kind": kind, "record_id": record_id, "detail": detail})  # fmt: skip
        head.count, head.last_hash = sequence, hashed
        copied += 1
        if len(batch) >= 5_000:
            session.execute(insert(AuditEntry), batch)
            batch = []
    if batch:
        session.execute(insert(AuditEntry), batch)
    session.info["audit_anchor"] = (trail, head.count, head.last_hash)
    session.info["audit_appended"] = session.info.get("audit_appended", 0) + copied
    return copied


def record_output(
    session: Session, actor: Actor, document: str, how: str, kind: str = "", record_id: object = ""
) -> None:
    """Say that a document was printed or saved (the app generates it under its own permission check)."""
    record(session, actor, f"{how} {document}", kind, record_id)


def seal_pending(session: Session) -> int:
    """Chain entries written before the chain existed (sequence empty), in the order they were written — once,
    when the chain is first made. Once it exists, an entry without a sequence was put there from outside: it is
    left for the check to name, never chained in (measured before: a forged row was chained in at the next open)."""
    started = session.scalar(select(AuditEntry.id).where(AuditEntry.sequence.is_not(None)).limit(1)) is not None
    if started:
        return 0
    pending = list(session.scalars(select(AuditEntry).where(AuditEntry.sequence.is_(None)).order_by(AuditEntry.id)))
    if not pending:
        return 0
    trail = trail_for(session)
    head = _head(session)
    for entry in pending:
        _append(session, trail, head, entry)
        session.flush()
    return len(pending)


@event.listens_for(Session, "after_commit")
def _move_anchor(session: Session) -> None:
    """After the commit: nothing may fail the caller now, since the work is done. An anchor that cannot be moved
    (damaged, disk full, held by another program) is logged; the next commit or the check catches up or says so."""
    pending = session.info.pop("audit_anchor", None)
    appended = session.info.pop("audit_appended", 0)
    if appended:
        state_of(session.get_bind()).own_entries += appended
    if not session.info.pop("audit_anchor_ok", True):
        log.warning("audit anchor kept where it was: the chain no longer passes through it")
        return
    if pending is not None:
        trail, count, last_hash = pending
        try:
            trail.write_anchor(count, last_hash)
        except (ServiceError, OSError) as exc:
            log.warning("audit anchor not moved: %s", exc.__class__.__name__)


@event.listens_for(Session, "after_rollback")
def _forget_anchor(session: Session) -> None:
    session.info.pop("audit_anchor", None)
    session.info.pop("audit_appended", None)
    session.info.pop("audit_anchor_ok", None)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`."""

    intact: bool
    entries: int
    first_broken: int | None = None
    reason: str = ""
    #: How many rows of the register differ from what the trail last vouched for (the chain itself checked out).
    rows_differ: int = 0
    #: On a server: how many changes were made with no entry of the trail (outside the app), not yet noted by a lead.
    outside: int = 0
    #: On a server: what the leads have noted of such changes before (records/server_changes.py).
    noted: str = ""

    def describe(self) -> str:
        """One sentence for a person."""
        if self.intact:
            said = f"The audit trail is intact: {self.entries} entries, each chained to the one before."
            return f"{said} {self.noted}" if self.noted else said
        if self.outside:
            return (f"The audit trail's {self.entries} entries are intact, but {self.reason}. Have the school's IT "
                    "support change that login's password, put right in the app what was changed, then note them "
                    "in the trail (Note them in the trail…, or 'safeguard audit note-outside-changes'); the check "
                    "then names only later ones.")  # fmt: skip
        if self.rows_differ:
            return (
                f"The audit trail's {self.entries} entries are intact, but {self.reason}. Restore the newest "
                "backup from before the change, or correct the rows in the app, which records who did."
            )
        if self.first_broken is None:
            return f"The audit trail cannot be checked: {self.reason}"
        return f"The audit trail is broken at entry {self.first_broken}: {self.reason}"


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head as a copy kept elsewhere saw it (a backup's anchor): entry ``count`` had ``last_hash``."""

    count: int
    last_hash: str
    source: str


#: What the chain check reads of each entry: plain columns, streamed (never the whole trail as objects in memory).
_CHAIN_COLUMNS = (AuditEntry.sequence, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.record_kind,
                  AuditEntry.record_id, AuditEntry.detail, AuditEntry.chain_hash, AuditEntry.signature,
                  AuditEntry.signer, AuditRows.rows)  # fmt: skip
#: Rows fetched at a time, and how often progress is reported.
CHAIN_BATCH = 20_000


def stamped_by(signer: str | None) -> str:
    """Who wrote an entry, as the server stamped it (" (written by …)"), or nothing where no server stamped it."""
    if not signer:
        return ""
    if signer.startswith("@"):
        return f" (written by the server's login {signer[1:]}, which is no account's)"
    return f" (written by the login of the account {signer})"


@dataclass
class _Walk:
    """The chain recomputed entry by entry: where it has got to, and the first thing wrong."""

    key: bytes
    authorship: Callable[[Any], str | None] | None
    marked_from: int
    rows: Any = None  # a row_vouch.RowCheck, fed each entry's record of rows
    previous: str = ""
    expected: int = 1
    marked: bool = False
    #: On a server, each entry is stamped by the server with the login that wrote it (services/server_grants.py):
    #: once one is, every later one must be, and a broken entry names its writer.
    stamped: bool = False
    stamping: bool = False

    def step(self, row: tuple[Any, ...]) -> Verification | None:
        """Take in the next entry, as a row of :data:`_CHAIN_COLUMNS`; what is wrong with it, or None."""
        sequence, at, actor, action, kind, record_id, detail, chained, signature, signer, written = row
        expected = self.expected
        if sequence != expected:
            return self._broken("an entry was added outside the chain" if sequence is None
                                else "this entry is missing (deleted)")  # fmt: skip
        if self.stamped:
            if signer is None and self.stamping:
                return self._broken("this entry carries no stamp of the login that wrote it: it was written "
                                    "while the server's check was off (only its administrator may do so)")  # fmt: skip
            self.stamping = self.stamping or signer is not None
        if not hmac.compare_digest(chained, chain_hash(self.key, self.previous, sequence, at, actor, action, kind,
                                                       record_id, detail)):  # fmt: skip
            return self._broken("this entry was altered, moved or rewritten" + stamped_by(signer if self.stamped
                                                                                          else None))  # fmt: skip
        if self.authorship is not None and (signature is not None or self.marked or 0 < self.marked_from <= expected):
            self.marked = True
            rows = row_vouch.record_digest(written)
            problem = self.authorship(SimpleNamespace(sequence=sequence, chain_hash=chained, signature=signature,
                                                      signer=signer, rows=rows))  # fmt: skip
            if problem is None and written is not None and self.rows is not None:
                problem = self.rows.take(sequence, signer, written)
            if problem is not None:
                return self._broken(problem)
        self.previous = chained
        self.expected = expected + 1
        return None

    def _broken(self, reason: str) -> Verification:
        return Verification(False, self.expected - 1, self.expected, reason)


def verify(
    session: Session,
    actor: Actor,
    checkpoints: Sequence[Checkpoint] = (),
    authorship: Callable[[Any], str | None] | None = None,
    marked_from: int = 0,
    progress: Callable[[int, int], None] | None = None,
    rows: Any = None,
) -> Verification:
    """Recompute the chain and compare its head with the database's, the outside anchor's and every checkpoint's
    (a deletion of everything, anchor and all, still leaves the backups' anchors); with ``authorship`` (a lead's:
    see trail_check.authorship) each entry's mark is checked against the account it names, and once entries are
    marked an unmarked one is refused, as is any from ``marked_from`` on (signed by the leads in the record of
    accounts) — a key to the file alone neither writes nor rewrites one in a lead's name, nor strips the marks.

    Reads only: run it in a read transaction, which holds no write lock (in WAL mode writers go on meanwhile); the
    entries are streamed as plain rows, so memory stays flat at any length. Entries written while it runs (the
    anchor then runs ahead of the transaction's view) are read afterwards and checked as the chain's next links.
    ``progress(done, total)`` is called every :data:`CHAIN_BATCH` entries. With ``rows`` (a row_vouch.RowCheck),
    every row of the register is then compared with what the trail last vouched for."""
    actor.require(Operation.VIEW_AUDIT)
    trail = trail_for(session)
    head = session.get(AuditHead, 1)
    head_count, head_hash = (head.count, head.last_hash) if head else (0, "")
    walk = _Walk(trail.key, authorship, marked_from, rows, stamped=session.get_bind().dialect.name == "postgresql")
    query = (select(*_CHAIN_COLUMNS).outerjoin(AuditRows, AuditRows.entry_hash == AuditEntry.chain_hash)
             .order_by(AuditEntry.sequence.is_(None), AuditEntry.sequence))  # fmt: skip
    # Plain rows through the connection: the ORM's row handling doubled the time of a million entries.
    for row in session.connection().execute(query.execution_options(yield_per=CHAIN_BATCH)):
        broken = walk.step(row)
        if broken is not None:
            return broken
        if progress is not None and walk.expected % CHAIN_BATCH == 1:
            progress(walk.expected - 1, max(head_count, walk.expected - 1))
    count = walk.expected - 1
    if (head_count, head_hash) != (count, walk.previous):
        if head_count > count:
            return Verification(False, count, count + 1, "entries from here on were removed (the end was cut off)")
        return Verification(False, count, count, "the chain's head in the database does not match")
    try:
        anchor_count, anchor_hash = trail.read_anchor()
    except DamagedAnchor as exc:
        return Verification(False, count, None, str(exc))
    later: dict[int, str] = {}  # entries written since this transaction began (none can be, inside a write)
    bind = session.get_bind()
    if max(anchor_count, *(p.count for p in checkpoints), 0) > count and not bind.get_execution_options().get("write"):
        walk.rows = None  # the rows are compared as this transaction sees them: with the entries it sees
        with Session(bind) as fresh, fresh.begin():
            for row in fresh.execute(query.where(AuditEntry.sequence > count)):
                broken = walk.step(row)
                if broken is not None:
                    return broken
                later[walk.expected - 1] = walk.previous  # the entry just taken in
        count = walk.expected - 1

    def hash_at(sequence: int) -> str | None:
        return later.get(sequence) or session.scalars(
            select(AuditEntry.chain_hash).where(AuditEntry.sequence == sequence)).first()  # fmt: skip

    if anchor_count > count:
        return Verification(False, count, count + 1, "entries from here on were removed (the end was cut off)")
    if anchor_count and hash_at(anchor_count) != anchor_hash:
        return Verification(False, count, anchor_count, "the chain was rewritten (it no longer matches the anchor)")
    for point in sorted(checkpoints, key=lambda p: p.count):
        if point.count > count:
            return Verification(False, count, count + 1,
                                f"entries from here on were removed ({point.source} holds {point.count})")  # fmt: skip
        if point.count and hash_at(point.count) != point.last_hash:
            return Verification(False, count, point.count, f"the chain was rewritten since {point.source}")
    if rows is not None:
        differ = rows.compare(session.connection())
        if differ:
            more = f" (and {rows.found - 5} more)" if rows.found > 5 else ""
            said = "one row of the register differs" if rows.found == 1 else f"{rows.found} rows of the register differ"
            return Verification(False, count, None, f"{said} from what the trail recorded of them: "
                                + "; ".join(differ[:5]) + more, rows_differ=rows.found)  # fmt: skip
    from safeguard_desktop.services.records import server_changes

    if server_changes.kept_here(session):
        outside = server_changes.unaccounted(session.connection())
        if outside is not None:
            return Verification(False, count, None, outside.describe(), outside=outside.count)
        return Verification(True, count, noted=server_changes.noted_before(session.connection()))
    return Verification(True, count)


def export_csv(session: Session, actor: Actor, path: Path) -> int:
    """Write the whole trail as a spreadsheet-safe CSV (the export itself is audited). Returns the entry count."""
    actor.require(Operation.VIEW_AUDIT)
    from safeguard_desktop.domain.dates import format_uk_datetime
    from safeguard_desktop.services.csv_export import write_safe_csv

    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence))
    count = write_safe_csv(
        path,
        ("Entry", "When", "Who", "What", "Record kind", "Record", "Detail", "Written by"),
        (
            (
                e.sequence,
                format_uk_datetime(e.at),
                e.actor,
                e.action,
                e.record_kind,
                e.record_id,
                _shown(actor, e.detail),
                writer(e.signer),
            )
            for e in entries
        ),
    )
    record(session, actor, "exported the audit trail", "audit", "", f"{count} entries")
    return count


def recent(session: Session, limit: int = 100) -> list[tuple[datetime, str, str, str, str, str]]:
    """The newest entries first, as plain tuples (at, actor, action, kind, id, detail)."""
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars()
    return [(e.at, e.actor, e.action, e.record_kind, e.record_id, e.detail) for e in rows]


@dataclass(frozen=True)
class AuditRow:
    """One entry as the DSL's audit screen lists it."""

    sequence: int | None
    at: datetime
    actor: str
    action: str
    record_kind: str
    record_id: str
    detail: str
    #: The account whose key marked it, or on a server the login the server stamped it with (:func:`writer`).
    written_by: str = ""


def writer(signer: str | None) -> str:
    """An entry's writer as a person reads it: the account's user name, or a server's login that is no account's
    (its administrator's); nothing for an entry from before writers were recorded."""
    if not signer:
        return ""
    return f"server login {signer[1:]}" if signer.startswith("@") else signer


def browse(
    session: Session,
    actor: Actor,
    *,
    text: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: int = 2000,
) -> list[AuditRow]:
    """Entries newest first, filtered by words (who, what, record, detail) and by date (inclusive)."""
    actor.require(Operation.VIEW_AUDIT)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(since, datetime.min.time()))
    if until is not None:
        query = query.where(AuditEntry.at < datetime.combine(until, datetime.min.time()) + timedelta(days=1))
    for word in text.split():
        pattern = f"%{word}%"
        query = query.where(
            AuditEntry.actor.ilike(pattern)
            | AuditEntry.action.ilike(pattern)
            | AuditEntry.record_kind.ilike(pattern)
            | AuditEntry.record_id.ilike(pattern)
            | AuditEntry.detail.ilike(pattern)
        )
    rows = session.scalars(query.limit(limit))
    return [AuditRow(e.sequence, e.at, e.actor, e.action, e.record_kind, e.record_id, _shown(actor, e.detail),
                     writer(e.signer)) for e in rows]  # fmt: skip


def _shown(actor: Actor, detail: str) -> str:
    """A detail as the leads read it: an incident's category or the kind of a chronology entry is sealed in the
    trail (the office's key to the file reads the trail), and opened here with the safeguarding key."""
    from safeguard_desktop.security import sealed_box, sealing

    if not sealed_box.is_sealed(detail) and sealing.case_of(detail) is None:
        return detail
    try:
        return sealing.reveal(actor, detail)
    except ServiceError:
        return "[sealed]"


from safeguard_desktop.services.records import row_vouch  # noqa: E402 (its commit hook needs record() above)
