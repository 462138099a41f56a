"""Reply-slip references: short, typed or scanned back, naming the event and the pupil, with a check character."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they are misread as 1 and 0
_PATTERN = re.compile(r"^S(\d{1,6})-(\d{1,7})(?:-P(\d{1,7}))?-([0-9A-Z])$")


@dataclass(frozen=True)
class SlipReference:
    """Which event's letter, for which pupil — and, for a letter to one holder of parental responsibility, whose."""

    event_id: int
    pupil_id: int
    contact_id: int | None = None

    def __str__(self) -> str:
        body = f"S{self.event_id}-{self.pupil_id}" + (f"-P{self.contact_id}" if self.contact_id is not None else "")
        return f"{body}-{_check(body)}"


def _check(body: str) -> str:
    total = sum((i + 1) * _ALPHABET.index(c) if c in _ALPHABET else (i + 1) * 7 for i, c in enumerate(body))
    return _ALPHABET[total % len(_ALPHABET)]


def parse_reference(text: str) -> SlipReference:
    """Read a typed or scanned reference; ValueError says what is wrong with it."""
    cleaned = text.strip().upper().replace(" ", "")
    match = _PATTERN.match(cleaned)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a reply-slip reference (they look like S12-3456-K).")
    body = cleaned.rsplit("-", 1)[0]
    if _check(body) != match.group(4):
        raise ValueError(f"{text.strip()!r} has a typing mistake (its check character does not match).")
    contact = int(match.group(3)) if match.group(3) else None
    return SlipReference(int(match.group(1)), int(match.group(2)), contact)
