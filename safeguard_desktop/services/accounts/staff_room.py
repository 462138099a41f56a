"""The staff room: what staff hold instead of the register.

Staff accounts hold no key that opens ``register.db``. What they may read in the app reaches them here, in the
``staffroom`` folder beside the register, encrypted so that nothing but the files and their own key is needed:

- **published.json** — the pupils' names and classes (so a concern names the right child), and the confidential
  briefings of the coming events, as their PDFs. Written by a lead or the office (never by staff): the content is
  encrypted under a fresh key, wrapped for each active staff account with a key agreed between the publisher's
  personal key and that account's (X25519, HKDF, AES-256-GCM). Opening one's wrap proves the publisher made it: a
  member of staff can forge a copy only for themselves, never for a colleague. The app remembers, per account,
  the newest publication it has read, and refuses an older one put back in its place.
- **reports/** and **receipts/** — the concerns staff send, and the leads' receipts (services/staff_reports.py).

A file that does not open, or names an account the leads did not sign, is left where it is and reported, never
trusted.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.files import write_atomically
from safeguard_desktop.security import keyring, profile_notes
from safeguard_desktop.security.keyring import Unlocked
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import PermissionDenied, ServiceError
from safeguard_desktop.services.records import audit

ROOM = "staffroom"
PUBLISHED = "published.json"
PUBLISHED_BUDGET = 200_000_000  # bytes: a trust's directory and a term's briefings, far below this
REPORT_BUDGET = 2_000_000  # bytes: an 8,000-character summary and its people, many times over
#: Briefings of events from a week ago to this many days ahead are published.
AHEAD_DAYS = 90
BEHIND_DAYS = 7
_PUBLISHERS = {Role.DSL.value, Role.DEPUTY_DSL.value, Role.OFFICE.value}


class StaffRoomProblem(ServiceError):
    """A staff room file is damaged, altered, or not for this account; the message says which and what to do."""


def room(folder: Path) -> Path:
    """The staff room folder of the register in ``folder``."""
    return folder / ROOM


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text).encode("ascii"), validate=True)


def agreed(private: bytes, public: bytes, context: str) -> bytes:
    """The key two X25519 key holders share (either side computes it), bound to what it protects."""
    from safeguard_desktop.security.sealed_box import agreed_key

    return agreed_key(private, public, b"safeguard staff room v1\x1f" + context.encode("utf-8"))


def lock(key: bytes, data: bytes, context: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return _b64(nonce + AESGCM(key).encrypt(nonce, data, context.encode("utf-8")))


def unlock(key: bytes, text: Any, context: str) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = _unb64(text)
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
    except (InvalidTag, ValueError, TypeError):
        return None


def read_json(path: Path, budget: int) -> Any:
    size = path.stat().st_size
    if size > budget:
        raise StaffRoomProblem(f"{path} is {size:,} bytes, far more than it can hold; it was not read.")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StaffRoomProblem(f"{path} is damaged (not a readable staff room file).") from exc


def signed_public(keys: Unlocked, username: str, roles: set[str] | None = None) -> bytes | None:
    """The personal public key the leads signed for ``username`` (with one of ``roles``), or None."""
    if keys.record is None:
        return None
    account = keys.record.accounts.get(username)
    if account is None or not account.personal_public or (roles is not None and account.role not in roles):
        return None
    try:
        return _unb64(account.personal_public)
    except ValueError:
        return None


@dataclass
class StaffDesk:
    """What a signed-in member of staff has open: the staff room of the register in ``folder``, and their keys."""

    folder: Path
    keys: Unlocked = field(repr=False)
    notices: list[str] = field(default_factory=list, repr=False)

    def actor(self, published: Published | None = None) -> Actor:
        """The member of staff, by the name the office or a lead published for them (else their user name)."""
        name = published.names.get(self.keys.username, "") if published is not None else ""
        return Actor(name or self.keys.username, Role.STAFF, self.keys.username, None, self.keys.personal_private)

    def close(self) -> None:
        """Nothing is held open: the staff room is read file by file."""

    def change_password(self, old: str, new: str) -> None:
        """A member of staff's own new password: their slot is made again under it, with the same keys (staff
        hold no register, so there is no database change for the slot to agree with; it is one atomic write)."""
        from safeguard_desktop.services import accounts

        accounts.check_password(new, username=self.keys.username)
        if keyring.unlock(self.folder, self.keys.username, old).personal_private != self.keys.personal_private:
            raise keyring.WrongPassword()
        keyring.rewrap_own_slot(self.folder, self.keys, new)
        self.keys = keyring.unlock(self.folder, self.keys.username, new)
        if keyring.bind_to_this_computer(self.folder, self.keys, new) == "bound":  # the app: bound again at once
            self.keys = keyring.unlock(self.folder, self.keys.username, new)


# --- What leads and the office publish -------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    """A pupil as staff may see them: a name and a class, for naming them in a concern."""

    id: int
    name: str
    year_group: str
    reg_group: str


@dataclass(frozen=True)
class PublishedBriefing:
    """One event's confidential briefing, as published."""

    event_id: int
    name: str
    starts_at: datetime
    venue: str
    pdf: bytes = field(repr=False)


