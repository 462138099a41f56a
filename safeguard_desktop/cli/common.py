"""What every command module shares: exit codes and argument types."""

from __future__ import annotations

import argparse
from datetime import date

from safeguard_desktop.domain.dates import parse_uk_date

EXIT_OK = 0
EXIT_REFUSED = 2


def uk_date(text: str) -> date:
    """An argparse type for dd/mm/yyyy."""
    try:
        return parse_uk_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
