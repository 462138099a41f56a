"""A multi-academy trust's commands: its safeguarding lead's report across the schools (as a trust login), and a
school's own side — publishing its counts, and its DSL sharing (or not) pupils' names with the trust."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from safeguard_desktop.cli.common import EXIT_OK
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register

COMMANDS: dict[str, Callable[[Register, Actor, argparse.Namespace], int]] = {}
#: Run as the trust's login, before (without) any school's register.
TRUST_SIDE = ("report", "pupils")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """trust report / pupils / publish / share-names."""
    trust = sub.add_parser("trust", help="a multi-academy trust: statistics across its schools on one server")
    tsub = trust.add_subparsers(dest="trust_command", required=True)
    rep = tsub.add_parser("report", help="each school's newest counts and audit trail (as the trust's login: "
                          "--user NAME)")  # fmt: skip
    rep.add_argument("url", help="postgresql+psycopg://HOST/DATABASE (the trust's database; no user)")
    rep.add_argument("--csv", type=Path, help="also write the figures to this CSV file (a row per figure, no names)")
    names = tsub.add_parser("pupils", help="a school's pupils by name, where its DSL shares them with the trust")
    names.add_argument("url", help="postgresql+psycopg://HOST/DATABASE (the trust's database; no user)")
    names.add_argument("school", help="the school's code (as 'trust report' lists it)")
    tsub.add_parser("publish", help="a lead of a trust's school publishes its counts to the trust now (the app does "
                    "at each lead's sign-in)")  # fmt: skip
    tsub.add_parser("reads", help="when the trust read this school's pupils' names or the trail's details (a lead)")
    share = tsub.add_parser("share-names", help="the school's DSL lets the trust see pupils' names (on) or not (off)")
    share.add_argument("answer", choices=["on", "off"])


def cmd_trust_side(args: argparse.Namespace, read_secret) -> int:  # type: ignore[no-untyped-def]
    """trust report / trust pupils: signed in as a trust login."""
    from safeguard_desktop.services import server_trust
    from safeguard_desktop.services.errors import ValidationError

    if not args.user:
        raise ValidationError("Sign in as the trust's login: --user NAME (the password is asked, or read from "
                              "--password-file).")  # fmt: skip
    engine = server_trust.connect(args.url, args.user, read_secret(args.password_file, f"Password for {args.user}"))
    try:
        if args.trust_command == "pupils":
            for pupil_id, name, year, group in server_trust.pupils(engine, args.school):
                print(f"{pupil_id}\t{name}\t{year}\t{group}")
            return EXIT_OK
        report = server_trust.report(engine)
        _print_report(report)
        if args.csv is not None:
            written = server_trust.export_csv(report, args.csv)
            print(f"{written} figures written to {args.csv}.")
    finally:
        engine.dispose()
    return EXIT_OK


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    if not report.schools:
        print("No school of this server shares its figures with the trust yet (each school's schema is prepared "
              "with 'safeguard --school-code CODE server prepare').")  # fmt: skip
        return
    print(f"{'school':<16} {'published':<17} {'pupils':>7} {'incidents':>9} {'open':>5} {'trail':>7} "
          f"{'30 days':>7}  names")  # fmt: skip
    for school in report.schools:
        when = f"{school.published_at:%d/%m/%Y %H:%M}" if school.published_at else "-"
        body, incidents = school.body, school.incidents
        print(f"{school.code:<16} {when:<17} {body.get('pupils_on_roll', '-'):>7} {incidents.get('total', '-'):>9} "
              f"{incidents.get('open', '-'):>5} {school.trail_entries:>7} {school.trail_last_30_days:>7}  "
              f"{'shared' if school.names_shared else 'not shared'}")  # fmt: skip
        if school.problem:
            print(f"  {school.code}: {school.problem}", file=sys.stderr)
    for school in report.schools:
        for purpose in school.body.get("consent", []):
            print(f"{school.code}: consent for {purpose['purpose']}: {purpose['granted']} granted, "
                  f"{purpose['not_granted']} not, {purpose['conflict']} in conflict, {purpose['no_decision']} "
                  "undecided")  # fmt: skip
        for term in school.incidents.get("terms", []):
            print(f"{school.code}: {term['term']}: {term['category']}: {term['count']} (a year earlier "
                  f"{term['year_earlier']})")  # fmt: skip


def cmd_trust(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """trust publish / reads / share-names, as a lead (the DSL for names) of a trust's school."""
    from safeguard_desktop.services import server_trust
    from safeguard_desktop.store.engine import write_session

    with write_session(reg.engine) as session:
        if args.trust_command == "reads":
            from safeguard_desktop.domain.dates import format_uk_datetime

            for read in server_trust.trust_reads(session, actor):
                print(f"{format_uk_datetime(read.at)}\t{read.login}\t{read.what}\t{read.rows}")
            return EXIT_OK
        if args.trust_command == "publish":
            body = server_trust.publish(session, actor)
            print(f"Published to the trust: {body['pupils_on_roll']} pupils, {body['incidents']['total']} "
                  "incidents (counts only, no names).")  # fmt: skip
            return EXIT_OK
        server_trust.share_names(session, actor, args.answer == "on")
    print("The trust now sees this school's pupils' names and the trail's details." if args.answer == "on"
          else "The trust no longer sees this school's pupils' names nor the trail's details.")  # fmt: skip
    return EXIT_OK


COMMANDS["trust"] = cmd_trust
