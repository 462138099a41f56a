"""A multi-academy trust: its schools in one database (services/server_school.py), and the trust's safeguarding lead,
who sees each school's statistics and audit trail — and no pupil's name unless that school's DSL lets it.

The trust's logins (``sg_trust_u_<name>``, group ``sg_trust``) are made by the server's administrator; on each
school's schema the group may read only:

- ``trust_summary``: counts a school's lead publishes (pupils on roll, consent per purpose, incidents per category
  and term, open cases) — worked out by the app with the school's safeguarding key, since an incident's category
  is sealed on the server and no view could count it;
- ``trust_trail``: the school's audit trail without its details (when, who, what, which record number);
- and, while the school's DSL allows it (``sg_trust_names``, callable by that DSL alone, audited), the pupils'
  names, year and class and the trail's details (which may name pupils) through ``sg_trust_pupils()`` and
  ``sg_trust_details()``, which note each reading in the school's ``trust_read`` (its leads see when) first.

Nothing else of a school: the trust's login has no privilege on any of its tables.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.server_grants import group_statement
from safeguard_desktop.services.server_school import SCHEMA_PREFIX, School, of_connection

TRUST = "sg_trust"
TRUST_PREFIX = "sg_trust_u_"
#: Revision of a summary's body: the trust's report reads what it knows and says so of any other.
BODY_VERSION = 1


def statements(school: School) -> list[str]:
    """What ``server prepare`` runs on a school of a trust (after the school's own): the trust's group, what it may
    read, and the school DSL's switch for names. Names and the trail's details are read only through two functions
    that note each reading in ``trust_read`` first (the school's leads read it; nobody changes it), so the school
    knows when the trust looked, whatever client the trust used."""
    assert school.schema is not None
    schema = school.schema  # (a checked code: letters and digits)
    readers = f"{schema}.sg_trust_pupils(), {schema}.sg_trust_details(integer[])"
    switch = (
        "CREATE OR REPLACE FUNCTION sg_trust_names(allow boolean) RETURNS boolean "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ BEGIN "
        f"IF allow THEN EXECUTE 'GRANT EXECUTE ON FUNCTION {readers} TO {TRUST}'; "
        f"ELSE EXECUTE 'REVOKE EXECUTE ON FUNCTION {readers} FROM {TRUST}'; END IF; RETURN allow; END $$"
    )
    noted = f"INSERT INTO {schema}.trust_read (at, login, what, rows) VALUES (now(), session_user, "
    pupils = (
        "CREATE OR REPLACE FUNCTION sg_trust_pupils() RETURNS TABLE (id integer, legal_forename text, "
        "legal_surname text, preferred_forename text, year_group text, reg_group text) LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path = pg_catalog AS $$ DECLARE n integer; BEGIN "
        f"SELECT count(*) INTO n FROM {schema}.pupil p WHERE p.on_roll; "
        f"{noted}'pupils'' names', n); "
        "RETURN QUERY SELECT p.id, p.legal_forename::text, p.legal_surname::text, p.preferred_forename::text, "
        f"p.year_group::text, p.reg_group::text FROM {schema}.pupil p WHERE p.on_roll "
        "ORDER BY p.legal_surname, p.legal_forename, p.id; END $$"
    )
    details = (
        "CREATE OR REPLACE FUNCTION sg_trust_details(wanted integer[]) RETURNS TABLE (sequence integer, detail text) "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ BEGIN "
        f"{noted}'the trail''s details', coalesce(array_length(wanted, 1), 0)); "
        f"RETURN QUERY SELECT e.sequence, e.detail FROM {schema}.audit_entry e WHERE e.sequence = ANY(wanted); END $$"
    )
    return [
        group_statement(TRUST),
        f'GRANT USAGE ON SCHEMA "{schema}" TO {TRUST}',
        "CREATE TABLE IF NOT EXISTS trust_read (id serial PRIMARY KEY, at timestamp NOT NULL, login text NOT NULL, "
        "what text NOT NULL, rows integer NOT NULL)",
        "REVOKE ALL ON trust_read FROM PUBLIC",
        f"GRANT SELECT ON trust_read TO {school.lead}",
        "CREATE OR REPLACE VIEW trust_trail AS SELECT sequence, at, actor, action, record_kind, record_id "
        "FROM audit_entry",
        "DROP VIEW IF EXISTS trust_trail_detail",  # (read through sg_trust_details, noted, since 04/12/2026)
        "DROP VIEW IF EXISTS trust_pupil",
        "REVOKE ALL ON trust_trail, trust_summary FROM PUBLIC",
        f"GRANT SELECT ON trust_summary, trust_trail TO {TRUST}",
        pupils,
        details,
        f"REVOKE ALL ON FUNCTION {readers} FROM PUBLIC",
        switch,
        "REVOKE ALL ON FUNCTION sg_trust_names(boolean) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION sg_trust_names(boolean) TO {school.dsl}",
    ]


def _shared(connection: Any, schema: str) -> bool:
    """True while the school's DSL lets the trust read its pupils' names (the trust may run the readers)."""
    return bool(connection.execute(text(f"SELECT has_function_privilege('{TRUST}', '{schema}.sg_trust_pupils()', "
                                        "'EXECUTE')")).scalar_one())  # fmt: skip


def _in_a_trust(session: Session) -> School:
    school = of_connection(session.connection())
    if not school.code or session.get_bind().dialect.name != "postgresql":
        raise ValidationError("This register is not one of a trust's schools on a server: there is no trust to "
                              "publish to.")  # fmt: skip
    return school


def names_shared(session: Session, actor: Actor) -> bool:
    """True while the school's DSL lets the trust see pupils' names."""
    actor.require(Operation.MANAGE_ACCOUNTS)
    school = _in_a_trust(session)
    assert school.schema is not None
    return _shared(session.connection(), school.schema)


#: The entry a lead's sign-in chains into the school's trail for each reading the trust made.
READ_ACTION = "recorded a reading by the trust"
#: At most this many readings chained at one sign-in (the rest at the next).
CHAINED_AT_ONCE = 500


def chain_readings(session: Session, actor: Actor) -> int:
    """At a lead's sign-in to a trust's school: each reading of names or details the server noted for the trust
    since is chained into the school's own trail (the trust's login can write no entry there), in the lead's name,
    naming the trust's login, what it read and when. How many."""
    from safeguard_desktop.domain.dates import format_uk_datetime
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.services.records.server_changes import newest_by_a_lead

    connection = session.connection()
    if not of_connection(connection).code or actor.role not in (Role.DSL, Role.DEPUTY_DSL):
        return 0
    if connection.execute(text("SELECT to_regclass('trust_read')")).scalar() is None:
        return 0
    done = newest_by_a_lead(connection, READ_ACTION, "trust_read")
    found = connection.execute(text("SELECT id, at, login, what, rows FROM trust_read WHERE id > :done ORDER BY id "
                                    "LIMIT :n"), {"done": done, "n": CHAINED_AT_ONCE}).all()  # fmt: skip
    for number, at, login, what, rows in found:
        said = f"{str(login).removeprefix(TRUST_PREFIX)} read {what} ({rows}) at {format_uk_datetime(at)}"
        audit.record(session, actor, READ_ACTION, "trust_read", number, said)
    return len(found)


@dataclass(frozen=True)
class TrustRead:
    """One reading of names or details by the trust, as the server noted it."""

    at: datetime
    login: str
    what: str
    rows: int


def trust_reads(session: Session, actor: Actor, limit: int = 200) -> list[TrustRead]:
    """When the trust read this school's pupils' names or the trail's details, newest first (the leads')."""
    actor.require(Operation.VIEW_AUDIT)
    _in_a_trust(session)
    found = session.execute(text("SELECT at, login, what, rows FROM trust_read ORDER BY id DESC LIMIT :n"),
                            {"n": limit})  # fmt: skip
    return [TrustRead(r[0], str(r[1]).removeprefix(TRUST_PREFIX), str(r[2]), int(r[3])) for r in found]


@changes(Topic.ACCOUNTS)
def share_names(session: Session, actor: Actor, allow: bool) -> None:
    """The school's DSL lets the trust see pupils' names and the trail's details, or takes that back. Audited."""
    from safeguard_desktop.services.records import audit

    actor.require(Operation.MANAGE_ACCOUNTS)
    school = _in_a_trust(session)
    session.execute(text("SELECT sg_trust_names(:allow)"), {"allow": allow})
    said = "let the trust see pupils' names" if allow else "took pupils' names back from the trust"
    audit.record(session, actor, said, "trust", school.code, "pupils' names, year and class; the trail's details")


def summary_body(session: Session, actor: Actor, on: date | None = None) -> dict[str, Any]:
    """What a school publishes to its trust: counts only (a lead's, who holds the key that opens categories)."""
    from safeguard_desktop.domain.consent import Verdict
    from safeguard_desktop.domain.incidents import Status
    from safeguard_desktop.services.consent.grid import snapshot_on
    from safeguard_desktop.services.incidents import facts
    from safeguard_desktop.services.incidents.statistics import counted, tally
    from safeguard_desktop.store.models import Incident, Pupil

    actor.require(Operation.READ_INCIDENTS)
    today = on or date.today()
    snapshot = snapshot_on(session, today)
    consent = []
    for column, purpose in enumerate(snapshot.purposes):
        if not purpose.active:
            continue
        verdicts = Counter(row.verdicts[column] for row in snapshot.rows)
        consent.append({"purpose": purpose.name, "granted": verdicts[Verdict.YES],
                        "conflict": verdicts[Verdict.CONFLICT],
                        "not_granted": sum(n for v, n in verdicts.items() if v not in (Verdict.YES, Verdict.CONFLICT,
                                                                                       Verdict.NO_DECISION)),
                        "no_decision": verdicts[Verdict.NO_DECISION]})  # fmt: skip
    statuses: Counter[str] = Counter()
    reported: list[tuple[datetime, str]] = []
    for incident in session.scalars(select(Incident)):  # (each incident's facts opened once, for both counts)
        opened = facts(incident, actor)
        statuses[opened.status] += 1
        if counted(incident, actor):
            reported.append((incident.reported_at, opened.category))
    terms = tally(session, reported).terms
    left = int(session.scalar(select(func.count()).select_from(Pupil).where(Pupil.on_roll.is_(False))) or 0)
    in_terms = [{"term": t.period, "category": t.category.value, "count": t.count, "year_earlier": t.year_earlier}
                for t in terms]  # fmt: skip
    return {
        "version": BODY_VERSION,
        "on": today.isoformat(),
        "pupils_on_roll": len(snapshot.rows),
        "never_photograph": sum(1 for row in snapshot.rows if row.never_photograph),
        "pupils_left": left,
        "consent": consent,
        "incidents": {
            "total": sum(statuses.values()),
            "open": statuses[Status.OPEN.value] + statuses[Status.MONITORING.value],
            "terms": in_terms,
        },
    }


@changes(Topic.SCHOOL)
def publish(session: Session, actor: Actor) -> dict[str, Any]:
    """A lead of a trust's school publishes its counts to the trust (at sign-in, in the background). Audited."""
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.store.models import TrustSummary

    if actor.safeguarding_key is None:
        raise PermissionDenied("Only a lead signed in with the safeguarding key publishes the school's counts.")
    school = _in_a_trust(session)
    body = summary_body(session, actor)
    session.add(TrustSummary(published_at=datetime.now(), published_by=actor.name,
                             body=json.dumps(body, ensure_ascii=False, sort_keys=True)))  # fmt: skip
    audit.record(session, actor, "published the school's counts to the trust", "trust", school.code,
                 f"{body['pupils_on_roll']} pupils, {body['incidents']['total']} incidents; no names")  # fmt: skip
    return body


# --- the trust's own side ------------------------------------------------------------------------------------------


def login_name(username: str) -> str:
    """The PostgreSQL login of a trust's account."""
    return TRUST_PREFIX + username


def add_login(engine: Engine, username: str, password: str) -> str:
    """The administrator makes (or gives a new password to) a login of the trust's safeguarding team; its name.
    ``engine``: the trust's database, as its administrator."""
    from safeguard_desktop.services import server
    from safeguard_desktop.services.accounts import check_password, check_username

    name = check_username(username)
    check_password(password, username=name)
    login = login_name(name)
    with engine.begin() as connection:
        connection.execute(text(group_statement(TRUST)))
        from psycopg import sql

        verifier = server.password_verifier(connection, login, password)
        exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first()
        raw = connection.connection.driver_connection  # (psycopg quotes the name and the verifier itself)
        assert raw is not None
        verb = sql.SQL("ALTER" if exists else "CREATE")
        raw.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, sql.Identifier(login), sql.Literal(verifier)))
        raw.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(TRUST), sql.Identifier(login)))
    return login


