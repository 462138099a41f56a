"""Keeping the register safe: the audit trail, backups and restore."""

from __future__ import annotations

import argparse
from pathlib import Path

from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.transaction import read_session, write_session


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    bak = sub.add_parser("backup", help="back up the register (verified after writing)")
    bak.add_argument("--to", help="folder for the backup (default: the schedule's folder, or backups/)")
    bak.add_argument(
        "--if-due",
        action="store_true",
        help="only when the schedule says one is due, then keep the newest N (for a daily task)",
    )
    bak.add_argument("--keep", type=int, default=None, help="after backing up, keep only the newest N in the folder")
    bak.add_argument("--schedule", nargs=3, metavar=("FOLDER", "EVERY_DAYS", "KEEP"),
                     help="set the schedule the app and --if-due follow (leads)")  # fmt: skip
    res = sub.add_parser("restore", help="replace the register with a backup (the current one is kept aside)")
    res.add_argument("file")

    aud = sub.add_parser("audit", help="check or export the audit trail (safeguarding leads)")
    aud_sub = aud.add_subparsers(dest="audit_command", required=True)
    aud_sub.add_parser("verify", help="recompute the chain; exit 2 and name the first broken entry if tampered")
    aud_sub.add_parser("note-outside-changes", help="on a server: note in the trail the changes made outside the "
                       "app that the check names (it then names only later ones)")  # fmt: skip
    aexp = aud_sub.add_parser("export", help="write the trail as a spreadsheet-safe CSV")
    aexp.add_argument("--out", required=True, help="the CSV file to write")
    add_sar_parser(sub)
    add_retention_parser(sub)
    sub.add_parser(
        "publish", help="publish the pupils' names and the coming events' briefings to staff (office, leads)"
    )


