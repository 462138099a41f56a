"""School settings from the command line: term dates (used by the incident statistics)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from safeguard_desktop.cli.common import EXIT_OK, uk_date
from safeguard_desktop.domain.dates import default_term_starts, format_uk_date
from safeguard_desktop.services import settings
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.store.engine import read_session, write_session

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
