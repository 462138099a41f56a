"""Characters that have no place in text a person types: control characters and bidirectional controls.

A NUL cuts text short in many programs; a right-to-left override (U+202E) makes "exe.jpg" read as "gpj.exe" and
can disguise a name or a sentence in a record. Line breaks and tabs are allowed where text has several lines.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters, and the bidirectional embeddings, overrides and isolates.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def normal_newlines(text: str) -> str:
    """Windows (CR LF) and old Mac (CR) line ends as LF, as text pasted from any program may carry them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unsafe_character(text: str, *, multiline: bool = False) -> str | None:
    """A description of the first character that may not be kept ("a right-to-left control (U+202E) at
    character 12"), or None when the text is clean. With ``multiline``, line breaks and tabs are allowed."""
    found = (_UNSAFE_MULTILINE if multiline else UNSAFE).search(text)
    if found is None:
        return None
    char = found.group()
    kind = (
        "a right-to-left control" if char in _BIDI else "a NUL character" if char == "\x00" else "a control character"
    )
    name = unicodedata.name(char, "")
    label = f"U+{ord(char):04X}" + (f" {name}" if name else "")
    return f"{kind} ({label}) at character {found.start() + 1}"
