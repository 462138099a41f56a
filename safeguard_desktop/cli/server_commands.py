"""A register on a PostgreSQL server: roles, privileges and row policies that the server itself enforces."""

from __future__ import annotations

import argparse

from safeguard_desktop.cli.common import EXIT_OK, EXIT_REFUSED

COMMANDS: dict[str, object] = {}  # run before any register is opened (see cli.main)


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """This module's commands."""
    srv = sub.add_parser("server", help="set up a register on a PostgreSQL server (its IT administrator)")
    srv_sub = srv.add_subparsers(dest="server_command", required=True)
    prep = srv_sub.add_parser("prepare", help="create or upgrade the schema, the roles and their privileges "
                                              "(again after each upgrade)")  # fmt: skip
    prep.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE (the administrator, who owns the tables)")
    init = srv_sub.add_parser("init", help="a new register on the server: 'prepare', then its first DSL's login "
                              "(--dsl-user NAME; the password asked, or read from --password-file)")  # fmt: skip
    init.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE (the administrator, who owns the tables)")
    init.add_argument("--dsl-user", required=True, help="the DSL's user name (it signs in with it from the app)")
    init.add_argument("--dsl-name", help="the DSL's name as shown (its user name by default)")
    said = "a login for one account, with its role's privileges (the password is asked, or read from --password-file)"
    login = srv_sub.add_parser("add-login", help=said)
    login.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE")
    login.add_argument("username")
    login.add_argument("role", choices=["dsl", "deputy_dsl", "office", "staff"])
    login.add_argument("--name", help="the account's name as shown (its user name by default)")
    move = srv_sub.add_parser("move-from", help="move a local register into a new register on the server, verified "
                              "(as its DSL: --user NAME, the password asked or read from --password-file)")  # fmt: skip
    move.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE (prepared, nothing in it yet)")
    move.add_argument("data_dir_from", metavar="DATA_DIR", help="the local register's folder")
    off = srv_sub.add_parser("disable-login", help="take an account's login away at once (its open sessions end)")
    off.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE")
    off.add_argument("username")
    trust = srv_sub.add_parser("add-trust-login", help="a login for the trust's safeguarding lead: each school's "
                               "counts and trail, no pupil's name unless a school shares them")  # fmt: skip
    trust.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE (the trust's database)")
    trust.add_argument("username")
    trust_off = srv_sub.add_parser("disable-trust-login", help="take a trust login away at once")
    trust_off.add_argument("url", help="postgresql+psycopg://ADMIN@HOST/DATABASE (the trust's database)")
    trust_off.add_argument("username")


def cmd_server(args: argparse.Namespace, read_secret) -> int:  # type: ignore[no-untyped-def]
    """server prepare / server add-login."""
    import sys

    from sqlalchemy.exc import OperationalError, ProgrammingError

    from safeguard_desktop import paths
    from safeguard_desktop.services import server
    from safeguard_desktop.services.database import open_register
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import make_engine, write_session

    try:
        engine = make_engine(args.url)
    except ModuleNotFoundError as exc:  # the PostgreSQL driver is an extra
        print(f'safeguard: {exc.name} is not installed: pip install "safeguard-desktop[postgres]"', file=sys.stderr)
        return EXIT_REFUSED
    try:
        if args.server_command in ("prepare", "init"):
            password = (read_secret(args.password_file, f"Password for {args.dsl_user} (the DSL)")
                        if args.server_command == "init" else "")  # fmt: skip
            done = server.prepare(engine)
            reg = open_register(server.local_folder(paths.data_dir(args.data_dir), args.url), args.url)
            with write_session(reg.engine) as session:
                audit.record(session, server.administrator(engine), "set up the server's roles and privileges",
                             "server", "", done.summary())  # fmt: skip
            if args.server_command == "init":
                server.add_login(reg.engine, args.dsl_user, "dsl", password, args.dsl_name or "")
            reg.close()
            print(done.summary())
            if args.server_command == "init":
                print(f"{args.dsl_user} is its DSL: sign in from the app (the school's server: this address without "
                      "the administrator) and add the other accounts in Settings > Accounts.")  # fmt: skip
            return EXIT_OK
        if args.server_command == "move-from":
            return _move_from(args, read_secret)
        if args.server_command in ("add-trust-login", "disable-trust-login"):
            return _trust_login(engine, args, read_secret)
        if args.server_command == "disable-login":
            reg = open_register(server.local_folder(paths.data_dir(args.data_dir), args.url), args.url)
            try:
                ended = server.disable_login(reg.engine, args.username)
            finally:
                reg.close()
            print(f"The login of {args.username} is disabled; {ended} open session(s) of it were ended.")
            return EXIT_OK
        password = read_secret(args.password_file, f"Password for the login of {args.username}")
        reg = open_register(server.local_folder(paths.data_dir(args.data_dir), args.url), args.url)
        try:
            login = server.add_login(reg.engine, args.username, args.role, password, args.name or "")
        finally:
            reg.close()
        from safeguard_desktop.services.server_school import of_url

        group = of_url(args.url).groups()[args.role]
        print(f"The login {login} connects with the privileges of {args.role} (group {group}).")
        return EXIT_OK
    except (OperationalError, ProgrammingError) as exc:  # cannot connect, or the administrator may not do this
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        print(f"safeguard: the server refused: {first}. Check the address, and that the URL names the database's "
              "administrator (it owns the tables and may create roles).", file=sys.stderr)  # fmt: skip
        return EXIT_REFUSED
    finally:
        engine.dispose()


def _trust_login(engine, args: argparse.Namespace, read_secret) -> int:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services import server_trust

    if args.server_command == "disable-trust-login":
        ended = server_trust.disable_login(engine, args.username)
        print(f"The trust login of {args.username} is disabled; {ended} open session(s) of it were ended.")
        return EXIT_OK
    password = read_secret(args.password_file, f"Password for the trust login of {args.username}")
    login = server_trust.add_login(engine, args.username, password)
    print(f"The login {login} reads each of the trust's schools' counts and trail (safeguard trust report), no "
          "pupil's name unless that school's DSL shares them.")  # fmt: skip
    return EXIT_OK


def _move_from(args: argparse.Namespace, read_secret) -> int:  # type: ignore[no-untyped-def]
    """server move-from URL DATA_DIR: sign in to the local register as its DSL, move it, say what was done."""
    import sys

    from safeguard_desktop import paths
    from safeguard_desktop.services import server, server_move
    from safeguard_desktop.services.accounts import signin
    from safeguard_desktop.services.database import open_register
    from safeguard_desktop.services.errors import ValidationError

    if not args.user:
        raise ValidationError("Name the local register's DSL: --user NAME (its password opens what is sealed, and "
                              "becomes its login's password on the server).")  # fmt: skip
    password = read_secret(args.password_file, f"Password for {args.user} (the local register's DSL)")
    local, lead = signin.sign_in_register(args.data_dir_from, args.user, password, args.code)
    try:
        there = open_register(server.local_folder(paths.data_dir(args.data_dir), args.url), args.url)
        try:

            def said(done: int, total: int, what: str) -> None:
                print(f"[{done}/{total}] {what}", file=sys.stderr, flush=True)

            moved = server_move.move(local, lead, there, password, said)
        finally:
            there.close()
    finally:
        local.close()
    print(moved.summary())
    return EXIT_OK
