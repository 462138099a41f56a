"""Concerns staff send through the staff room, and what a lead's app takes in.

A concern is one file, ``staffroom/reports/<id>.json``, encrypted with a key agreed between the reporter's
personal key and the safeguarding key: the leads read it, the reporter reads it back, nobody else; and no
colleague can make one in the reporter's name. A lead's app takes each one in as an incident, once (the incident
keeps the report's id), and writes ``staffroom/receipts/<id>.json`` for the reporter: the incident's number and
status, under the same agreement the other way round. The reporter's app keeps a copy of each report it sent in
the account's own profile, and puts it back should it vanish from the folder.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop import paths
from safeguard_desktop.files import write_atomically
from safeguard_desktop.security import keyring, profile_notes, sealed_box
from safeguard_desktop.security.keyring import Unlocked
from safeguard_desktop.services.accounts.staff_room import (
    REPORT_BUDGET,
    StaffRoomProblem,
    agreed,
    lock,
    read_json,
    room,
    signed_public,
    unlock,
)
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.errors import PermissionDenied, ServiceError
from safeguard_desktop.services.records import audit


@dataclass(frozen=True)
class SentReport:
    """A concern as its reporter sees it: their own words, and where it stands."""

    id: str
    sent_at: datetime
    category: str
    summary: str
    incident: int | None = None
    status: str = ""

    @property
    def short_state(self) -> str:
        """For a list: 'waiting for a lead' or 'incident 12: open'."""
        return "waiting for a lead" if self.incident is None else f"incident {self.incident}: {self.status}"

    @property
    def state(self) -> str:
        """'Sent, not yet taken in by a safeguarding lead' or 'Incident 12: open'."""
        if self.incident is None:
            return "Sent, not yet taken in by a safeguarding lead"
        return f"Incident {self.incident}: {self.status}"


def _report_context(report_id: str, username: str) -> str:
    return f"report:{report_id}:{username}"


def _receipt_context(report_id: str, username: str) -> str:
    return f"receipt:{report_id}:{username}"


def _tag_key(private: bytes, public: bytes, username: str) -> bytes:
    """The key of an account's report tags: agreed between its personal key and the safeguarding key, so the
    reporter (and the leads) can tell its reports among the room's, and nobody else can."""
    return agreed(private, public, f"report tag:{username}")


def _tag(tag_key: bytes, report_id: str) -> str:
    return hmac.new(tag_key, report_id.encode("ascii"), "sha256").hexdigest()[:32]


def _report_document(report_id: str, username: str, sealed: str, tag_key: bytes, safeguarding_public: bytes) -> bytes:
    """A report's file as written from format 2 on: who sent it is sealed to the safeguarding key (a colleague with
    the folder sees that a report exists, not whose), and its tag lets its reporter find it."""
    from safeguard_desktop.security import sealed_box

    return json.dumps({
        "format": 2,
        "id": report_id,
        "from_sealed": sealed_box.seal(safeguarding_public, username),
        "tag": _tag(tag_key, report_id),
        "sealed": sealed,
    }).encode("utf-8")  # fmt: skip


def _sent_dir(folder: Path, username: str) -> Path:
    return paths.user_config_file("sent") / profile_notes.note_tag(folder, username)


def submit(folder: Path, actor: Actor, keys: Unlocked, data: Any) -> str:
    """Send a concern to the safeguarding leads (checked as the incident form checks it). Returns its id."""
    from safeguard_desktop.services import incidents

    actor.require(Operation.LOG_INCIDENT)
    if keys.personal_private is None:
        raise PermissionDenied("This account has no personal key: ask a safeguarding lead to reset its password.")
    payload = incidents.checked_input(data)
    report_id = uuid.uuid4().hex
    now = datetime.now()
    body = {**payload, "reporter": actor.name, "sent_at": now.isoformat()}
    shared = agreed(keys.personal_private, keys.safeguarding_public, _report_context(report_id, keys.username))
    sealed = lock(shared, json.dumps(body).encode("utf-8"), _report_context(report_id, keys.username))
    tag_key = _tag_key(keys.personal_private, keys.safeguarding_public, keys.username)
    raw = _report_document(report_id, keys.username, sealed, tag_key, keys.safeguarding_public)
    reports = room(folder) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    write_atomically(reports / f"{report_id}.json", raw, private=True)
    try:  # the reporter's own copy: sent again should it vanish before a lead takes it in
        sent = _sent_dir(folder, keys.username)
        sent.mkdir(parents=True, exist_ok=True)
        write_atomically(sent / f"{report_id}.json", raw, private=True)
    except OSError:
        pass
    return report_id


