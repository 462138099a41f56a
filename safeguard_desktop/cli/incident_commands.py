"""Incident commands: log an incident, add to its chronology, list, show, close, restrict to named readers, the
Part 4 details of an allegation against staff, export the log as CSV."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from safeguard_desktop.cli.common import EXIT_OK
from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.domain.incidents import FINDINGS, Category, copy_warning
from safeguard_desktop.files import write_atomically
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.incidents import EntryKind, IncidentInput, PersonInput, Status, Urgency
from safeguard_desktop.services.incidents.incident_people import describe_people
from safeguard_desktop.services.transaction import write_session


def _when(text: str) -> datetime:
    for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"{text!r}: write dd/mm/yyyy or 'dd/mm/yyyy HH:MM'")


def _pupil_person(session: Session, spec: str) -> PersonInput:
    from safeguard_desktop.services.consent import find_pupil_by_upn

    upn, _, involvement = spec.partition("=")
    involvement = involvement.strip().lower() or "affected"
    if involvement not in incidents.INVOLVEMENTS:
        raise ValidationError(f"--pupil {spec}: involvement must be one of {', '.join(incidents.INVOLVEMENTS)}.")
    return PersonInput("pupil", involvement, pupil_id=find_pupil_by_upn(session, upn.strip()).id)


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    inc = sub.add_parser("incidents", help="online-safety incidents (content: safeguarding leads only)")
    isub = inc.add_subparsers(dest="incidents_command", required=True)
    add = isub.add_parser("add", help="log an incident")
    add.add_argument("--category", required=True, choices=[c.value for c in Category])
    add.add_argument("--summary", required=True, help="what happened, in facts")
    add.add_argument("--urgency", default=Urgency.MEDIUM.value, choices=[u.value for u in Urgency])
    add.add_argument("--occurred", type=_when, default=None, help="when it happened: dd/mm/yyyy [HH:MM]")
    add.add_argument("--platform", action="append", default=[], help="where it happened; repeatable")
    add.add_argument("--link", action="append", default=[], help="a link to the post (refused for guarded kinds)")
    add.add_argument("--staff-affected", default="", metavar="ROLE", help="a member of staff affected, by role")
    add.add_argument("--pupil", action="append", default=[], metavar="UPN[=INVOLVEMENT]",
                     help=f"a pupil involved, by UPN; involvement one of {', '.join(incidents.INVOLVEMENTS)} "
                          "(default affected); repeatable")  # fmt: skip
    note = isub.add_parser("note", help="add to an incident's chronology (nothing is ever edited or deleted)")
    note.add_argument("incident", type=int)
    note.add_argument("--kind", default=EntryKind.ACTION.value,
                      choices=[k.value for k in EntryKind if k is not EntryKind.STATUS])  # fmt: skip
    note.add_argument("--text", required=True)
    note.add_argument("--referral-to", default="", choices=["", *incidents.REFERRAL_TO])
    note.add_argument("--reference", default="")
    note.add_argument("--reason", default="")
    note.add_argument("--corrects", type=int, default=None, help="the entry a correction corrects")
    note.add_argument("--at", type=_when, default=None, metavar="WHEN",
                      help="when it happened, when written up later: dd/mm/yyyy [HH:MM]")  # fmt: skip
    note.add_argument(
        "--due",
        type=_when,
        default=None,
        metavar="DATE",
        help="an action still to do: when it is due, dd/mm/yyyy (it counts in a lead's caseload)",
    )
    note.add_argument(
        "--for", dest="assignee", default=None, metavar="USER", help="the lead an action to do is for (default: you)"
    )
    note.add_argument(
        "--completes", type=int, default=None, metavar="ENTRY", help="the action still to do that this action completes"
    )
    isub.add_parser("list", help="every incident, newest first")
    show = isub.add_parser("show", help="one incident with its chronology")
    show.add_argument("incident", type=int)
    close = isub.add_parser("close", help="close with the outcome and the reason")
    close.add_argument("incident", type=int)
    close.add_argument("--outcome", required=True)
    close.add_argument("--reason", required=True)
    close.add_argument("--finding", default="", choices=["", *FINDINGS],
                       help="an allegation against staff: its finding, as agreed with the LADO")  # fmt: skip
    restrict = isub.add_parser("restrict", help="a restricted case: only the named leads (and you) read it")
    restrict.add_argument("incident", type=int)
    restrict.add_argument("--reader", action="append", default=[], metavar="USER", help="a lead's user name")
    restrict.add_argument("--reason", required=True)
    unrestrict = isub.add_parser("unrestrict", help="let every lead read a restricted case again")
    unrestrict.add_argument("incident", type=int)
    unrestrict.add_argument("--reason", required=True)
    readers = isub.add_parser("readers", help="who may read a restricted case")
    readers.add_argument("incident", type=int)
    part4 = isub.add_parser("part4", help="an allegation against staff: the case manager (KCSIE Part 4)")
    part4.add_argument("incident", type=int)
    part4.add_argument("--case-manager", required=True, help="the headteacher (the chair of governors if about them)")
    part4.add_argument("--about-head", action="store_true", help="the allegation is about the headteacher")
    part4.add_argument(
        "--pension-age-on",
        type=_when,
        default=None,
        metavar="DATE",
        help="the member of staff's normal pension age, dd/mm/yyyy (how long the record is kept)",
    )
    remove = isub.add_parser("remove", help="remove an allegation's record once due (a malicious one when closed)")
    remove.add_argument("incident", type=int)
    take = isub.add_parser("take", help="be an incident's case owner (or name the lead who is)")
    take.add_argument("incident", type=int)
    take.add_argument("--owner", default=None, help="a lead's user name (default: you); '' for nobody")
    reopen = isub.add_parser("reopen", help="reopen a closed incident, with the reason")
    reopen.add_argument("incident", type=int)
    reopen.add_argument("--reason", required=True)
    exp = isub.add_parser("export", help="a summary for the helpline, anonymised unless --with-names")
    exp.add_argument("incident", type=int)
    exp.add_argument("--format", choices=["pdf", "txt"], default="txt")
    exp.add_argument("--with-names", action="store_true", help="include names (the export is audited either way)")
    exp.add_argument("--out", required=True)
    stats = isub.add_parser("stats", help="incidents per category per quarter and term, against a year earlier")
    stats.add_argument("--json", action="store_true")
    log = isub.add_parser("log", help="export the incident log")
    log.add_argument("--format", choices=["csv", "pdf"], default="csv")
    log.add_argument("--out", required=True)


def cmd_incidents(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """incidents add / note / list / show / close / reopen / export / stats / log."""
    command = args.incidents_command
    with write_session(reg.engine) as session:
        if command == "add":
            people = [PersonInput("staff", "affected", staff_role=args.staff_affected)] if args.staff_affected else []
            if args.pupil and not actor.may(Operation.VIEW_REGISTER):  # (UPNs are the register's, not staff's)
                raise PermissionDenied("Staff name the pupils in a concern in the app, by name and class; a UPN "
                                       "(--pupil) is for the office and the leads, who read the register. Log "
                                       "it without --pupil and name the pupils in the app.")  # fmt: skip
            people += [_pupil_person(session, spec) for spec in args.pupil]
            number = incidents.record_incident(
                session,
                actor,
                IncidentInput(
                    Category(args.category),
                    args.summary,
                    Urgency(args.urgency),
                    occurred_at=args.occurred,
                    platforms=args.platform,
                    evidence_links=args.link,
                    people=people,
                ),
            )
            print(f"Logged incident {number}.")
            warning = copy_warning(Category(args.category), args.summary)
            if warning is not None:
                print(f"safeguard: warning: {warning}", file=sys.stderr)
        elif command == "note":
            entry = incidents.add_entry(session, actor, args.incident, EntryKind(args.kind), args.text,
                                        referral_to=args.referral_to, reference=args.reference, reason=args.reason,
                                        corrects=args.corrects, happened_at=args.at,
                                        due_on=args.due.date() if args.due else None, assignee=args.assignee,
                                        completes=args.completes)  # fmt: skip
            print(f"Added entry {entry} to incident {args.incident}.")
        elif command == "list":
            for listed in incidents.incident_lines(session, actor):  # the list's columns only: fast at any size
                if not listed.readable:
                    print(f"{listed.id:4}  {format_uk_datetime(listed.reported_at)}  restricted case (named readers "
                          "only)")  # fmt: skip
                    continue
                flag = "  OVERDUE" if listed.overdue else ""
                flag += "  RESTRICTED" if listed.restricted else ""
                owner = f"  [{listed.owner}]" if listed.owner else ""
                print(f"{listed.id:4}  {format_uk_datetime(listed.reported_at)}  {listed.status.value:10} "
                      f"{listed.category.value:28} {listed.urgency.value}{flag}{owner}")  # fmt: skip
        elif command == "show":
            view = incidents.read_incident(session, actor, args.incident)
            print(f"Incident {view.id}: {view.category.value} ({view.four_cs.value}), {view.urgency.value}, "
                  f"{view.status.value}")  # fmt: skip
            print(f"Reported {format_uk_datetime(view.reported_at)} by {view.reported_by}")
            for line in describe_people(session, actor, view):
                print(f"  involved: {line}")
            print(view.summary)
            for e in view.entries:
                extra = f" → {e.referral_to} {e.reference}".rstrip() if e.referral_to else ""
                fix = f" (corrects entry {e.corrects})" if e.corrects else ""
                when = (f"{format_uk_datetime(e.happened_at)} (written {format_uk_datetime(e.at)})" if e.happened_at
                        else format_uk_datetime(e.at))  # fmt: skip
                print(f"  [{e.id}] {when} {e.author}: {e.kind}{extra}{fix}: {e.text}"
                      + (f" — because {e.reason}" if e.reason else ""))  # fmt: skip
        elif command == "export":
            from safeguard_desktop.services.incidents.helpline import helpline_summary
            from safeguard_desktop.services.incidents.incident_exports import helpline_pdf

            summary = helpline_summary(session, actor, args.incident, with_names=args.with_names)
            if args.format == "txt":
                write_atomically(Path(args.out), summary.text.encode("utf-8"))
            else:
                write_atomically(Path(args.out), helpline_pdf(session, summary))
            taken = (
                f" Taken out of the text: {summary.removed}; read it through before sending."
                if summary.anonymised
                else ""
            )
            print(f"Wrote the {'named' if args.with_names else 'anonymised'} helpline summary to {args.out}.{taken}")
        elif command == "stats":
            from safeguard_desktop.services.incidents.statistics import incident_statistics

            result = incident_statistics(session, actor)
            if args.json:
                import json

                print(json.dumps({
                    kind: [{"period": p.period, "category": p.category.value, "count": p.count,
                            "year_earlier": p.year_earlier, "change_percent": p.change} for p in periods]
                    for kind, periods in (("quarters", result.quarters), ("terms", result.terms))
                }, ensure_ascii=False, indent=1))  # fmt: skip
            else:
                for kind, periods in (("By quarter", result.quarters), ("By term", result.terms)):
                    print(kind)
                    for p in periods:
                        change = "no comparison" if p.change is None else f"{p.change:+.1f}%"
                        earlier = f"(a year earlier {p.year_earlier}; {change})"
                        print(f"  {p.period:16} {p.category.value:28} {p.count:4}  {earlier}")
        elif command == "close":
            incidents.set_status(session, actor, args.incident, Status.CLOSED, outcome=args.outcome,
                                 reason=args.reason, finding=args.finding)  # fmt: skip
            print(f"Closed incident {args.incident}.")
        elif command == "restrict":
            from safeguard_desktop.services.incidents import restricted

            names = restricted.restrict(session, actor, args.incident, args.reader, args.reason)
            print(f"Incident {args.incident} is restricted: only {', '.join(names)} can read it (and the recovery "
                  "key).")  # fmt: skip
        elif command == "unrestrict":
            from safeguard_desktop.services.incidents import restricted

            restricted.open_to_all_leads(session, actor, args.incident, args.reason)
            print(f"Incident {args.incident} can be read by every safeguarding lead again.")
        elif command == "readers":
            from safeguard_desktop.services.incidents import restricted

            found = restricted.readers(session, actor, args.incident)
            if not found:
                print(f"Incident {args.incident} is not restricted: every safeguarding lead reads it.")
            for reader in found:
                said = "" if reader.can_open else "  (cannot open it: key replaced or account disabled; restrict again)"
                print(f"{reader.username:20} {reader.name}{said}")
        elif command == "part4":
            from safeguard_desktop.services.incidents import allegations

            allegations.set_part4(
                session,
                actor,
                args.incident,
                case_manager=args.case_manager,
                about_head=args.about_head,
                pension_age_on=args.pension_age_on.date() if args.pension_age_on else None,
            )
            print(f"Incident {args.incident}: case manager {' '.join(args.case_manager.split())}.")
        elif command == "remove":
            from safeguard_desktop.services.incidents import allegations

            allegations.remove(session, actor, args.incident)
            print(f"Removed the record of incident {args.incident}; the audit trail keeps that it was removed.")
        elif command == "take":
            name = incidents.take_case(session, actor, args.incident, args.owner)
            print(f"Incident {args.incident}: case owner {name or 'nobody'}.")
        elif command == "reopen":
            incidents.set_status(session, actor, args.incident, Status.OPEN, reason=args.reason)
            print(f"Reopened incident {args.incident}.")
        else:
            from safeguard_desktop.services.incidents.incident_exports import export_log

            count = export_log(session, actor, Path(args.out), args.format)
            print(f"Wrote {count} incidents to {args.out}.")
    return EXIT_OK


COMMANDS = {"incidents": cmd_incidents}
