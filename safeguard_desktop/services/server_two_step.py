"""Two-step sign-in on a register's server, checked by the server itself: with an account's password alone — in the
app, or with ``psql`` and every file of the PC — the login reads and writes nothing of the register.

A login whose account has turned on two-step sign-in (its TOTP secret kept in ``sg_two_step``, a table of the
administrator's that no login reads) is let through every table's row policy only in a session that shows a
**ticket**: 32 random bytes the server hands out, from ``sg_step_up(code)``, for the account's current 6-digit code
(the step before or after, for a slow clock; never a step already used, so a code seen over a shoulder opens
nothing), kept by the server only as its SHA-256 and for 24 hours. The app sets it on each connection it opens
(``sg.ticket``, the session's own setting, which no other session reads); ``sg_stepped()`` is the test every table's
restrictive policy ``sg_two_step_gate`` makes. Wrong codes are recorded (``sg_two_step_failure``, which the leads
read) and, after four in an hour, each further one doubles the wait before the next is even tried (5 s … 15 minutes),
as on this computer's registers (security/throttle.py) — but here the server keeps the count, so no client avoids it.

The secret reaches the server once, from the app of the account turning it on (or of the DSL), through
``sg_set_two_step``, which a session without its ticket may not call: a stolen password cannot replace the secret.
A login without two-step sign-in needs no ticket (the gate lets it through, as before).

The functions need ``pgcrypto`` (HMAC-SHA-1 and random bytes), a trusted extension the database's owner may add:
``prepare`` adds it (services/server.py).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from safeguard_desktop.security.throttle import FIRST_WAIT, FREE_ATTEMPTS, LONGEST_WAIT, TooManyAttempts
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.server_school import School

#: The administrator's own tables: the secrets, the tickets handed out, the wrong codes.
SECRETS, TICKETS, FAILURES = "sg_two_step", "sg_ticket", "sg_two_step_failure"
TABLES = (SECRETS, TICKETS, FAILURES)
#: The schema pgcrypto is put in where the database has none yet (its functions are the administrator's alone).
CRYPTO_SCHEMA = "sg_crypto"
#: The restrictive policy on every table, and the permissive one a table without policies of its own is given.
GATE, OPEN = "sg_two_step_gate", "sg_open"
#: How long a ticket lets a session through (a new one at each unlock of the window).
TICKET_HOURS = 24
#: What a table's row policies are switched on by (server_grants, server_trust): those keep their own.
_RESTRICTED = re.compile(r"ALTER TABLE (\S+) ENABLE ROW LEVEL SECURITY")


def crypto_schema(engine: Engine) -> str:
    """The schema of pgcrypto in this database, added there now where it is missing (the administrator's)."""
    with engine.begin() as connection:
        found = connection.execute(text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pgcrypto'")).scalar()  # fmt: skip
        if found is not None:
            return str(found)
        try:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {CRYPTO_SCHEMA}"))
            connection.execute(text(f"REVOKE ALL ON SCHEMA {CRYPTO_SCHEMA} FROM PUBLIC"))
            connection.execute(text(f"CREATE EXTENSION pgcrypto SCHEMA {CRYPTO_SCHEMA}"))
        except Exception as exc:  # (the server's own words follow)
            raise ValidationError(
                "The server would not add the pgcrypto extension, which its two-step sign-in needs: run "
                "'CREATE EXTENSION pgcrypto;' in this database as its owner (on a managed server, allow it in its "
                f"settings), then prepare it again. The server said: {str(getattr(exc, 'orig', exc)).strip()}"
            ) from exc
    return CRYPTO_SCHEMA


def statements(schema: str, crypto: str, school: School) -> list[str]:
    """The tables and functions of the server's two-step sign-in, for ``prepare`` (run again, they stay as made)."""
    path = f"SET search_path = pg_catalog, {_quoted(schema)}, pg_temp"
    refuse = "USING ERRCODE = 'insufficient_privilege'"
    lead, office, staff, dsl, prefix = school.lead, school.office, school.staff, school.dsl, school.login_prefix
    everyone = f"{lead}, {office}, {staff}"
    digest = "sha256(convert_to(coalesce(current_setting('sg.ticket', true), ''), 'UTF8'))"
    stepped = (
        f"CREATE OR REPLACE FUNCTION sg_stepped() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {path} AS $$ "
        f"SELECT NOT EXISTS (SELECT 1 FROM {SECRETS} WHERE login = session_user) OR EXISTS (SELECT 1 FROM {TICKETS} "
        f"WHERE login = session_user AND expires > now() AND digest = {digest}) $$"
    )
    needs = (
        f"CREATE OR REPLACE FUNCTION sg_needs_code() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {path} AS "
        f"$$ SELECT EXISTS (SELECT 1 FROM {SECRETS} WHERE login = session_user) $$"
    )
    totp = (
        "CREATE OR REPLACE FUNCTION sg_totp(k bytea, step bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE "
        f"{path} AS $$ DECLARE h bytea := {crypto}.hmac(int8send(step), k, 'sha1'); o integer; BEGIN "
        "o := get_byte(h, 19) & 15; "
        "RETURN lpad((((get_byte(h, o) & 127)::bigint * 16777216 + get_byte(h, o + 1) * 65536 + get_byte(h, o + 2) "
        "* 256 + get_byte(h, o + 3)) % 1000000)::text, 6, '0'); END $$"
    )
    new_ticket = (
        f"token := encode({crypto}.gen_random_bytes(32), 'hex'); "
        f"DELETE FROM {TICKETS} WHERE expires < now(); "
        f"INSERT INTO {TICKETS} (digest, login, expires) VALUES (sha256(convert_to(token, 'UTF8')), session_user, "
        f"clock_timestamp() + interval '{TICKET_HOURS} hours'); "
        "PERFORM set_config('sg.ticket', token, false); "
    )
    # (a new secret counts the current step as used: the code typed to turn it on opens no session later)
    step_now = "floor(extract(epoch FROM clock_timestamp()) / 30)::bigint"
    step_up = (
        "CREATE OR REPLACE FUNCTION sg_step_up(code text, OUT ticket text, OUT wait_seconds integer) "
        f"LANGUAGE plpgsql SECURITY DEFINER {path} AS $$ "
        "DECLARE s record; n integer; latest timestamptz; pause double precision; token text; d integer; "
        "now_step bigint := floor(extract(epoch FROM clock_timestamp()) / 30); "
        "typed text := regexp_replace(coalesce(code, ''), '\\s', '', 'g'); BEGIN "
        "ticket := NULL; wait_seconds := 0; "
        f"SELECT * INTO s FROM {SECRETS} WHERE login = session_user FOR UPDATE; "
        "IF NOT FOUND THEN RAISE EXCEPTION 'This account has no two-step sign-in on the server.'; END IF; "
        f"SELECT count(*), max(at) INTO n, latest FROM {FAILURES} WHERE login = session_user "
        "AND at > greatest(coalesce(s.last_ok, '-infinity'), clock_timestamp() - interval '1 hour'); "
        f"IF n >= {FREE_ATTEMPTS} THEN pause := least({FIRST_WAIT} * 2 ^ (n - {FREE_ATTEMPTS}), {LONGEST_WAIT}); "
        "IF clock_timestamp() < latest + make_interval(secs => pause) THEN "
        "wait_seconds := ceil(extract(epoch FROM latest + make_interval(secs => pause) - clock_timestamp())); "
        "RETURN; END IF; END IF; "
        "IF typed ~ '^[0-9]{6}$' THEN FOR d IN -1..1 LOOP "
        "IF (s.last_step IS NULL OR now_step + d > s.last_step) AND sg_totp(s.secret, now_step + d) = typed THEN "
        f"UPDATE {SECRETS} SET last_step = now_step + d, last_ok = clock_timestamp() WHERE login = session_user; "
        f"{new_ticket}ticket := token; RETURN; END IF; END LOOP; END IF; "
        f"INSERT INTO {FAILURES} (login) VALUES (session_user); END $$"
    )
    set_secret = (
        "CREATE OR REPLACE FUNCTION sg_set_two_step(account text, secret bytea) RETURNS text LANGUAGE plpgsql "
        f"SECURITY DEFINER {path} AS $$ DECLARE whose text := '{prefix}' || account; token text; BEGIN "
        "IF NOT sg_stepped() THEN RAISE EXCEPTION 'Sign in with your two-step code before changing two-step "
        f"sign-in.' {refuse}; END IF; "
        f"IF account IS DISTINCT FROM sg_account() AND NOT pg_has_role(session_user, '{dsl}', 'MEMBER') THEN "
        f"RAISE EXCEPTION 'Only the DSL changes another account''s two-step sign-in.' {refuse}; END IF; "
        f"IF secret IS NULL THEN DELETE FROM {SECRETS} WHERE login = whose; DELETE FROM {TICKETS} WHERE login = whose; "
        "RETURN NULL; END IF; "
        "IF length(secret) < 10 THEN RAISE EXCEPTION 'A two-step secret is at least 80 bits.'; END IF; "
        f"INSERT INTO {SECRETS} (login, secret, last_step) VALUES (whose, secret, {step_now}) "
        "ON CONFLICT (login) DO UPDATE SET secret = EXCLUDED.secret, last_step = EXCLUDED.last_step; "
        f"DELETE FROM {TICKETS} WHERE login = whose AND digest <> {digest}; "
        f"IF whose = session_user THEN {new_ticket}RETURN token; END IF; RETURN NULL; END $$"
    )
    end = (
        f"CREATE OR REPLACE FUNCTION sg_end_ticket() RETURNS void LANGUAGE sql SECURITY DEFINER {path} AS $$ "
        f"DELETE FROM {TICKETS} WHERE login = session_user AND digest = {digest} $$"
    )
    out = [
        f"CREATE TABLE IF NOT EXISTS {SECRETS} (login text PRIMARY KEY, secret bytea NOT NULL, last_step bigint, "
        "last_ok timestamptz)",
        f"CREATE TABLE IF NOT EXISTS {TICKETS} (digest bytea PRIMARY KEY, login text NOT NULL, "
        "expires timestamptz NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {FAILURES} (id bigserial PRIMARY KEY, login text NOT NULL, "
        "at timestamptz NOT NULL DEFAULT clock_timestamp())",
        f"CREATE INDEX IF NOT EXISTS {FAILURES}_login ON {FAILURES} (login, at)",
        *(f"REVOKE ALL ON {table} FROM PUBLIC, {everyone}" for table in TABLES),
        f"REVOKE ALL ON SEQUENCE {FAILURES}_id_seq FROM PUBLIC, {everyone}",
        f"GRANT SELECT ON {FAILURES} TO {lead}",  # (the wrong codes, for the leads to see)
        stepped, needs, totp, step_up, set_secret, end,
    ]  # fmt: skip
    # (sg_stepped is everyone's: every table's gate calls it, for the trust's login as for the school's)
    out.append("GRANT EXECUTE ON FUNCTION sg_stepped() TO PUBLIC")
    for function in ("sg_needs_code()", "sg_totp(bytea, bigint)", "sg_step_up(text)",
                     "sg_set_two_step(text, bytea)", "sg_end_ticket()"):  # fmt: skip
        out.append(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    for function in ("sg_needs_code()", "sg_step_up(text)", "sg_set_two_step(text, bytea)",
                     "sg_end_ticket()"):  # fmt: skip
        out.append(f"GRANT EXECUTE ON FUNCTION {function} TO {everyone}")
    return out


def gate_statements(tables: list[str], made: list[str]) -> list[str]:
    """The gate on every table of the register (``made``: the statements that give tables row policies of their
    own, which keep them; every other table is given one policy letting its grants through, as before). A
    restrictive policy: rows pass only where the grants and policies let them AND the session is stepped up."""
    restricted = {match.group(1) for statement in made if (match := _RESTRICTED.match(statement))}
    out: list[str] = []
    for table in tables:
        if table == "alembic_version" or table in TABLES:
            continue
        name = _quoted(table)
        if table in restricted:
            out.append(f"DROP POLICY IF EXISTS {OPEN} ON {name}")
        else:
            out += [f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY", f"DROP POLICY IF EXISTS {OPEN} ON {name}",
                    f"CREATE POLICY {OPEN} ON {name} FOR ALL TO PUBLIC USING (true) WITH CHECK (true)"]  # fmt: skip
        out += [f"DROP POLICY IF EXISTS {GATE} ON {name}",
                f"CREATE POLICY {GATE} ON {name} AS RESTRICTIVE FOR ALL TO PUBLIC USING ((SELECT sg_stepped())) "
                "WITH CHECK ((SELECT sg_stepped()))"]  # fmt: skip
    return out


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Ticket:
    """The ticket a signed-in session shows, set on each connection the register's engine opens."""

    value: str = field(repr=False)

    def __call__(self, dbapi_connection: Any) -> None:
        was = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # (a setting made in a transaction rolled back would be undone)
        try:
            dbapi_connection.execute("SELECT set_config('sg.ticket', %s, false)", (self.value,))
        finally:
            dbapi_connection.autocommit = was


class CodeNeeded(ValidationError):
    """The account uses two-step sign-in and no code was typed."""


def step_up(arguments: dict[str, Any], code: str) -> Ticket | None:
    """Connect as the login (psycopg's ``arguments``) and, where its account uses two-step sign-in, have the server
    check ``code``: the ticket it hands out, or None for an account without two-step sign-in. CodeNeeded, a
    refusal (SignInFailed's message) or TooManyAttempts otherwise; psycopg's OperationalError where the login
    itself is refused or the server out of reach (the caller says which)."""
    import psycopg

    from safeguard_desktop.services.server import ServerSignInFailed

    with psycopg.connect(**arguments, autocommit=True, connect_timeout=10) as connection:
        try:
            row = connection.execute("SELECT sg_needs_code()").fetchone()
        except psycopg.errors.UndefinedFunction as exc:
            raise ValidationError("The register's server was prepared by an older version of Safeguard Desktop: ask "
                                  "the school's IT support to run 'safeguard server prepare' on it "
                                  "(docs/server-setup.md).") from exc  # fmt: skip
        if not (row and row[0]):
            return None
        if not code.strip():
            raise CodeNeeded("This account uses two-step sign-in: type the 6-digit code your phone shows now.")
        found = connection.execute("SELECT ticket, wait_seconds FROM sg_step_up(%s)", (code[:20],)).fetchone()
    ticket, wait = found if found else (None, 0)
    if wait:
        raise TooManyAttempts(f"Too many wrong codes for this account. Wait {max(1, int(wait))} seconds, then try "
                              "again (each further wrong code doubles the wait; the server records them).")  # fmt: skip
    if not ticket:
        raise ServerSignInFailed("That name, password or code does not sign in to this register's server. Check "
                                 "them and try again (a code is good once: wait for the next one).")  # fmt: skip
    return Ticket(str(ticket))


def renew(bind: Any, value: str) -> None:
    """The register's connections show ticket ``value`` from now on (after an unlock, or the account's own new
    secret): pooled ones are closed, each new one shows it as it opens."""
    from safeguard_desktop.store.engine import state_of

    held = state_of(bind).server_ticket
    if not isinstance(held, Ticket):
        raise ValueError("A register signed in on its server holds a ticket.")
    held.value = value
    engine = getattr(bind, "engine", bind)
    while getattr(engine, "_proxied", None) is not None:  # (a write session's engine is an options copy)
        engine = engine._proxied
    engine.dispose()  # (checked-out connections, this one included, finish as they are)


def enrolled(session: Any) -> bool:
    """True when the signed-in login's account uses two-step sign-in on its server."""
    return bool(session.execute(text("SELECT sg_needs_code()")).scalar())


def set_secret(session: Any, username: str, secret: str | None) -> None:
    """Give the server an account's TOTP secret (base32, as the phone has it), or None to turn it off; where it is
    the signed-in account's own, this session's ticket is the one the server hands out with it."""
    raw = None
    if secret:
        letters = re.sub(r"\s", "", secret).upper()
        raw = base64.b32decode(letters + "=" * (-len(letters) % 8))
    token = session.execute(text("SELECT sg_set_two_step(:account, :secret)"),
                            {"account": username, "secret": raw}).scalar()  # fmt: skip
    if token:
        renew(session.get_bind(), str(token))