def _open_report(document: dict[str, Any], private: bytes, public: bytes, username: str) -> dict[str, Any] | None:
    report_id = str(document["id"])
    plain = unlock(agreed(private, public, _report_context(report_id, username)), document["sealed"],
                    _report_context(report_id, username))  # fmt: skip
    return json.loads(plain) if plain is not None else None


def _report_files(folder: Path) -> list[Path]:
    reports = room(folder) / "reports"
    return sorted(reports.glob("*.json")) if reports.is_dir() else []


def _valid_id(text: Any) -> bool:
    return isinstance(text, str) and len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def resend_missing(folder: Path, keys: Unlocked) -> int:
    """Put back, from this account's own copies, reports that vanished from the folder (deleted by someone with
    access to it): before a lead took one in, so that it reaches them; after, so its reporter still sees it (a
    report taken in is never taken in twice). Returns how many."""
    sent = _sent_dir(folder, keys.username)
    if not sent.is_dir():
        return 0
    reports = room(folder) / "reports"
    count = 0
    for copy in sorted(sent.glob("*.json")):
        if (reports / copy.name).exists():
            continue
        reports.mkdir(parents=True, exist_ok=True)
        write_atomically(reports / copy.name, copy.read_bytes(), private=True)
        count += 1
    return count


def my_reports(folder: Path, keys: Unlocked) -> list[SentReport]:
    """The concerns this account sent, newest first, each with its incident number and status once taken in."""
    if keys.personal_private is None:
        return []
    mine = []
    tag_key = _tag_key(keys.personal_private, keys.safeguarding_public, keys.username)
    for path in _report_files(folder):
        try:
            document = read_json(path, REPORT_BUDGET)
            if not _valid_id(document.get("id")):
                continue
            if "tag" in document:
                if not hmac.compare_digest(str(document["tag"]), _tag(tag_key, document["id"])):
                    continue
            elif document.get("from") != keys.username:  # format 1, from before: the name in the open
                continue
            body = _open_report(document, keys.personal_private, keys.safeguarding_public, keys.username)
        except (OSError, StaffRoomProblem, KeyError, TypeError, ValueError, AttributeError):
            continue
        if body is None:
            continue
        report_id = str(document["id"])
        receipt = _read_receipt(folder, report_id, keys)
        mine.append(SentReport(report_id, datetime.fromisoformat(body["sent_at"]), str(body["category"]),
                               str(body["summary"]), *(receipt or (None, ""))))  # fmt: skip
    return sorted(mine, key=lambda r: r.sent_at, reverse=True)


def _read_receipt(folder: Path, report_id: str, keys: Unlocked) -> tuple[int, str] | None:
    path = room(folder) / "receipts" / f"{report_id}.json"
    if keys.personal_private is None or not path.exists():
        return None
    try:
        document = read_json(path, REPORT_BUDGET)
        context = _receipt_context(report_id, keys.username)
        plain = unlock(agreed(keys.personal_private, keys.safeguarding_public, context), document["sealed"], context)
        if plain is None:
            return None
        receipt = json.loads(plain)
        return int(receipt["incident"]), str(receipt["status"])
    except (OSError, StaffRoomProblem, KeyError, TypeError, ValueError):
        return None


