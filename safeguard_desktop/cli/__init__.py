"""The ``safeguard`` command: batch work (imports, consent, events, documents, backups) through the same services
as the GUI. Each module in this package adds its commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from safeguard_desktop.cli import (
    admin_commands,
    event_commands,
    incident_commands,
    register_commands,
    school_commands,
)
from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED
from safeguard_desktop.services.actors import Actor, local_lead
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.store.migrate import DatabaseTooNew

__all__ = ["EXIT_OK", "EXIT_REFUSED", "build_parser", "main"]

_MODULES = (register_commands, event_commands, incident_commands, admin_commands, school_commands)
COMMANDS: dict[str, Callable[[Register, Actor, argparse.Namespace], int]] = {
    name: handler for module in _MODULES for name, handler in module.COMMANDS.items()
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="safeguard", description="Safeguard Desktop from the command line.")
    parser.add_argument("--data-dir", help="folder of the register (default: the platform's user data folder)")
    parser.add_argument("--database", help="SQLAlchemy URL of a shared register (e.g. postgresql://…)")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in _MODULES:
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``safeguard``. Exit 0 done, 2 refused (bad input, nothing written), 1 unexpected."""
    args = build_parser().parse_args(argv)
    actor = local_lead()
    try:
        reg = open_register(args.data_dir, args.database)
    except DatabaseTooNew as exc:
        print(f"safeguard: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        return COMMANDS[args.command](reg, actor, args)
    except ServiceError as exc:
        print(f"safeguard: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        reg.close()
