"""Protected registers: accounts, encryption at rest, sealed safeguarding text, recovery, second factor.

Real files throughout: the register, its WAL and its backups are read byte for byte; the office account's
key opens the raw database with sqlcipher3 as any SQLCipher client would.
"""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
import sqlcipher3

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services import accounts, consent, incidents
from safeguard_desktop.services.accounts.signin import create_register, recover, sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.records import audit, backup
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv

PASSWORD = "correct pony staple lantern"
OFFICE_PASSWORD = "blue kettle morning drum"
NAME = "Zebedee"
SURNAME = "Quixleworth"
REASON = "Court order Marlowe Street"
SUMMARY = "Zanzibar account posted photos of the Year 6 trip"


@pytest.fixture
def school(tmp_path: Path) -> Path:
    folder = tmp_path / "school"
    reg, dsl, recovery = create_register(folder, "Oakfield Primary", "a.lead", "Ann Lead", PASSWORD)
    (folder / "recovery.txt").write_text(recovery, encoding="utf-8")
    rows = [[upn(1), "1", SURNAME, NAME, "", "01/09/2015", "Year 6", "6A"],
            [upn(2), "2", "Smith", "Amy", "", "01/09/2015", "Year 6", "6A"]]  # fmt: skip
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
        pupil = consent.find_pupil_by_upn(session, upn(1)).id
        consent.set_never_photograph(session, dsl, pupil, True, REASON)
        incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.PRIVACY, SUMMARY, people=[incidents.PersonInput("pupil", "affected", pupil_id=pupil)]))  # fmt: skip
        assert reg.keys is not None
        accounts.add_account(
            session, dsl, folder, reg.keys, accounts.NewAccount("o.office", "Olu Office", Role.OFFICE, OFFICE_PASSWORD)
        )
    reg.close()
    return folder


def test_sign_in_and_failed_sign_ins_reach_the_audit_trail(school: Path) -> None:
    with pytest.raises(accounts.SignInFailed, match="do not open"):
        sign_in(school, "a.lead", "wrong password here")
    with pytest.raises(accounts.SignInFailed):
        sign_in(school, "nobody", PASSWORD)  # an unknown name gets the same answer
    reg, actor = sign_in(school, "A.Lead ", PASSWORD)
    assert actor.role is Role.DSL and actor.safeguarding_key is not None
    with read_session(reg.engine) as session:
        actions = [(row[2], row[5]) for row in audit.recent(session, 20)]
        verified = audit.verify(session, actor)
    assert sum(action == "failed sign-in" for action, _ in actions) == 2
    assert any("'nobody'" in detail for _, detail in actions) and any(a == "signed in" for a, _ in actions)
    assert verified.intact
    reg.close()


def test_no_pupil_name_or_reason_in_the_database_wal_or_backup(school: Path, tmp_path: Path) -> None:
    reg, actor = sign_in(school, "a.lead", PASSWORD)
    with write_session(reg.engine) as session:  # keep a WAL with fresh writes in it
        consent.set_never_photograph(session, actor, 2, True, REASON)
    info = backup.back_up(reg.engine, reg.folder, actor, tmp_path / "usb")
    files = [school / "register.db", school / "register.db-wal", info.path]
    assert (school / "register.db-wal").exists()
    for path in files:
        data = path.read_bytes()
        for secret in (NAME, SURNAME, REASON, SUMMARY, "Oakfield", "Ann Lead"):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert secret.encode(encoding) not in data, (path.name, secret)
    # The leads still read everything through the app.
    with write_session(reg.engine) as session:
        detail = grid.pupil_detail(session, actor, 1)
        view = incidents.list_incidents(session, actor)[0]
    assert detail.never_photograph_reason == REASON and view.summary == SUMMARY
    reg.close()


