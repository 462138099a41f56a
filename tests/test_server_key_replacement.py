"""Revocation on a register's server: a lead's keys taken away (disabled, or no longer a lead) replace the register's
safeguarding key — every sealed text sealed again, the chronology's former texts kept, each remaining account given
its share of the new key through its personal key — so the old key opens nothing written afterwards, nor what is in
the live register now.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles (CI starts one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from safeguard_desktop.cli import main
from safeguard_desktop.domain.incidents import Category, EntryKind
from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services import incidents, server, server_keys
from safeguard_desktop.services.actors import Role
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import SERVER_PASSWORD, drop_logins, dsl_made_school, new_postgres_database, without_user

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
PASSWORD = SERVER_PASSWORD
USERS = {"p.deputy": Role.DEPUTY_DSL, "q.deputy": Role.DEPUTY_DSL, "o.office": Role.OFFICE, "t.teacher": Role.STAFF}


@pytest.fixture
def school(tmp_path: Path) -> Iterator[str]:
    """A server register whose DSL (d.lead) set every account's password in the app (so each holds a personal key
    and the DSL's pinned), with a teacher's report and a lead's chronology entry sealed to the first key."""
    assert ADMIN_URL
    with new_postgres_database(ADMIN_URL, "safeguard_rekey") as url:
        dsl_made_school(tmp_path, url, USERS, pupils=8)
        reg, teacher = server.sign_in(tmp_path / "class-pc", without_user(url), "t.teacher", PASSWORD)
        with write_session(reg.engine) as session:
            incidents.record_incident(session, teacher, incidents.IncidentInput(Category.REPUTATION,
                                                                                "A fake account of Mr Hale"))  # fmt: skip
        reg.close()
        reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(url), "d.lead", PASSWORD)
        with write_session(reg.engine) as session:
            incidents.add_entry(session, dsl, 1, EntryKind.ACTION, "Reported the account to the platform")
        reg.close()
        yield url
    drop_logins(ADMIN_URL, "d.lead", *USERS)


def _sealed(url: str) -> dict[str, list[str]]:
    """Every sealed text in the register, by table, read as its administrator (who reads only ciphertext)."""
    admin = create_engine(url)
    found: dict[str, list[str]] = {}
    with admin.connect() as conn:
        columns = conn.execute(text("SELECT table_name, column_name FROM information_schema.columns WHERE "
                                    "table_schema = current_schema() AND data_type IN ('text', 'character varying')"))  # fmt: skip
        for table, column in list(columns):
            values = conn.execute(text(f'SELECT "{column}" FROM "{table}" WHERE "{column}" LIKE :p'),
                                  {"p": sealed_box.SEALED_PREFIX + "%"}).scalars()  # fmt: skip
            found.setdefault(table, []).extend(values)
    admin.dispose()
    return {table: values for table, values in found.items() if values}


def _count(sealed: dict[str, list[str]]) -> int:
    """Sealed texts outside the trail (which is chained: never sealed again)."""
    return sum(len(values) for table, values in sealed.items() if table not in ("audit_entry", "sealed_former"))


def _opens(private: bytes, value: str) -> bool:
    try:
        sealed_box.open_sealed(private, value)
    except keyring.KeyError_:
        return False
    return True


