"""The ``safeguard`` command: batch work (imports, consent, events, documents, backups) through the same services
as the GUI. Each module in this package adds its commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from safeguard_desktop.cli import (
    account_commands,
    admin_commands,
    contact_commands,
    event_commands,
    incident_commands,
    pupil_commands,
    reply_commands,
    school_commands,
    server_commands,
    transfer_commands,
    trust_commands,
)
from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED, first_line
from safeguard_desktop.services.actors import Actor, Operation, local_lead
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.errors import ServiceError, StorageProblem, ValidationError
from safeguard_desktop.store.migrate import DatabaseTooNew

__all__ = ["EXIT_OK", "EXIT_REFUSED", "build_parser", "main", "run"]

_MODULES = (pupil_commands, contact_commands, reply_commands, event_commands, incident_commands, admin_commands,
            school_commands, account_commands, transfer_commands, server_commands, trust_commands)  # fmt: skip
COMMANDS: dict[str, Callable[[Register, Actor, argparse.Namespace], int]] = {
    name: handler for module in _MODULES for name, handler in module.COMMANDS.items()
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="safeguard", description="Safeguard Desktop from the command line.")
    parser.add_argument("--data-dir", help="folder of the register (default: the platform's user data folder)")
    parser.add_argument("--database", help="SQLAlchemy URL of a shared register (e.g. postgresql://…)")
    parser.add_argument("--school-code", help="one of a trust's schools in its database on the server (with "
                        "--database, and the server commands)")  # fmt: skip
    parser.add_argument("--user", help="sign in as this account (an encrypted register needs it)")
    parser.add_argument("--password-file", type=Path, help="read the password from the first line of this file")
    parser.add_argument("--code", default="", help="the 6-digit code, for an account with two-step sign-in")
    parser.add_argument("--recovery-key-file", type=Path, help="open with the recovery key instead of a password")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in _MODULES:
        module.add_parsers(sub)
    return parser


def _read_secret(path: Path | None, prompt: str) -> str:
    if path is not None:
        return first_line(path)
    if not sys.stdin.isatty():
        raise ValidationError(f"{prompt}: no terminal to ask on; give it in a file (--password-file).")
    import getpass

    return getpass.getpass(f"{prompt}: ")


def _open(args: argparse.Namespace) -> tuple[Register, Actor]:
    """Open the register the way it must be opened: signed in when encrypted, as the local lead when not."""
    from safeguard_desktop import paths
    from safeguard_desktop.security import keyring
    from safeguard_desktop.services.accounts import signin

    folder = paths.data_dir(args.data_dir)
    if args.database is not None and args.user:  # an account's own login on the register's server
        from safeguard_desktop.services import server

        password = _read_secret(args.password_file, f"Password for {args.user}")
        return server.sign_in(folder, args.database, args.user, password, args.code)
    if args.database is None and keyring.is_protected(folder):
        if args.recovery_key_file is not None:
            return signin.recover(folder, _read_secret(args.recovery_key_file, "Recovery key"))
        if not args.user:
            raise ValidationError(
                "This register is encrypted: sign in with --user NAME (the password is asked for, or read from "
                "--password-file)."
            )
        return signin.sign_in_register(folder, args.user, _read_secret(args.password_file, f"Password for {args.user}"),
                              args.code)  # fmt: skip
    if args.database is None and not paths.database_file(folder).exists() and args.command != "demo":
        raise ValidationError(
            f"There is no register in {folder}. Create one with 'safeguard init --school NAME --dsl-user NAME "
            "--password-file FILE', or try 'safeguard demo'."
        )
    if args.database is not None:  # a database server: this computer's part of it in a folder of its own
        from safeguard_desktop.services import server

        return open_register(server.local_folder(folder, args.database), args.database), local_lead()
    return open_register(folder, args.database), local_lead()


def _two_step_missing(reg: Register, actor: Actor) -> bool:
    from safeguard_desktop.services.accounts import two_step_needed
    from safeguard_desktop.services.transaction import read_session

    with read_session(reg.engine) as session:
        return two_step_needed(session, actor)


def cmd_init(args: argparse.Namespace) -> int:
    """init: a new encrypted register with its first DSL; prints the recovery key once."""
    from safeguard_desktop.services.accounts import signin

    password = _read_secret(args.password_file, f"Password for {args.dsl_user}")
    reg, actor, recovery = signin.create_register(
        args.data_dir, args.school, args.dsl_user, args.dsl_name or args.dsl_user, password
    )
    reg.close()
    print(f"Created the register for {args.school.strip()} in {reg.folder}, with {actor.username} as its DSL.")
    print("RECOVERY KEY (print it or write it down, and lock it away; it is shown only now):")
    print(f"    {recovery}")
    return EXIT_OK


def use_utf8_output() -> None:
    """Write UTF-8 whatever the console: a redirected Windows console is cp1252, and "ğ" would end in a
    UnicodeEncodeError. A real Windows console shows UTF-8 correctly (Python writes to it as Unicode)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            reconfigure(encoding="utf-8", errors="backslashreplace")