@dataclass(frozen=True)
class Published:
    """What a member of staff has been given."""

    version: int
    published_at: datetime
    publisher: str
    school: str
    lock_minutes: int
    names: dict[str, str]
    directory: list[DirectoryEntry]
    briefings: list[PublishedBriefing]


@dataclass(frozen=True)
class PublishSummary:
    """What a publication held, and for how many accounts."""

    recipients: int
    pupils: int
    briefings: int


def _briefings(session: Session, actor: Actor, today: date) -> Iterator[PublishedBriefing]:
    from safeguard_desktop.services.events import notices
    from safeguard_desktop.store.models import Event

    start = datetime.combine(today - timedelta(days=BEHIND_DAYS), datetime.min.time())
    end = datetime.combine(today + timedelta(days=AHEAD_DAYS + 1), datetime.min.time())
    rows = session.scalars(
        select(Event).where(Event.starts_at >= start, Event.starts_at < end).order_by(Event.starts_at)
    )
    for event in list(rows):
        pdf = notices.briefing(session, actor, event.id)
        yield PublishedBriefing(event.id, event.name, event.starts_at, event.venue, pdf)


def publish(
    session: Session, actor: Actor, keys: Unlocked, folder: Path, *, today: date | None = None
) -> PublishSummary:
    """Publish the directory and the coming events' briefings to every active staff account (a lead or the
    office; audited). An account added since the last publication reads nothing until the next one."""
    from safeguard_desktop.services import settings
    from safeguard_desktop.services.incidents import incident_people
    from safeguard_desktop.store.models import UserAccount

    if actor.role.value not in _PUBLISHERS:
        raise PermissionDenied(f"{actor.name} ({actor.role.value}) may not publish to staff; ask the office or a lead.")
    keys = dataclasses.replace(keys, record=keyring.current_record(folder, keys))
    if keys.personal_private is None or keys.record is None:
        raise PermissionDenied("This account has no personal key yet: sign out and in again, then publish.")
    staff = {
        name: public
        for name, account in keys.record.accounts.items()
        if account.active and account.role == Role.STAFF.value and (public := signed_public(keys, name)) is not None
    }
    names = {u: d for u, d in session.execute(select(UserAccount.username, UserAccount.display_name)) if u in staff}
    choices = incident_people.pupil_choices(session, Actor(actor.name, Role.DSL, actor.username))
    briefings = list(_briefings(session, actor, today or date.today()))
    now = datetime.now()
    version = max(time_version(now), _published_version(folder) + 1)
    header = {"format": 1, "publisher": keys.username, "version": version, "published_at": now.isoformat()}
    body = {
        "school": settings.get_school(session).name,
        "lock_minutes": settings.lock_minutes(session),
        "names": names,
        "directory": [[c.id, c.name, c.year_group, c.reg_group] for c in choices],
        "briefings": [
            {"event": b.event_id, "name": b.name, "starts_at": b.starts_at.isoformat(), "venue": b.venue,
             "pdf": _b64(b.pdf)}
            for b in briefings
        ],
    }  # fmt: skip
    content_key = secrets.token_bytes(32)
    context = _header_context(header)
    document = {
        **header,
        "body": lock(content_key, json.dumps(body, separators=(",", ":")).encode("utf-8"), context),
        "wraps": {
            name: lock(agreed(keys.personal_private, public, f"wrap:{name}:{context}"), content_key, context)
            for name, public in staff.items()
        },
    }
    target = room(folder)
    target.mkdir(exist_ok=True)
    write_atomically(target / PUBLISHED, json.dumps(document).encode("utf-8"), private=True)
    audit.record(session, actor, "published the staff room", "staff room", version,
                 f"{len(choices)} pupils, {len(briefings)} briefings, for {len(staff)} staff")  # fmt: skip
    return PublishSummary(len(staff), len(choices), len(briefings))


