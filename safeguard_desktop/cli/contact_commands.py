"""Consent as families give it: contacts, each giver's standing answer, conflicts to resolve, never-photograph."""

from __future__ import annotations

import argparse
import json

from safeguard_desktop.cli.common import EXIT_OK, uk_date
from safeguard_desktop.domain.consent import ConsentState
from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import consent_views, contacts
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.transaction import read_session, write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    con = sub.add_parser("contacts", help="a pupil's contacts (who may give consent): list, add, import")
    con_sub = con.add_subparsers(dest="contacts_command", required=True)
    clist = con_sub.add_parser("list", help="a pupil's contacts")
    clist.add_argument("upn")
    clist.add_argument("--json", action="store_true")
    cadd = con_sub.add_parser("add", help="add a contact to a pupil")
    cadd.add_argument("upn")
    cadd.add_argument("--name", required=True)
    cadd.add_argument("--relationship", default="")
    cadd.add_argument("--no-parental-responsibility", action="store_true",
                      help="this contact cannot give consent (their no is kept, their yes does not count)")  # fmt: skip
    cadd.add_argument("--lives-apart", action="store_true", help="does not live with the pupil")
    cadd.add_argument("--email", default="")
    cadd.add_argument("--phone", default="")
    cadd.add_argument("--priority", type=int, default=1)
    ced = con_sub.add_parser("edit", help="change a contact (by its number in 'contacts list')")
    ced.add_argument("contact", type=int)
    ced.add_argument("--name")
    ced.add_argument("--relationship")
    ced.add_argument("--parental-responsibility", choices=["yes", "no"])
    ced.add_argument("--lives-with-pupil", choices=["yes", "no"])
    ced.add_argument("--email")
    ced.add_argument("--phone")
    ced.add_argument("--priority", type=int)
    cimp = con_sub.add_parser("import", help="import the MIS contacts export (CSV or XLSX)")
    cimp.add_argument("file")
    cimp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    cimp.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if some are rejected")

    conf = sub.add_parser("conflicts", help="pupils whose givers disagree: list, resolve (safeguarding leads)")
    conf_sub = conf.add_subparsers(dest="conflicts_command", required=True)
    flist = conf_sub.add_parser("list", help="every conflict to resolve")
    flist.add_argument("--json", action="store_true")
    fres = conf_sub.add_parser("resolve", help="a lead's decision where givers disagree, with the reason")
    fres.add_argument("upn")
    fres.add_argument("purpose", help="purpose code or name")
    fres.add_argument("state", choices=["granted", "refused"])
    fres.add_argument("--reason", required=True, help="who was consulted and what was agreed")
    fres.add_argument("--valid-until", type=uk_date, default=None, help="dd/mm/yyyy")