def _plain_os_error(exc: OSError) -> str:
    from safeguard_desktop.services.faults import plain_message

    where = f"{exc.filename}: " if exc.filename else ""
    return plain_message(exc) or f"{where}{exc.strerror or exc}"


def _database_fault(exc: DBAPIError) -> int:
    from safeguard_desktop.services.faults import plain_message

    message = plain_message(exc)
    if message is None:
        raise exc
    print(f"safeguard: {message}", file=sys.stderr)
    return EXIT_REFUSED


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``safeguard``. Exit 0 done, 2 refused (bad input, nothing written), 1 unexpected."""
    from safeguard_desktop.resources import MissingResource, check_resources
    from safeguard_desktop.services.database import RegisterLocked

    use_utf8_output()
    args = build_parser().parse_args(argv)
    try:
        check_resources()
    except MissingResource as exc:
        print(f"safeguard: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        if args.school_code:  # (a trust's school: its schema, named in the URL as libpq's own options)
            from safeguard_desktop.services.server_school import in_url

            if args.database is None and getattr(args, "url", None) is None:
                raise ValidationError("--school-code names a school on a database server: give --database URL too.")
            args.database = in_url(args.database, args.school_code) if args.database else None
            if getattr(args, "url", None) is not None and args.command == "server":
                args.url = in_url(args.url, args.school_code)
        if args.command == "init":
            return cmd_init(args)
        if args.command == "server":
            return server_commands.cmd_server(args, _read_secret)
        if args.command == "trust" and args.trust_command in trust_commands.TRUST_SIDE:
            return trust_commands.cmd_trust_side(args, _read_secret)
        if args.command == "demo" and args.database is None:
            done = pupil_commands.demo_in_empty_folder(args)
            if done is not None:
                return done
        try:
            reg, actor = _open(args)
        except (RegisterLocked, StorageProblem) as exc:
            if args.command != "restore" or args.database is not None:
                raise
            # The register cannot be opened (damaged, cut short, missing): restoring is exactly what mends it.
            from safeguard_desktop import paths

            return admin_commands.restore_unopenable(args, paths.data_dir(args.data_dir), exc)
    except (DatabaseTooNew, RegisterLocked, ServiceError) as exc:
        print(f"safeguard: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as exc:  # the folder cannot be made or read: the environment's fault, said plainly
        print(f"safeguard: {_plain_os_error(exc)}", file=sys.stderr)
        return EXIT_REFUSED
    except DBAPIError as exc:
        return _database_fault(exc)
    if reg.moved_notice is not None:  # every role: a change made here would not reach the school's server
        print(f"safeguard: warning: {reg.moved_notice}", file=sys.stderr)
    if reg.notices and actor.may(Operation.VIEW_AUDIT):
        for notice in reg.notices:
            print(f"safeguard: warning: {notice}", file=sys.stderr)
    if reg.keys is not None and _two_step_missing(reg, actor):  # a script cannot type a code: said, not refused
        print("safeguard: warning: this school requires two-step sign-in for safeguarding leads and this account "
              "has none yet; the app asks for it at the next sign-in (Settings > Accounts > My two-step sign-in).",
              file=sys.stderr)  # fmt: skip
    try:
        return COMMANDS[args.command](reg, actor, args)
    except ServiceError as exc:
        print(f"safeguard: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # the reader stopped reading (| head): it has what it wanted; nothing more to say
        return EXIT_OK
    except OSError as exc:  # e.g. --out into a folder that does not exist
        print(f"safeguard: {_plain_os_error(exc)}", file=sys.stderr)
        return EXIT_REFUSED
    except DBAPIError as exc:  # the disk filled up, or a page is damaged, part way through a command
        return _database_fault(exc)
    finally:
        reg.close()


def run() -> None:
    """The ``safeguard`` program: :func:`main`, then out at once. The register is closed and every file written
    (atomically, synced) by the time main returns; what is left is the interpreter's tidying of every module and
    object, 100-240 ms of a 0.6 s command (measured), which matters to a script running hundreds of them. Output
    and logs are flushed first. An unexpected error leaves the normal way, with its traceback."""
    import logging
    import os
    from contextlib import suppress

    code = main()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe (| head): nothing more can be said on it
            stream.flush()
    logging.shutdown()
    os._exit(code)
