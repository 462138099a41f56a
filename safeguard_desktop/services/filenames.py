"""File names made from data (an event's name, a pupil's name): never a path, never a reserved name."""

from __future__ import annotations

import unicodedata
from pathlib import Path

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 80


def safe_filename(text: str, suffix: str) -> str:
    """Letters, digits, spaces and - _ ( ) only; at most 80 characters; never empty, never reserved."""
    kept = "".join(
        c if (c.isalnum() or c in " -_()") and unicodedata.category(c)[0] != "C" else " "
        for c in unicodedata.normalize("NFC", text)
    )
    stem = " ".join(kept.split())[:MAX_STEM].strip(" .") or "document"
    if stem.upper().split(".")[0] in _RESERVED:
        stem = f"_{stem}"
    return f"{stem}{suffix}"


def inside(folder: Path, name: str) -> Path:
    """``folder / name`` after checking the result stays inside ``folder``."""
    target = (folder / name).resolve()
    if folder.resolve() not in target.parents:
        raise ValueError(f"{name!r} would be written outside {folder}")
    return target
