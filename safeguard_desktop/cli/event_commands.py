"""Event commands: events, letters, notices, the briefing, chase list, follow-up letter, returned slips."""

from __future__ import annotations

import argparse
import json

from safeguard_desktop.cli.common import EXIT_OK, uk_date
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.files import write_atomically
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.transaction import read_session, write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    ev = sub.add_parser("events", help="performances and events: create, list, and who may be filmed")
    ev_sub = ev.add_subparsers(dest="events_command", required=True)
    evc = ev_sub.add_parser("create", help="create an event")
    evc.add_argument("--name", required=True)
    evc.add_argument("--date", required=True, type=uk_date, help="dd/mm/yyyy")
    evc.add_argument("--time", default="14:00", help="HH:MM (default 14:00)")
    evc.add_argument("--venue", default="")
    evc.add_argument("--policy", required=True, choices=[p.value for p in FilmingPolicy])
    evc.add_argument("--policy-text", default="", help="the school's own wording (with --policy custom)")
    evc.add_argument("--footage", action="store_true", help="the school offers its own recording")
    evc.add_argument("--year", action="append", default=[], help="a year group taking part; repeatable")
    evc.add_argument("--class", dest="classes", action="append", default=[], help="a class taking part; repeatable")
    evc.add_argument("--pupil", action="append", default=[], metavar="UPN", help="a pupil taking part; repeatable")
    ev_sub.add_parser("list", help="list events")
    evs = ev_sub.add_parser("show", help="participants and who may be filmed")
    evs.add_argument("event", type=int)
    evs.add_argument("--json", action="store_true")

    let = sub.add_parser("letters", help="consent letters with reply slips for an event, as one PDF")
    let.add_argument("event", type=int)
    let.add_argument("--out", required=True, help="the PDF file to write")
    let.add_argument("--only-undecided", action="store_true", help="only pupils with no current decision")
    let.add_argument("--per-holder", action="store_true",
                     help="one letter per holder of parental responsibility, addressed to them")  # fmt: skip

    for name, text in (
        ("notice", "the notice for the venue door"),
        ("announcement", "the words to read aloud at the start"),
        ("briefing", "the confidential staff briefing: who must not be filmed"),
        ("chase", "families whose reply slips have not come back"),
        ("followup", "a letter asking a family to remove images posted against the policy"),
    ):
        doc = sub.add_parser(name, help=text)
        doc.add_argument("event", type=int)
        doc.add_argument("--out", required=True, help="the PDF file to write")
        if name == "notice":
            doc.add_argument("--size", choices=["A4", "A3"], default="A4")
        if name == "followup":
            doc.add_argument("--to", default="", help="the parent's name (default: Dear Parent or Carer)")
            doc.add_argument("--platform", default="", help="where the images were posted")

    slp = sub.add_parser("slips", help="returned reply slips")
    slp_sub = slp.add_subparsers(dest="slips_command", required=True)
    srec = slp_sub.add_parser("record", help="record the answers on a returned slip")
    srec.add_argument("reference", help="the reference printed on the slip, e.g. S1-42-K")
    srec.add_argument(
        "--answers", required=True, help="filming=yes|no,recording=yes|no (either may be left out if not ticked)"
    )
    srec.add_argument("--given-by", default="", help="the name written on the slip (a slip to one holder names them)")
    srec.add_argument("--relationship", default="Parent")
    srec.add_argument("--date", type=uk_date, default=None, help="date on the slip, dd/mm/yyyy (default: today)")
    srec.add_argument("--event", type=int, default=None, help="refuse slips from any other event")
    srec.add_argument("--replace", action="store_true", help="record a newer answer on a slip already recorded")


