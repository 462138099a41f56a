"""A trust's schools in one database on its server: each school's logins read nothing of another's (in the app or
with psycopg as psql would), and the trust's login reads each school's counts and trail but no pupil's name unless
that school's DSL shares them.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases and roles (CI starts one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from safeguard_desktop.cli import main
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import incidents, server, server_trust
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.server_school import School, in_url, of_url
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import new_postgres_database, without_user
from .test_server_roles import _refused

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")
PASSWORD = "granite orchard seventeen lanterns"
TRUST_PASSWORD = "copper meadow ninety kestrels"
SCHOOLS = {"oak": 12, "elm": 7}  # code: pupils
USERS = (("d.lead", "dsl"), ("p.deputy", "deputy_dsl"), ("o.office", "office"), ("t.teacher", "staff"))


#: Schools a test added to the trust's database (their roles go after it): code, user names.
_LATER: list[tuple[str, tuple[str, ...]]] = []


def _drop_roles(codes: list[str], users: tuple[str, ...] = tuple(u for u, _r in USERS)) -> None:
    """Roles are the server's, not one database's: each test's go with it (after its database)."""
    admin = create_engine(ADMIN_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for code in codes:
            school = School(code)
            for user in users:
                conn.execute(text(f'DROP ROLE IF EXISTS "{school.login(user)}"'))
            for group in (school.dsl, school.lead, school.office, school.staff):
                conn.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{server_trust.login_name("m.trust")}"'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{server_trust.TRUST}"'))
    admin.dispose()


@pytest.fixture
def trust(tmp_path: Path) -> Iterator[str]:
    """One database with two schools (oak: 12 pupils, elm: 7), each set up by `--school-code CODE server init` with
    the same four user names, a teacher's report and a lead's in each; the trust's login m.trust. Yields the
    database's URL (as its administrator, naming no school)."""
    assert ADMIN_URL
    import uuid

    suffix = uuid.uuid4().hex[:6]  # (the server's roles outlive a test's database: names of this test's own)
    codes = [f"{code}{suffix}" for code in SCHOOLS]
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD, encoding="utf-8")
    trust_secret = tmp_path / "trust.txt"
    trust_secret.write_text(TRUST_PASSWORD, encoding="utf-8")
    try:
        with new_postgres_database(ADMIN_URL, "safeguard_trust") as url:
            for code, pupils in zip(codes, SCHOOLS.values(), strict=True):
                it = ["--data-dir", str(tmp_path / "it"), "--password-file", str(secret), "--school-code", code]
                assert main([*it, "server", "init", url, "--dsl-user", "d.lead"]) == 0
                reg = open_register(tmp_path / "admin" / code, in_url(url, code))
                with write_session(reg.engine) as session:
                    lead = Actor("Dana Lead", Role.DSL, "d.lead")
                    create_demo_school(session, lead, pupils=pupils)
                    incidents.record_incident(session, Actor("Tom Teacher", Role.STAFF, "t.teacher"),
                                              incidents.IncidentInput(Category.CYBERBULLYING, f"Seen at {code}"))  # fmt: skip
                reg.close()
                for user, role in USERS[1:]:
                    assert main([*it, "server", "add-login", url, user, role]) == 0
            assert main(["--data-dir", str(tmp_path / "it"), "--password-file", str(trust_secret), "server",
                         "add-trust-login", url, "m.trust"]) == 0  # fmt: skip
            yield url
    finally:
        _drop_roles(codes)
        while _LATER:
            code, users = _LATER.pop()
            _drop_roles([code], users)