def test_office_with_the_database_key_reads_no_incident_text_or_reason(school: Path) -> None:
    office_keys = keyring.unlock(school, "o.office", OFFICE_PASSWORD)
    assert office_keys.safeguarding_private is None
    # As any SQLCipher client would: the office key opens the raw file...
    raw = sqlcipher3.dbapi2.connect(str(school / "register.db"))
    raw.execute(f"PRAGMA key = \"x'{office_keys.database_key.hex()}'\"")
    names = raw.execute("SELECT legal_forename FROM pupil").fetchall()
    assert (NAME,) in names  # the register itself is theirs to read
    texts = [value for row in raw.execute("SELECT summary, platforms FROM incident") for value in row if value]
    texts += [row[0] for row in raw.execute("SELECT never_photograph_reason FROM pupil") if row[0]]
    raw.close()
    assert texts and all(t.startswith(sealed_box.SEALED_PREFIX) for t in texts)
    assert not any(SUMMARY in t or REASON in t for t in texts)
    # ...and through the app the office sees no incidents and no reasons.
    reg, office = sign_in(school, "o.office", OFFICE_PASSWORD)
    with write_session(reg.engine) as session:
        with pytest.raises(PermissionDenied):
            incidents.list_incidents(session, office)
        assert grid.pupil_detail(session, office, 1).never_photograph_reason is None
    reg.close()


def test_a_password_change_rewraps_one_slot_and_reencrypts_nothing(school: Path) -> None:
    before = keyring.unlock(school, "o.office", OFFICE_PASSWORD)
    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.reset_password(session, dsl, school, reg.keys, "o.office", "purple window river seven")
    reg.close()
    with pytest.raises(keyring.WrongPassword):
        keyring.unlock(school, "o.office", OFFICE_PASSWORD)
    after = keyring.unlock(school, "o.office", "purple window river seven")
    assert after.database_key == before.database_key
    assert keyring.unlock(school, "a.lead", PASSWORD).database_key == before.database_key


def test_the_last_dsl_stays_and_a_disabled_account_cannot_open_the_file(school: Path) -> None:
    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        with pytest.raises(ConflictError, match="last active DSL"):
            accounts.set_active(session, dsl, school, reg.keys, "a.lead", False)
        with pytest.raises(ConflictError, match="last active DSL"):
            accounts.change_role(session, dsl, school, reg.keys, "a.lead", Role.OFFICE, PASSWORD)
        accounts.set_active(session, dsl, school, reg.keys, "o.office", False)
    reg.close()
    with pytest.raises(accounts.SignInFailed):
        sign_in(school, "o.office", OFFICE_PASSWORD)


