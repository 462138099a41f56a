"""School settings from the command line: term dates (incident statistics) and the wording of documents."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from safeguard_desktop.cli.common import EXIT_OK, read_text_file, uk_date
from safeguard_desktop.domain.dates import default_term_starts, format_uk_date
from safeguard_desktop.domain.templates import TEMPLATES
from safeguard_desktop.services import settings
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.events import templates
from safeguard_desktop.services.transaction import read_session, write_session

COMMANDS: dict[str, Callable[[Register, Actor, argparse.Namespace], int]] = {}


def _academic_year(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{4})(?:/(\d{2}))?\s*", text)
    if not match or (match.group(2) and int(match.group(2)) != (int(match.group(1)) + 1) % 100):
        raise argparse.ArgumentTypeError(f"{text!r}: write the academic year as 2026/27")
    return int(match.group(1))


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """terms list / set / clear."""
    terms = sub.add_parser("terms", help="the school's term dates (statistics count incidents per term)")
    tsub = terms.add_subparsers(dest="terms_command", required=True)
    tsub.add_parser("list", help="term start dates the school has entered")
    tset = tsub.add_parser("set", help="enter the first day of each term of one academic year")
    tset.add_argument("year", type=_academic_year, help="academic year, e.g. 2026/27")
    for term in ("autumn", "spring", "summer"):
        tset.add_argument(f"--{term}", type=uk_date, required=True, metavar="DD/MM/YYYY")
    tclear = tsub.add_parser("clear", help="go back to the default split for one academic year")
    tclear.add_argument("year", type=_academic_year)
    pho = sub.add_parser("photos", help="pupil photos for the confidential staff briefing")
    pho_sub = pho.add_subparsers(dest="photos_command", required=True)
    pimp = pho_sub.add_parser("import", help="images named by UPN or admission number (.jpg/.png)")
    pimp.add_argument("folder", type=Path)
    pimp.add_argument("--dry-run", action="store_true", help="say what would happen; save nothing")
    tpl = sub.add_parser("templates", help="the wording of letters and notices, with {placeholders}")
    tpl_sub = tpl.add_subparsers(dest="templates_command", required=True)
    tpl_sub.add_parser("list", help="every piece of wording, and whether the school has edited it")
    for name, text in (("show", "print the wording and its placeholders"), ("reset", "restore the default")):
        cmd = tpl_sub.add_parser(name, help=text)
        cmd.add_argument("key", choices=list(TEMPLATES))
    tset2 = tpl_sub.add_parser("set", help="use the wording in a UTF-8 text file (checked before saving)")
    tset2.add_argument("key", choices=list(TEMPLATES))
    tset2.add_argument("--file", required=True, type=Path)


def cmd_terms(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """terms list / set / clear."""
    if args.terms_command == "list":
        with read_session(reg.engine) as session:
            entered = settings.term_dates(session)
        if not entered:
            print("No term dates entered: statistics split terms on 1 September, 1 January and 1 April.")
        for year, starts in sorted(entered.items()):
            days = "  ".join(
                f"{name} {format_uk_date(d)}" for name, d in zip(("autumn", "spring", "summer"), starts, strict=True)
            )
            print(f"{year}/{(year + 1) % 100:02d}  {days}")
        return EXIT_OK
    with write_session(reg.engine) as session:
        if args.terms_command == "set":
            settings.set_term_dates(session, actor, args.year, (args.autumn, args.spring, args.summer))
        else:
            settings.set_term_dates(session, actor, args.year, None)
    if args.terms_command == "clear":
        _, spring, summer = default_term_starts(args.year)
        print(f"Term dates cleared; using {format_uk_date(spring)} and {format_uk_date(summer)} as the splits.")
    else:
        print("Term dates saved.")
    return EXIT_OK


COMMANDS["terms"] = cmd_terms


def cmd_templates(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """templates list / show / set / reset."""
    command = args.templates_command
    if command in ("list", "show"):
        with read_session(reg.engine) as session:
            if command == "list":
                for key, spec in TEMPLATES.items():
                    edited = templates.wording(session, key)[1]
                    print(f"{key:14} {'edited ' if edited else 'default'}  {spec.title}")
                return EXIT_OK
            text, edited = templates.wording(session, args.key)
        spec = TEMPLATES[args.key]
        print(text.rstrip("\n"))
        print(f"\n({'edited by the school' if edited else 'default wording'}; placeholders:)")
        for name, meaning in spec.fields.items():
            print(f"  {{{name}}}  {meaning}")
        return EXIT_OK
    with write_session(reg.engine) as session:
        if command == "reset":
            templates.restore_default(session, actor, args.key)
            print(f"{args.key}: default wording restored.")
            return EXIT_OK
        text = read_text_file(args.file)
        templates.save_template(session, actor, args.key, text)
    print(f"{args.key}: saved; every new document uses it.")
    return EXIT_OK


COMMANDS["templates"] = cmd_templates


def cmd_photos(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """photos import FOLDER [--dry-run]."""
    from safeguard_desktop.services.pupils import photos

    with write_session(reg.engine) as session:
        result = photos.import_folder(session, actor, args.folder, apply=not args.dry_run)
    print(f"{len(result.matched)} photo(s) match a pupil.")
    for name in result.unmatched:
        print(f"  {name}: matches no pupil (name files by UPN or admission number)")
    for name, why in result.rejected:
        print(f"  {name}: refused — {why}")
    print("Saved." if result.applied else "Dry run: nothing saved." if args.dry_run else "Nothing to save.")
    return EXIT_OK


COMMANDS["photos"] = cmd_photos
