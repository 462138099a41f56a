"""A register on a PostgreSQL server that enforces the roles itself (issue "One register for the whole team").

The app's role checks hold in every service; on a server they are made a second time by PostgreSQL, so that a
password for an office or staff login and ``psql`` read and change no more than the app would let them:

- three group roles, ``sg_lead``, ``sg_office`` and ``sg_staff`` (NOLOGIN), and one login role per account,
  ``sg_u_<name>``, member of one of them (:func:`add_login`);
- GRANTs per table, as the permission table of domain/roles.py and the rows the office may change
  (services/records/row_vouch.py) say: the office none on the incident tables or transfers, and no UPDATE of the
  never-photograph flag; staff only their own reports;
- row-level security where a table's rows differ: staff see and add only incidents they report (and those
  incidents' people and entries); the office writes only the settings it changes in the app and its own two-step
  row; a pupil the office adds holds no never-photograph flag;
- nobody, leads included, UPDATE or DELETE the audit trail, nor UPDATE the chronology of an incident (a lead
  removes a whole record at the end of its retention: DELETE, itself in the trail).

:func:`prepare` runs the migrations as the server's administrator (the URL given), then creates or brings up to date
the roles, GRANTs and policies; running it again after an upgrade covers the new tables. Not yet: the accounts' key
slots and signed record kept in the server, and the app signing in with a login of its own (it connects with the
URL it is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, text

from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import ValidationError

if TYPE_CHECKING:
    from safeguard_desktop.services.database import Register

LEAD, OFFICE, STAFF = "sg_lead", "sg_office", "sg_staff"
GROUPS = {"dsl": LEAD, "deputy_dsl": LEAD, "office": OFFICE, "staff": STAFF}
LOGIN_PREFIX = "sg_u_"

#: Tables of the audit trail: read and added to, never changed or deleted (by anyone, leads included).
TRAIL = ("audit_entry", "audit_rows")
#: The chronology of an incident: added to, never changed; removed only with its record, by a lead.
CHRONOLOGY = "incident_entry"
#: What the office may not see at all, in the app or with its login.
NOT_THE_OFFICES = ("incident", "incident_person", "incident_entry", "incident_reader", "cp_transfer")
#: The office keeps these whole (reads, adds, changes, removes).
OFFICE_KEEPS = ("contact", "unmatched_reply", "event", "event_group", "event_pupil", "pupil_photo")
#: Pupil columns only a lead may change.
GUARDED_PUPIL = ("never_photograph", "never_photograph_reason")
#: The settings the office changes in the app (as row_vouch.OFFICE_SETTINGS).
OFFICE_SETTINGS = ("template:%", "form_reply_mapping", "mis_consent_mapping")


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` did."""

    revision: str
    tables: int
    policies: int

    def summary(self) -> str:
        """One line for the person who ran it."""
        return (f"The register on the server is at revision {self.revision}: roles {LEAD}, {OFFICE} and {STAFF}, "
                f"privileges on {self.tables} tables and {self.policies} row policies in place.")  # fmt: skip


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _group_statements() -> list[str]:
    return [f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            for group in (LEAD, OFFICE, STAFF)]  # fmt: skip


def _columns(engine: Engine, table: str) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = :t ORDER BY ordinal_position"), {"t": table})]  # fmt: skip


def _policy(table: str, name: str, command: str, roles: str, using: str | None, check: str | None) -> list[str]:
    sql = f"CREATE POLICY {name} ON {table} FOR {command} TO {roles}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return [f"DROP POLICY IF EXISTS {name} ON {table}", sql]