def disable_login(engine: Engine, username: str) -> int:
    """The administrator takes a trust login away at once (its open sessions end); how many were ended."""
    from safeguard_desktop.services.accounts import check_username

    login = login_name(check_username(username))
    with engine.begin() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first():
            raise ValidationError(f"There is no trust login {login} on this server.")
        connection.execute(text(f'ALTER ROLE "{login}" NOLOGIN'))
        ended = connection.execute(text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM "
                                        "pg_stat_activity WHERE usename = :r"), {"r": login})  # fmt: skip
        return int(ended.scalar_one())


@dataclass(frozen=True)
class SchoolFigures:
    """One school as the trust sees it."""

    code: str
    published_at: datetime | None
    published_by: str
    body: dict[str, Any]
    trail_entries: int
    trail_newest: datetime | None
    trail_last_30_days: int
    names_shared: bool
    problem: str = ""

    @property
    def incidents(self) -> dict[str, Any]:
        """The incidents' counts ({} before the first publication)."""
        return dict(self.body.get("incidents", {}))


@dataclass(frozen=True)
class TrustReport:
    """Every school the trust's login may read, by code."""

    schools: tuple[SchoolFigures, ...]
    read_at: datetime = field(default_factory=datetime.now)


def _trust_url(url: str, username: str, password: str) -> str:
    from safeguard_desktop.services.server import with_login
    from safeguard_desktop.services.server_school import in_url

    return with_login(in_url(url, ""), login_name(username), password)  # (the schools are named per statement)