def cmd_events(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """events create / list / show."""
    from datetime import datetime

    from safeguard_desktop.services import events

    if args.events_command == "create":
        try:
            hour, minute = (int(x) for x in args.time.split(":"))
            starts = datetime(args.date.year, args.date.month, args.date.day, hour, minute)
        except ValueError as exc:
            raise ValidationError(f"--time {args.time!r}: write the time as HH:MM, e.g. 14:30.") from exc
        with write_session(reg.engine) as session:
            pupil_ids = [consent.find_pupil_by_upn(session, upn).id for upn in args.pupil]
            event_id = events.create_event(
                session,
                actor,
                events.EventInput(
                    name=args.name,
                    starts_at=starts,
                    venue=args.venue,
                    policy=FilmingPolicy(args.policy),
                    policy_text=args.policy_text,
                    footage_offered=args.footage,
                    year_groups=args.year,
                    classes=args.classes,
                    pupil_ids=pupil_ids,
                ),
            )
        print(f"Created event {event_id}: {args.name}.")
        return EXIT_OK
    if args.events_command == "list":
        with read_session(reg.engine) as session:
            for e in events.list_events(session, actor):
                who = ", ".join((*e.year_groups, *e.classes)) + (f" + {e.picked} pupil(s)" if e.picked else "")
                print(f"{e.id:4}  {e.starts_at:%d/%m/%Y %H:%M}  {e.name}  ({e.venue or 'no venue'}; {who}; {e.policy})")
        return EXIT_OK
    with read_session(reg.engine) as session:
        roster = events.roster(session, actor, args.event)
    counts = roster.counts()
    if args.json:
        print(
            json.dumps(
                {
                    "event": roster.event.name,
                    "date": roster.event.starts_at.strftime("%d/%m/%Y %H:%M"),
                    "policy": roster.event.policy.value,
                    "wording": roster.event.wording,
                    "counts": counts,
                    "participants": [
                        {
                            "upn": line.pupil.upn,
                            "name": line.pupil.name,
                            "class": line.pupil.reg_group,
                            **{p.code: v.value for p, v in zip(roster.purposes, line.verdicts, strict=True)},
                            "may_appear": line.allowed,
                        }
                        for line in roster.lines
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return EXIT_OK
    print(f"{roster.event.name}, {roster.event.starts_at:%d/%m/%Y %H:%M}: {roster.event.wording}")
    print(roster.describe().replace(" · ", ", ", 1).replace(" · ", ", ") + ".")
    for line in roster.must_not_be_filmed:
        why = line.first_no()
        print(f"  NOT  {line.pupil.reg_group:6} {line.pupil.name}  ({why.value if why else 'no'})")
    return EXIT_OK


def cmd_letters(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """letters EVENT --out FILE.pdf [--only-undecided]."""
    from pathlib import Path

    from safeguard_desktop.services.events.event_documents import make_document

    with write_session(reg.engine) as session:
        made = make_document(session, actor, args.event, "letters", only_undecided=args.only_undecided,
                             per_holder=args.per_holder)  # fmt: skip
    write_atomically(Path(args.out), made.pdf)
    print(f"Wrote {made.summary} to {args.out}.")
    return EXIT_OK


def _answers(text: str) -> dict[str, bool]:
    answers: dict[str, bool] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in ("filming", "recording") or value.strip().lower() not in ("yes", "no"):
            raise ValidationError(f"--answers {text!r}: write filming=yes|no,recording=yes|no.")
        answers[key.strip()] = value.strip().lower() == "yes"
    return answers


def cmd_document(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """notice / announcement / briefing / chase / followup EVENT --out FILE.pdf."""
    from pathlib import Path

    from safeguard_desktop.services.events.event_documents import make_document

    kind = "notice-a3" if args.command == "notice" and args.size == "A3" else args.command
    with write_session(reg.engine) as session:
        made = make_document(session, actor, args.event, kind, to=getattr(args, "to", ""),
                             platform=getattr(args, "platform", ""))  # fmt: skip
    write_atomically(Path(args.out), made.pdf)
    print(f"Wrote {args.out}.")
    return EXIT_OK


def cmd_slips(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """slips record REFERENCE --answers ..."""
    from safeguard_desktop.services.events import slips

    answers = _answers(args.answers)
    with write_session(reg.engine) as session:
        slip = slips.record_slip(
            session,
            actor,
            args.reference,
            filming=answers.get("filming"),
            recording=answers.get("recording"),
            given_by=args.given_by,
            relationship=args.relationship,
            signed_on=args.date,
            expected_event=args.event,
            replace=args.replace,
        )
    print(f"Recorded slip {slip.reference}: {slip.pupil_name} ({slip.reg_group}), {slip.event_name}.")
    return EXIT_OK


COMMANDS = {
    "events": cmd_events,
    "letters": cmd_letters,
    "slips": cmd_slips,
    "notice": cmd_document,
    "announcement": cmd_document,
    "briefing": cmd_document,
    "chase": cmd_document,
    "followup": cmd_document,
}
