"""contacts import FILE: the MIS contacts export, previewed, then applied in one transaction."""

from __future__ import annotations

import argparse

from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import contact_import
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.transaction import write_session


def run_import(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """Preview; apply unless a dry run, or refused rows without --skip-invalid."""
    table = read_pupil_file(args.file)
    with write_session(reg.engine) as session:
        result = contact_import.import_contacts(session, actor, table, apply=not args.dry_run,
                                                skip_invalid=args.skip_invalid)  # fmt: skip
    verb = "Did" if result.applied else "Would"
    print(f"{result.source} ({result.encoding})")
    print(f"{verb} add {result.added}, update {result.updated}, leave {result.unchanged} unchanged; "
          f"{len(result.rejected)} problem(s)." + (f" {result.decisions_attached} earlier decision(s) attached to "
                                                   "their contact." if result.applied else ""))  # fmt: skip
    for rejection in result.rejected:
        print(f"  line {rejection.line}: {rejection.field}: {rejection.reason}")
    if result.rejected and not result.applied and not args.dry_run:
        print("Nothing was imported. Correct those rows, or run again with --skip-invalid to import the others.")
        return EXIT_REFUSED
    return EXIT_OK
