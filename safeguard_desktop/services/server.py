"""A register on a PostgreSQL server that enforces the roles itself (issue "One register for the whole team").

The app's role checks hold in every service; on a server they are made a second time by PostgreSQL, so that a
password for an office or staff login and ``psql`` read and change no more than the app would let them:

- group roles ``sg_lead``, ``sg_office``, ``sg_staff`` and ``sg_dsl`` (a member of ``sg_lead``; NOLOGIN), and one
  login role per account, ``sg_u_<name>``, member of one of them, made through ``sg_set_login`` by the DSL's
  :func:`set_account` (or the administrator's :func:`add_login`);
- GRANTs per table, as the permission table of domain/roles.py and the rows the office may change
  (services/records/row_vouch.py) say: the office none on the incident tables or transfers, and no UPDATE of the
  never-photograph flag; staff only their own reports;
- row-level security where a table's rows differ: staff see and add only incidents they report (and those
  incidents' people and entries); the office writes only the settings it changes in the app and its own two-step
  row; a pupil the office adds holds no never-photograph flag;
- nobody, leads included, UPDATE or DELETE the audit trail, nor UPDATE the chronology of an incident (a lead
  removes a whole record at the end of its retention: DELETE, itself in the trail; the DSL's login may put a new
  seal on a sealed text when the key is replaced, and nothing else: a trigger, the former text kept).

:func:`prepare` runs the migrations as the server's administrator (the URL given), then creates or brings up to date
the roles, GRANTs and policies (services/server_grants.py); running it again after an upgrade covers the new tables.
:func:`sign_in` opens the register as an account's own login (the app and the command line), with the register's
safeguarding key from its row (services/server_keys.py). Not yet: the signed record of accounts and the writer's
marks of a local register.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, text

from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.server_school import LOGIN_PATTERN, School, of_connection, of_url

if TYPE_CHECKING:
    from safeguard_desktop.services.database import Register

#: A school alone in its database: its groups and logins (a trust's schools have their own: services/server_school).
LEAD, OFFICE, STAFF = School().lead, School().office, School().staff
#: The DSL's own group, itself a member of the leads': DSL or deputy is the server's to say, not a table's (a deputy
#: may write the accounts table, so its role column would let a deputy make itself the DSL in the app).
DSL = School().dsl
GROUPS = School().groups()
LOGIN_PREFIX = School().login_prefix


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` did."""

    revision: str
    tables: int
    policies: int
    school: School = School()  # noqa: RUF009 (frozen: one value shared is right)

    def summary(self) -> str:
        """One line for the person who ran it."""
        s = self.school
        where = f"School {s.code}'s register (schema {s.schema})" if s.code else "The register"
        return (f"{where} on the server is at revision {self.revision}: roles {s.dsl}, {s.lead}, {s.office} and "
                f"{s.staff}, privileges on {self.tables} tables and {self.policies} row policies in "
                "place.")  # fmt: skip