def _grant_statements(engine: Engine, tables: Sequence[str]) -> tuple[list[str], int]:
    everyone = f"{LEAD}, {OFFICE}, {STAFF}"
    own = f"{_account_function()}"
    out = [
        f"GRANT USAGE ON SCHEMA {_quoted(_schema(engine))} TO {everyone}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quoted(_schema(engine))} FROM PUBLIC, {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_quoted(_schema(engine))} TO {everyone}",
        own,
        f"GRANT EXECUTE ON FUNCTION sg_account() TO {everyone}",
        f"GRANT SELECT ON alembic_version TO {everyone}",
    ]
    # Leads: everything, but the trail and the chronology as above.
    for table in tables:
        if table in TRAIL:
            out.append(f"GRANT SELECT, INSERT ON {table} TO {LEAD}")
        elif table == CHRONOLOGY:
            out.append(f"GRANT SELECT, INSERT, DELETE ON {table} TO {LEAD}")
        elif table != "alembic_version":
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {LEAD}")
    # The chain's head and the columns an entry is chained on, for every writer; the trail itself is the leads'.
    out += [f"GRANT SELECT, INSERT, UPDATE ON audit_head TO {OFFICE}, {STAFF}",
            f"GRANT SELECT (id, sequence, chain_hash), INSERT ON audit_entry TO {OFFICE}, {STAFF}",
            f"GRANT INSERT ON audit_rows TO {OFFICE}"]  # fmt: skip
    # The office: the register, not the incidents.
    out += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {OFFICE}" for table in OFFICE_KEEPS if table in tables]
    out += [f"GRANT SELECT, INSERT ON consent_decision TO {OFFICE}",
            f"GRANT SELECT ON school, consent_purpose, user_account TO {OFFICE}",
            f"GRANT SELECT, INSERT, UPDATE ON setting, second_factor TO {OFFICE}"]  # fmt: skip
    changeable = [c for c in _columns(engine, "pupil") if c not in GUARDED_PUPIL and c != "id"]
    out += [f"GRANT SELECT, INSERT, DELETE ON pupil TO {OFFICE}",
            f"GRANT UPDATE ({', '.join(changeable)}) ON pupil TO {OFFICE}"]  # fmt: skip
    # Staff: their own reports; the names, classes and flags a briefing needs; the school's name.
    out += [f"GRANT SELECT, INSERT ON incident, incident_person, incident_entry TO {STAFF}",
            f"GRANT SELECT (id, legal_forename, legal_surname, preferred_forename, preferred_surname, year_group, "
            f"reg_group, on_roll, never_photograph) ON pupil TO {STAFF}",
            f"GRANT SELECT ON school, consent_purpose, setting, event, event_group, event_pupil TO {STAFF}",
            f"GRANT SELECT (id, username, display_name, role, active) ON user_account TO {STAFF}"]  # fmt: skip
    policies: list[str] = []
    lead_all = ("true", "true")
    for table in ("incident", "incident_person", "incident_entry", "setting", "second_factor", "pupil"):
        policies.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        policies += _policy(table, f"sg_{table}_leads", "ALL", LEAD, *lead_all)
    mine = "reported_by_user = sg_account()"
    of_mine = "EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_id AND i.reported_by_user = sg_account())"
    policies += _policy("incident", "sg_incident_staff_read", "SELECT", STAFF, mine, None)
    policies += _policy("incident", "sg_incident_staff_add", "INSERT", STAFF, None, mine)
    for table in ("incident_person", "incident_entry"):
        policies += _policy(table, f"sg_{table}_staff_read", "SELECT", STAFF, of_mine, None)
        policies += _policy(table, f"sg_{table}_staff_add", "INSERT", STAFF, None, of_mine)
    offices = " OR ".join(f"key LIKE '{p}'" if "%" in p else f"key = '{p}'" for p in OFFICE_SETTINGS)
    policies += _policy("setting", "sg_setting_read", "SELECT", f"{OFFICE}, {STAFF}", "true", None)
    policies += _policy("setting", "sg_setting_office_add", "INSERT", OFFICE, None, offices)
    policies += _policy("setting", "sg_setting_office_change", "UPDATE", OFFICE, offices, offices)
    policies += _policy("second_factor", "sg_second_factor_read", "SELECT", OFFICE, "true", None)
    policies += _policy("second_factor", "sg_second_factor_own_add", "INSERT", OFFICE, None, "username = sg_account()")
    policies += _policy("second_factor", "sg_second_factor_own", "UPDATE", OFFICE, "username = sg_account()",
                        "username = sg_account()")  # fmt: skip
    unflagged = "never_photograph = false AND never_photograph_reason IS NULL"
    policies += _policy("pupil", "sg_pupil_read", "SELECT", f"{OFFICE}, {STAFF}", "true", None)
    policies += _policy("pupil", "sg_pupil_office_add", "INSERT", OFFICE, None, unflagged)
    policies += _policy("pupil", "sg_pupil_office_change", "UPDATE", OFFICE, "true", "true")
    policies += _policy("pupil", "sg_pupil_office_remove", "DELETE", OFFICE, "true", None)
    count = sum(1 for statement in policies if statement.startswith("CREATE POLICY"))
    return out + policies, count


