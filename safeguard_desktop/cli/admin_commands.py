"""Keeping the register safe: the audit trail, backups and restore."""

from __future__ import annotations

import argparse

from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.transaction import write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    bak = sub.add_parser("backup", help="back up the register (verified after writing)")
    bak.add_argument("--to", help="folder for the backup (default: backups/ beside the register)")
    res = sub.add_parser("restore", help="replace the register with a backup (the current one is kept aside)")
    res.add_argument("file")

    aud = sub.add_parser("audit", help="check or export the audit trail (safeguarding leads)")
    aud_sub = aud.add_subparsers(dest="audit_command", required=True)
    aud_sub.add_parser("verify", help="recompute the chain; exit 2 and name the first broken entry if tampered")
    aexp = aud_sub.add_parser("export", help="write the trail as a spreadsheet-safe CSV")
    aexp.add_argument("--out", required=True, help="the CSV file to write")


def cmd_audit(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """audit verify / audit export."""
    from pathlib import Path

    from safeguard_desktop.services import audit

    if args.audit_command == "verify":
        with write_session(reg.engine) as session:
            result = audit.verify(session, actor)
            audit.record(session, actor, "verified the audit trail", "audit", "", result.describe())
        print(result.describe())
        return EXIT_OK if result.intact else EXIT_REFUSED
    with write_session(reg.engine) as session:
        count = audit.export_csv(session, actor, Path(args.out))
    print(f"Wrote {count} audit entries to {args.out}.")
    return EXIT_OK


def cmd_backup(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """backup [--to DIR]."""
    from pathlib import Path

    from safeguard_desktop.services import backup

    destination = Path(args.to) if args.to else reg.folder / "backups"
    info = backup.back_up(reg.engine, reg.folder, actor, destination)
    print(f"Backed up {info.pupils} pupils and {info.audit_entries} audit entries to {info.path} (verified).")
    return EXIT_OK


def cmd_restore(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """restore FILE."""
    from pathlib import Path

    from safeguard_desktop.services import backup

    info = backup.check_backup(Path(args.file))
    aside = backup.restore(reg.engine, reg.folder, actor, info.path)
    print(f"Restored {info.pupils} pupils from {info.path.name}. The register it replaced is kept as {aside}.")
    return EXIT_OK


COMMANDS = {
    "audit": cmd_audit,
    "backup": cmd_backup,
    "restore": cmd_restore,
}