def connect(url: str, username: str, password: str) -> Engine:
    """The trust's database, as a trust login; ServerSignInFailed when the server does not take it."""
    from sqlalchemy.exc import OperationalError

    from safeguard_desktop.services.accounts import check_username
    from safeguard_desktop.services.server import ServerSignInFailed
    from safeguard_desktop.store.engine import make_engine

    refused = "That name or password does not sign in to the trust's server. Check them and try again."
    try:
        engine = make_engine(_trust_url(url, check_username(username), password))
        with engine.connect() as connection:
            if not connection.execute(text(f"SELECT pg_has_role(session_user, '{TRUST}', 'member')")).scalar_one():
                engine.dispose()
                raise ServerSignInFailed(refused)
    except ServerSignInFailed:
        raise
    except ValidationError as exc:  # (not a user name)
        raise ServerSignInFailed(refused) from exc
    except OperationalError as exc:  # the name or password, no such database, or the server out of reach
        from safeguard_desktop.services.server import connection_refused

        raise connection_refused(exc, refused) from exc
    return engine


def _figures(connection: Any, schema: str) -> SchoolFigures:
    code = schema[len(SCHEMA_PREFIX) :]
    newest = connection.execute(text(f'SELECT published_at, published_by, body FROM "{schema}".trust_summary '
                                     "ORDER BY id DESC LIMIT 1")).first()  # fmt: skip
    trail = connection.execute(text(f"SELECT count(*), max(at), count(*) FILTER (WHERE at >= now() - interval "
                                    f"'30 days') FROM \"{schema}\".trust_trail")).one()  # fmt: skip
    body: dict[str, Any] = {}
    problem = ""
    if newest is not None:
        try:
            body = json.loads(newest.body)
        except ValueError:
            problem = "its newest counts cannot be read"
        if body.get("version") != BODY_VERSION:
            body, problem = {}, problem or "its counts are of another version of the app: update the app"
    if newest is None:
        problem = "nothing published yet: a lead of the school signs in"
    shared = _shared(connection, schema)
    return SchoolFigures(code, newest.published_at if newest else None, newest.published_by if newest else "",
                         body, int(trail[0]), trail[1], int(trail[2]), shared, problem)  # fmt: skip


