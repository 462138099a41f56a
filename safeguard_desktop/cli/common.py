"""What every command module shares: exit codes and argument types."""

from __future__ import annotations

import argparse
import codecs
from datetime import date
from pathlib import Path

from safeguard_desktop.domain.dates import parse_uk_date
from safeguard_desktop.services.errors import ValidationError

EXIT_OK = 0
EXIT_REFUSED = 2


def uk_date(text: str) -> date:
    """An argparse type for dd/mm/yyyy."""
    try:
        return parse_uk_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


# Size budgets, checked before a file is read whole: a password or key file is one short line, wording a page.
SECRET_FILE_BUDGET = 4_096
TEXT_FILE_BUDGET = 256_000


def read_text_file(path: Path, budget: int = TEXT_FILE_BUDGET) -> str:
    """A text file as Windows and macOS editors save one: UTF-8 with or without a BOM (PowerShell 5.1 and Notepad
    write one), or UTF-16 with its BOM (PowerShell 5.1's ``>``). Anything else is refused with what to do."""
    try:
        size = path.stat().st_size
        if size > budget:
            raise ValidationError(f"{path}: {size:,} bytes is more than the {budget:,} such a file can hold.")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read it ({exc.strerror or exc}).") from exc
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path}: byte {exc.start + 1} is not UTF-8 text; save the file as UTF-8 (Notepad: Save as, Encoding "
            "UTF-8) and try again."
        ) from exc


def first_line(path: Path) -> str:
    """The first line of a password or key file (kept out of the command line), '' for an empty file.

    A byte-order mark is not part of the password: PowerShell 5.1's ``Out-File -Encoding utf8`` writes one.
    """
    lines = read_text_file(path, SECRET_FILE_BUDGET).splitlines()
    return lines[0] if lines else ""


def name_mapping(items: list[str], example: str) -> dict[str, str]:
    """--map "NAME=CODE" options as {name: code}; ValidationError showing ``example`` for one that is not."""
    from safeguard_desktop.services.errors import ValidationError

    mapping = {}
    for item in items:
        name, sep, code = item.rpartition("=")
        if not sep or not name.strip() or not code.strip():
            raise ValidationError(f"--map {item!r}: write it as '{example}'.")
        mapping[name.strip()] = code.strip()
    return mapping