def password_verifier(connection: Any, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` for ``login``, made here by libpq: the server stores it and never
    sees the password itself (nor do its logs)."""
    raw = connection.connection.driver_connection  # psycopg's own, under SQLAlchemy's
    made = raw.pgconn.encrypt_password(password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256")
    return bytes(made).decode("ascii")


def _require_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ValidationError("The server commands are for a PostgreSQL server (postgresql+psycopg://…); a register "
                              "on this computer keeps its roles in its keys.")  # fmt: skip


def prepare(engine: Engine) -> Prepared:
    """Bring the schema to this version's head and put the roles, GRANTs and row policies in place (again, after an
    upgrade). ``engine`` connects as the server's administrator for this database (it owns the tables); where its
    URL names a school of a trust (services/server_school.py), that school's schema is made first, and the trust's
    group given what it may read of it (services/server_trust.py)."""
    from safeguard_desktop.services import server_trust, server_two_step
    from safeguard_desktop.services.server_grants import (
        change_log_table,
        grant_statements,
        group_statements,
        quoted,
        refuse_shared_roles,
        schema_of,
        tables_of,
    )
    from safeguard_desktop.store import migrate

    _require_postgresql(engine)
    school = of_url(engine.url)
    if school.schema is not None:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted(school.schema)}"))
            connection.execute(text(f"REVOKE ALL ON SCHEMA {quoted(school.schema)} FROM PUBLIC"))
    refuse_shared_roles(engine, school)
    migrate.upgrade(engine)
    _make_chain_head(engine)
    with engine.begin() as connection:
        connection.execute(text(change_log_table()))
    revision = migrate.current_revision(engine) or "(none)"
    crypto = server_two_step.crypto_schema(engine)
    tables = [table for table in tables_of(engine) if table not in server_two_step.TABLES]
    statements, policies = grant_statements(engine, tables, school)
    if school.code:
        statements += server_trust.statements(school)
    # The server's own two-step sign-in, and its gate on every table (after the tables' own policies).
    statements += server_two_step.statements(schema_of(engine), crypto, school)
    gate = server_two_step.gate_statements(tables, statements)
    statements += gate
    policies += sum(1 for statement in gate if statement.startswith("CREATE POLICY"))
    with engine.begin() as connection:
        if of_connection(connection) != school:
            raise ValidationError(f"The server did not open {school.describe()}'s schema: check the address.")
        for statement in group_statements(school) + statements:
            connection.execute(text(statement))
    return Prepared(revision, len(tables), policies, school)


def _make_chain_head(engine: Engine) -> None:
    """The trail's head with its chain key, made here by the administrator where there is none yet: no account's
    login may set the key (server_grants gives them the head's count and last hash alone)."""
    import secrets

    with engine.begin() as connection:
        if connection.execute(text("SELECT count(*) FROM audit_head")).scalar_one() == 0:
            connection.execute(text("INSERT INTO audit_head (id, count, last_hash, chain_key) VALUES (1, 0, '', :key)"),
                               {"key": secrets.token_hex(32)})  # fmt: skip


def login_name(username: str, school: School | None = None) -> str:
    """The PostgreSQL login of an account of ``school`` (a school alone in its database by default)."""
    return (school or School()).login(username)


def add_login(engine: Engine, username: str, role: str, password: str, display_name: str = "") -> str:
    """The administrator's way to :func:`set_account` (``safeguard server add-login``): the same function on the
    server makes the login, in the trail as the server's administrator. ``engine``: the register opened by its
    administrator's URL. The login's name."""
    from safeguard_desktop.store.engine import write_session

    _require_postgresql(engine)
    if role not in GROUPS:
        raise ValidationError(f"{role!r} is not a role: use one of {', '.join(sorted(GROUPS))}.")
    with write_session(engine) as session:
        set_account(session, administrator(engine), username, display_name, Role(role), password)
    return login_name(username.strip().lower(), of_url(engine.url))


def disable_login(engine: Engine, username: str) -> int:
    """The administrator's way to :func:`disable_account` (``safeguard server disable-login``). How many open
    sessions were ended."""
    from safeguard_desktop.store.engine import write_session

    _require_postgresql(engine)
    with write_session(engine) as session:
        return disable_account(session, administrator(engine), username)


def administrator(engine: Engine) -> Actor:
    """The server's administrator, as the trail names them (the user of the URL the commands are given)."""
    return Actor(f"server administrator ({engine.url.username or 'unnamed'})", Role.DSL)


class ServerSignInFailed(ValidationError):
    """The server did not take the login (one message for every cause, as the local sign-in)."""


#: Hosts a connection may reach without TLS: this computer itself.
LOOPBACK = {"localhost", "127.0.0.1", "::1", ""}


def login_url(url: str, username: str, password: str) -> str:
    """The register's URL with the account's login and password in place of any user named in it — and TLS
    required (``sslmode=require``) unless the URL says otherwise or the server is this computer: a password and
    pupils' records never cross the school's network in the clear."""
    return with_login(url, login_name(username, of_url(url)), password)


def with_login(url: str, login: str, password: str) -> str:
    """``url`` connecting as ``login`` with ``password``, TLS required unless it says otherwise or the server is
    this computer (a school's account's login, or the trust's)."""
    from sqlalchemy.engine import make_url

    address = make_url(url).set(username=login, password=password)
    if "sslmode" not in address.query and (address.host or "") not in LOOPBACK:
        address = address.update_query_dict({"sslmode": "require"})
    return address.render_as_string(hide_password=False)


def signed_in_role(connection: Any) -> Role | None:
    """The role the session's login has by its school's groups (sg_dsl, else sg_lead, sg_office or sg_staff, or a
    trust's school's), or None for a login in none of them or in two of the others."""
    s = of_connection(connection)
    if not connection.execute(text("SELECT left(session_user, :n) = :prefix"),
                              {"n": len(s.login_prefix), "prefix": s.login_prefix}).scalar_one():  # fmt: skip
        return None  # (another school's login, or the trust's: not an account of this register)
    groups = {row[0] for row in connection.execute(text(
        "SELECT rolname FROM pg_roles WHERE rolname IN (:dsl, :lead, :office, :staff) "
        "AND pg_has_role(session_user, oid, 'member')"),
        {"dsl": s.dsl, "lead": s.lead, "office": s.office, "staff": s.staff})}  # fmt: skip
    if s.dsl in groups:
        groups -= {s.dsl, s.lead}
        return Role.DSL if not groups else None
    if len(groups) != 1:
        return None
    return {s.lead: Role.DEPUTY_DSL, s.office: Role.OFFICE, s.staff: Role.STAFF}[groups.pop()]


def local_folder(base: Path, url: str) -> Path:
    """Where this computer keeps what is its own of a server register (the trail's outside anchor, logs): a folder
    of the data folder named after the server and database, never the data folder itself — a local register there
    has an anchor of its own (the two were one file, and each refused the other's chain)."""
    import hashlib

    from sqlalchemy.engine import make_url

    address = make_url(url)
    school = of_url(url).code  # (a trust's schools in one database: a folder each)
    where = f"{address.host}:{address.port}/{address.database}" + (f"/{school}" if school else "")
    tag = hashlib.sha256(where.encode()).hexdigest()[:16]
    folder = base / "servers" / tag
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # (inside the data folder, which is the owner's alone)
    return folder


def sign_in(folder: Path, url: str, username: str, password: str, code: str = "") -> tuple[Register, Actor]:
    """Open the register on the server as an account: its own login and password — and for an account with two-step
    sign-in, ``code``, which the server checks (services/server_two_step.py) —, its role the login's group (the
    server's, which the privileges follow; the accounts table gives the name). ``folder``: this computer's data
    folder (the register's own part of it is :func:`local_folder`). Wrong attempts from this computer wait longer
    each time (security/throttle.py); wrong codes, on the server, whichever computer they come from."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from safeguard_desktop.security import sealing, throttle
    from safeguard_desktop.services import server_copy, server_keys, server_trust, server_two_step
    from safeguard_desktop.services.accounts import check_username
    from safeguard_desktop.services.database import RegisterLocked, open_register
    from safeguard_desktop.services.errors import StorageProblem
    from safeguard_desktop.services.records import audit, server_changes
    from safeguard_desktop.store.engine import state_of, write_session
    from safeguard_desktop.store.models import UserAccount

    refused = "That name or password does not sign in to this register's server. Check them and try again."
    try:
        name = check_username(username)
    except ValidationError as exc:
        raise ServerSignInFailed(refused) from exc
    here = local_folder(folder, url)
    throttle.check(here, name)
    try:
        ticket = server_two_step.step_up(connection_arguments(login_url(url, name, password)), code)
    except psycopg.OperationalError as exc:
        refusal = connection_refused(exc, refused)
        if isinstance(refusal, ServerSignInFailed):
            throttle.failed(here, name)
        raise refusal from exc
    except ServerSignInFailed:
        throttle.failed(here, name)
        raise
    try:  # (every connection shows the server the ticket it gave, or none for an account without two steps)
        reg = open_register(here, login_url(url, name, password), on_connect=ticket or server_two_step.Ticket(""))
    except OperationalError as exc:
        raise connection_refused(exc, refused) from exc
    except StorageProblem as exc:  # (said as for a change: at sign-in, nothing was being changed)
        if "cannot be reached" not in str(exc):
            raise
        raise RegisterLocked(
            "The register's server cannot be reached (the network, or the server itself, is down). "
            "Check the network, or ask the school's IT support; nothing was changed."
        ) from exc
    try:
        with write_session(reg.engine) as session:
            role = signed_in_role(session.connection())
            account = session.execute(
                select(UserAccount.display_name, UserAccount.role, UserAccount.active).where(
                    UserAccount.username == name
                )
            ).first()  # (the columns staff may read)
            if role is None or account is None or not account.active:
                raise ServerSignInFailed(refused)
            lead = role in (Role.DSL, Role.DEPUTY_DSL)
            keys, said = server_keys.at_sign_in(session, name, password, lead=lead, dsl=role is Role.DSL)
            if keys is not None:  # incident content written from here on is sealed to the register's key
                sealing.configure(reg.engine, keys.public, None)
                state_of(reg.engine).server_personal = keys.personal
            actor = Actor(account.display_name, role, name, safeguarding_key=keys.private if keys and lead else None)
            if said:
                reg.notices.append(said)
            if role is Role.DSL and keys is not None and keys.private and server_keys.owed(session):
                done = server_keys.replace(session, actor)  # (a lead's keys were taken away since: done now)
                actor = server_keys.adopt(reg.engine, actor, done)
                reg.notices.append(done.summary())
            audit.record(session, actor, "signed in", "account", name, "on the register's server")
            if server_changes.kept(session.connection()):
                state_of(reg.engine).server_writer = account.display_name
                if lead:
                    _look_at_changes(session, actor, reg, local_folder(folder, url))
            if lead:
                server_trust.chain_readings(session, actor)  # (a trust's school: what the trust read, in the trail)
            server_copy.replay(session, actor, local_folder(folder, url))  # what it viewed here while out of reach
    except BaseException:
        reg.close()
        raise
    throttle.succeeded(here, name)
    return reg, actor


def _look_at_changes(session: Any, actor: Actor, reg: Register, folder: Path) -> None:
    """A lead's sign-in: the changes made on the server since this PC last looked, each in a transaction with its
    entry of the trail; one made outside the app is recorded in the trail and told to the lead."""
    from safeguard_desktop.services.records import audit, server_changes

    session.flush()  # (this sign-in's own entry, with the rows it wrote)
    problem = server_changes.at_sign_in(session.connection(), folder)
    if problem is None:
        return
    audit.record(session, actor, "found the audit trail changed at sign-in", "audit", "", problem)
    reg.notices.append(server_changes.told(problem))


def connection_refused(exc: Any, refused: str) -> Exception:
    """What a sign-in's failed connection is told as: no such database, the name or password (one message for
    every cause, as the local sign-in), or the server out of reach."""
    from safeguard_desktop.services.database import RegisterLocked

    text_of = str(getattr(exc, "orig", None) or exc)
    if 'database "' in text_of and "does not exist" in text_of:
        return RegisterLocked("The server has no database of that name: check the address (the school's IT "
                              "support has it); nothing was changed.")  # fmt: skip
    refusals = ("password authentication failed", "is not permitted to log in", "does not exist")
    if any(refusal in text_of for refusal in refusals):  # (a login that does not exist: said the same way)
        return ServerSignInFailed(refused)
    return RegisterLocked(f"The register's server cannot be reached ({text_of.strip().splitlines()[0]}). Check "
                          "the network, or ask the school's IT support; nothing was changed.")  # fmt: skip


def on_server(register: Register) -> bool:
    """True for a register opened on a server with an account's own login."""
    name = register.engine.url.username or ""
    return register.engine.dialect.name == "postgresql" and LOGIN_PATTERN.match(name) is not None


def confirm_again(register: Register, actor: Actor, password: str, code: str = "") -> None:
    """The lock screen's check on a server register, the sign-in's own: the account's login connects with
    ``password`` and, where it uses two-step sign-in, the server checks ``code`` (wrong ones counted there) and hands
    out a new ticket, which the window's connections show from now on; ServerSignInFailed when not. Audited when it
    opens."""
    import psycopg

    from safeguard_desktop.services import server_two_step
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import write_session

    arguments = connection_arguments(login_url(register.engine.url.render_as_string(), actor.username, password))
    try:
        ticket = server_two_step.step_up(arguments, code)
    except psycopg.OperationalError as exc:
        raise ServerSignInFailed("That password does not sign in to this register's server. Type it again.") from exc
    if ticket is not None:
        server_two_step.renew(register.engine, ticket.value)
    with write_session(register.engine) as session:
        audit.record(session, actor, "unlocked the window", "account", actor.username, "on the register's server")


def connection_arguments(url: str) -> dict[str, Any]:
    """psycopg's keyword arguments for a URL (a password with spaces or symbols needs no escaping this way)."""
    from sqlalchemy.engine import make_url

    address = make_url(url)
    found = {
        "host": address.host,
        "port": address.port,
        "dbname": address.database,
        "user": address.username,
        "password": address.password,
        **{k: v for k, v in address.query.items() if isinstance(v, str)},
    }
    return {k: v for k, v in found.items() if v is not None}


def _row_for(session: Any, username: str, display_name: str, role: Role) -> str:
    """Add or update the account's row; the trail's word for what was done."""
    from datetime import datetime

    from safeguard_desktop.services.accounts import NO_HASH
    from safeguard_desktop.store.models import UserAccount

    account = session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
    if account is None:
        session.add(UserAccount(username=username, display_name=display_name or username, role=role.value,
                                password_hash=NO_HASH, active=True, created_at=datetime.now()))  # fmt: skip
        return "added an account"
    action = "changed an account's role" if account.role != role.value else "gave an account a new password"
    account.role, account.active = role.value, True
    account.display_name = display_name or account.display_name
    return action


def accounts_with_logins(session: Any, actor: Actor) -> list[tuple[Any, bool]]:
    """The DSL's list of accounts, each with whether its login on the server signs in (False: none yet — an account
    moved from a local register, or one whose login was taken away — or disabled)."""
    from safeguard_desktop.services import accounts

    found = accounts.list_accounts(session, actor)
    school = of_connection(session.connection())
    rows = session.execute(text("SELECT rolname, rolcanlogin FROM pg_roles WHERE left(rolname, :n) = :prefix"),
                           {"n": len(school.login_prefix), "prefix": school.login_prefix})  # fmt: skip
    can = {str(name): bool(ok) for name, ok in rows}
    return [(account, can.get(school.login(account.username), False)) for account in found]


def _holds_lead_keys(session: Any, school: School, username: str) -> bool:
    """True when the account's login is in the school's leads' group or the DSL's (it was given the private key)."""
    return bool(session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
        "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = :login AND g.rolname IN (:lead, :dsl))"),
        {"login": school.login(username), "lead": school.lead, "dsl": school.dsl}).scalar_one())  # fmt: skip


@changes(Topic.ACCOUNTS)
def set_account(session: Any, actor: Actor, username: str, display_name: str, role: Role, password: str) -> str:
    """The DSL, signed in to the register's server, adds an account or gives one a new password or role: its login
    (through ``sg_set_login``, with the password's verifier only) and its row, in one transaction, audited."""
    from safeguard_desktop.services import server_keys
    from safeguard_desktop.services.accounts import check_password, check_username
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import state_of

    actor.require(Operation.MANAGE_ACCOUNTS)
    name = check_username(username)
    check_password(password, username=name)
    if name == actor.username and role is not Role.DSL:
        raise ValidationError("You cannot take the DSL's role from your own account: sign in as another DSL first.")
    connection = session.connection()
    school = of_connection(connection)
    verifier = password_verifier(connection, school.login(name), password)
    was_lead = _holds_lead_keys(session, school, name)
    session.execute(text("SELECT sg_set_login(:account, :grp, :verifier)"),
                    {"account": name, "grp": school.groups()[role.value], "verifier": verifier})  # fmt: skip
    action = _row_for(session, name, display_name.strip(), role)
    state = state_of(session.get_bind())
    lead = role in (Role.DSL, Role.DEPUTY_DSL)
    if state.sealing_public is not None and actor.safeguarding_key is not None:  # its key, under its password
        server_keys.give(session, name, password, server_keys.ServerKeys(state.sealing_public, actor.safeguarding_key),
                         lead=lead, dsl_personal=state.server_personal)  # fmt: skip
    if was_lead and not lead:  # the private key it held is taken away with the role: the key is to be replaced
        server_keys.owe(session, name)
    audit.record(session, actor, action, "account", name, role.value)
    return action


@changes(Topic.ACCOUNTS)
def disable_account(session: Any, actor: Actor, username: str) -> int:
    """The DSL takes an account's login away (at once: its open sessions end) and marks its row disabled, audited.
    How many open sessions were ended."""
    from safeguard_desktop.services import server_keys
    from safeguard_desktop.services.accounts import check_username
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.models import UserAccount

    actor.require(Operation.MANAGE_ACCOUNTS)
    name = check_username(username)
    if name == actor.username:
        raise ValidationError("You cannot disable your own account.")
    held = _holds_lead_keys(session, of_connection(session.connection()), name)
    ended = int(session.execute(text("SELECT sg_disable_login(:account)"), {"account": name}).scalar_one())
    if ended < 0:
        raise ValidationError(f"There is no login for {name} on this server.")
    account = session.scalars(select(UserAccount).where(UserAccount.username == name)).first()
    if account is not None:
        account.active = False
    server_keys.take_away(session, name, held_lead_keys=held)
    audit.record(session, actor, "disabled an account", "account", name, "its login on the server")
    return ended
