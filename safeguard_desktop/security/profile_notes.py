"""Small notes an account keeps in its own profile (beside its remembered data folder, roaming on Windows), one
JSON file per kind of note, one entry per register and account: the newest staff-room publication it read, the
trail's head as it last saw it. Outside the data folder, so nobody with only that folder can rewrite them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safeguard_desktop import paths
from safeguard_desktop.files import write_atomically

BUDGET = 1_000_000  # bytes: one line per register and account, checked before the file is read whole


def note_key(folder: Path, username: str) -> str:
    """The entry for ``username`` on the register in ``folder``."""
    return f"{folder.resolve()}|{username}"


def note_tag(folder: Path, username: str) -> str:
    """The same, short enough for a folder name."""
    return hashlib.sha256(note_key(folder, username).encode("utf-8")).hexdigest()[:16]


def _read(kind: str) -> dict[str, Any]:
    path = paths.user_config_file(kind)
    try:
        if path.stat().st_size > BUDGET:
            return {}
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_note(kind: str, folder: Path, username: str) -> Any:
    """This account's note of ``kind`` for the register (None when there is none or the file is unreadable)."""
    return _read(kind).get(note_key(folder, username))


def write_note(kind: str, folder: Path, username: str, value: Any) -> bool:
    """Keep it (atomically, readable by the account alone); False when the profile cannot be written, which loses
    only the check the note makes possible."""
    data = _read(kind)
    data[note_key(folder, username)] = value
    path = paths.user_config_file(kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data, indent=1).encode("utf-8"), private=True)
    except OSError:
        return False
    return True


class AlteredNote(Exception):
    """A marked note whose mark does not check (or whose marked fields are missing): it was edited."""


def _mark(secret: bytes, label: bytes, name: str, values: list[str]) -> str:
    key = hmac.new(secret, label, hashlib.sha256).digest()
    return hmac.new(key, "\x1f".join([name, *values]).encode(), hashlib.sha256).hexdigest()


def read_marked(kind: str, folder: Path, username: str, secret: bytes, label: bytes,
                fields: Sequence[str]) -> dict[str, Any] | None:  # fmt: skip
    """A note written by :func:`write_marked` with the same secret, label and fields: None when there is none,
    AlteredNote when its mark does not check — only the holder of ``secret`` (an account's personal key) can write
    one, so another account sharing the computer's profile cannot put its own in."""
    entry = read_note(kind, folder, username)
    if not isinstance(entry, dict):
        return None
    try:
        values, mac = [str(entry[field]) for field in fields], str(entry["mac"])
    except KeyError as exc:
        raise AlteredNote() from exc
    if not hmac.compare_digest(mac, _mark(secret, label, note_key(folder, username), values)):
        raise AlteredNote()
    return entry


def write_marked(kind: str, folder: Path, username: str, secret: bytes, label: bytes, note: dict[str, Any]) -> bool:
    """Keep ``note`` with a mark over its fields, in their order, under a key derived from ``secret`` and ``label``."""
    mac = _mark(secret, label, note_key(folder, username), [str(value) for value in note.values()])
    return write_note(kind, folder, username, {**note, "mac": mac})