def time_version(when: datetime) -> int:
    """A publication's version: microseconds since 2020, so a later publication always has a larger one."""
    return int((when - datetime(2020, 1, 1)).total_seconds() * 1_000_000)


def _header_context(header: dict[str, Any]) -> str:
    return f"published:{header['format']}:{header['publisher']}:{header['version']}:{header['published_at']}"


def _published_version(folder: Path) -> int:
    try:
        data = read_json(room(folder) / PUBLISHED, PUBLISHED_BUDGET)
        return int(data["version"])
    except (OSError, StaffRoomProblem, KeyError, TypeError, ValueError):
        return 0


_SEEN = "staffroom-seen.json"


def _seen(folder: Path, username: str) -> int:
    try:
        return int(profile_notes.read_note(_SEEN, folder, username) or 0)
    except (TypeError, ValueError):
        return 0


def read_published(folder: Path, keys: Unlocked) -> Published | None:
    """What has been published to this staff account; None when nothing has been yet (or not for this account).

    StaffRoomProblem when the file was altered, not made by the office or a lead, or is older than one read here
    before (an older copy put back)."""
    path = room(folder) / PUBLISHED
    if not path.exists():
        return None
    data = read_json(path, PUBLISHED_BUDGET)
    altered = StaffRoomProblem(
        f"The staff room in {path} was altered outside the app (it is not as the office or a lead published it). "
        "Nothing from it is shown. Ask a safeguarding lead to publish again (File > Publish to staff)."
    )
    try:
        header = {k: data[k] for k in ("format", "publisher", "version", "published_at")}
        wrap = data["wraps"].get(keys.username)
        if wrap is None:
            return None
        publisher_public = signed_public(keys, str(header["publisher"]), _PUBLISHERS)
        if publisher_public is None or keys.personal_private is None:
            raise altered
        context = _header_context(header)
        content_key = unlock(agreed(keys.personal_private, publisher_public, f"wrap:{keys.username}:{context}"),
                              wrap, context)  # fmt: skip
        plain = unlock(content_key, data["body"], context) if content_key is not None else None
        if plain is None:
            raise altered
        body = json.loads(plain)
        version = int(header["version"])
        published = Published(
            version,
            datetime.fromisoformat(str(header["published_at"])),
            str(header["publisher"]),
            str(body["school"]),
            max(1, min(int(body.get("lock_minutes", 10)), 240)),
            {str(k): str(v) for k, v in body["names"].items()},
            [DirectoryEntry(int(i), str(n), str(y), str(g)) for i, n, y, g in body["directory"]],
            [
                PublishedBriefing(int(b["event"]), str(b["name"]), datetime.fromisoformat(b["starts_at"]),
                                  str(b["venue"]), _unb64(b["pdf"]))
                for b in body["briefings"]
            ],
        )  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise altered from exc
    if version < _seen(folder, keys.username):
        raise StaffRoomProblem(
            f"The staff room in {path} is older than the one this account read before: an older copy was put in "
            "its place. Nothing from it is shown. Ask a safeguarding lead to publish again (Events > Publish to "
            "staff)."
        )
    profile_notes.write_note(_SEEN, folder, keys.username, version)  # failing: only the roll-back check is lost
    return published