def add_never_parser(pupils_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """pupils never UPN --reason … | --clear."""
    nev = pupils_sub.add_parser("never", help="set or clear a pupil's never-photograph flag (safeguarding leads)")
    nev.add_argument("upn")
    nev.add_argument("--reason", default="", help="why (sealed: only leads can read it)")
    nev.add_argument("--clear", action="store_true", help="clear the flag")


def cmd_contacts(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """contacts list / add / import."""
    if args.contacts_command == "import":
        from safeguard_desktop.cli.contact_import_command import run_import

        return run_import(reg, actor, args)
    if args.contacts_command == "edit":
        with write_session(reg.engine) as session:
            c = contacts.get_contact(session, args.contact)

            def pick(value: str | None, current: str) -> str:
                return current if value is None else value

            data = contacts.ContactInput(
                pick(args.name, c.name), pick(args.relationship, c.relationship),
                c.parental_responsibility if args.parental_responsibility is None
                else args.parental_responsibility == "yes",
                c.lives_with_pupil if args.lives_with_pupil is None else args.lives_with_pupil == "yes",
                pick(args.email, c.email), pick(args.phone, c.phone), c.address,
                c.priority if args.priority is None else args.priority, c.mis_reference,
            )  # fmt: skip
            contacts.update_contact(session, actor, args.contact, data)
        print(f"Changed contact {args.contact}.")
        return EXIT_OK
    if args.contacts_command == "add":
        data = contacts.ContactInput(args.name, args.relationship, not args.no_parental_responsibility,
                                     not args.lives_apart, args.email, args.phone, "", args.priority)  # fmt: skip
        with write_session(reg.engine) as session:
            pupil = consent.find_pupil_by_upn(session, args.upn)
            number = contacts.add_contact(session, actor, pupil.id, data)
        print(f"Added contact {number}: {args.name} for {pupil.legal_forename} {pupil.legal_surname}.")
        return EXIT_OK
    with read_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, args.upn)
        found = contacts.list_contacts(session, actor, pupil.id)
    if args.json:
        print(json.dumps([c.__dict__ for c in found], ensure_ascii=False, indent=1))
        return EXIT_OK
    for view in found:
        pr = "parental responsibility" if view.parental_responsibility else "NO parental responsibility"
        home = "lives with the pupil" if view.lives_with_pupil else "lives apart"
        reach = "".join(f"; {v}" for v in (view.email, view.phone) if v)
        print(f"{view.id:5}  {view.priority}  {view.name} ({view.relationship or 'relationship not given'}) — {pr}, "
              f"{home}{reach}")  # fmt: skip
    print(f"{len(found)} contact(s)")
    return EXIT_OK


def _answers_text(answers: tuple[consent_views.GiverAnswer, ...]) -> str:
    return "; ".join(f"{a.giver}: {a.answer.value} ({format_uk_date(a.given_on)}, {a.route})" for a in answers)


def cmd_conflicts(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """conflicts list / resolve."""
    if args.conflicts_command == "resolve":
        with write_session(reg.engine) as session:
            pupil = consent.find_pupil_by_upn(session, args.upn)
            purpose = consent.find_purpose(session, args.purpose)
            consent.resolve_conflict(session, actor, pupil.id, [purpose.id], ConsentState(args.state), args.reason,
                                     valid_until=args.valid_until)  # fmt: skip
        print(f"Resolved as {args.state} for {pupil.legal_forename} {pupil.legal_surname}: {purpose.name}.")
        return EXIT_OK
    with read_session(reg.engine) as session:
        found = consent_views.conflicts(session, actor)
    if args.json:
        print(json.dumps([{"upn": c.upn, "name": c.name, "class": c.reg_group, "purpose": c.purpose,
                           "answers": [{"giver": a.giver, "answer": a.answer.value, "given_on": a.given_on.isoformat(),
                                        "route": a.route} for a in c.answers]} for c in found],
                         ensure_ascii=False, indent=1))  # fmt: skip
        return EXIT_OK
    for c in found:
        print(f"{c.upn:13}  {c.name:30} {c.reg_group:6} {c.purpose}: {_answers_text(c.answers)}")
    print(f"{len(found)} conflict(s) to resolve" + (" (treated as no until then)" if found else ""))
    return EXIT_OK


def cmd_never(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """never UPN --reason … | --clear."""
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, args.upn)
        consent.set_never_photograph(session, actor, pupil.id, not args.clear, args.reason)
    state = "cleared" if args.clear else "set (the reason is sealed: only safeguarding leads can read it)"
    print(f"Never-photograph {state} for {pupil.legal_forename} {pupil.legal_surname}.")
    return EXIT_OK


def print_givers(reg: Register, actor: Actor, pupil_id: int) -> None:
    """Each purpose's verdict with every giver's standing answer (consent show)."""
    with read_session(reg.engine) as session:
        per_purpose = consent_views.answers_for(session, actor, pupil_id)
    for p in per_purpose:
        conflict = p.verdict.value == "conflict"
        marker = "  <- CONFLICT: a lead resolves it (safeguard conflicts resolve)" if conflict else ""
        print(f"  {p.purpose:40} {p.verdict.value}{marker}")
        for a in p.answers:
            print(f"      {a.giver}: {a.answer.value} ({format_uk_date(a.given_on)}, {a.route})")


COMMANDS = {"contacts": cmd_contacts, "conflicts": cmd_conflicts}
