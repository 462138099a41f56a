"""Whole-file copies of an SQLite register with SQLite's backup API (consistent even while others write).

An encrypted (SQLCipher) register is copied with its key: the copy is encrypted with the same key.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def connect_file(path: Path, key: bytes | None = None, *, readonly: bool = False) -> Any:
    """A DB-API connection to a register file, keyed when it is encrypted."""
    if key is not None:
        from safeguard_desktop.store.engine import cipher_connect

        return cipher_connect(str(path), key)
    if readonly:
        from safeguard_desktop.paths import read_only_uri

        return sqlite3.connect(read_only_uri(path), uri=True)
    return sqlite3.connect(path)


def copy_database(source: Path, target: Path, key: bytes | None = None) -> None:
    """Copy ``source`` into ``target`` in one step (a stepped copy never finished under writes, measured)."""
    src = connect_file(source, key, readonly=True)
    dst = connect_file(target, key)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