def report(engine: Engine) -> TrustReport:
    """Every school the trust may read: its newest counts, its trail's size and newest entry, whether names are
    shared. ``engine``: :func:`connect`'s."""
    with engine.connect() as connection:
        schemas = [row[0] for row in connection.execute(text(
            "SELECT nspname FROM pg_namespace WHERE left(nspname, :n) = :p "
            "AND has_schema_privilege(nspname, 'USAGE') ORDER BY nspname"),
            {"n": len(SCHEMA_PREFIX), "p": SCHEMA_PREFIX})]  # fmt: skip
        return TrustReport(tuple(_figures(connection, schema) for schema in schemas))


CSV_HEADER = ("School", "Published", "Figure", "Of", "Count", "A year earlier")


def report_rows(report: TrustReport) -> list[tuple[object, ...]]:
    """The report as long rows (a school, a figure, what of, the count), for a spreadsheet's pivot table: no names."""
    rows: list[tuple[object, ...]] = []
    for school in report.schools:
        when = school.published_at.strftime("%d/%m/%Y %H:%M") if school.published_at else ""
        body, incidents = school.body, school.incidents

        def add(figure: str, of: str, count: object, earlier: object = "", _s: SchoolFigures = school,
                _w: str = when) -> None:  # fmt: skip
            rows.append((_s.code, _w, figure, of, count, earlier))

        for name in ("pupils_on_roll", "never_photograph", "pupils_left"):
            if name in body:
                add(name.replace("_", " "), "", body[name])
        for purpose in body.get("consent", []):
            for state in ("granted", "not_granted", "conflict", "no_decision"):
                add(f"consent {state.replace('_', ' ')}", purpose["purpose"], purpose[state])
        for name in ("total", "open"):
            if name in incidents:
                add(f"incidents {name}", "", incidents[name])
        for term in incidents.get("terms", []):
            add("incidents in term", f"{term['term']}: {term['category']}", term["count"], term["year_earlier"])
        add("audit trail entries", "", school.trail_entries)
        add("audit trail entries, last 30 days", "", school.trail_last_30_days)
    return rows


