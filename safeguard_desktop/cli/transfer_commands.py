"""A pupil's child-protection file sent to their new school (sealed), the files sent, and their receipts."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from safeguard_desktop.cli.common import EXIT_OK, uk_date
from safeguard_desktop.domain.dates import format_uk_date, format_uk_datetime
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.records import transfers
from safeguard_desktop.services.transaction import read_session, write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    tra = sub.add_parser("transfer", help="send a pupil's child-protection file to their new school (leads)")
    tsub = tra.add_subparsers(dest="transfer_command", required=True)
    send = tsub.add_parser("send", help="write the sealed file and record it; the passphrase is printed once")
    send.add_argument("upn")
    send.add_argument("--to", required=True, help="the school the pupil is moving to")
    send.add_argument("--starts", type=uk_date, default=None, help="the day they start there, dd/mm/yyyy (today)")
    send.add_argument("--out", required=True, type=Path, help="the folder to write the file into")
    tsub.add_parser("list", help="the files sent and whether their receipt is confirmed")
    rec = tsub.add_parser("receipt", help="the new school confirmed it has the file")
    rec.add_argument("transfer", type=int)
    rec.add_argument("--by", required=True, help="who at the new school confirmed it")
    rec.add_argument("--on", type=uk_date, default=None, help="the day they received it, dd/mm/yyyy (today)")


def cmd_transfer(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """transfer send / list / receipt."""
    command = args.transfer_command
    if command == "send":
        with write_session(reg.engine) as session:
            pupil = consent.find_pupil_by_upn(session, args.upn)
            sent = transfers.send_file(session, actor, pupil.id, args.to, args.starts or date.today(), args.out)
        print(f"Wrote {sent.path} ({sent.incidents} incident(s)); transfer {sent.transfer_id}, due by "
              f"{format_uk_date(sent.due_on)}.")  # fmt: skip
        print(f"Passphrase (give it to the receiving DSL separately, by phone; it is not kept): {sent.passphrase}")
    elif command == "list":
        with read_session(reg.engine) as session:
            for line in transfers.transfers(session, actor):
                state = (f"received {format_uk_date(line.received_on)} ({line.received_by})" if line.received_on
                         else f"AWAITING RECEIPT (due {format_uk_date(line.due_on)})")  # fmt: skip
                print(f"{line.id:4}  {format_uk_datetime(line.sent_at)}  {line.pupil:30} → {line.to_school}: {state}")
    else:
        with write_session(reg.engine) as session:
            transfers.record_receipt(session, actor, args.transfer, args.on or date.today(), args.by)
        print(f"Recorded the receipt of transfer {args.transfer}.")
    return EXIT_OK


COMMANDS = {"transfer": cmd_transfer}
