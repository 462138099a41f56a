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
  removes a whole record at the end of its retention: DELETE, itself in the trail).

:func:`prepare` runs the migrations as the server's administrator (the URL given), then creates or brings up to date
the roles, GRANTs and policies; running it again after an upgrade covers the new tables. :func:`sign_in` opens the
register as an account's own login (the app and the command line), with the register's safeguarding key from its
row (services/server_keys.py). Not yet: the signed record of accounts and the writer's marks of a local register.
"""

from __future__ import annotations

from collections.abc import Sequence
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

#: Tables of the audit trail: read and added to, never changed or deleted (by anyone, leads included).
TRAIL = ("audit_entry", "audit_rows")
#: The chronology of an incident: added to, never changed; removed only with its record, by a lead.
CHRONOLOGY = "incident_entry"
#: A key replacement's tables (services/server_keys.py): the chronology's former sealed texts, the shares.
FORMER, HANDOVER = "sealed_former", "server_handover"
#: What the office may not see at all, in the app or with its login.
NOT_THE_OFFICES = ("incident", "incident_person", "incident_entry", "incident_reader", "cp_transfer")
#: The office keeps these whole (reads, adds, changes, removes).
OFFICE_KEEPS = (
    "contact",
    "unmatched_reply",
    "event",
    "event_group",
    "event_pupil",
    "pupil_photo",
    "published_briefing",
)
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
    school: School = School()  # noqa: RUF009 (frozen: one value shared is right)

    def summary(self) -> str:
        """One line for the person who ran it."""
        s = self.school
        where = f"School {s.code}'s register (schema {s.schema})" if s.code else "The register"
        return (f"{where} on the server is at revision {self.revision}: roles {s.dsl}, {s.lead}, {s.office} and "
                f"{s.staff}, privileges on {self.tables} tables and {self.policies} row policies in "
                "place.")  # fmt: skip


def _refuse_shared_roles(engine: Engine, school: School) -> None:
    """PostgreSQL's roles are the whole server's: groups already holding privileges in another database belong to
    another register there, whose logins would then reach this one (and this one's, that one). Refused, saying so,
    before anything is made — unless this school has a code of its own (services/server_school.py)."""
    from safeguard_desktop.services import server_trust

    groups = [school.dsl, school.lead, school.office, school.staff] + ([server_trust.TRUST] if school.code else [])
    with engine.connect() as connection:
        found = connection.execute(text(
            "SELECT DISTINCT r.rolname, db.datname FROM pg_shdepend d JOIN pg_database db ON db.oid = d.dbid "
            "JOIN pg_roles r ON r.oid = d.refobjid WHERE d.refclassid = 'pg_authid'::regclass "
            "AND r.rolname = ANY(:groups) AND db.datname <> current_database() ORDER BY 2, 1"),
            {"groups": groups}).all()  # fmt: skip
    if not found:
        return
    where = ", ".join(sorted({str(row[1]) for row in found}))
    if any(row[0] == server_trust.TRUST for row in found):
        raise ValidationError(f"This PostgreSQL server already holds another trust's schools (database {where}): "
                              "its trust login would read this one's figures. Keep each trust on a server of its "
                              "own.")  # fmt: skip
    raise ValidationError(f"This PostgreSQL server already holds another register with the same roles (database "
                          f"{where}): its logins would reach this one. Give each school a code of its own: "
                          "safeguard --school-code CODE server prepare URL (docs/server-setup.md).")  # fmt: skip


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _group_statements(school: School) -> list[str]:
    made = [f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            for group in (school.lead, school.office, school.staff, school.dsl)]  # fmt: skip
    return [*made, f"GRANT {school.lead} TO {school.dsl}"]


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


def _grant_statements(engine: Engine, tables: Sequence[str], school: School) -> tuple[list[str], int]:
    lead, office, staff, dsl = school.lead, school.office, school.staff, school.dsl
    everyone = f"{lead}, {office}, {staff}"
    own = _account_function(school)
    out = [
        f"GRANT USAGE ON SCHEMA {_quoted(_schema(engine))} TO {everyone}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quoted(_schema(engine))} FROM PUBLIC, {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_quoted(_schema(engine))} TO {everyone}",
        own,
        f"GRANT EXECUTE ON FUNCTION sg_account() TO {everyone}",
        *_login_functions(school),
        f"GRANT SELECT ON alembic_version TO {everyone}",
    ]
    # Leads: everything, but the trail and the chronology as above.
    for table in tables:
        if table in TRAIL:
            out.append(f"GRANT SELECT, INSERT ON {table} TO {lead}")
        elif table == CHRONOLOGY:
            out.append(f"GRANT SELECT, INSERT, DELETE ON {table} TO {lead}")
        elif table in (FORMER, HANDOVER):
            continue  # (below)
        elif table != "alembic_version":
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {lead}")
    # The chain's head and the columns an entry is chained on, for every writer; the trail itself is the leads'.
    out += [f"GRANT SELECT, INSERT, UPDATE ON audit_head TO {office}, {staff}",
            f"GRANT SELECT (id, sequence, chain_hash), INSERT ON audit_entry TO {office}, {staff}",
            f"GRANT INSERT ON audit_rows TO {office}"]  # fmt: skip
    # The office: the register, not the incidents.
    out += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {office}" for table in OFFICE_KEEPS if table in tables]
    out += [f"GRANT SELECT, INSERT ON consent_decision TO {office}",
            f"GRANT SELECT ON school, consent_purpose, user_account TO {office}",
            f"GRANT SELECT, INSERT, UPDATE ON setting, second_factor TO {office}"]  # fmt: skip
    changeable = [c for c in _columns(engine, "pupil") if c not in GUARDED_PUPIL and c != "id"]
    out += [f"GRANT SELECT, INSERT, DELETE ON pupil TO {office}",
            f"GRANT UPDATE ({', '.join(changeable)}) ON pupil TO {office}"]  # fmt: skip
    # Staff: their own reports; the names, classes and flags a briefing needs; the school's name.
    out += [f"GRANT SELECT, INSERT ON incident, incident_person, incident_entry TO {staff}",
            f"GRANT SELECT (id, legal_forename, legal_surname, preferred_forename, preferred_surname, year_group, "
            f"reg_group, on_roll, never_photograph) ON pupil TO {staff}",
            f"GRANT SELECT ON school, consent_purpose, setting, event, event_group, event_pupil, published_briefing "
            f"TO {staff}",
            f"GRANT SELECT (id, username, display_name, role, active) ON user_account TO {staff}"]  # fmt: skip
    policies: list[str] = []
    lead_all = ("true", "true")
    for table in ("incident", "incident_person", "incident_entry", "setting", "second_factor", "pupil"):
        policies.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        policies += _policy(table, f"sg_{table}_leads", "ALL", lead, *lead_all)
    mine = "reported_by_user = sg_account()"
    of_mine = "EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_id AND i.reported_by_user = sg_account())"
    policies += _policy("incident", "sg_incident_staff_read", "SELECT", staff, mine, None)
    policies += _policy("incident", "sg_incident_staff_add", "INSERT", staff, None, mine)
    for table in ("incident_person", "incident_entry"):
        policies += _policy(table, f"sg_{table}_staff_read", "SELECT", staff, of_mine, None)
        policies += _policy(table, f"sg_{table}_staff_add", "INSERT", staff, None, of_mine)
    offices = " OR ".join(f"key LIKE '{p}'" if "%" in p else f"key = '{p}'" for p in OFFICE_SETTINGS)
    policies += _policy("setting", "sg_setting_read", "SELECT", f"{office}, {staff}", "true", None)
    policies += _policy("setting", "sg_setting_office_add", "INSERT", office, None, offices)
    policies += _policy("setting", "sg_setting_office_change", "UPDATE", office, offices, offices)
    policies += _policy("second_factor", "sg_second_factor_read", "SELECT", office, "true", None)
    policies += _policy("second_factor", "sg_second_factor_own_add", "INSERT", office, None, "username = sg_account()")
    policies += _policy("second_factor", "sg_second_factor_own", "UPDATE", office, "username = sg_account()",
                        "username = sg_account()")  # fmt: skip
    unflagged = "never_photograph = false AND never_photograph_reason IS NULL"
    policies += _policy("pupil", "sg_pupil_read", "SELECT", f"{office}, {staff}", "true", None)
    policies += _policy("pupil", "sg_pupil_office_add", "INSERT", office, None, unflagged)
    policies += _policy("pupil", "sg_pupil_office_change", "UPDATE", office, "true", "true")
    policies += _policy("pupil", "sg_pupil_office_remove", "DELETE", office, "true", None)
    own_or_public = "username = sg_account() OR username = ''"
    out += [f"GRANT SELECT, INSERT, UPDATE ON server_key TO {everyone}", f"GRANT DELETE ON server_key TO {dsl}"]
    policies.append("ALTER TABLE server_key ENABLE ROW LEVEL SECURITY")
    policies += _policy("server_key", "sg_server_key_dsl", "ALL", dsl, "true", "true")
    policies += _policy(
        "server_key",
        "sg_server_key_read",
        "SELECT",
        f"{lead}, {office}, {staff}",
        own_or_public,
        None,
    )
    policies += _policy("server_key", "sg_server_key_own_add", "INSERT", everyone, None,
                        "username = sg_account()")  # fmt: skip
    policies += _policy("server_key", "sg_server_key_own", "UPDATE", everyone,
                        "username = sg_account()", "username = sg_account()")  # fmt: skip
    # A key replacement (services/server_keys.py): the DSL alone may seal the chronology's texts again — a trigger
    # refuses any other change and keeps each former text; each account reads and removes its own share.
    out += [f"GRANT UPDATE ON {CHRONOLOGY} TO {dsl}", f"GRANT SELECT, DELETE ON {FORMER} TO {lead}",
            f"GRANT INSERT ON {FORMER} TO {dsl}", f"GRANT SELECT, INSERT, UPDATE, DELETE ON {HANDOVER} TO {dsl}",
            f"GRANT SELECT, DELETE ON {HANDOVER} TO {everyone}", *_chronology_guard()]  # fmt: skip
    policies.append(f"ALTER TABLE {FORMER} ENABLE ROW LEVEL SECURITY")
    policies += _policy(FORMER, "sg_former_read", "SELECT", lead, "true", None)
    policies += _policy(FORMER, "sg_former_add", "INSERT", dsl, None, "true")
    gone = f"NOT EXISTS (SELECT 1 FROM {CHRONOLOGY} e WHERE e.id::text = row_id)"
    policies += _policy(FORMER, "sg_former_with_its_record", "DELETE", lead, gone, None)
    policies.append(f"ALTER TABLE {HANDOVER} ENABLE ROW LEVEL SECURITY")
    policies += _policy(HANDOVER, "sg_handover_dsl", "ALL", dsl, "true", "true")
    policies += _policy(HANDOVER, "sg_handover_own", "SELECT", everyone, "username = sg_account()", None)
    policies += _policy(HANDOVER, "sg_handover_own_taken", "DELETE", everyone, "username = sg_account()", None)
    count = sum(1 for statement in policies if statement.startswith("CREATE POLICY"))
    return out + policies, count


def _chronology_guard() -> list[str]:
    """The chronology is never changed: an UPDATE (the DSL's, alone granted one) may only replace a sealed text by
    another sealed text — a key replacement — and the former text is kept in ``sealed_former``; the former texts
    of an entry go with it when its record is removed at the end of its retention."""
    from safeguard_desktop.security.sealed_box import SEALED_PREFIX

    n = len(SEALED_PREFIX)
    guard = (
        "CREATE OR REPLACE FUNCTION sg_chronology_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE o jsonb := to_jsonb(OLD); n jsonb := to_jsonb(NEW); k text; BEGIN "
        "FOR k IN SELECT jsonb_object_keys(o) LOOP "
        "IF (o -> k) IS DISTINCT FROM (n -> k) THEN "
        f"IF jsonb_typeof(o -> k) = 'string' AND jsonb_typeof(n -> k) = 'string' AND left(o ->> k, {n}) = "
        f"'{SEALED_PREFIX}' AND left(n ->> k, {n}) = '{SEALED_PREFIX}' THEN "
        f"INSERT INTO {FORMER} (table_name, row_id, column_name, sealed, replaced_at) "
        f"VALUES ('{CHRONOLOGY}', OLD.id::text, k, o ->> k, now()); "
        "ELSE RAISE EXCEPTION 'An incident''s chronology is never changed (only its sealed texts, sealed again to a "
        "new key).' USING ERRCODE = 'insufficient_privilege'; END IF; END IF; END LOOP; RETURN NEW; END $$"
    )
    tidy = (
        "CREATE OR REPLACE FUNCTION sg_chronology_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"DELETE FROM {FORMER} WHERE table_name = '{CHRONOLOGY}' AND row_id = OLD.id::text; RETURN OLD; END $$"
    )
    return [guard, tidy,
            f"DROP TRIGGER IF EXISTS sg_chronology_guard ON {CHRONOLOGY}",
            f"CREATE TRIGGER sg_chronology_guard BEFORE UPDATE ON {CHRONOLOGY} FOR EACH ROW EXECUTE FUNCTION "
            "sg_chronology_guard()",
            f"DROP TRIGGER IF EXISTS sg_chronology_gone ON {CHRONOLOGY}",
            f"CREATE TRIGGER sg_chronology_gone AFTER DELETE ON {CHRONOLOGY} FOR EACH ROW EXECUTE FUNCTION "
            "sg_chronology_gone()"]  # fmt: skip


def _login_functions(school: School) -> list[str]:
    """``sg_set_login(name, group, verifier)`` and ``sg_disable_login(name)``, run with the administrator's rights
    and callable by the DSL's group alone: the DSL adds and disables accounts from the app without holding any right
    to make roles. The password reaches the server only as its SCRAM verifier, made on the DSL's computer."""
    lead, office, staff, dsl, prefix = school.lead, school.office, school.staff, school.dsl, school.login_prefix
    groups = ", ".join(f"'{g}'" for g in (dsl, lead, office, staff))
    set_login = (
        "CREATE OR REPLACE FUNCTION sg_set_login(account text, grp text, verifier text) RETURNS text "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ "
        f"DECLARE login text := '{prefix}' || account; "
        "BEGIN "
        "IF account !~ '^[a-z0-9][a-z0-9._-]{1,39}$' THEN RAISE EXCEPTION 'not a user name: %', account; END IF; "
        f"IF grp NOT IN ({groups}) THEN RAISE EXCEPTION 'not a group: %', grp; END IF; "
        "IF verifier !~ '^SCRAM-SHA-256[$]' THEN RAISE EXCEPTION 'a password verifier is expected'; END IF; "
        "IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN "
        "EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', login, verifier); "
        "ELSE EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, verifier); END IF; "
        f"EXECUTE format('REVOKE {dsl}, {lead}, {office}, {staff} FROM %I', login); "
        "EXECUTE format('GRANT %I TO %I', grp, login); "
        "RETURN login; END $$"
    )
    disable = (
        "CREATE OR REPLACE FUNCTION sg_disable_login(account text) RETURNS integer "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ "
        f"DECLARE login text := '{prefix}' || account; ended integer; "
        "BEGIN "
        "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN RETURN -1; END IF; "
        "EXECUTE format('ALTER ROLE %I NOLOGIN', login); "
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) INTO ended FROM pg_stat_activity "
        "WHERE usename = login; RETURN ended; END $$"
    )
    out = [set_login, disable]
    for function in ("sg_set_login(text, text, text)", "sg_disable_login(text)"):
        out += [
            f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {function} TO {dsl}",
        ]
    return out


def password_verifier(connection: Any, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` for ``login``, made here by libpq: the server stores it and never
    sees the password itself (nor do its logs)."""
    raw = connection.connection.driver_connection  # psycopg's own, under SQLAlchemy's
    made = raw.pgconn.encrypt_password(password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256")
    return bytes(made).decode("ascii")


def _account_function(school: School) -> str:
    """``sg_account()``: the account a login stands for (``sg_u_<name>`` → ``<name>``), for the row policies."""
    prefix = school.login_prefix
    return ("CREATE OR REPLACE FUNCTION sg_account() RETURNS text LANGUAGE sql STABLE AS $$ "
            f"SELECT CASE WHEN left(session_user, {len(prefix)}) = '{prefix}' THEN substr(session_user, "
            f"{len(prefix) + 1}) ELSE NULL END $$")  # fmt: skip


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
    upgrade). ``engine`` connects as the server's administrator for this database (it owns the tables); where its
    URL names a school of a trust (services/server_school.py), that school's schema is made first, and the trust's
    group given what it may read of it (services/server_trust.py)."""
    from safeguard_desktop.services import server_trust
    from safeguard_desktop.store import migrate

    _require_postgresql(engine)
    school = of_url(engine.url)
    if school.schema is not None:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {_quoted(school.schema)}"))
            connection.execute(text(f"REVOKE ALL ON SCHEMA {_quoted(school.schema)} FROM PUBLIC"))
    _refuse_shared_roles(engine, school)
    migrate.upgrade(engine)
    revision = migrate.current_revision(engine) or "(none)"
    tables = _tables(engine)
    statements, policies = _grant_statements(engine, tables, school)
    if school.code:
        statements += server_trust.statements(school)
    with engine.begin() as connection:
        if of_connection(connection) != school:
            raise ValidationError(f"The server did not open {school.describe()}'s schema: check the address.")
        for statement in _group_statements(school) + statements:
            connection.execute(text(statement))
    return Prepared(revision, len(tables), policies, school)


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
    from sqlalchemy.engine import make_url

    address = make_url(url).set(username=login_name(username, of_url(url)), password=password)
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


def sign_in(folder: Path, url: str, username: str, password: str) -> tuple[Register, Actor]:
    """Open the register on the server as an account: its own login and password, its role the login's group (the
    server's, which the privileges follow; the accounts table gives the name). ``folder``: this computer's data
    folder (the register's own part of it is :func:`local_folder`)."""
    from sqlalchemy.exc import OperationalError

    from safeguard_desktop.security import sealing
    from safeguard_desktop.services import server_copy, server_keys
    from safeguard_desktop.services.accounts import check_username
    from safeguard_desktop.services.database import RegisterLocked, open_register
    from safeguard_desktop.services.errors import StorageProblem
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.engine import state_of, write_session
    from safeguard_desktop.store.models import UserAccount

    refused = "That name or password does not sign in to this register's server. Check them and try again."
    try:
        name = check_username(username)
    except ValidationError as exc:
        raise ServerSignInFailed(refused) from exc
    try:
        reg = open_register(local_folder(folder, url), login_url(url, name, password))
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
            server_copy.replay(session, actor, local_folder(folder, url))  # what it viewed here while out of reach
    except BaseException:
        reg.close()
        raise
    return reg, actor


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
