"""What every command module shares: exit codes and argument types."""

from __future__ import annotations

import argparse
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


def first_line(path: Path) -> str:
    """The first line of a UTF-8 file (a password or key kept out of the command line), '' for an empty file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path}: cannot read it ({exc}).") from exc
    return lines[0] if lines else ""