@dataclass
class TakenIn:
    """What one pass over the reports did."""

    received: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    receipts: int = 0
    #: Of those received, the ones their reporter marked high or immediate danger (the leads are alerted).
    urgent: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the leads."""
        parts = []
        if self.received:
            numbers = ", ".join(str(n) for n in self.received)
            parts.append(f"{len(self.received)} new report(s) from staff taken in as incident(s) {numbers}.")
        parts += self.refused
        return " ".join(parts)


def take_in(session: Session, actor: Actor, keys: Unlocked, folder: Path) -> TakenIn:
    """Record each staff report not yet taken in as an incident (as its reporter, when they sent it), and write
    or bring up to date each reporter's receipt. A lead's app calls it at sign-in and when the incidents screen is
    refreshed. A report that does not open, or names an account the leads did not sign, is left and reported."""
    from safeguard_desktop.services import incidents
    from safeguard_desktop.store.models import Incident

    actor.require(Operation.READ_INCIDENTS)
    keys = dataclasses.replace(keys, record=keyring.current_record(folder, keys))
    done = TakenIn()
    if keys.safeguarding_private is None:
        return done
    known = {ref: number for ref, number in session.execute(
        select(Incident.report_ref, Incident.id).where(Incident.report_ref.is_not(None)))}  # fmt: skip
    open_name = sealed_box.opener(keys.safeguarding_private)
    for path in _report_files(folder):
        try:
            document = read_json(path, REPORT_BUDGET)
            report_id = document["id"]
            if not _valid_id(report_id) or path.stem != report_id:
                raise StaffRoomProblem(f"{path.name} is not a staff report.")
            if report_id in known and "from_sealed" in document:
                continue
            username = open_name(document["from_sealed"]) if "from_sealed" in document else str(document["from"])
        except (OSError, StaffRoomProblem, KeyError, TypeError, ValueError, AttributeError, keyring.KeyError_) as exc:
            done.refused.append(f"A file in the staff room could not be read ({path.name}: {exc}); it was left there.")
            continue
        public = signed_public(keys, username)
        body = _open_report(document, keys.safeguarding_private, public, username) if public is not None else None
        if body is not None and public is not None and "from_sealed" not in document:  # format 1: written again
            with suppress(OSError):
                tag_key = _tag_key(keys.safeguarding_private, public, username)
                write_atomically(path, _report_document(report_id, username, document["sealed"], tag_key,
                                                        keys.safeguarding_public), private=True)  # fmt: skip
        if report_id in known:
            continue
        if body is None:
            done.refused.append(
                f"The staff report {path.name} does not open with the key of the account it names ({username}): it "
                "was not sent by that account. It was left in the staff room, unread; check the audit trail."
            )
            audit.record(session, actor, "found a staff report that does not check", "staff room", report_id,
                         f"names {username}")  # fmt: skip
            continue
        reporter = Actor(str(body.get("reporter") or username), Role.STAFF, username)
        try:
            number = incidents.record_checked(session, reporter, body, report_ref=report_id,
                                              reported_at=datetime.fromisoformat(body["sent_at"]))  # fmt: skip
        except (ServiceError, KeyError, ValueError, TypeError) as exc:
            done.refused.append(f"The staff report {path.name} from {username} could not be taken in: {exc}")
            continue
        audit.record(session, actor, "took in a staff report", "incident", number, f"report {report_id}")
        known[report_id] = number
        done.received.append(number)
        if body.get("urgency") in ("high", "immediate danger"):
            done.urgent.append(number)
    done.receipts = _write_receipts(session, actor, keys, folder)
    return done


def _write_receipts(session: Session, actor: Actor, keys: Unlocked, folder: Path) -> int:
    from safeguard_desktop.services import incidents
    from safeguard_desktop.store.models import Incident

    assert keys.safeguarding_private is not None
    receipts = room(folder) / "receipts"
    written = 0
    for incident in session.scalars(select(Incident).where(Incident.report_ref.is_not(None))):
        known = incidents.facts(incident, actor)
        report_id, number, status, username = incident.report_ref, incident.id, known.status, known.reported_by_user
        public = signed_public(keys, str(username or ""))
        if public is None or not _valid_id(report_id):
            continue
        context = _receipt_context(str(report_id), str(username))
        shared = agreed(keys.safeguarding_private, public, context)
        path = receipts / f"{report_id}.json"
        if path.exists():
            try:
                current = unlock(shared, read_json(path, REPORT_BUDGET)["sealed"], context)
                if current is not None and json.loads(current) == {"incident": number, "status": status}:
                    continue
            except (OSError, StaffRoomProblem, KeyError, TypeError, ValueError):
                pass
        receipts.mkdir(parents=True, exist_ok=True)
        sealed = lock(shared, json.dumps({"incident": number, "status": status}).encode("utf-8"), context)
        write_atomically(path, json.dumps({"format": 1, "id": report_id, "sealed": sealed}).encode("utf-8"),
                         private=True)  # fmt: skip
        written += 1
    return written
