"""On a register on a PostgreSQL server, every row written is on the server's own record (who, which row, which
transaction), which no account's login may write, change, remove or turn off; a change an account's login makes with
psql, outside the app and without an entry of the trail, is named by the check and at a lead's sign-in — the server's
part of "every change is the trail's" that the marks keep on this computer.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server (CI starts one); skipped otherwise.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text, update

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.services import consent
from safeguard_desktop.services import server as server_service
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.consent import contacts
from safeguard_desktop.services.records import audit, row_vouch, server_changes
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, ConsentPurpose, Pupil

from .conftest import without_user
from .test_server_roles import ADMIN_URL, PASSWORD, _as, _refused, server  # noqa: F401

pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
OFFICE = Actor("Olive Office", Role.OFFICE, "o.office")


def _checked(url: str, folder: Path) -> audit.Verification:
    """The DSL's check of the trail, signed in with its own login as the app does."""
    reg, dsl = server_service.sign_in(folder, url, "d.lead", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            return audit.verify(session, dsl)
    finally:
        reg.close()


def _grant_with_psql(connection, pupil: int) -> int:  # type: ignore[no-untyped-def]
    """A refusal turned into a grant as a stolen password and psql would: a decision added, no entry written."""
    row = connection.execute(
        "INSERT INTO consent_decision (pupil_id, purpose_id, state, given_by_kind, given_by_name, "
        "given_by_relationship, route, given_on, wording_version, recorded_by, recorded_at, note, source) "
        "SELECT %s, id, %s, %s, 'A parent', 'Mother', %s, current_date, 1, 'Dana Lead', now(), '', '' "
        "FROM consent_purpose ORDER BY id LIMIT 1 RETURNING id",
        (pupil, ConsentState.GRANTED.value, GivenByKind.PARENT.value, Route.PAPER_SLIP.value),
    ).fetchone()
    return int(row[0])


def test_a_change_made_with_psql_outside_the_app_is_named_by_the_check_and_at_sign_in(
    server: str,
    tmp_path: Path,
) -> None:
    """The app's own work, through the office's login, leaves the check intact; then a decision the office's login
    adds with psql, an incident the teacher's adds and a flag the deputy's clears, none with an entry, are each
    named with the login that made it — by `audit verify`, and at the DSL's sign-in, which records it in the trail."""
    reg, office = server_service.sign_in(tmp_path / "office-pc", server, "o.office", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            purpose = session.scalars(select(ConsentPurpose)).first()
            assert purpose is not None
            consent.record_decisions(session, office, [3], [purpose.id],
                                     consent.DecisionInput(ConsentState.REFUSED, GivenByKind.PARENT, Route.PAPER_SLIP,
                                                           date.today(), "A parent", "Mother"))  # fmt: skip
    finally:
        reg.close()
    assert _checked(server, tmp_path / "dsl-pc").intact

    with _as(server, "o.office") as connection:
        granted = _grant_with_psql(connection, 3)
    with _as(server, "t.teacher") as connection:
        connection.execute("INSERT INTO incident (category, four_cs, urgency, status, reported_at, summary, platforms, "
                           "evidence_links, reported_by, created_at, legal_hold, version, reported_by_user) VALUES "
                           "('', '', '', 'open', now(), 'typed in psql', '', '', '', now(), false, 1, 't.teacher')")  # fmt: skip
    with _as(server, "o.office") as connection:
        columns = ("contact (pupil_id, name, relationship, parental_responsibility, lives_with_pupil, email, phone, "
                   "address, priority, mis_reference, active, version)")  # fmt: skip
        # (a bulk load, as psql's \\copy, is refused where rows have policies)
        with (
            pytest.raises(psycopg.errors.FeatureNotSupported),
            connection.cursor().copy(f"COPY {columns} FROM STDIN") as copy,
        ):
            copy.write_row((4, "Copied In", "Aunt", True, False, "", "", "", 2, "", True, 1))
        connection.execute(f"INSERT INTO {columns} VALUES (4, 'Typed In', 'Aunt', true, false, '', '', '', 2, '', "
                           "true, 1)")  # fmt: skip
    with _as(server, "p.deputy") as connection:  # (consent history is the DSL's alone to remove)
        connection.execute("UPDATE pupil SET never_photograph = false, never_photograph_reason = NULL WHERE id = 1")

    found = _checked(server, tmp_path / "dsl-pc-2")
    said = found.describe()
    assert not found.intact, said
    assert "outside the app" in said
    assert f"consent decision {granted} added by the login of the account o.office" in said
    assert "incident" in said and "added by the login of the account t.teacher" in said
    assert "pupil 1 changed (never photograph, never photograph reason) by the login of the account p.deputy" in said
    assert "contact" in said
    from sqlalchemy import create_engine

    engine = create_engine(server)
    with engine.connect() as connection:  # (four tables' changes, two said: the rest counted)
        shorter = server_changes.unaccounted(connection, shown=2)
    engine.dispose()
    assert shorter is not None and shorter.describe().endswith("(and 2 more such changes of a table)")

    reg, _dsl = server_service.sign_in(tmp_path / "dsl-pc-3", server, "d.lead", PASSWORD)
    try:
        assert any("outside the app" in notice and "o.office" in notice for notice in reg.notices)
        with read_session(reg.engine) as session:
            found_entry = session.scalars(select(AuditEntry).where(
                AuditEntry.action == "found the audit trail changed at sign-in")).first()  # fmt: skip
            assert found_entry is not None and "o.office" in found_entry.detail
    finally:
        reg.close()
    # Told again at every lead's sign-in until a lead notes them; the check goes on naming them too.
    reg, _dsl = server_service.sign_in(tmp_path / "dsl-pc-3", server, "d.lead", PASSWORD)
    try:
        assert any("outside the app" in notice for notice in reg.notices)
    finally:
        reg.close()
    assert not _checked(server, tmp_path / "dsl-pc-3").intact


def _forge_note(connection, actor: str) -> None:  # type: ignore[no-untyped-def]
    """With psql: an entry saying a lead noted every change made outside the app, chained as the app would, in the
    login's own account's name (the only one the server lets it write in)."""
    count, last_hash, key = connection.execute("SELECT count, last_hash, chain_key FROM audit_head").fetchone()
    at = datetime.now()
    made = audit.chain_hash(bytes.fromhex(key), last_hash, count + 1, at, actor, server_changes.NOTE_ACTION,
                            "row_change", "999999", "")  # fmt: skip
    with connection.transaction():
        connection.execute("INSERT INTO audit_entry (sequence, chain_hash, at, actor, action, record_kind, record_id, "
                           "detail) VALUES (%s, %s, %s, %s, %s, 'row_change', '999999', '')",
                           (count + 1, made, at, actor, server_changes.NOTE_ACTION))  # fmt: skip
        connection.execute("UPDATE audit_head SET count = %s, last_hash = %s", (count + 1, made))


def test_a_lead_notes_them_in_the_trail_and_the_check_then_names_only_later_ones(
    server: str,
    tmp_path: Path,
) -> None:
    """The DSL notes what the check named (the entry keeps what it was); the check passes and says so, a change made
    outside the app after the note is named; a note the office's login writes with psql counts for nothing."""
    from safeguard_desktop.cli import main

    with _as(server, "o.office") as connection:
        first = _grant_with_psql(connection, 5)
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD, encoding="utf-8")
    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            noted = server_changes.note(session, dsl)
        assert noted is not None and f"consent decision {first} added" in noted.describe()
        with read_session(reg.engine) as session:
            entry = session.scalars(select(AuditEntry).where(AuditEntry.action == server_changes.NOTE_ACTION)).one()
            assert (entry.signer, entry.record_kind) == ("d.lead", "row_change")
            assert f"consent decision {first} added by the login of the account o.office" in entry.detail
    finally:
        reg.close()
    found = _checked(server, tmp_path / "dsl-pc")
    assert found.intact, found.describe()
    assert "noted in it (the last by Dana Lead" in found.describe()

    with _as(server, "o.office") as connection:
        later = _grant_with_psql(connection, 6)
        _forge_note(connection, "Olive Office")  # (stamped o.office: not a lead's note)
    found = _checked(server, tmp_path / "dsl-pc")
    assert not found.intact and found.outside == 1, found.describe()
    assert f"consent decision {later} added" in found.describe() and f"decision {first} " not in found.describe()
    assert main(["--data-dir", str(tmp_path / "cli"), "--database", without_user(server), "--user", "d.lead",
                 "--password-file", str(secret), "audit", "note-outside-changes"]) == 0  # fmt: skip
    assert _checked(server, tmp_path / "dsl-pc").intact


def test_no_login_writes_removes_reads_beyond_its_role_or_stops_the_servers_record(
    server: str,
    tmp_path: Path,
) -> None:
    """The record is the server's: the office's and the teacher's logins do not read it, no account's login (the DSL's
    included) adds, changes or removes a line of it or turns its triggers off; and it holds which row and which
    columns, never what they hold (nothing of a pupil is copied there)."""
    reg, office = server_service.sign_in(tmp_path / "office-pc", server, "o.office", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            contacts.add_contact(
                session, office, 2, contacts.ContactInput("Mrs Quennell-Marsh", "Mother", phone="07700 900123")
            )
    finally:
        reg.close()
    for user in ("o.office", "t.teacher"):
        with _as(server, user) as connection:
            assert _refused(connection, "SELECT count(*) FROM row_change"), user
            assert _refused(connection, "SELECT nextval('row_change_id_seq')"), user
    for user in ("o.office", "t.teacher", "p.deputy", "d.lead"):
        with _as(server, user) as connection:
            assert _refused(connection, "INSERT INTO row_change (txid, login, table_name, op) VALUES (1, 'x', 'y', "
                                        "'insert')"), user  # fmt: skip
            assert _refused(connection, "UPDATE row_change SET login = 'someone else'"), user
            assert _refused(connection, "DELETE FROM row_change"), user
            assert _refused(connection, "TRUNCATE row_change"), user
            assert _refused(connection, "ALTER TABLE pupil DISABLE TRIGGER sg_changes_update"), user
            assert _refused(connection, "DROP TRIGGER sg_changes_insert ON consent_decision"), user
            assert _refused(connection, "ALTER TABLE consent_decision DISABLE TRIGGER ALL"), user
            assert _refused(connection, "SET session_replication_role = replica"), user  # (triggers off: no)
            assert _refused(connection, "ALTER FUNCTION sg_row_change() SECURITY INVOKER"), user
    with _as(server, "d.lead") as connection:
        lines = connection.execute("SELECT login, account, row_key, row_change::text FROM row_change "
                                   "WHERE table_name = 'contact' AND op = 'insert'").fetchall()  # fmt: skip
        everything = " ".join(row[0] for row in connection.execute("SELECT row_change::text FROM row_change"))
    assert lines, "the office's contact is on the server's record"
    login, account, row_key, _whole = lines[-1]
    assert (login, account, set(row_key)) == ("sg_u_o.office", "o.office", {"id"})
    assert "Quennell" not in everything and "07700" not in everything  # the keys and columns, never the values


def test_a_transaction_of_the_apps_that_wrote_no_entry_gets_one(server: str, tmp_path: Path) -> None:
    """Where the app's work writes rows and no entry, the commit writes one in the signed-in account's name (the
    server stamps its login), naming the tables, so the check finds every change of the app's accounted for."""
    reg, _office = server_service.sign_in(tmp_path / "office-pc", server, "o.office", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            session.execute(update(Pupil).where(Pupil.id == 4).values(reg_group="6Q"))
        with read_session(reg.engine) as session:
            assert session.scalar(text("SELECT sg_changed_here()")) is None  # (a reading writes nothing)
    finally:
        reg.close()
    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            saved = session.scalars(select(AuditEntry).where(AuditEntry.action == row_vouch.SAVED_ACTION)).all()
            assert [(e.actor, e.signer, e.detail) for e in saved] == [(OFFICE.name, "o.office", "pupil")]
            assert audit.verify(session, dsl).intact
    finally:
        reg.close()


def test_the_trail_screen_names_them_and_the_dsl_notes_them_there(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Settings > Audit trail > Check the chain, on a server: the change the office's login made with psql is named
    in red with a button to note it; noting (asked first) writes the entry, and the next check is intact."""
    from safeguard_desktop.ui.kit import steps

    from .conftest import incidents_window

    with _as(server, "o.office") as connection:
        granted = _grant_with_psql(connection, 7)
    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, dsl)
    scripted = steps.Scripted(answers=[True])
    before = steps.use(scripted)
    try:
        dialog = window.on_audit_action()
        assert not dialog.note_button.isVisible()
        dialog.verify()
        qtbot.waitUntil(lambda: "outside the app" in dialog.status_label.text(), timeout=20_000)
        assert f"consent decision {granted} added by the login of the account o.office" in dialog.status_label.text()
        assert dialog.note_button.isVisible()
        dialog.note_button.click()
        qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Noted in the trail"), timeout=20_000)
        assert "Note them in the trail now?" in scripted.asked[0][1]
        assert not dialog.note_button.isVisible()
        dialog.verify()
        qtbot.waitUntil(lambda: "is intact" in dialog.status_label.text(), timeout=20_000)
        assert "noted in it (the last by Dana Lead" in dialog.status_label.text()
        dialog.close()
    finally:
        steps.use(before)
        reg.close()


def test_an_incident_typed_in_with_psql_stands_in_the_list_and_fails_nothing(
    qtbot, server: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A teacher's login may add its own reports, and with psql may put values the app never writes in them: the
    DSL's list (which failed whole on one such row, leaving the caseload empty), the incident opened, the statistics
    and the staff's own list still work; the line says it is unreadable and stands as open."""
    from safeguard_desktop.services import incidents
    from safeguard_desktop.services.incidents import statistics

    from .conftest import incidents_window

    with _as(server, "t.teacher") as connection:
        number = connection.execute(
            "INSERT INTO incident (category, four_cs, urgency, status, reported_at, summary, platforms, evidence_links, "
            "reported_by, created_at, legal_hold, version, reported_by_user) VALUES ('<b>x</b>', '', 'now!', "
            "'gone', now(), 'typed in psql', '', '', '', now(), false, 1, 't.teacher') RETURNING id"
        ).fetchone()[0]
    reg, teacher = server_service.sign_in(tmp_path / "teacher-pc", server, "t.teacher", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            assert number in [report.id for report in incidents.my_reports(session, teacher)]
    finally:
        reg.close()
    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            lines = {line.id: line for line in incidents.incident_lines(session, dsl)}
            assert lines[number].damaged and lines[number].status.value == "open"
            assert not any(line.damaged for n, line in lines.items() if n != number)
            assert incidents.read_incident(session, dsl, number).summary == "typed in psql"
            assert statistics.incident_statistics(session, dsl).terms
        window, screen = incidents_window(qtbot, reg, dsl)
        qtbot.waitUntil(lambda: screen.list.row_count() == len(lines), timeout=20_000)
        cells = [screen.list.rows.text(row, 2) for row in range(screen.list.row_count())]
        assert "unreadable · check it" in cells
        window.close()
    finally:
        reg.close()


def test_a_lead_at_work_is_told_at_once_of_a_change_made_outside_the_app(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The DSL's window looks for changes made elsewhere every few seconds: a decision the office's login adds with
    psql (which moves no trail's head) is told to the DSL as a warning, once, naming the login, and the screens
    reload; a change the app makes through the office's login is not told."""
    from safeguard_desktop.ui.kit import steps

    from .conftest import incidents_window

    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, dsl)
    scripted = steps.Scripted()
    before = steps.use(scripted)
    office_reg, office = server_service.sign_in(tmp_path / "office-pc", server, "o.office", PASSWORD)
    try:
        qtbot.waitUntil(lambda: window.elsewhere.seen is not None, timeout=10_000)
        with write_session(office_reg.engine) as session:  # the app's own change, with its entry
            purpose = session.scalars(select(ConsentPurpose)).first()
            assert purpose is not None
            consent.record_decisions(session, office, [8], [purpose.id],
                                     consent.DecisionInput(ConsentState.REFUSED, GivenByKind.PARENT, Route.PAPER_SLIP,
                                                           date.today(), "A parent", "Mother"))  # fmt: skip
        first = window.elsewhere.seen
        window.elsewhere.look()
        qtbot.waitUntil(lambda: window.elsewhere.seen is not first, timeout=10_000)
        assert not scripted.told
        with _as(server, "o.office") as connection:
            granted = _grant_with_psql(connection, 8)
        second = window.elsewhere.seen
        window.elsewhere.look()
        qtbot.waitUntil(lambda: window.elsewhere.seen is not second, timeout=10_000)
        assert len(scripted.told) == 1
        title, said = scripted.told[0]
        assert title == "Changed outside the app"
        assert f"consent decision {granted} added by the login of the account o.office" in said
        third = window.elsewhere.seen
        window.elsewhere.look()  # (told once: nothing new since)
        qtbot.waitUntil(lambda: window.elsewhere.seen is not third, timeout=10_000)
        assert len(scripted.told) == 1
        window.close()
    finally:
        steps.use(before)
        office_reg.close()
        reg.close()


def test_what_the_server_recorded_behind_an_entry_is_shown_to_the_lead(qtbot, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An office login that writes an entry of its own beside a change made with psql is not named by the check
    (the change is on the trail, under its login) — and the DSL sees behind that entry exactly which rows were
    written and by whom (Settings > Audit trail > Rows written…)."""
    from safeguard_desktop.ui.kit import steps

    from .conftest import incidents_window
    from .test_server_roles import _forge

    with _as(server, "o.office") as connection, connection.transaction():
        granted = _grant_with_psql(connection, 9)
        sequence = _forge(connection, "Olive Office")  # ("gave consent", in its own name: stamped o.office)
    assert _checked(server, tmp_path / "dsl-pc").intact
    reg, dsl = server_service.sign_in(tmp_path / "dsl-pc", server, "d.lead", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            said = server_changes.rows_with_entry(session, dsl, sequence)
        assert said == [f"consent decision {granted} added by the login of the account o.office"]
        window, _screen = incidents_window(qtbot, reg, dsl)
        scripted = steps.Scripted()
        before = steps.use(scripted)
        try:
            dialog = window.on_audit_action()
            qtbot.waitUntil(lambda: dialog.table.row_count() > 0, timeout=10_000)
            assert dialog.rows_button.isVisible() and not dialog.rows_button.isEnabled()
            row = next(r for r in range(dialog.table.row_count()) if dialog.table.text(r, 0) == str(sequence))
            dialog.table.choose_row(row)
            assert dialog.rows_button.isEnabled()
            dialog.rows_button.click()
            qtbot.waitUntil(lambda: bool(scripted.told), timeout=10_000)
            assert scripted.told[0] == (f"Rows written with entry {sequence}", said[0])
            dialog.close()
        finally:
            steps.use(before)
        window.close()
    finally:
        reg.close()