def _account_function() -> str:
    """``sg_account()``: the account a login stands for (``sg_u_<name>`` → ``<name>``), for the row policies."""
    return ("CREATE OR REPLACE FUNCTION sg_account() RETURNS text LANGUAGE sql STABLE AS $$ "
            f"SELECT CASE WHEN session_user LIKE '{LOGIN_PREFIX}%' THEN substr(session_user, {len(LOGIN_PREFIX) + 1}) "
            "ELSE NULL END $$")  # fmt: skip


def _schema(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT current_schema()")).scalar_one())


def _tables(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"))]  # fmt: skip


def _require_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ValidationError("The server commands are for a PostgreSQL server (postgresql+psycopg://…); a register "
                              "on this computer keeps its roles in its keys.")  # fmt: skip


def prepare(engine: Engine) -> Prepared:
    """Bring the schema to this version's head and put the roles, GRANTs and row policies in place (again, after an
    upgrade). ``engine`` connects as the server's administrator for this database (it owns the tables)."""
    from safeguard_desktop.store import migrate

    _require_postgresql(engine)
    revision = migrate.upgrade(engine)
    tables = _tables(engine)
    statements, policies = _grant_statements(engine, tables)
    with engine.begin() as connection:
        for statement in _group_statements() + statements:
            connection.execute(text(statement))
    return Prepared(revision, len(tables), policies)


def login_name(username: str) -> str:
    """The PostgreSQL login of an account."""
    return LOGIN_PREFIX + username


def add_login(engine: Engine, username: str, role: str, password: str, display_name: str = "") -> str:
    """Create (or give a new password and group to) the login of ``username`` with ``role``'s privileges, and the
    account's row (its name as shown, its role). Its login's name."""
    from psycopg import sql

    from safeguard_desktop.services.accounts import check_password, check_username

    _require_postgresql(engine)
    name = check_username(username)
    if role not in GROUPS:
        raise ValidationError(f"{role!r} is not a role: use one of {', '.join(sorted(GROUPS))}.")
    check_password(password, username=name)
    login = login_name(name)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        exists = cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        verb = sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE")
        cursor.execute(sql.SQL("{} {} LOGIN PASSWORD {}").format(verb, sql.Identifier(login), sql.Literal(password)))
        for group in _others(GROUPS[role]):
            cursor.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), sql.Identifier(login)))
        cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUPS[role]), sql.Identifier(login)))
        raw.commit()
    finally:
        raw.close()
    _keep_account(engine, name, role, display_name or name)
    return login


def disable_login(engine: Engine, username: str) -> int:
    """Take an account's login away at once: it no longer connects, its sessions now open are ended, and its row
    says disabled (audited when ``engine`` is an opened register's). How many open sessions were ended."""
    from psycopg import sql

    from safeguard_desktop.services.accounts import check_username
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import state_of, write_session
    from safeguard_desktop.store.models import UserAccount

    _require_postgresql(engine)
    name = check_username(username)
    login = login_name(name)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone() is None:
            raise ValidationError(f"There is no login for {name} on this server.")
        cursor.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(login)))
        ended = cursor.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE usename = %s", (login,)).fetchone()  # fmt: skip
        raw.commit()
    finally:
        raw.close()
    with write_session(engine) as session:
        account = session.scalars(select(UserAccount).where(UserAccount.username == name)).first()
        if account is not None:
            account.active = False
        if state_of(engine).trail is not None:
            audit.record(
                session, administrator(engine), "disabled an account", "account", name, "its login on the server"
            )
    return int(ended[0]) if ended else 0


def _keep_account(engine: Engine, username: str, role: str, display_name: str) -> None:
    from datetime import datetime

    from safeguard_desktop.services.accounts import NO_HASH
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import state_of, write_session
    from safeguard_desktop.store.models import UserAccount

    with write_session(engine) as session:
        account = session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
        if account is None:
            session.add(UserAccount(username=username, display_name=display_name, role=role, password_hash=NO_HASH,
                                    active=True, created_at=datetime.now()))  # fmt: skip
            action = "added an account"
        else:
            action = "changed an account's role" if account.role != role else "gave an account a new password"
            account.role, account.active, account.display_name = role, True, display_name or account.display_name
        if state_of(engine).trail is not None:  # opened as a register (the command line does): in the trail
            audit.record(session, administrator(engine), action, "account", username, role)


def administrator(engine: Engine) -> Actor:
    """The server's administrator, as the trail names them (the user of the URL the commands are given)."""
    return Actor(f"server administrator ({engine.url.username or 'unnamed'})", Role.DSL)


def _others(group: str) -> Iterable[str]:
    return [g for g in (LEAD, OFFICE, STAFF) if g != group]


