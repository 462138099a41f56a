"""Writing whole files so that a crash or a full disk leaves the old file or the new one, never half of one.

On Windows a file another program has open (a CSV open in Excel, a PDF in a viewer) cannot be replaced, and an
antivirus scanner or the search indexer may hold a new file for a moment: replacing retries briefly, then says
plainly which file is held and what to do.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from safeguard_desktop import faultpoints
from safeguard_desktop.services.errors import FileInUse

_RETRIES = (0.05, 0.1, 0.2, 0.4)  # ~0.75 s in all: long enough for a scanner, short enough to feel immediate


def held_message(path: Path, exc: OSError) -> str:
    """What to tell a person when ``path`` could not be written or replaced."""
    reason = exc.strerror or exc.__class__.__name__
    return (
        f"Could not write {path} ({reason}). If it is open in another program (Excel keeps a spreadsheet it has "
        "open locked, a viewer a PDF), close it there and try again, or choose another name or folder."
    )


def replace_file(partial: Path, path: Path) -> None:
    """Rename the finished ``partial`` over ``path``; FileInUse with a plain message when that cannot be done."""
    for pause in (*_RETRIES, None):
        try:
            os.replace(partial, path)
            return
        except PermissionError as exc:  # Windows: the target (or the partial) is held open by another program
            if pause is None:
                raise FileInUse(held_message(path, exc)) from exc
            time.sleep(pause)
        except IsADirectoryError as exc:
            raise FileInUse(held_message(path, exc)) from exc


def write_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` beside ``path``, flush it to the disk, then rename it over ``path``. ``private`` files are
    made readable by their owner alone from the start (``0600`` on Linux and macOS; on Windows the folder's ACL).

    A failure removes the partial file; FileInUse when the target is held by another program.
    """
    partial = path.with_name(path.name + ".partial")
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(partial, flags, 0o600 if private else 0o666), "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        faultpoints.reach("write:after-partial")
        replace_file(partial, path)
    finally:
        partial.unlink(missing_ok=True)