def test_disabling_a_lead_replaces_the_key_and_the_old_one_opens_nothing_in_the_live_register(
    school: str, tmp_path: Path
) -> None:
    reg, leaving = server.sign_in(tmp_path / "q-pc", without_user(school), "q.deputy", PASSWORD)
    reg.close()
    old = leaving.safeguarding_key
    assert old is not None
    before = _sealed(school)
    assert before["incident"] and before["incident_entry"] and all(_opens(old, v) for v in before["incident"])

    reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(school), "d.lead", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            server.disable_account(session, dsl, "q.deputy")
            assert server_keys.owed(session) == ["q.deputy"]
            done = server_keys.replace(session, dsl)
        dsl = server_keys.adopt(reg.engine, dsl, done)
        assert done.resealed == _count(before) and done.handed_over == 4  # (the DSL's own too)
        assert done.left_out == () and "sealed again" in done.summary()
        with write_session(reg.engine) as session:  # what the DSL logs from now on is sealed to the new key
            incidents.add_entry(session, dsl, 1, EntryKind.ACTION, "Platform removed the account")
            assert server_keys.owed(session) == []
    finally:
        reg.close()

    after = _sealed(school)
    live = {table: values for table, values in after.items() if table not in ("sealed_former", "audit_entry")}
    assert _count(live) > _count(before)  # (the new entry, and what it changed of its incident)
    # (The trail's few sealed details — an incident's category, an entry's kind — are chained as they were written.)
    assert after["audit_entry"][: len(before["audit_entry"])] == before["audit_entry"]
    assert not any(_opens(old, v) for values in live.values() for v in values)  # the old key opens nothing live
    assert all(_opens(done.private, v) for values in live.values() for v in values)
    # The chronology's former texts are kept as they were (it is never changed but for a new seal).
    assert sorted(after["sealed_former"]) == sorted(before["incident_entry"])

    # Each remaining account takes its share at its next sign-in; a deputy reads everything, as before.
    reg, deputy = server.sign_in(tmp_path / "p-pc", without_user(school), "p.deputy", PASSWORD)
    try:
        assert any("replaced" in notice for notice in reg.notices)
        assert deputy.safeguarding_key == done.private
        with read_session(reg.engine) as session:
            view = incidents.read_incident(session, deputy, 1)
            assert view.summary == "A fake account of Mr Hale"
            assert [e.text for e in view.entries][-2:] == ["Reported the account to the platform",
                                                           "Platform removed the account"]  # fmt: skip
    finally:
        reg.close()
    reg, deputy = server.sign_in(tmp_path / "p-pc", without_user(school), "p.deputy", PASSWORD)
    reg.close()
    assert not any("replaced" in notice for notice in reg.notices)  # taken once
    reg, teacher = server.sign_in(tmp_path / "class-pc", without_user(school), "t.teacher", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            number = incidents.record_incident(session, teacher, incidents.IncidentInput(Category.HARASSMENT,
                                                                                         "Abuse in the comments"))  # fmt: skip
    finally:
        reg.close()
    admin = create_engine(school)
    with admin.connect() as conn:
        summary = conn.execute(text("SELECT summary FROM incident WHERE id = :n"), {"n": number}).scalar_one()
        shares = conn.execute(text("SELECT username FROM server_handover ORDER BY username")).scalars().all()
    admin.dispose()
    assert sealed_box.is_sealed(summary) and not _opens(old, summary) and _opens(done.private, summary)
    assert shares == ["d.lead", "o.office"]  # (the office has not signed in since; each share is taken once)
    reg, office = server.sign_in(tmp_path / "office-pc", without_user(school), "o.office", PASSWORD)
    reg.close()
    assert office.role is Role.OFFICE


def test_the_chronology_changes_only_by_a_new_seal_and_a_share_not_made_by_the_accounts_dsl_is_not_taken(
    school: str, tmp_path: Path
) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    assert main(["--data-dir", str(tmp_path / "it"), "server", "disable-login", school, "q.deputy"]) == 0
    server.sign_in(tmp_path / "dsl-pc", without_user(school), "d.lead", PASSWORD)[0].close()  # (replaced here)
    # The DSL's login may UPDATE the chronology, but only to put one sealed text in place of another; the former
    # texts are kept, and nobody removes them while their entry stands.
    login = make_url(school).set(username="sg_u_d.lead", password=PASSWORD).render_as_string(hide_password=False)
    with psycopg.connect(**server.connection_arguments(login), autocommit=True) as dsl:
        kept = dsl.execute("SELECT count(*) FROM sealed_former").fetchone()
        assert kept is not None and kept[0] >= 1
        for statement in ("UPDATE incident_entry SET text = 'rewritten'",
                          "UPDATE incident_entry SET happened_at = now()",
                          "UPDATE sealed_former SET sealed = 'x'"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                dsl.execute(statement)
        assert dsl.execute("DELETE FROM sealed_former").rowcount == 0
        assert dsl.execute("SELECT count(*) FROM sealed_former").fetchone() == kept
    login = make_url(school).set(username="sg_u_p.deputy", password=PASSWORD).render_as_string(hide_password=False)
    with psycopg.connect(**server.connection_arguments(login), autocommit=True) as deputy:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            deputy.execute(f"UPDATE incident_entry SET text = '{sealed_box.seal(os.urandom(32), 'forged')}'")
        seen = deputy.execute("SELECT username FROM server_handover").fetchall()
        assert seen == [("p.deputy",)]  # its own share only, not another's

    # The server's administrator swaps the public key and leaves the office a share of its own making: refused.
    _private, public = keyring.new_key_pair()
    admin = create_engine(school)
    with admin.begin() as conn:
        conn.execute(text("UPDATE server_key SET wrapped = :w WHERE username = ''"),
                     {"w": json.dumps({"public": sealed_box._b64(public)})})  # fmt: skip
        forged = keyring._wrap(os.urandom(32), json.dumps({"public": sealed_box._b64(public)}).encode(),
                               "safeguard server handover v1:o.office")  # fmt: skip
        conn.execute(text("UPDATE server_handover SET body = :b WHERE username = 'o.office'"),
                     {"b": json.dumps({"from": "d.lead", "box": forged})})  # fmt: skip
    admin.dispose()
    with pytest.raises(server_keys.KeyChanged):
        server.sign_in(tmp_path / "office-pc", without_user(school), "o.office", PASSWORD)


def test_a_lead_disabled_by_the_administrator_is_replaced_at_the_dsls_next_sign_in(school: str, tmp_path: Path) -> None:
    assert main(["--data-dir", str(tmp_path / "it"), "server", "disable-login", school, "q.deputy"]) == 0
    reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(school), "d.lead", PASSWORD)
    try:
        assert any("safeguarding key was replaced" in notice for notice in reg.notices)
        with read_session(reg.engine) as session:
            assert server_keys.owed(session) == []
            assert incidents.read_incident(session, dsl, 1).summary == "A fake account of Mr Hale"
    finally:
        reg.close()
    # A demoted lead's keys are taken away as well.
    reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(school), "d.lead", PASSWORD)
    try:
        with write_session(reg.engine) as session:
            server.set_account(session, dsl, "p.deputy", "P Deputy", Role.STAFF, PASSWORD)
            assert server_keys.owed(session) == ["p.deputy"]
    finally:
        reg.close()
    with create_engine(school).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entry WHERE action = "
                                 "'replaced the register''s safeguarding key'")).scalar_one() == 1  # fmt: skip