class ServerSignInFailed(ValidationError):
    """The server did not take the login (one message for every cause, as the local sign-in)."""


#: Hosts a connection may reach without TLS: this computer itself.
LOOPBACK = {"localhost", "127.0.0.1", "::1", ""}


def login_url(url: str, username: str, password: str) -> str:
    """The register's URL with the account's login and password in place of any user named in it — and TLS
    required (``sslmode=require``) unless the URL says otherwise or the server is this computer: a password and
    pupils' records never cross the school's network in the clear."""
    from sqlalchemy.engine import make_url

    address = make_url(url).set(username=login_name(username), password=password)
    if "sslmode" not in address.query and (address.host or "") not in LOOPBACK:
        address = address.update_query_dict({"sslmode": "require"})
    return address.render_as_string(hide_password=False)


def signed_in_role(connection: Any) -> str | None:
    """The group the session's login is a member of (sg_lead, sg_office, sg_staff), or None."""
    groups = [row[0] for row in connection.execute(text(
        "SELECT rolname FROM pg_roles WHERE rolname IN (:lead, :office, :staff) "
        "AND pg_has_role(session_user, oid, 'member')"), {"lead": LEAD, "office": OFFICE, "staff": STAFF})]  # fmt: skip
    return groups[0] if len(groups) == 1 else None


def sign_in(folder: Path, url: str, username: str, password: str) -> tuple[Register, Actor]:
    """Open the register on the server as an account: its own login and password, its role the login's group (the
    server's, which the privileges follow; the accounts table gives the name and, for a lead, DSL or deputy)."""
    from sqlalchemy.exc import OperationalError

    from safeguard_desktop.services.accounts import check_username
    from safeguard_desktop.services.database import RegisterLocked, open_register
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import write_session
    from safeguard_desktop.store.models import UserAccount

    refused = "That name or password does not sign in to this register's server. Check them and try again."
    try:
        name = check_username(username)
    except ValidationError as exc:
        raise ServerSignInFailed(refused) from exc
    try:
        reg = open_register(folder, login_url(url, name, password))
    except OperationalError as exc:
        text_of = str(exc.orig or exc)
        if 'database "' in text_of and "does not exist" in text_of:
            raise RegisterLocked("The server has no database of that name: check the address (the school's IT "
                                 "support has it); nothing was changed.") from exc  # fmt: skip
        refusals = ("password authentication failed", "is not permitted to log in", "does not exist")
        if any(refusal in text_of for refusal in refusals):  # (a login that does not exist: said the same way)
            raise ServerSignInFailed(refused) from exc
        raise RegisterLocked(f"The register's server cannot be reached ({text_of.strip().splitlines()[0]}). Check "
                             "the network, or ask the school's IT support; nothing was changed.") from exc  # fmt: skip
    try:
        with write_session(reg.engine) as session:
            group = signed_in_role(session.connection())
            account = session.execute(
                select(UserAccount.display_name, UserAccount.role, UserAccount.active).where(
                    UserAccount.username == name
                )
            ).first()  # (the columns staff may read)
            if group is None or account is None or not account.active:
                raise ServerSignInFailed(refused)
            actor = Actor(account.display_name, _role_of(group, account.role), name)
            audit.record(session, actor, "signed in", "account", name, "on the register's server")
    except BaseException:
        reg.close()
        raise
    return reg, actor


def _role_of(group: str, recorded: str) -> Role:
    """The role the server gives the login; for a lead, DSL or deputy as the accounts table says."""
    if group == LEAD:
        return Role.DSL if recorded == Role.DSL.value else Role.DEPUTY_DSL
    return Role.OFFICE if group == OFFICE else Role.STAFF


def on_server(register: Register) -> bool:
    """True for a register opened on a server with an account's own login."""
    name = register.engine.url.username or ""
    return register.engine.dialect.name == "postgresql" and name.startswith(LOGIN_PREFIX)


def confirm_again(register: Register, actor: Actor, password: str) -> None:
    """The lock screen's check on a server register: the account's login connects with ``password`` (the server
    checks it, with whatever it keeps of failed attempts); ServerSignInFailed when not. Audited when it opens."""
    import psycopg

    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import write_session

    try:
        psycopg.connect(**connection_arguments(login_url(register.engine.url.render_as_string(), actor.username,
                                                         password)), connect_timeout=10).close()  # fmt: skip
    except psycopg.OperationalError as exc:
        raise ServerSignInFailed("That password does not sign in to this register's server. Type it again.") from exc
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
