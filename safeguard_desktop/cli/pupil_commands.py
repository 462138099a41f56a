"""Register commands: import pupils, list them, record and show consent, purposes, the demo school."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED, name_mapping, uk_date
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.services import consent, demo
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import consent_views, grid
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.transaction import read_session, write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
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

    pupils = sub.add_parser("pupils", help="list the pupils on roll; 'pupils never UPN' sets the never-photograph flag")
    pupils.add_argument("--json", action="store_true")
    pupils.add_argument("--all", action="store_true", help="include pupils who have left")
    from safeguard_desktop.cli.contact_commands import add_never_parser

    add_never_parser(pupils.add_subparsers(dest="pupils_command"))

    cons = sub.add_parser("consent", help="record or show consent decisions")
    cons_sub = cons.add_subparsers(dest="consent_command", required=True)
    cset = cons_sub.add_parser("set", help="record a decision for one pupil and purpose")
    cset.add_argument("upn")
    cset.add_argument("purpose", help="purpose code or name (see 'safeguard purposes')")
    cset.add_argument("state", choices=[s.value for s in ConsentState])
    cset.add_argument("--given-by", default="", help="name of the parent/carer (or 'pupil')")
    cset.add_argument("--relationship", default="Parent", help="relationship to the pupil (default: Parent)")
    cset.add_argument("--route", required=True, choices=[r.value for r in Route])
    cset.add_argument("--date", type=uk_date, default=None, help="date given, dd/mm/yyyy (default: today)")
    cset.add_argument("--valid-until", type=uk_date, default=None, help="dd/mm/yyyy")
    cset.add_argument("--note", default="")
    cset.add_argument("--contact", type=int, default=None, help="the contact who gave it ('safeguard contacts list')")
    cimp = cons_sub.add_parser("import", help="consent states exported by the MIS (route 'MIS import')")
    cimp.add_argument("file")
    cimp.add_argument("--map", action="append", default=[], metavar="MIS NAME=CODE",
                      help="the MIS's name for a consent type = a purpose code of the school's; kept")  # fmt: skip
    cimp.add_argument("--dry-run", action="store_true", help="show what would be recorded; write nothing")
    cshow = cons_sub.add_parser("show", help="a pupil's consent history")
    cshow.add_argument("upn")
    cshow.add_argument("--json", action="store_true")

    purposes = sub.add_parser("purposes", help="list the consent purposes; 'purposes set CODE' sets their basis")
    purposes_sub = purposes.add_subparsers(dest="purposes_command")
    pset = purposes_sub.add_parser("set", help="a purpose's lawful basis and how long its evidence is kept")
    pset.add_argument("code")
    pset.add_argument("--basis", choices=["consent", "public-task"], required=True)
    pset.add_argument("--evidence-years", type=int, default=None,
                      help="years after a pupil leaves that its decisions are kept (default: the usual)")  # fmt: skip

    dem = sub.add_parser("demo", help="fill an empty register with a fictional demo school")
    dem.add_argument("--pupils", type=int, default=420)


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
    if getattr(args, "pupils_command", None) == "never":
        from safeguard_desktop.cli.contact_commands import cmd_never

        return cmd_never(reg, actor, args)
    with read_session(reg.engine) as session:
        snapshot = grid.load_register(session, actor, include_left=args.all)
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


def _import_consent(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    from safeguard_desktop.services.consent import mis_consent

    mapping = name_mapping(args.map, "MIS name=purpose_code")
    table = read_pupil_file(args.file)
    with write_session(reg.engine) as session:
        result = mis_consent.import_consent(session, actor, table, mapping=mapping, apply=not args.dry_run)
    verb = "Recorded" if result.applied else "Would record"
    print(f"{verb} {result.recorded} decision(s) from {result.source} (route 'MIS import'); {result.kept_ours} MIS "
          f"grant(s) left out, older than a decision made here; {result.duplicates} already imported; "
          f"{result.unanswered} unanswered.")  # fmt: skip
    for name, count in sorted(result.unmapped.items()):
        print(f"  not mapped: {name!r} ({count} row(s)) — add --map \"{name}=PURPOSE_CODE\" ('safeguard purposes')")
    for rejection in result.rejected:
        print(f"  line {rejection.line}: {rejection.field}: {rejection.reason}")
    if result.rejected:
        print("Nothing was recorded: correct those rows and import again.")
        return EXIT_REFUSED
    return EXIT_OK


def cmd_consent(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """consent set / import / show."""
    if args.consent_command == "import":
        return _import_consent(reg, actor, args)
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
            contact_id=args.contact,
        )
        with write_session(reg.engine) as session:
            pupil = consent.find_pupil_by_upn(session, args.upn)
            purpose = consent.find_purpose(session, args.purpose)
            consent.record_decisions(session, actor, [pupil.id], [purpose.id], decision)
            print(f"Recorded {args.state} for {pupil.legal_forename} {pupil.legal_surname}: {purpose.name}.")
        return EXIT_OK
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, args.upn)
        detail = grid.pupil_detail(session, actor, pupil.id)
        purposes = grid.list_purposes(session)
        givers = consent_views.answers_for(session, actor, pupil.id)
    if args.json:
        print(
            json.dumps(
                {
                    "upn": detail.row.upn,
                    "name": detail.row.name,
                    "current": {p.code: v.value for p, v in zip(purposes, detail.row.verdicts, strict=True)},
                    "givers": {
                        a.purpose: [
                            {"giver": g.giver, "answer": g.answer.value, "given_on": g.given_on.isoformat()}
                            for g in a.answers
                        ]
                        for a in givers
                    },
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
    from safeguard_desktop.cli.contact_commands import print_givers

    print_givers(reg, actor, pupil.id)
    print("History:")
    for h in detail.history:
        print(
            f"  {format_uk_date(h.given_on)}  {h.purpose}: {h.state} by {h.given_by_name} ({h.given_by_relationship}),"
            f" {h.route}, wording v{h.wording_version}, recorded by {h.recorded_by}"
        )
    return EXIT_OK


def cmd_purposes(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """purposes: code, name, wording version, lawful basis; purposes set CODE --basis …"""
    if getattr(args, "purposes_command", None) == "set":
        from safeguard_desktop.services import settings

        with write_session(reg.engine) as session:
            purpose = consent.find_purpose(session, args.code)
            settings.set_purpose_basis(session, actor, purpose.id, lawful_basis=args.basis.replace("-", " "),
                                       evidence_years=args.evidence_years)  # fmt: skip
        print(f"{purpose.name}: {args.basis.replace('-', ' ')}.")
        return EXIT_OK
    with read_session(reg.engine) as session:
        for p in grid.list_purposes(session, include_retired=True):
            state = "" if p.active else "  (retired)"
            kept = f"; evidence {p.evidence_years} year(s) after leaving" if p.evidence_years is not None else ""
            print(f"{p.code:18} {p.name}  [wording v{p.wording_version}; {p.lawful_basis}{kept}]{state}")
    return EXIT_OK


def demo_in_empty_folder(args: argparse.Namespace) -> int | None:
    """demo in a folder with no register: an encrypted demo register with an account per role. None otherwise."""
    from safeguard_desktop import paths
    from safeguard_desktop.services.accounts import signin

    folder = paths.data_dir(args.data_dir)
    if paths.database_file(folder).exists():
        return None
    reg, _actor = signin.create_demo_register(folder, pupils=args.pupils)
    reg.close()
    print(f"Created the demo school (fictional pupils) in {folder}. Its accounts, for trying each role:")
    for username, password, role, _display in signin.DEMO_ACCOUNTS:
        print(f"    {username:8} password {password!r:26} ({role.value})")
    return EXIT_OK


def cmd_demo(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """demo: fill an empty register with fictional pupils."""
    with write_session(reg.engine) as session:
        count = demo.create_demo_school(session, actor, pupils=args.pupils)
    print(f"Created the demo school with {count} fictional pupils in {reg.folder}.")
    return EXIT_OK


COMMANDS = {
    "import-pupils": cmd_import,
    "pupils": cmd_pupils,
    "consent": cmd_consent,
    "purposes": cmd_purposes,
    "demo": cmd_demo,
}
