"""Accounts from the command line: init (a new encrypted register) and users (the DSL manages accounts)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from safeguard_desktop.cli.common import EXIT_OK, first_line
from safeguard_desktop.services import accounts
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.transaction import read_session, write_session

COMMANDS: dict[str, Callable[[Register, Actor, argparse.Namespace], int]] = {}


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """init and users."""
    init = sub.add_parser("init", help="create an encrypted register and its first DSL (prints the recovery key)")
    init.add_argument("--school", required=True, help="the school's name")
    init.add_argument("--dsl-user", required=True, help="the DSL's user name, e.g. h.carter")
    init.add_argument("--dsl-name", default="", help="the DSL's name as records show it")
    init.add_argument("--password-file", type=Path, default=argparse.SUPPRESS,
                      help="the DSL's password on the first line (asked for when omitted)")  # fmt: skip
    users = sub.add_parser("users", help="accounts (the DSL adds, disables, resets and changes roles)")
    usub = users.add_subparsers(dest="users_command", required=True)
    usub.add_parser("list", help="every account with its role and state")
    roles = [r.value for r in Role]
    add = usub.add_parser("add", help="add an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the person's name as records show it")
    add.add_argument("--role", required=True, choices=roles)
    for name, text in (("disable", "stop an account signing in (its key slot is removed)"),):
        cmd = usub.add_parser(name, help=text)
        cmd.add_argument("username")
    for name, text in (("reset-password", "give an account a new password"),
                       ("enable", "let a disabled account sign in again, with a new password")):  # fmt: skip
        cmd = usub.add_parser(name, help=text)
        cmd.add_argument("username")
    role = usub.add_parser("role", help="change an account's role (it gets a new password)")
    role.add_argument("username")
    role.add_argument("role", choices=roles)
    for parser in (add, role, *[usub.choices[n] for n in ("reset-password", "enable")]):
        parser.add_argument("--new-password-file", type=Path, required=True, help="first line: the new password")
    usub.add_parser("new-recovery-key", help="a new recovery key, printed once (the old one stops working)")
    secret = usub.add_parser("totp-secret", help="make a secret for an authenticator app (then 'users totp')")
    secret.add_argument("username")
    totp = usub.add_parser("totp", help="turn two-step sign-in on (with a code from the app) or off")
    totp.add_argument("username")
    totp.add_argument("--secret", default=None, help="the secret from 'users totp-secret' (omit to turn it off)")
    totp.add_argument("--code", dest="totp_code", default="", help="the code the app shows now")


def _password(path: Path) -> str:
    password = first_line(path)
    if not password:
        raise ValidationError(f"{path} is empty: put the new password on its first line.")
    return password


def cmd_users(reg: Register, actor: Actor, args: argparse.Namespace) -> int:
    """users list / add / disable / enable / reset-password / role / totp-secret / totp."""
    command = args.users_command
    if command == "list":
        with read_session(reg.engine) as session:
            for a in accounts.list_accounts(session, actor):
                state = "active" if a.active else "disabled"
                extra = ", two-step" if a.second_factor else ""
                print(f"{a.username:20} {a.role.value:11} {state}{extra}  {a.display_name}")
        return EXIT_OK
    if command == "totp-secret":
        from safeguard_desktop.services.settings import get_school

        secret = accounts.new_totp_secret()
        with read_session(reg.engine) as session:
            school = get_school(session).name
        print(f"Secret: {secret}")
        print(f"Or scan/open: {accounts.totp_uri(secret, args.username, school)}")
        print(f"Then: safeguard users totp {args.username} --secret {secret} --code CODE")
        return EXIT_OK
    if reg.keys is None:
        raise ValidationError("This register has no accounts: create an encrypted one with 'safeguard init'.")
    if command == "new-recovery-key":
        with write_session(reg.engine) as session:
            recovery = accounts.new_recovery_key(session, actor, reg.folder, reg.keys)
        print("The new recovery key (the old one no longer opens the register). Print it or write it down, and lock")
        print(f"it away; it is shown only now:\n\n    {recovery}\n")
        return EXIT_OK
    with write_session(reg.engine) as session:
        if command == "add":
            new = accounts.NewAccount(args.username, args.name, Role(args.role), _password(args.new_password_file))
            accounts.add_account(session, actor, reg.folder, reg.keys, new)
            print(f"Added {args.username} ({args.role}).")
        elif command == "disable":
            accounts.set_active(session, actor, reg.folder, reg.keys, args.username, False)
            print(f"Disabled {args.username}: that password no longer opens the register.")
        elif command in ("enable", "reset-password"):
            if command == "enable":
                accounts.set_active(session, actor, reg.folder, reg.keys, args.username, True)
            accounts.reset_password(session, actor, reg.folder, reg.keys, args.username,
                                    _password(args.new_password_file))  # fmt: skip
            print(f"{args.username}: new password set.")
        elif command == "role":
            accounts.change_role(session, actor, reg.folder, reg.keys, args.username, Role(args.role),
                                 _password(args.new_password_file))  # fmt: skip
            print(f"{args.username} is now {args.role}, with the new password.")
        else:
            accounts.set_second_factor(session, actor, args.username, args.secret, args.totp_code)
            print(f"Two-step sign-in {'on' if args.secret else 'off'} for {args.username}.")
    _replace_owed_keys(reg, actor)
    return EXIT_OK


def _replace_owed_keys(reg: Register, actor: Actor) -> None:
    """After an account change: replace the keys it took away (services/rotation.py), or say why not yet."""
    from safeguard_desktop.services.accounts import rotation
    from safeguard_desktop.services.errors import ServiceError

    try:
        done = rotation.replace_keys(reg, actor)
    except (ServiceError, OSError) as exc:  # the change itself is committed: say why the keys wait
        print(f"The old keys are not replaced yet: {exc} It is done at the next safeguarding lead's sign-in.")
        return
    if done is not None:
        print(done.summary())


COMMANDS["users"] = cmd_users