def test_the_dsls_accounts_screen_replaces_the_key_when_it_disables_a_lead(  # type: ignore[no-untyped-def]
    qtbot, school: str, tmp_path: Path
) -> None:
    from safeguard_desktop.ui.admin.server_accounts_dialog import ServerAccountsDialog
    from safeguard_desktop.ui.kit import steps

    from .conftest import incidents_window

    reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(school), "d.lead", PASSWORD)
    old = dsl.safeguarding_key
    window, _screen = incidents_window(qtbot, reg, dsl)
    scripted = steps.Scripted(answers=[True])
    before = steps.use(scripted)
    try:
        dialog = window.on_accounts_action()
        assert isinstance(dialog, ServerAccountsDialog)
        qtbot.waitUntil(lambda: dialog.table.row_count() == 5, timeout=10_000)
        names = [dialog.table.rows.text(r, 0) for r in range(5)]
        dialog.table.selectRow(names.index("q.deputy"))
        dialog.disable()  # asked first (answered yes), then disabled, then the key replaced
        qtbot.waitUntil(lambda: "key was replaced" in dialog.status_label.text(), timeout=20_000)
        assert "Disable q.deputy?" in scripted.asked[0][1]
        assert window.context.actor.safeguarding_key not in (None, old)
        with write_session(reg.engine) as session:  # what the DSL logs now is sealed to the new key
            number = incidents.record_incident(session, window.context.actor,
                                               incidents.IncidentInput(Category.SCAM, "A phishing text to parents"))  # fmt: skip
    finally:
        steps.use(before)
        reg.close()
    with create_engine(school).connect() as conn:
        summary = conn.execute(text("SELECT summary FROM incident WHERE id = :n"), {"n": number}).scalar_one()
    assert old is not None and not _opens(old, summary)


def test_a_leads_copy_is_made_again_while_it_works_and_not_once_the_key_is_replaced(  # type: ignore[no-untyped-def]
    qtbot, school: str, tmp_path: Path
) -> None:
    """The offline copy of the afternoon, not of the morning's sign-in: made again (every half hour, by the window)
    under the key it was made with; never with a key the register no longer has."""
    from safeguard_desktop.services import server_copy
    from safeguard_desktop.ui.offline_copy import CopyRefresher

    from .conftest import incidents_window

    reg, dsl = server.sign_in(tmp_path / "dsl-pc", without_user(school), "d.lead", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, dsl)
    try:
        assert (server_copy.keep(reg, dsl, PASSWORD, reg.folder) or 0) > 0
        first = server_copy.made_at(reg.folder, "d.lead")
        with write_session(reg.engine) as session:
            incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Later that day"))
        refresher = CopyRefresher(window, window.context, reg.folder)
        import time

        time.sleep(1.1)  # (the copy says when it was made to the second)
        refresher.refresh()
        qtbot.waitUntil(lambda: server_copy.made_at(reg.folder, "d.lead") != first, timeout=20_000)
        qtbot.waitUntil(lambda: not refresher._running, timeout=20_000)
        copy, reader, _made = server_copy.open_copy(reg.folder, "d.lead", PASSWORD)
        try:
            with read_session(copy.engine) as session:
                assert incidents.read_incident(session, reader, 2).summary == "Later that day"
        finally:
            copy.close()
        with write_session(reg.engine) as session:
            done = server_keys.replace(session, dsl)
        dsl = server_keys.adopt(reg.engine, dsl, done)
        assert server_copy.refresh(reg, dsl, reg.folder) is None  # (made afresh at the next sign-in)
    finally:
        reg.close()
