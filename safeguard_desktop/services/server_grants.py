"""The roles, GRANTs and row policies of a register on a PostgreSQL server (services/server.py's :func:`prepare`
puts them in place): what each group may read and change, table by table and row by row — the server's own second
line behind the app's role checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, text

from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.server_school import School

#: Tables of the audit trail: read and added to, never changed or deleted (by anyone, leads included).
TRAIL = ("audit_entry", "audit_rows")
#: The chain's head: how many entries, the newest one's hash, the chain's key.
HEAD = "audit_head"
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
#: What the DSL alone changes (the accounts: Settings > Accounts is the DSL's — a deputy's login marking the DSL's
#: account disabled would have locked the DSL out of the app).
DSL_KEEPS = ("user_account",)
#: What the DSL alone removes: the pupils, their consent history and the school's own records go only under the
#: retention rules, which are the DSL's in the app.
DSL_REMOVES = ("pupil", "consent_decision", "school", "consent_purpose", "cp_transfer", "setting", "second_factor")
#: Pupil columns only a lead may change.
GUARDED_PUPIL = ("never_photograph", "never_photograph_reason")
#: The settings the office changes in the app (as row_vouch.OFFICE_SETTINGS).
OFFICE_SETTINGS = ("template:%", "form_reply_mapping", "mis_consent_mapping")
#: The server's own record of every row written (:func:`_change_log`): what, by which login, in which transaction.
CHANGES = "row_change"
#: Tables whose writes it does not record: the chain's head (moved with every entry, which is recorded) and the
#: schema's version (the administrator's migrations).
UNRECORDED = (HEAD, "alembic_version", CHANGES)


def refuse_shared_roles(engine: Engine, school: School) -> None:
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


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def group_statement(group: str) -> str:
    """The statement that makes the group role ``group`` (NOLOGIN) unless the server has it already."""
    return f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"


def group_statements(school: School) -> list[str]:
    made = [group_statement(group) for group in (school.lead, school.office, school.staff, school.dsl)]  # fmt: skip
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


def grant_statements(engine: Engine, tables: Sequence[str], school: School) -> tuple[list[str], int]:
    lead, office, staff, dsl = school.lead, school.office, school.staff, school.dsl
    everyone = f"{lead}, {office}, {staff}"
    own = _account_function(school)
    out = [
        f"GRANT USAGE ON SCHEMA {quoted(schema_of(engine))} TO {everyone}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted(schema_of(engine))} FROM PUBLIC, {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quoted(schema_of(engine))} TO {everyone}",
        own,
        f"GRANT EXECUTE ON FUNCTION sg_account() TO {everyone}",
        *_login_functions(school),
        f"GRANT SELECT ON alembic_version TO {everyone}",
    ]
    # Leads: everything, but the trail, its head and the chronology as above.
    for table in tables:
        if table in (HEAD, CHANGES):
            continue  # (below: the head is everyone's; the record of changes is the server's own)
        if table in TRAIL:
            out.append(f"GRANT SELECT, INSERT ON {table} TO {lead}")
        elif table == CHRONOLOGY:
            out.append(f"GRANT SELECT, INSERT, DELETE ON {table} TO {lead}")
        elif table in (FORMER, HANDOVER, "trust_read"):
            continue  # (below; the trust's readings: services/server_trust.py)
        elif table in DSL_KEEPS:
            out += [f"GRANT SELECT ON {table} TO {lead}", f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {dsl}"]
        elif table in DSL_REMOVES:
            out += [f"GRANT SELECT, INSERT, UPDATE ON {table} TO {lead}", f"GRANT DELETE ON {table} TO {dsl}"]
        elif table != "alembic_version":
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {lead}")
    # The chain's head (never its key: the administrator's prepare makes it) and the columns an entry is chained on,
    # for every writer; the trail itself is the leads'. Each entry is stamped with the login that wrote it, which
    # may write only in its own account's name (_trail_guard).
    out += [f"GRANT SELECT, UPDATE (count, last_hash) ON {HEAD} TO {everyone}",
            f"GRANT SELECT (id, sequence, chain_hash), INSERT ON audit_entry TO {office}, {staff}",
            f"GRANT INSERT ON audit_rows TO {office}", *_trail_guard(schema_of(engine))]  # fmt: skip
    out += _change_log(engine, schema_of(engine), [t for t in tables if t not in UNRECORDED], school)
    # The office: the register, not the incidents.
    out += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {office}" for table in OFFICE_KEEPS if table in tables]
    out += [f"GRANT SELECT, INSERT ON consent_decision TO {office}",
            f"GRANT SELECT ON school, consent_purpose, user_account TO {office}",
            f"GRANT SELECT, INSERT, UPDATE ON setting, second_factor TO {office}"]  # fmt: skip
    changeable = [c for c in _columns(engine, "pupil") if c not in GUARDED_PUPIL and c != "id"]
    out += [f"GRANT SELECT, INSERT ON pupil TO {office}",  # (the app removes no pupil: leavers go off the roll)
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
    policies.append("DROP POLICY IF EXISTS sg_pupil_office_remove ON pupil")  # (granted before 04/12/2026)
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


def _trail_guard(schema: str) -> list[str]:
    """The trail on the server names its writers itself. Each entry is stamped (``signer``) with the account whose
    login wrote it — ``@<login>`` for one that is no account's, the administrator's — whatever the client sent; an
    account's login may write an entry only in its own account's name (its ``display_name``) and only as the next
    link of the chain; and at each commit the chain's head must point at the newest entry. So a stolen password and
    psql write no entry in another's name, and neither leave a gap nor move the head off the chain for everyone
    else's next entry. The functions look up nothing by the caller's search_path (a temporary table of the
    caller's own would otherwise stand in for the accounts)."""
    path = f"SET search_path = pg_catalog, {quoted(schema)}, pg_temp"
    refuse = "USING ERRCODE = 'insufficient_privilege'"
    writer = (
        f"CREATE OR REPLACE FUNCTION sg_trail_writer() RETURNS trigger LANGUAGE plpgsql {path} AS $$ "
        "DECLARE who text := sg_account(); named text; BEGIN "
        "IF who IS NULL THEN NEW.signer := left('@' || session_user, 60); RETURN NEW; END IF; "
        "NEW.signer := who; "
        "SELECT display_name INTO named FROM user_account WHERE username = who; "
        "IF named IS NULL OR NEW.actor IS DISTINCT FROM named THEN RAISE EXCEPTION 'An entry of the audit trail is "
        "in the name of the account that writes it: this one names %, but the login is %''s (%). Sign in again if "
        f"that account''s name was changed just now.', quote_literal(NEW.actor), who, coalesce(named, 'no account') "
        f"{refuse}; END IF; "
        "IF NEW.sequence IS NULL OR (NEW.sequence > 1 AND NOT EXISTS (SELECT 1 FROM audit_entry WHERE sequence = "
        "NEW.sequence - 1)) THEN RAISE EXCEPTION 'An entry of the audit trail is the next link of its chain (entry "
        f"%).', coalesce(NEW.sequence::text, 'without a number') {refuse}; END IF; "
        "RETURN NEW; END $$"
    )
    head = (
        f"CREATE OR REPLACE FUNCTION sg_trail_head() RETURNS trigger LANGUAGE plpgsql {path} AS $$ "
        "DECLARE h record; e record; BEGIN "
        "IF sg_account() IS NULL THEN RETURN NULL; END IF; "
        f"SELECT count, last_hash INTO h FROM {HEAD} WHERE id = 1; "
        "SELECT sequence, chain_hash INTO e FROM audit_entry WHERE sequence IS NOT NULL ORDER BY sequence DESC "
        "LIMIT 1; "
        "IF h.count IS DISTINCT FROM coalesce(e.sequence, 0) OR h.last_hash IS DISTINCT FROM coalesce(e.chain_hash, "
        "'') THEN RAISE EXCEPTION 'The head of the audit trail points at its newest entry (entry %, not %).', "
        f"coalesce(e.sequence, 0), h.count {refuse}; END IF; "
        "RETURN NULL; END $$"
    )
    out = [writer, head]
    for name, when, table, function in (
        ("sg_trail_writer", "BEFORE INSERT", "audit_entry", "sg_trail_writer()"),
        ("sg_trail_head", "AFTER UPDATE", HEAD, "sg_trail_head()"),
        ("sg_trail_entry_head", "AFTER INSERT", "audit_entry", "sg_trail_head()"),
    ):
        constraint = "CONSTRAINT " if function == "sg_trail_head()" else ""
        deferred = " DEFERRABLE INITIALLY DEFERRED" if constraint else ""
        out += [f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE {constraint}TRIGGER {name} {when} ON {table}{deferred} FOR EACH ROW EXECUTE FUNCTION "
                f"{function}"]  # fmt: skip
    return out


def change_log_table() -> str:
    """The statement that makes the server's record of changes (the administrator's, made by prepare)."""
    return (f"CREATE TABLE IF NOT EXISTS {CHANGES} (id bigserial PRIMARY KEY, txid bigint NOT NULL, "
            "at timestamptz NOT NULL DEFAULT now(), login text NOT NULL, account text, table_name text NOT NULL, "
            "op text NOT NULL, row_key jsonb, columns text[])")  # fmt: skip


def _keys_of(engine: Engine, table: str) -> list[str]:
    """The columns of ``table``'s primary key (every column where it has none)."""
    with engine.connect() as connection:
        found = [row[0] for row in connection.execute(text(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)"), {"t": quoted(table)})]  # fmt: skip
    return found or _columns(engine, table)


def _change_log(engine: Engine, schema: str, tables: Sequence[str], school: School) -> list[str]:
    """The server's own record of every row written to ``tables``: for each statement, a row per row it inserted,
    updated (with the columns it changed) or deleted — the table, the row's key (never its values: nothing about a
    pupil is copied there), the login and its account, the transaction. Triggers of the administrator's, running
    with its rights: no account's login may write, change or remove a line of it, or turn them off (only a table's
    owner may); the leads read it. ``audit verify`` then finds every change an account's login made in a
    transaction that wrote no entry of the trail — a change made with psql, outside the app — and names it; each
    change the app makes is in a transaction with its entry (records/server_changes.py)."""
    path = f"SET search_path = pg_catalog, {quoted(schema)}, pg_temp"
    lead, office, staff = school.lead, school.office, school.staff
    key = "(SELECT jsonb_object_agg(k, j -> k) FROM unnest(TG_ARGV) AS k)"
    head = f"INSERT INTO {CHANGES} (txid, login, account, table_name, op, row_key, columns) SELECT txid_current(), "
    who = "session_user, sg_account(), TG_TABLE_NAME, "
    record = (
        f"CREATE OR REPLACE FUNCTION sg_row_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {path} AS $$ "
        "BEGIN "
        f"IF TG_OP = 'INSERT' THEN {head}{who}'insert', {key}, NULL FROM (SELECT to_jsonb(n) AS j FROM new_rows n) "
        "AS r; "
        f"ELSIF TG_OP = 'DELETE' THEN {head}{who}'delete', {key}, NULL FROM (SELECT to_jsonb(o) AS j FROM old_rows o) "
        "AS r; "
        f"ELSE {head}{who}'update', r.key, (SELECT array_agg(c ORDER BY c) FROM jsonb_object_keys(r.j) AS c "
        "WHERE (r.j -> c) IS DISTINCT FROM (b.j -> c)) "
        f"FROM (SELECT j, {key} AS key FROM (SELECT to_jsonb(n) AS j FROM new_rows n) AS n) AS r "
        f"LEFT JOIN (SELECT j, {key} AS key FROM (SELECT to_jsonb(o) AS j FROM old_rows o) AS o) AS b "
        "ON b.key = r.key; END IF; RETURN NULL; END $$"
    )
    # What this transaction wrote (the tables, named), for the app's own entry where it wrote none: the caller's
    # own transaction only.
    here = (
        f"CREATE OR REPLACE FUNCTION sg_changed_here() RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER {path} "
        f"AS $$ SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN NULL ELSE (SELECT array_agg(DISTINCT "
        f"table_name ORDER BY table_name) FROM {CHANGES} WHERE txid = txid_current_if_assigned()) END $$"
    )
    from safeguard_desktop.services.records.server_changes import NOTE_ACTION
    from safeguard_desktop.services.server_trust import READ_ACTION

    # The leads' notes in the trail that the server's checks look for at each sign-in: found without reading it all.
    notes = ", ".join("'" + action.replace("'", "''") + "'" for action in (NOTE_ACTION, READ_ACTION))
    out = [f"CREATE INDEX IF NOT EXISTS {CHANGES}_txid ON {CHANGES} (txid)",
           f"CREATE INDEX IF NOT EXISTS audit_entry_leads_notes ON audit_entry (sequence) WHERE action IN ({notes})",
           f"REVOKE ALL ON {CHANGES} FROM PUBLIC, {lead}, {office}, {staff}", f"GRANT SELECT ON {CHANGES} TO {lead}",
           f"REVOKE ALL ON SEQUENCE {CHANGES}_id_seq FROM PUBLIC, {lead}, {office}, {staff}",
           record, here, "REVOKE ALL ON FUNCTION sg_row_change() FROM PUBLIC",
           "REVOKE ALL ON FUNCTION sg_changed_here() FROM PUBLIC",
           f"GRANT EXECUTE ON FUNCTION sg_changed_here() TO {lead}, {office}, {staff}"]  # fmt: skip
    transitions = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                   "delete": "OLD TABLE AS old_rows"}  # fmt: skip
    for table in tables:
        keys = ", ".join("'" + column.replace("'", "''") + "'" for column in _keys_of(engine, table))
        for op, rows in transitions.items():
            name = f"sg_changes_{op}"
            out += [f"DROP TRIGGER IF EXISTS {name} ON {quoted(table)}",
                    f"CREATE TRIGGER {name} AFTER {op.upper()} ON {quoted(table)} REFERENCING {rows} FOR EACH "
                    f"STATEMENT EXECUTE FUNCTION sg_row_change({keys})"]  # fmt: skip
    return out


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


def _account_function(school: School) -> str:
    """``sg_account()``: the account a login stands for (``sg_u_<name>`` → ``<name>``), for the row policies."""
    prefix = school.login_prefix
    return ("CREATE OR REPLACE FUNCTION sg_account() RETURNS text LANGUAGE sql STABLE AS $$ "
            f"SELECT CASE WHEN left(session_user, {len(prefix)}) = '{prefix}' THEN substr(session_user, "
            f"{len(prefix) + 1}) ELSE NULL END $$")  # fmt: skip


def schema_of(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT current_schema()")).scalar_one())


def tables_of(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"))]  # fmt: skip
