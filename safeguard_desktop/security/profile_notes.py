"""Small notes an account keeps in its own profile (beside its remembered data folder, roaming on Windows), one
JSON file per kind of note, one entry per register and account: the newest staff-room publication it read, the
trail's head as it last saw it. Outside the data folder, so nobody with only that folder can rewrite them.
"""

from __future__ import annotations

import hashlib
import json
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