def _codes(url: str) -> list[str]:
    admin = create_engine(url)
    with admin.connect() as conn:
        found = [r[0][len("school_") :] for r in conn.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'school%' ORDER BY nspname"))]  # fmt: skip
    admin.dispose()
    return sorted(found, key=lambda code: 0 if code.startswith("oak") else 1)


def _as(url: str, login: str, password: str = PASSWORD, code: str = ""):  # type: ignore[no-untyped-def]
    """A psycopg connection as ``login``, as psql would make it (with PGOPTIONS naming a school's schema)."""
    import psycopg
    from sqlalchemy.engine import make_url

    address = make_url(in_url(url, code) if code else url).set(username=login, password=password)
    return psycopg.connect(**server.connection_arguments(address.render_as_string(hide_password=False)),
                           autocommit=True)  # fmt: skip


def _pupil_names(url: str, code: str) -> list[str]:
    admin = create_engine(in_url(url, code))
    with admin.connect() as conn:
        found = [str(r[0]) for r in conn.execute(text("SELECT legal_surname FROM pupil"))]
    admin.dispose()
    return found


def test_a_schools_logins_read_nothing_of_another_school(trust: str) -> None:
    oak, elm = _codes(trust)
    for user in ("d.lead", "o.office", "t.teacher"):
        with _as(trust, School(oak).login(user), code=oak) as own:
            assert own.execute("SELECT current_schema()").fetchone() == (f"school_{oak}",)
            if user != "t.teacher":
                assert own.execute("SELECT count(*) FROM pupil").fetchone() == (SCHOOLS["oak"],)
            for table in ("pupil", "consent_decision", "incident", "audit_entry", "user_account", "trust_summary"):
                assert _refused(own, f"SELECT count(*) FROM school_{elm}.{table}"), (user, table)
        # Pointed at the other school (PGOPTIONS), the same login sees no table at all.
        with _as(trust, School(oak).login(user), code=elm) as elsewhere:
            assert elsewhere.execute("SELECT current_schema()").fetchone() == (None,)
            assert _refused(elsewhere, f"SELECT count(*) FROM school_{elm}.pupil")
    # The same user name is two logins with two passwords: elm's DSL's password is elm's alone.
    with _as(trust, School(elm).login("d.lead"), code=elm) as elm_lead:
        elm_lead.execute(f"ALTER ROLE \"{School(elm).login('d.lead')}\" PASSWORD 'another one entirely 42'")
    import psycopg

    with pytest.raises(psycopg.OperationalError):
        _as(trust, School(elm).login("d.lead"), code=elm).close()
    with _as(trust, School(oak).login("d.lead"), code=oak) as oak_lead:  # oak's is unchanged
        assert oak_lead.execute("SELECT 1").fetchone() == (1,)


def test_the_app_signs_each_account_in_to_its_own_school_only(trust: str, tmp_path: Path) -> None:
    from safeguard_desktop.services.server import ServerSignInFailed

    oak, elm = _codes(trust)
    bare = without_user(trust)
    reg, actor = server.sign_in(tmp_path / "pc", in_url(bare, oak), "o.office", PASSWORD)
    try:
        assert actor.role is Role.OFFICE and of_url(reg.engine.url) == School(oak)
        assert server.on_server(reg)
        with read_session(reg.engine) as session:
            assert session.execute(text("SELECT count(*) FROM pupil")).scalar_one() == SCHOOLS["oak"]
    finally:
        reg.close()
    reg, actor = server.sign_in(tmp_path / "pc", in_url(bare, elm), "t.teacher", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            assert len(incidents.my_reports(session, actor)) == 1  # its own report at elm (the summary is sealed)
    finally:
        reg.close()
    # Each school's part on this computer is a folder of its own.
    assert server.local_folder(tmp_path, in_url(bare, oak)) != server.local_folder(tmp_path, in_url(bare, elm))
    # The trust's login is no school's account.
    with pytest.raises(ServerSignInFailed):
        server.sign_in(tmp_path / "pc", in_url(bare, oak), "m.trust", TRUST_PASSWORD)


def test_the_trust_sees_counts_and_trails_and_names_only_where_a_dsl_shares_them(  # type: ignore[no-untyped-def]
    trust: str, tmp_path: Path, capsys
) -> None:
    oak, elm = _codes(trust)
    bare = without_user(trust)
    trust_secret = tmp_path / "trust.txt"
    as_trust = ["--data-dir", str(tmp_path / "hq"), "--user", "m.trust", "--password-file", str(trust_secret)]
    assert main([*as_trust, "trust", "report", bare]) == 0
    said = capsys.readouterr()
    assert oak in said.out and elm in said.out and "nothing published yet" in said.err

    # Oak's DSL publishes (the app does at each lead's sign-in): counts only.
    secret = tmp_path / "password.txt"
    as_oak_lead = ["--data-dir", str(tmp_path / "pc"), "--database", bare, "--school-code", oak, "--user", "d.lead",
                   "--password-file", str(secret)]  # fmt: skip
    assert main([*as_oak_lead, "trust", "publish"]) == 0
    capsys.readouterr()
    engine = server_trust.connect(bare, "m.trust", TRUST_PASSWORD)
    try:
        by_code = {s.code: s for s in server_trust.report(engine).schools}
        assert set(by_code) == {oak, elm}
        oak_figures = by_code[oak]
        assert oak_figures.body["pupils_on_roll"] == SCHOOLS["oak"]
        assert oak_figures.incidents["total"] == 1 and oak_figures.incidents["open"] == 1
        assert [t["category"] for t in oak_figures.incidents["terms"]] == [Category.CYBERBULLYING.value]
        assert oak_figures.body["consent"] and oak_figures.trail_entries > 0 and not oak_figures.names_shared
        assert by_code[elm].published_at is None and by_code[elm].trail_entries > 0
        with pytest.raises(PermissionDenied):
            server_trust.pupils(engine, oak)
    finally:
        engine.dispose()
    with _as(trust, server_trust.login_name("m.trust"), TRUST_PASSWORD) as hq:
        for table in ("pupil", "consent_decision", "incident", "incident_entry", "audit_entry", "contact",
                      "user_account", "server_key", "trust_read"):  # fmt: skip
            assert _refused(hq, f"SELECT count(*) FROM school_{oak}.{table}"), table
        assert _refused(hq, f"SELECT * FROM school_{oak}.sg_trust_pupils()")  # not shared (yet)
        assert _refused(hq, f"SELECT * FROM school_{oak}.sg_trust_details(ARRAY[1])")
        assert _refused(hq, f"INSERT INTO school_{oak}.trust_summary (published_at, published_by, body) "
                            "VALUES (now(), 'forged', '{}')")  # fmt: skip
        assert _refused(hq, f"SELECT school_{oak}.sg_trust_names(true)")  # nor share names itself
        assert hq.execute(f"SELECT count(*) FROM school_{oak}.trust_trail").fetchone()[0] > 0

    # Only the school's DSL shares names: a deputy is refused by the app and by the server.
    as_oak_deputy = [*as_oak_lead]
    as_oak_deputy[as_oak_deputy.index("d.lead")] = "p.deputy"
    assert main([*as_oak_deputy, "trust", "share-names", "on"]) == 2
    with _as(trust, School(oak).login("p.deputy"), code=oak) as deputy:
        assert _refused(deputy, "SELECT sg_trust_names(true)")
    assert main([*as_oak_lead, "trust", "share-names", "on"]) == 0
    capsys.readouterr()
    assert main([*as_trust, "trust", "pupils", bare, oak]) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    assert len(listed) == SCHOOLS["oak"]
    assert main([*as_trust, "trust", "pupils", bare, elm]) == 2  # elm's DSL shares nothing
    assert "does not share" in capsys.readouterr().err
    with _as(trust, server_trust.login_name("m.trust"), TRUST_PASSWORD) as hq:  # psql's way, noted as well
        assert len(hq.execute(f"SELECT * FROM school_{oak}.sg_trust_pupils()").fetchall()) == SCHOOLS["oak"]
        assert _refused(hq, f"DELETE FROM school_{oak}.trust_read")  # (nor can it rub its readings out)
    assert main([*as_oak_lead, "trust", "reads"]) == 0
    reads = capsys.readouterr().out.strip().splitlines()
    assert len(reads) == 2 and all("m.trust" in line and "pupils' names" in line for line in reads)
    assert main([*as_oak_lead, "trust", "share-names", "off"]) == 0
    assert main([*as_trust, "trust", "pupils", bare, oak]) == 2
    capsys.readouterr()
    # Oak's trail says who shared and who took back, and who published.
    reg, _lead = server.sign_in(tmp_path / "pc", in_url(bare, oak), "d.lead", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            actions = [row[0] for row in session.execute(text("SELECT action FROM audit_entry ORDER BY id"))]
    finally:
        reg.close()
    for action in ("published the school's counts to the trust", "let the trust see pupils' names",
                   "took pupils' names back from the trust"):  # fmt: skip
        assert action in actions
    # and, chained in by the leads' sign-ins since (the trust's login writes no entry), each of the trust's readings
    # once — the app's and psql's alike — however many sign-ins followed.
    assert actions.count(server_trust.READ_ACTION) == 2
    reg, _lead = server.sign_in(tmp_path / "pc", in_url(bare, oak), "d.lead", PASSWORD)
    try:
        with read_session(reg.engine) as session:
            chained = session.execute(text("SELECT detail, signer FROM audit_entry WHERE action = :a"),
                                      {"a": server_trust.READ_ACTION}).all()  # fmt: skip
            assert audit.verify(session, _lead).intact
    finally:
        reg.close()
    assert len(chained) == 2 and all(signer == "d.lead" and detail.startswith("m.trust read pupils' names (")
                                     for detail, signer in chained)  # fmt: skip
    # A disabled trust login signs in no more.
    assert main(["--data-dir", str(tmp_path / "it"), "server", "disable-trust-login", trust, "m.trust"]) == 0
    with pytest.raises(server.ServerSignInFailed):
        server_trust.connect(bare, "m.trust", TRUST_PASSWORD)


def test_a_school_code_is_checked_and_travels_in_the_url() -> None:
    from safeguard_desktop.services.errors import ValidationError
    from safeguard_desktop.services.server_school import check_code

    url = in_url("postgresql+psycopg://db.trust.local/trust?sslmode=require", "Oakfield")
    assert of_url(url) == School("oakfield") and "sslmode=require" in url
    assert of_url(in_url(url, "")) == School()
    assert server.login_url(url, "o.office", "pw").startswith("postgresql+psycopg://sg_oakfield_u_o.office:")
    for bad in ("trust", "x", "1school", "oak-field", "a" * 17, "oak;drop"):
        with pytest.raises(ValidationError):
            check_code(bad)
    assert len(School("a" * 16).login("u" * 40)) <= 63  # PostgreSQL's longest name


def _drive(steps):  # type: ignore[no-untyped-def]
    from .test_server_move import _drive as drive

    return drive(steps)


def test_the_trusts_lead_connects_signs_in_and_reads_each_school_in_its_window(  # type: ignore[no-untyped-def]
    qtbot, trust: str, tmp_path: Path
) -> None:
    from sqlalchemy.engine import make_url

    from safeguard_desktop.services import server_address
    from safeguard_desktop.services.server_trust import TrustDesk
    from safeguard_desktop.ui.app import open_register_for, parse_args
    from safeguard_desktop.ui.connection import ConnectionDialog
    from safeguard_desktop.ui.signin import FirstRunDialog, SignInDialog
    from safeguard_desktop.ui.trust_window import TrustWindow

    oak, elm = _codes(trust)
    secret = tmp_path / "password.txt"
    assert main(["--data-dir", str(tmp_path / "pc"), "--database", without_user(trust), "--school-code", oak, "--user",
                 "d.lead", "--password-file", str(secret), "trust", "publish"]) == 0  # fmt: skip
    address = make_url(trust)
    hq = tmp_path / "trust-pc"

    def connect(dialog: ConnectionDialog) -> None:
        dialog.host_edit.setText(str(address.host))
        dialog.port_spin.setValue(int(address.port or 5432))
        dialog.database_edit.setText(str(address.database))
        dialog.school_edit.setText("Not a code!")
        dialog.ok_button.click()  # a school's code is checked, and named
        assert "school's code" in dialog.error_label.text() and dialog.isVisible()
        dialog.trust_box.click()  # the trust reads every school: no code to give
        assert not dialog.school_edit.isEnabled()
        dialog.ok_button.click()

    def sign_in(dialog: SignInDialog) -> None:
        assert dialog.trust and dialog.switch_button.isVisible()
        dialog.user_edit.setText("m.trust")
        dialog.password_edit.setText(TRUST_PASSWORD)
        dialog.ok_button.click()

    left = _drive([(FirstRunDialog, lambda d: d.server_button.click()), (ConnectionDialog, connect),
                   (SignInDialog, sign_in)])  # fmt: skip
    signed = open_register_for(parse_args(["--data-dir", str(hq)]), hq)
    assert not left and not isinstance(signed, int) and isinstance(signed.register, TrustDesk)
    remembered = server_address.remembered(hq)
    assert remembered is not None and remembered.trust and remembered.school == ""
    window = TrustWindow(signed.register)
    qtbot.addWidget(window)
    try:
        window.resize(1366, 768)
        window.show()
        window.reload()
        qtbot.waitUntil(lambda: window.schools.row_count() == 2, timeout=10_000)
        codes = [window.schools.rows.text(r, 0) for r in range(2)]
        row_of_oak = codes.index(oak)
        assert window.schools.rows.text(row_of_oak, 3) == str(SCHOOLS["oak"])
        assert window.schools.rows.text(codes.index(elm), 1) == "not yet"
        window.schools.selectRow(row_of_oak)
        qtbot.waitUntil(lambda: window.trail.row_count() > 0, timeout=10_000)
        assert window.consent.row_count() > 0 and window.terms.row_count() == 1
        assert not window.details.isTabEnabled(3)  # oak's DSL shares no names
        assert all(window.trail.rows.text(r, 4) == "" for r in range(window.trail.row_count()))  # nor details
        if os.environ.get("SAFEGUARD_SCREENSHOTS"):
            window.grab().save(str(Path(os.environ["SAFEGUARD_SCREENSHOTS"]) / "trust-window.png"))
        # Every school's figures to a spreadsheet: a row per figure, and no pupil's name in it.
        import csv

        from safeguard_desktop.ui.kit import steps

        exported = tmp_path / "figures.csv"
        before = steps.use(steps.Scripted(answers=[exported]))
        try:
            window.export()
        finally:
            steps.use(before)
        with exported.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["School", "Published", "Figure", "Of", "Count", "A year earlier"]
        assert any(r[0] == oak and r[2:5] == ["pupils on roll", "", str(SCHOOLS["oak"])] for r in rows)
        assert any(r[0] == elm and r[2] == "audit trail entries" for r in rows)
        names = _pupil_names(trust, oak)
        assert names and not any(name in cell for row in rows for cell in row for name in names)
        # Locked as every window (names may be on screen): the trust's login signs in again to unlock.
        window.inactivity.lock(prompt=False)
        assert not window.centralWidget().isVisible()
        assert not window.inactivity.unlock("not the password at all")
        assert window.inactivity.unlock(TRUST_PASSWORD) and window.centralWidget().isVisible()
    finally:
        window.close()
        signed.register.close()


def test_a_leads_sign_in_publishes_to_the_trust_and_the_dsl_shares_names_from_the_accounts_screen(  # type: ignore[no-untyped-def]
    qtbot, trust: str, tmp_path: Path
) -> None:
    from safeguard_desktop.ui.admin.server_accounts_dialog import ServerAccountsDialog
    from safeguard_desktop.ui.kit import steps
    from safeguard_desktop.ui.trust_window import publish_to_trust

    from .conftest import incidents_window

    oak, _elm = _codes(trust)
    reg, dsl = server.sign_in(tmp_path / "pc", in_url(without_user(trust), oak), "d.lead", PASSWORD)
    window, _screen = incidents_window(qtbot, reg, dsl)
    scripted = steps.Scripted(answers=[True])
    before = steps.use(scripted)
    try:
        publish_to_trust(window, window.context)
        qtbot.waitUntil(lambda: "published to the trust" in window.statusBar().currentMessage(), timeout=10_000)
        dialog = window.on_accounts_action()
        assert isinstance(dialog, ServerAccountsDialog) and dialog.names_box.isVisibleTo(dialog)
        qtbot.waitUntil(dialog.names_box.isEnabled, timeout=10_000)
        assert not dialog.names_box.isChecked()
        qtbot.waitUntil(lambda: "has not read" in dialog.reads_label.text(), timeout=10_000)
        dialog.names_box.click()  # asked first: names of children leave the school
        qtbot.waitUntil(dialog.names_box.isChecked, timeout=10_000)
        assert "every pupil's name" in scripted.asked[0][1]
    finally:
        steps.use(before)
        reg.close()
    engine = server_trust.connect(without_user(trust), "m.trust", TRUST_PASSWORD)
    try:
        figures = {s.code: s for s in server_trust.report(engine).schools}[oak]
        assert figures.names_shared and figures.published_by == "d.lead"  # (its name as the account has it)
        assert len(server_trust.pupils(engine, oak)) == SCHOOLS["oak"]
        assert any(line.detail for line in server_trust.trail(engine, oak))  # the details, now shared
    finally:
        engine.dispose()


def test_a_schools_own_register_moves_into_the_trusts_database_beside_the_others(  # type: ignore[no-untyped-def]
    trust: str, tmp_path: Path
) -> None:
    """A school joining the trust: its local register moved into a schema of its own, its accounts' logins its own
    (the demo school's user names, beside two schools' d.lead and o.office), none of it readable by the others."""
    import uuid

    from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS

    from .test_server_move import _local

    oak, _elm = _codes(trust)
    code = f"ash{uuid.uuid4().hex[:6]}"
    folder = tmp_path / "ash-school"
    _local(folder, 30, 2)
    passwords = {user: password for user, password, _role, _name in DEMO_ACCOUNTS}
    secret = tmp_path / "ash-dsl.txt"
    secret.write_text(passwords["dsl"], encoding="utf-8")
    it = ["--data-dir", str(tmp_path / "it"), "--school-code", code]
    _LATER.append((code, tuple(passwords)))
    assert main([*it, "server", "prepare", trust]) == 0
    assert main([*it, "--user", "dsl", "--password-file", str(secret), "server", "move-from", trust,
                 str(folder)]) == 0  # fmt: skip
    reg, dsl = server.sign_in(tmp_path / "pc", in_url(without_user(trust), code), "dsl", passwords["dsl"])
    try:
        assert dsl.role is Role.DSL and dsl.safeguarding_key is not None
        with read_session(reg.engine) as session:
            assert session.execute(text("SELECT count(*) FROM pupil")).scalar_one() == 30
            assert session.execute(text("SELECT count(*) FROM incident")).scalar_one() == 3
    finally:
        reg.close()
    with _as(trust, School(oak).login("d.lead"), code=oak) as oak_lead:
        assert _refused(oak_lead, f"SELECT count(*) FROM school_{code}.pupil")
    engine = server_trust.connect(without_user(trust), "m.trust", TRUST_PASSWORD)
    try:
        assert code in {s.code for s in server_trust.report(engine).schools}
    finally:
        engine.dispose()


def test_the_trusts_sign_in_says_when_the_server_cannot_be_reached() -> None:
    from safeguard_desktop.services.database import RegisterLocked

    with pytest.raises(RegisterLocked, match="cannot be reached"):  # (not "the name or password")
        server_trust.connect("postgresql+psycopg://127.0.0.1:1/trust", "m.trust", TRUST_PASSWORD)


def test_a_second_register_on_the_same_server_without_a_code_of_its_own_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Roles are the whole server's: a second school set up with the same group names in another database would let
    each school's logins into the other's. Refused before anything is made; with a code of its own it is set up."""
    assert ADMIN_URL
    import uuid

    code = f"ash{uuid.uuid4().hex[:6]}"
    it = ["--data-dir", str(tmp_path / "it")]
    try:
        with (
            new_postgres_database(ADMIN_URL, "safeguard_one") as first,
            new_postgres_database(ADMIN_URL, "safeguard_two") as second,
        ):
            assert main([*it, "server", "prepare", first]) == 0
            capsys.readouterr()
            assert main([*it, "server", "prepare", second]) == 2
            said = capsys.readouterr().err
            assert "already holds another register" in said and first.rsplit("/", 1)[1] in said
            admin = create_engine(second)
            with admin.connect() as conn:  # nothing was made there
                assert conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE "
                                         "table_schema = 'public'")).scalar_one() == 0  # fmt: skip
            admin.dispose()
            assert main([*it, "--school-code", code, "server", "prepare", second]) == 0
    finally:
        _drop_roles([code])