def cmd_audit(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """audit verify / audit note-outside-changes / audit export."""
    from pathlib import Path

    from safeguard_desktop.services.records import audit

    if args.audit_command == "verify":
        from safeguard_desktop.services.records import trail_check

        with read_session(reg.engine) as session:  # a read: changes made meanwhile on other PCs go on
            result = trail_check.check(session, actor, reg.folder, reg.keys)
        with write_session(reg.engine) as session:
            trail_check.record_check(session, actor, result)
        print(result.describe())
        return EXIT_OK if result.intact else EXIT_REFUSED
    if args.audit_command == "note-outside-changes":
        from safeguard_desktop.services.records import server_changes

        with write_session(reg.engine) as session:
            noted = server_changes.note(session, actor)
        print("No change made outside the app is left to note." if noted is None
              else f"Noted in the trail: {noted.describe()}.")  # fmt: skip
        return EXIT_OK
    with write_session(reg.engine) as session:
        count = audit.export_csv(session, actor, Path(args.out))
    print(f"Wrote {count} audit entries to {args.out}.")
    return EXIT_OK


def cmd_backup(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """backup [--to DIR]."""
    from pathlib import Path

    from safeguard_desktop.services.errors import ValidationError
    from safeguard_desktop.services.records import backup

    if args.schedule:
        folder, every, keep = args.schedule
        try:
            schedule = backup.Schedule(folder, int(every), int(keep))
        except ValueError as exc:
            raise ValidationError("--schedule FOLDER EVERY_DAYS KEEP: the last two are whole numbers.") from exc
        with write_session(reg.engine) as session:
            backup.set_schedule(session, actor, schedule)
        print(f"Backups every {every} day(s) into {folder}, keeping the newest {keep}.")
        return EXIT_OK
    if args.if_due:
        done = backup.scheduled_backup(reg.engine, reg.folder, actor)
        print(f"Backed up to {done.path} (verified)." if done else "No backup due yet.")
        return EXIT_OK
    with read_session(reg.engine) as session:
        scheduled = backup.get_schedule(session, reg.folder)
    destination = Path(args.to) if args.to else Path(scheduled.folder)
    info = backup.back_up(reg.engine, reg.folder, actor, destination)
    if args.keep:
        backup.prune(destination, args.keep)
    print(f"Backed up {info.pupils} pupils and {info.audit_entries} audit entries to {info.path} (verified).")
    return EXIT_OK


def cmd_restore(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """restore FILE."""
    from pathlib import Path

    from safeguard_desktop.services.records import backup

    key = reg.keys.database_key if reg.keys else None
    opening, _sealed = backup.opening_key(Path(args.file), key, reg.keys, reg.folder)
    info = backup.check_backup(Path(args.file), opening)
    aside = backup.restore(reg.engine, reg.folder, actor, info.path, reg.presence, reg.keys)
    print(f"Restored {info.pupils} pupils from {info.path.name}. The register it replaced is kept as {aside}.")
    return EXIT_OK


def restore_unopenable(args: argparse.Namespace, folder: Path, why: Exception) -> int:
    """restore FILE over a register that cannot be opened: the lead's password opens their key slot instead."""
    from safeguard_desktop.cli.common import first_line
    from safeguard_desktop.security import keyring
    from safeguard_desktop.services.accounts import SignInFailed, signin
    from safeguard_desktop.services.records import backup

    if not args.user or args.password_file is None:
        raise ValidationError(f"{why} To restore over it, sign in as a lead with --user NAME --password-file FILE.")
    password = first_line(args.password_file)
    try:
        keys = keyring.unlock(folder, args.user.strip().lower(), password)
    except keyring.WrongPassword as exc:
        raise SignInFailed(str(exc)) from exc
    aside = backup.restore_unopenable(folder, keys, Path(args.file))
    reg, actor = signin.sign_in_register(folder, args.user, password, args.code)
    try:
        with write_session(reg.engine) as session:
            backup.record_restore(session, actor, Path(args.file), aside)
    finally:
        reg.close()
    kept = f" The file that could not be opened is kept as {aside}." if aside else ""
    print(f"Restored the register from {Path(args.file).name}.{kept}")
    return EXIT_OK


def cmd_publish(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """publish: the staff room, as the app does at sign-in (for a daily task beside the backup)."""
    from safeguard_desktop.services.accounts import staff_room

    if reg.keys is None:
        from safeguard_desktop.services import server

        if server.on_server(reg):  # staff read the briefings the office or a lead publishes on the server
            from safeguard_desktop.services import server_briefings

            with write_session(reg.engine) as session:
                count = server_briefings.publish(session, actor)
            print(f"Published {count} event briefing(s) on the register's server, for staff to read.")
            return EXIT_OK
        raise ValidationError("Only a register with accounts has staff to publish to.")
    with write_session(reg.engine) as session:
        done = staff_room.publish(session, actor, reg.keys, reg.folder)
    print(f"Published to {done.recipients} staff account(s): {done.pupils} pupils' names and classes, "
          f"{done.briefings} event briefing(s).")  # fmt: skip
    return EXIT_OK


COMMANDS = {
    "audit": cmd_audit,
    "backup": cmd_backup,
    "publish": cmd_publish,
    "restore": cmd_restore,
}


def add_sar_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """sar UPN --out DIR."""
    sar = sub.add_parser("sar", help="subject access: everything held about one pupil, as JSON and PDF")
    sar.add_argument("upn")
    sar.add_argument("--out", required=True, help="folder to write into")


def cmd_sar(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """sar UPN --out DIR: writes sar-<UPN>.json and .pdf (incident content marked for review before disclosure)."""
    from pathlib import Path

    from safeguard_desktop.services import consent
    from safeguard_desktop.services.records.subject_access import write_subject_access

    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, args.upn)
        written = write_subject_access(session, actor, pupil.id, Path(args.out))
    note = " Incident content is marked for review before disclosure." if written.incidents else ""
    print(f"Wrote {written.json} and {written.pdf.name}.{note}")
    return EXIT_OK


COMMANDS["sar"] = cmd_sar


def add_retention_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """retention review."""
    ret = sub.add_parser("retention", help="records due for review under the retention rules")
    ret.add_argument("action", choices=["review", "apply", "hold", "release"])
    ret.add_argument("--yes", action="store_true", help="with apply: really delete what is due")
    ret.add_argument("--pupil", metavar="UPN", help="with hold/release: the pupil")
    ret.add_argument("--incident", type=int, help="with hold/release: the incident number")


def cmd_retention(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """retention review: what is due, oldest first."""
    from safeguard_desktop.domain.dates import format_uk_date
    from safeguard_desktop.services import consent
    from safeguard_desktop.services.errors import ValidationError
    from safeguard_desktop.services.records import retention
    from safeguard_desktop.services.records.retention import review

    if args.action in ("hold", "release"):
        if (args.pupil is None) == (args.incident is None):
            raise ValidationError("Name one pupil (--pupil UPN) or one incident (--incident N).")
        with write_session(reg.engine) as session:
            pupil_id = consent.find_pupil_by_upn(session, args.pupil).id if args.pupil else None
            retention.set_legal_hold(session, actor, pupil_id=pupil_id, incident_id=args.incident,
                                     hold=args.action == "hold")  # fmt: skip
        print("Legal hold set." if args.action == "hold" else "Legal hold lifted.")
        return EXIT_OK
    if args.action == "apply":
        if not args.yes:
            raise ValidationError("Deleting is permanent: run 'retention review' first, then 'retention apply --yes'.")
        with write_session(reg.engine) as session:
            removed = retention.apply(session, actor)
        print(f"Deleted {removed} record(s) under the retention rules; the audit trail keeps a stub of each.")
        return EXIT_OK
    with write_session(reg.engine) as session:
        due = review(session, actor)
    for item in due:
        print(f"{format_uk_date(item.due_on)}  {item.kind:24} {item.record:14} {item.count:4}  ({item.rule})")
    print(f"{len(due)} item(s) due for review.")
    return EXIT_OK


COMMANDS["retention"] = cmd_retention