def test_only_the_dsl_manages_accounts(school: Path) -> None:
    reg, office = sign_in(school, "o.office", OFFICE_PASSWORD)
    assert reg.keys is not None
    with write_session(reg.engine) as session, pytest.raises(PermissionDenied):
        accounts.add_account(
            session, office, school, reg.keys, accounts.NewAccount("x.new", "X", Role.DSL, "long enough password")
        )
    reg.close()


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least 12"),
        ("password1234", "too easy"),
        ("aaaaaaaaaaaaaa", "too few"),
        ("a.leada.lead1", "too easy"),
    ],
)
def test_password_policy(password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        accounts.check_password(password, username="a.lead")


def test_recovery_key_resets_a_forgotten_password(school: Path) -> None:
    with pytest.raises(accounts.SignInFailed):
        recover(school, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF-GG")
    reg, actor = recover(school, (school / "recovery.txt").read_text(encoding="utf-8").lower())
    assert reg.keys is not None and actor.safeguarding_key is not None
    with write_session(reg.engine) as session:
        accounts.reset_password(session, actor, school, reg.keys, "a.lead", "new green garden gate")
    reg.close()
    reg, _ = sign_in(school, "a.lead", "new green garden gate")
    with read_session(reg.engine) as session:
        assert any(row[2] == "opened the register with the recovery key" for row in audit.recent(session, 30))
    reg.close()


def test_second_factor_for_a_lead(school: Path) -> None:
    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    secret = accounts.new_totp_secret()
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match="does not match"):
            accounts.set_second_factor(session, dsl, "a.lead", secret, "000000")
        accounts.set_second_factor(session, dsl, "a.lead", secret, pyotp.TOTP(secret).now())
    reg.close()
    with pytest.raises(accounts.SignInFailed):
        sign_in(school, "a.lead", PASSWORD)  # no code
    reg, _ = sign_in(school, "a.lead", PASSWORD, pyotp.TOTP(secret).now())
    reg.close()


def test_a_backup_of_another_register_is_refused_before_anything_is_replaced(school: Path, tmp_path: Path) -> None:
    other, other_dsl, _ = create_register(tmp_path / "other", "Elm School", "e.lead", "Eve Lead", "elm tree shade nine")
    foreign = backup.back_up(other.engine, other.folder, other_dsl, tmp_path / "other-backups").path
    other.close()
    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    before = (school / "register.db").stat().st_size
    with pytest.raises(ValidationError, match="does not open with this register's key"):
        backup.restore(reg.engine, reg.folder, dsl, foreign, reg.presence)
    assert (school / "register.db").stat().st_size == before
    own = backup.back_up(reg.engine, reg.folder, dsl, tmp_path / "own")
    assert own.pupils == 2 and Path(str(own.path) + ".keys.json").exists()
    reg.close()


def test_a_locked_register_does_not_open_without_keys(school: Path) -> None:
    from safeguard_desktop.services.database import RegisterLocked, open_register

    with pytest.raises(RegisterLocked, match="sign in"):
        open_register(school)


def test_a_missing_key_file_gives_a_plain_message_and_changes_nothing(
    school: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguard_desktop.cli import main

    before = (school / "register.db").read_bytes()
    (school / "keyslots.json").rename(school / "elsewhere.json")
    assert main(["--data-dir", str(school), "pupils"]) == 2
    err = capsys.readouterr().err
    assert "key file (keyslots.json) is missing" in err and "Traceback" not in err
    assert (school / "register.db").read_bytes() == before
    (school / "elsewhere.json").rename(school / "keyslots.json")
    reg, _ = sign_in(school, "a.lead", PASSWORD)
    reg.close()


def test_staff_read_their_own_report_and_nothing_else(school: Path) -> None:
    from safeguard_desktop.services.accounts import staff_reports, staff_room

    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.add_account(session, dsl, school, reg.keys, accounts.NewAccount("t.teacher", "Tia Teacher", Role.STAFF, "green apple river lamp"))  # fmt: skip
    reg.close()
    desk, teacher = sign_in(school, "t.teacher", "green apple river lamp")
    assert isinstance(desk, staff_room.StaffDesk)  # staff open no register: they hold no key to it
    assert teacher.safeguarding_key is None and teacher.personal_key is not None
    staff_reports.submit(school, teacher, desk.keys, incidents.IncidentInput(Category.CYBERBULLYING, "Mine: Kestrel"))
    assert [r.summary for r in staff_reports.my_reports(school, desk.keys)] == ["Mine: Kestrel"]  # their own words
    files = [school / "register.db", school / "register.db-wal", *sorted((school / "staffroom").rglob("*.json"))]
    assert b"Kestrel" not in b"".join(f.read_bytes() for f in files if f.exists())
    # The lead takes it in and reads it through the safeguarding key; the reporter then sees its number.
    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        staff_reports.take_in(session, dsl, reg.keys, school)
        assert any(v.summary == "Mine: Kestrel" for v in incidents.list_incidents(session, dsl))
        assert all("Kestrel" not in r.summary for r in incidents.my_reports(session, dsl))
    reg.close()
    (report,) = staff_reports.my_reports(school, desk.keys)
    assert report.incident is not None and report.status == "open"


def test_a_missing_register_file_is_not_replaced_by_an_empty_one(school: Path) -> None:
    from safeguard_desktop.services.database import RegisterLocked

    (school / "register.db").rename(school / "moved.db")
    with pytest.raises(RegisterLocked, match=r"register\.db\) is not"):
        sign_in(school, "a.lead", PASSWORD)
    assert not (school / "register.db").exists()  # nothing created in its place
    (school / "moved.db").rename(school / "register.db")
    sign_in(school, "a.lead", PASSWORD)[0].close()


def test_two_staff_with_the_same_name_see_only_their_own_reports(school: Path) -> None:
    from safeguard_desktop.services.accounts import staff_reports, staff_room

    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        for user in ("s.smith1", "s.smith2"):
            accounts.add_account(
                session, dsl, school, reg.keys, accounts.NewAccount(user, "Sam Smith", Role.STAFF, f"{user} river lamp")
            )
    reg.close()
    desk, first = sign_in(school, "s.smith1", "s.smith1 river lamp")
    assert isinstance(desk, staff_room.StaffDesk)
    staff_reports.submit(school, first, desk.keys, incidents.IncidentInput(Category.CYBERBULLYING, "First Sam's"))
    second_desk, _second = sign_in(school, "s.smith2", "s.smith2 river lamp")
    assert isinstance(second_desk, staff_room.StaffDesk)
    assert staff_reports.my_reports(school, second_desk.keys) == []  # the same display name is not the same person
    assert [r.summary for r in staff_reports.my_reports(school, desk.keys)] == ["First Sam's"]


def test_leads_must_turn_on_two_step_sign_in_unless_the_dsl_says_otherwise(school: Path, qtbot, answers) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.admin.accounts_dialog import require_two_step
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    reg, dsl = sign_in(school, "a.lead", PASSWORD)
    with write_session(reg.engine) as session:
        assert accounts.two_step_needed(session, dsl)  # by default, on a real school's register
    # WHEN the lead closes the set-up without turning it on THEN they are told, and the app closes
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    window.show()
    dialog = require_two_step(window, AppContext(reg, dsl))
    assert not dialog.off_button.isVisibleTo(dialog)
    dialog.reject()
    assert answers.told and "sign in again to set it up" in answers.told[-1][1] and not window.isVisible()
    secret = accounts.new_totp_secret()
    with write_session(reg.engine) as session:
        accounts.set_second_factor(session, dsl, "a.lead", secret, pyotp.TOTP(secret).now())
        assert not accounts.two_step_needed(session, dsl)
        with pytest.raises(ValidationError, match="required for safeguarding leads"):
            accounts.set_second_factor(session, dsl, "a.lead", None)  # not their own, while required
        accounts.set_leads_two_step(session, dsl, False)
        accounts.set_second_factor(session, dsl, "a.lead", None)
        assert not accounts.two_step_needed(session, dsl)  # the school's rule is off
    reg.close()


def test_the_demo_school_asks_no_two_step_sign_in(tmp_path: Path) -> None:
    from safeguard_desktop.services.accounts.signin import create_demo_register

    reg, dsl = create_demo_register(tmp_path / "demo", pupils=10)
    with write_session(reg.engine) as session:
        assert not accounts.two_step_needed(session, dsl)  # its accounts and passwords are on its sign-in screen
    reg.close()


def test_no_password_hash_is_kept_beside_the_key_slots(school: Path) -> None:
    """A copy of each password's hash in the accounts table was something any key to the file could guess
    against offline; the slot, opened with the password, is the only check."""
    from sqlalchemy import select

    from safeguard_desktop.store.models import UserAccount

    reg, _lead = sign_in(school, "a.lead", PASSWORD)
    with read_session(reg.engine) as session:
        hashes = list(session.scalars(select(UserAccount.password_hash)))
    reg.close()
    assert hashes and all(h == "" for h in hashes)
