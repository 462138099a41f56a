"""Replies without paper: import an online form's replies, and the queue of those to match by hand."""

from __future__ import annotations

import argparse

from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED, name_mapping
from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import form_replies
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.transaction import read_session, write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    rep = sub.add_parser("replies", help="replies from an online form: import, unmatched, match, set-aside")
    rep_sub = rep.add_subparsers(dest="replies_command", required=True)
    imp = rep_sub.add_parser("import", help="a Microsoft Forms / Google Forms / parent app export (CSV or XLSX)")
    imp.add_argument("file")
    imp.add_argument("--map", action="append", default=[], metavar="QUESTION=CODE",
                     help="the form's question = a purpose code of the school's (kept for next time)")  # fmt: skip
    imp.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    rep_sub.add_parser("unmatched", help="replies waiting to be matched by hand")
    mat = rep_sub.add_parser("match", help="match a waiting reply to its pupil")
    mat.add_argument("reply", type=int)
    mat.add_argument("upn")
    mat.add_argument("--contact", type=int, default=None, help="the contact who answered")
    mat.add_argument("--given-by", default="", help="who answered, when they are not a contact")
    mat.add_argument("--relationship", default="")
    asd = rep_sub.add_parser("set-aside", help="take a reply out of the queue without recording it")
    asd.add_argument("reply", type=int)
    asd.add_argument("--reason", required=True)


def cmd_replies(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """replies import / unmatched / match / set-aside."""
    command = args.replies_command
    if command == "import":
        mapping = name_mapping(args.map, "Question text=purpose_code")
        table = read_pupil_file(args.file)
        with write_session(reg.engine) as session:
            result = form_replies.import_replies(session, actor, table, mapping=mapping, apply=not args.dry_run)
        verb = "Recorded" if result.applied else "Would record"
        for question, code in result.questions.items():
            print(f"  {question!r} -> {code}")
        for question in result.unmapped:
            print(f"  not a consent question (left out): {question!r} — or map it with --map")
        print(f"{verb} {result.decisions} decision(s) from {result.matched} reply(ies); {result.unmatched} to match "
              f"by hand ('safeguard replies unmatched'); {result.duplicates} imported before.")  # fmt: skip
        for rejection in result.rejected:
            print(f"  line {rejection.line}: {rejection.field}: {rejection.reason}")
        if result.rejected:
            print("Nothing was recorded: correct those rows in the export and import it again.")
            return EXIT_REFUSED
        return EXIT_OK
    if command == "unmatched":
        with read_session(reg.engine) as session:
            found = form_replies.waiting(session, actor)
        for r in found:
            print(f"{r.id:5}  {format_uk_datetime(r.received_at)}  {r.source}, line {r.line}: {r.reason}")
            print(f"       {r.summary}")
        print(f"{len(found)} reply(ies) to match")
        return EXIT_OK
    with write_session(reg.engine) as session:
        if command == "match":
            pupil = consent.find_pupil_by_upn(session, args.upn)
            count = form_replies.match_by_hand(session, actor, args.reply, pupil.id, contact_id=args.contact,
                                               given_by=args.given_by, relationship=args.relationship)  # fmt: skip
            print(f"Matched reply {args.reply} to {pupil.legal_forename} {pupil.legal_surname}: {count} decision(s).")
        else:
            form_replies.set_aside(session, actor, args.reply, args.reason)
            print(f"Reply {args.reply} set aside.")
    return EXIT_OK


COMMANDS = {"replies": cmd_replies}
