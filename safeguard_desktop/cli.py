"""The ``safeguard`` command: batch work (imports, consent, demo data) through the same services as the GUI."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.dates import format_uk_date, parse_uk_date
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.services import consent, demo, mis_import, register
from safeguard_desktop.services.actors import Actor, local_lead
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.errors import ServiceError, ValidationError
from safeguard_desktop.services.mis_files import read_pupil_file
from safeguard_desktop.services.transaction import read_session, write_session
from safeguard_desktop.store.migrate import DatabaseTooNew

EXIT_OK = 0
EXIT_REFUSED = 2


def _uk_date(text: str) -> date:
    try:
        return parse_uk_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="safeguard", description="Safeguard Desktop from the command line.")
    parser.add_argument("--data-dir", help="folder of the register (default: the platform's user data folder)")
    parser.add_argument("--database", help="SQLAlchemy URL of a shared register (e.g. postgresql://…)")
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import-pupils", help="import a pupil list exported from the MIS (CSV or XLSX)")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if some are rejected")
    imp.add_argument("--json", action="store_true", help="print the outcome as JSON")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="use the column HEADER for FIELD (e.g. legal_surname='Family Name'); repeatable",
    )

    pupils = sub.add_parser("pupils", help="list the pupils on roll")
    pupils.add_argument("--json", action="store_true")
    pupils.add_argument("--all", action="store_true", help="include pupils who have left")

    cons = sub.add_parser("consent", help="record or show consent decisions")
    cons_sub = cons.add_subparsers(dest="consent_command", required=True)
    cset = cons_sub.add_parser("set", help="record a decision for one pupil and purpose")
    cset.add_argument("upn")
    cset.add_argument("purpose", help="purpose code or name (see 'safeguard purposes')")
    cset.add_argument("state", choices=[s.value for s in ConsentState])
    cset.add_argument("--given-by", default="", help="name of the parent/carer (or 'pupil')")
    cset.add_argument("--relationship", default="Parent", help="relationship to the pupil (default: Parent)")
    cset.add_argument("--route", required=True, choices=[r.value for r in Route])
    cset.add_argument("--date", type=_uk_date, default=None, help="date given, dd/mm/yyyy (default: today)")
    cset.add_argument("--valid-until", type=_uk_date, default=None, help="dd/mm/yyyy")
    cset.add_argument("--note", default="")
    cshow = cons_sub.add_parser("show", help="a pupil's consent history")
    cshow.add_argument("upn")
    cshow.add_argument("--json", action="store_true")

    sub.add_parser("purposes", help="list the consent purposes")

    ev = sub.add_parser("events", help="performances and events: create, list, and who may be filmed")
    ev_sub = ev.add_subparsers(dest="events_command", required=True)
    evc = ev_sub.add_parser("create", help="create an event")
    evc.add_argument("--name", required=True)
    evc.add_argument("--date", required=True, type=_uk_date, help="dd/mm/yyyy")
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
    srec.add_argument("--given-by", required=True, help="the name written on the slip")
    srec.add_argument("--relationship", default="Parent")
    srec.add_argument("--date", type=_uk_date, default=None, help="date on the slip, dd/mm/yyyy (default: today)")
    srec.add_argument("--event", type=int, default=None, help="refuse slips from any other event")
    srec.add_argument("--replace", action="store_true", help="record a newer answer on a slip already recorded")

    bak = sub.add_parser("backup", help="back up the register (verified after writing)")
    bak.add_argument("--to", help="folder for the backup (default: backups/ beside the register)")
    res = sub.add_parser("restore", help="replace the register with a backup (the current one is kept aside)")
    res.add_argument("file")

    aud = sub.add_parser("audit", help="check or export the audit trail (safeguarding leads)")
    aud_sub = aud.add_subparsers(dest="audit_command", required=True)
    aud_sub.add_parser("verify", help="recompute the chain; exit 2 and name the first broken entry if tampered")
    aexp = aud_sub.add_parser("export", help="write the trail as a spreadsheet-safe CSV")
    aexp.add_argument("--out", required=True, help="the CSV file to write")

    dem = sub.add_parser("demo", help="fill an empty register with a fictional demo school")
    dem.add_argument("--pupils", type=int, default=420)
    return parser


def _print_preview(result: mis_import.ImportPreview, dry_run: bool) -> None:
    verb = "Would" if dry_run or not result.applied else "Did"
    print(f"{result.source} ({result.encoding})")
    print(
        f"{verb} add {len(result.added)}, update {len(result.updated)}, leave {result.unchanged} unchanged, "
        f"mark {len(result.left)} as left; {len(result.rejected)} problem(s)."
    )
    for rejection in result.rejected:
        print(f"  line {rejection.line}: {rejection.field}: {rejection.reason}")
    for warning in result.warnings:
        print(f"Warning: {warning}", file=sys.stderr)


def cmd_import(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """import-pupils: preview, then apply in one transaction unless refused or a dry run."""
    table = read_pupil_file(args.file)
    names = {}
    for item in args.map:
        field, sep, header = item.partition("=")
        if not sep:
            raise ValidationError(f"--map {item!r}: write FIELD=HEADER, e.g. legal_surname=Surname.")
        names[field.strip()] = header.strip()
    mapping = mis_import.mapping_from_names(table.headers, names) if names else None
    refused = False
    if args.dry_run:
        with read_session(reg.engine) as session:
            result = mis_import.preview(session, actor, table, mapping)
        refused = bool(result.missing) or (bool(result.rejected) and not args.skip_invalid)
    else:
        try:
            with write_session(reg.engine) as session:
                result = mis_import.apply(session, actor, table, mapping, skip_invalid=args.skip_invalid)
        except mis_import.ImportRefused as exc:
            result = exc.preview
            refused = True
            if not args.json:
                print(str(exc), file=sys.stderr)
    if result.missing and not args.json:
        print(
            f"No column found for: {', '.join(result.missing)}. Columns in the file: {', '.join(table.headers)}. "
            "Use --map FIELD=HEADER.",
            file=sys.stderr,
        )
    if args.json:
        summary = result.summary()
        if result.missing:
            summary["missing"] = result.missing
        summary["applied"] = result.applied
        print(json.dumps(summary, ensure_ascii=False))
    else:
        _print_preview(result, args.dry_run)
    return EXIT_REFUSED if refused else EXIT_OK


def cmd_pupils(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """pupils: the register, one line per pupil."""
    with read_session(reg.engine) as session:
        snapshot = register.load_register(session, actor, include_left=args.all)
    rows = sorted(snapshot.rows, key=lambda r: (r.surname.casefold(), r.forename.casefold()))
    if args.json:
        out = [
            {
                "upn": r.upn,
                "admission_number": r.admission_number,
                "surname": r.surname,
                "forename": r.forename,
                "year_group": r.year_group,
                "reg_group": r.reg_group,
                "date_of_birth": r.date_of_birth.isoformat() if r.date_of_birth else None,
                "on_roll": r.on_roll,
                "never_photograph": r.never_photograph,
                "consent": {p.code: v.value for p, v in zip(snapshot.purposes, r.verdicts, strict=True)},
            }
            for r in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            flag = "  NEVER PHOTOGRAPH" if r.never_photograph else ""
            print(f"{r.upn or r.admission_number:13}  {r.name:40}  {r.year_group:10} {r.reg_group:6}{flag}")
        print(f"{len(rows)} pupil(s)")
    return EXIT_OK


def cmd_consent(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """consent set / consent show."""
    if args.consent_command == "set":
        pupil_consent = args.given_by.strip().casefold() in ("pupil", "the pupil")
        decision = consent.DecisionInput(
            state=ConsentState(args.state),
            given_by_kind=GivenByKind.PUPIL if pupil_consent else GivenByKind.PARENT,
            route=Route(args.route),
            given_on=args.date or date.today(),
            given_by_name="" if pupil_consent else args.given_by,
            given_by_relationship="" if pupil_consent else args.relationship,
            valid_until=args.valid_until,
            note=args.note,
            source="command line",
        )
        with write_session(reg.engine) as session:
            pupil = consent.find_pupil_by_upn(session, args.upn)
            purpose = consent.find_purpose(session, args.purpose)
            consent.record_decisions(session, actor, [pupil.id], [purpose.id], decision)
            print(f"Recorded {args.state} for {pupil.legal_forename} {pupil.legal_surname}: {purpose.name}.")
        return EXIT_OK
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, args.upn)
        detail = register.pupil_detail(session, actor, pupil.id)
        purposes = register.list_purposes(session)
    if args.json:
        print(
            json.dumps(
                {
                    "upn": detail.row.upn,
                    "name": detail.row.name,
                    "current": {p.code: v.value for p, v in zip(purposes, detail.row.verdicts, strict=True)},
                    "history": [
                        {
                            "purpose": h.purpose,
                            "state": h.state,
                            "given_by": h.given_by_name,
                            "relationship": h.given_by_relationship,
                            "route": h.route,
                            "given_on": h.given_on.isoformat(),
                            "valid_until": h.valid_until.isoformat() if h.valid_until else None,
                            "wording_version": h.wording_version,
                            "recorded_by": h.recorded_by,
                        }
                        for h in detail.history
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return EXIT_OK
    print(f"{detail.row.name}  {detail.row.upn}  {detail.row.year_group} {detail.row.reg_group}")
    for p, v in zip(purposes, detail.row.verdicts, strict=True):
        print(f"  {p.name:40} {v.value}")
    for h in detail.history:
        print(
            f"  {format_uk_date(h.given_on)}  {h.purpose}: {h.state} by {h.given_by_name} ({h.given_by_relationship}),"
            f" {h.route}, wording v{h.wording_version}, recorded by {h.recorded_by}"
        )
    return EXIT_OK


def cmd_purposes(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """purposes: code, name, wording version."""
    with read_session(reg.engine) as session:
        for p in register.list_purposes(session, include_retired=True):
            state = "" if p.active else "  (retired)"
            print(f"{p.code:18} {p.name}  [wording v{p.wording_version}]{state}")
    return EXIT_OK


def cmd_demo(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """demo: fill an empty register with fictional pupils."""
    with write_session(reg.engine) as session:
        count = demo.create_demo_school(session, actor, pupils=args.pupils)
    print(f"Created the demo school with {count} fictional pupils in {reg.folder}.")
    return EXIT_OK


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
                            "parent_filming": line.parent_filming.value,
                            "school_recording": line.school_recording.value,
                            "may_be_filmed": line.parent_filming.allowed,
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
    print(
        f"{counts['participants']} taking part: {counts['may_be_filmed']} may be filmed by parents, "
        f"{counts['must_not_be_filmed']} must not ({counts['never_photograph']} never photograph, "
        f"{counts['no_decision']} with no answer yet)."
    )
    for line in roster.must_not_be_filmed:
        print(f"  NOT  {line.pupil.reg_group:6} {line.pupil.name}  ({line.parent_filming.value})")
    return EXIT_OK


def cmd_letters(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """letters EVENT --out FILE.pdf [--only-undecided]."""
    from pathlib import Path

    from safeguard_desktop.services import letters

    with write_session(reg.engine) as session:
        pdf, count = letters.consent_letters(session, actor, args.event, only_undecided=args.only_undecided)
    Path(args.out).write_bytes(pdf)
    print(f"Wrote {count} letters to {args.out}.")
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
    """notice / announcement / briefing / chase EVENT --out FILE.pdf."""
    from pathlib import Path

    from safeguard_desktop.services import notices

    with write_session(reg.engine) as session:
        if args.command == "notice":
            pdf = notices.notice(session, actor, args.event, size=args.size)
        elif args.command == "announcement":
            pdf = notices.announcement(session, actor, args.event)
        elif args.command == "followup":
            pdf = notices.follow_up_letter(session, actor, args.event, to=args.to, platform=args.platform)
        elif args.command == "briefing":
            pdf = notices.briefing(session, actor, args.event)
        else:
            pdf = notices.chase_list(session, actor, args.event)
    Path(args.out).write_bytes(pdf)
    print(f"Wrote {args.out}.")
    return EXIT_OK


def cmd_slips(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """slips record REFERENCE --answers ..."""
    from safeguard_desktop.services import slips

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
    "import-pupils": cmd_import,
    "pupils": cmd_pupils,
    "consent": cmd_consent,
    "purposes": cmd_purposes,
    "demo": cmd_demo,
    "audit": cmd_audit,
    "events": cmd_events,
    "letters": cmd_letters,
    "slips": cmd_slips,
    "notice": cmd_document,
    "announcement": cmd_document,
    "briefing": cmd_document,
    "chase": cmd_document,
    "followup": cmd_document,
    "backup": cmd_backup,
    "restore": cmd_restore,
}


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


if __name__ == "__main__":
    sys.exit(main())