def export_csv(report: TrustReport, path: Path) -> int:
    """The report as a CSV file safe for a spreadsheet (no cell runs as a formula); how many rows."""
    from safeguard_desktop.services.csv_export import write_safe_csv

    return write_safe_csv(path, CSV_HEADER, report_rows(report))


def pupils(engine: Engine, code: str) -> list[tuple[int, str, str, str]]:
    """A school's pupils by name (id, name, year, class), where its DSL shares them; PermissionDenied otherwise."""

    from safeguard_desktop.domain.pupils import display_name
    from safeguard_desktop.services.server_school import check_code

    schema = SCHEMA_PREFIX + check_code(code)
    with engine.begin() as connection:  # (the reading is noted on the server, in the same transaction)
        if not _shared(connection, schema):
            raise PermissionDenied(f"School {code} does not share its pupils' names with the trust (its DSL "
                                   "decides).")  # fmt: skip
        rows = connection.execute(text(f'SELECT * FROM "{schema}".sg_trust_pupils()')).all()
    return [(r[0], display_name(r[1], r[2], r[3]), r[4] or "", r[5] or "") for r in rows]


@dataclass(frozen=True)
class TrailLine:
    """One entry of a school's trail as the trust reads it: no detail unless the school shares names."""

    sequence: int | None
    at: datetime
    actor: str
    action: str
    record: str
    detail: str


def trail(engine: Engine, code: str, limit: int = 500) -> list[TrailLine]:
    """The newest ``limit`` entries of a school's trail, newest first (the details where the school shares them)."""
    from safeguard_desktop.services.server_school import check_code

    schema = SCHEMA_PREFIX + check_code(code)
    newest = f'SELECT sequence, at, actor, action, record_kind, record_id FROM "{schema}".trust_trail'
    with engine.connect() as connection:
        rows = connection.execute(text(f"{newest} ORDER BY at DESC, sequence DESC LIMIT :n"), {"n": limit}).all()
        details: dict[int, str] = {}
        if _shared(connection, schema):
            sequences = [r[0] for r in rows if r[0] is not None]
            found = connection.execute(text(f'SELECT * FROM "{schema}".sg_trust_details(:s)'), {"s": sequences})
            details = {int(r[0]): str(r[1]) for r in found}
            connection.commit()  # (the reading noted)
    return [TrailLine(r[0], r[1], r[2], r[3], f"{r[4]} {r[5]}".strip(), details.get(r[0], "")) for r in rows]


class TrustDesk:
    """The trust's safeguarding lead signed in: the trust's database as its login (no school's register)."""

    def __init__(self, engine: Engine, username: str, url: str) -> None:
        self.engine = engine
        self.username = username
        self.url = url  # (no password in it: each check signs in again)
        self.folder = None  # (nothing of the trust's is kept on this computer)

    def confirm_again(self, password: str) -> None:
        """The lock screen's check: the trust's login signs in with ``password``; ServerSignInFailed when not."""
        connect(self.url, self.username, password).dispose()

    def report(self) -> TrustReport:
        """Every school's figures now."""
        return report(self.engine)

    def trail(self, code: str, limit: int = 500) -> list[TrailLine]:
        """A school's newest trail entries."""
        return trail(self.engine, code, limit)

    def close(self) -> None:
        """Sign out: the connections closed."""
        self.engine.dispose()


def sign_in(url: str, username: str, password: str) -> TrustDesk:
    """The trust's login signs in (the app's trust window); ServerSignInFailed when the server does not take it."""
    from sqlalchemy.engine import make_url

    from safeguard_desktop.services.accounts import check_username

    engine = connect(url, username, password)
    bare = make_url(url).set(username=None, password=None).render_as_string(hide_password=False)
    return TrustDesk(engine, check_username(username), bare)
