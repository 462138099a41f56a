"""Authority is signed: attacks from the files with an ordinary account's password — a swapped public key, a
self-promotion in the raw database, an account and slot added by hand, an edited or re-signed record — are
refused or undone, never acted on."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.security import authority, keyring
from safeguard_desktop.services import accounts, incidents
from safeguard_desktop.services.accounts.signin import create_register, sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.transaction import read_session, write_session

from .conftest import raw_database

LEAD = "correct pony staple lantern"
OFFICE = "blue kettle morning drum"


@pytest.fixture
def school(tmp_path: Path) -> Path:
    folder = tmp_path / "school"
    reg, dsl, _ = create_register(folder, "Oakfield Primary", "a.lead", "Ann Lead", LEAD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.add_account(
            session, dsl, folder, reg.keys, accounts.NewAccount("o.office", "Olu Office", Role.OFFICE, OFFICE)
        )
    reg.close()
    return folder


def _slots(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / keyring.SLOTS_FILE).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _save(folder: Path, data: object) -> None:
    (folder / keyring.SLOTS_FILE).write_text(json.dumps(data), encoding="utf-8")


def test_a_swapped_safeguarding_public_key_is_refused_before_anything_is_sealed(school: Path) -> None:
    data = _slots(school)
    _private, mine = keyring.new_key_pair()  # the office's own key pair, to read what is sealed "to the leads"
    data["safeguarding_public"] = base64.b64encode(mine).decode()
    _save(school, data)
    with pytest.raises(authority.AuthorityMismatch, match="not the one this register's leads signed"):
        sign_in(school, "o.office", OFFICE)
    with pytest.raises(keyring.DamagedKeyFile, match="does not belong to the leads"):  # a lead's own key disagrees
        sign_in(school, "a.lead", LEAD)


def test_a_role_edited_in_the_raw_database_is_not_acted_on_and_is_put_back(school: Path) -> None:
    conn = raw_database(school, "o.office", OFFICE)  # the office's own key, any SQLCipher client
    conn.execute("UPDATE user_account SET role = 'dsl' WHERE username = 'o.office'")
    conn.commit()
    conn.close()
    reg, office = sign_in(school, "o.office", OFFICE)
    try:
        assert office.role is Role.OFFICE  # the signed role, not the table's
        with read_session(reg.engine) as session, pytest.raises(PermissionDenied):
            incidents.list_incidents(session, office)
        with read_session(reg.engine) as session:
            actions = [row[2] for row in audit.recent(session)]
    finally:
        reg.close()
    assert "accounts put back to their signed record" in actions
    conn = raw_database(school, "o.office", OFFICE)
    assert conn.execute("SELECT role FROM user_account WHERE username = 'o.office'").fetchone()[0] == "office"
    conn.close()


def test_an_account_and_slot_added_by_hand_do_not_sign_in(school: Path) -> None:
    conn = raw_database(school, "o.office", OFFICE)
    conn.execute(
        "INSERT INTO user_account (username, display_name, role, password_hash, active, created_at, version) "
        "SELECT 'evil', 'Evil', 'dsl', password_hash, 1, created_at, 1 FROM user_account WHERE username = 'o.office'"
    )
    conn.commit()
    conn.close()
    data = _slots(school)
    data["users"]["evil"] = data["users"]["o.office"]  # the office's slot, copied under a new name
    _save(school, data)
    with pytest.raises(accounts.SignInFailed):
        sign_in(school, "evil", OFFICE)


def test_an_edited_or_re_signed_record_is_refused(school: Path) -> None:
    original = _slots(school)
    edited = json.loads(json.dumps(original))
    doc = json.loads(edited["authority"]["doc"])
    doc["accounts"]["o.office"]["role"] = "dsl"
    edited["authority"]["doc"] = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    _save(school, edited)
    with pytest.raises(authority.AuthorityMismatch, match="not signed by this register's leads"):
        sign_in(school, "o.office", OFFICE)
    # Signed again with a key of the attacker's own, public half and all: the pin in each slot refuses it
    private, public = authority.new_key_pair()
    accounts_signed = {
        name: authority.SignedAccount("dsl", True, a["personal_public"]) for name, a in doc["accounts"].items()
    }
    forged = json.loads(json.dumps(original))
    forged["authority"] = authority.sign(private, public, 99, original["safeguarding_public"], accounts_signed)
    _save(school, forged)
    for user, password in (("o.office", OFFICE), ("a.lead", LEAD)):
        with pytest.raises(authority.AuthorityMismatch):
            sign_in(school, user, password)
    _save(school, original)
    sign_in(school, "o.office", OFFICE)[0].close()


def test_leads_change_roles_and_the_record_follows(school: Path) -> None:
    reg, dsl = sign_in(school, "a.lead", LEAD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.change_role(session, dsl, school, reg.keys, "o.office", Role.DEPUTY_DSL, "new deputy password here")
    reg.close()
    reg, deputy = sign_in(school, "o.office", "new deputy password here")
    try:
        assert deputy.role is Role.DEPUTY_DSL and deputy.safeguarding_key is not None
        with write_session(reg.engine) as session:  # and the deputy reads incidents sealed to the leads
            number = incidents.record_incident(session, deputy, incidents.IncidentInput(Category.PRIVACY, "Photos"))
            assert incidents.read_incident(session, deputy, number).summary == "Photos"
    finally:
        reg.close()
    assert "pending_authority" not in _slots(school)


def test_taking_the_pin_out_of_a_slot_makes_it_refuse_not_trust(school: Path) -> None:
    data = _slots(school)
    del data["users"]["o.office"]["pin"]  # so that the slot would trust a record signed by anyone
    private, public = authority.new_key_pair()
    doc = json.loads(data["authority"]["doc"])
    forged = {name: authority.SignedAccount("dsl", True, a["personal_public"]) for name, a in doc["accounts"].items()}
    data["authority"] = authority.sign(private, public, 99, data["safeguarding_public"], forged)
    _save(school, data)
    with pytest.raises(authority.AuthorityMismatch, match="pin to the leads' signing key was removed"):
        sign_in(school, "o.office", OFFICE)


def test_a_register_from_before_signed_records_starts_one_at_the_first_lead_sign_in(school: Path) -> None:
    from safeguard_desktop.security.keyring import _slot_for, _unb64

    # GIVEN a key file as an earlier version wrote it: no record, slots without pins (rewrapped here with the
    # passwords, the way that version made them)
    lead_keys = keyring.unlock(school, "a.lead", LEAD)
    office_keys = keyring.unlock(school, "o.office", OFFICE)
    data = _slots(school)
    del data["authority"]
    for name, keys, password in (("a.lead", lead_keys, LEAD), ("o.office", office_keys, OFFICE)):
        personal = (keys.personal_private, _unb64(data["users"][name]["personal_public"]))
        data["users"][name] = _slot_for(password, keys.database_key, keys.safeguarding_private, personal)
    _save(school, data)
    sign_in(school, "o.office", OFFICE)[0].close()  # an office sign-in cannot start the record
    assert "authority" not in _slots(school)
    # WHEN the lead signs in THEN the record is made and the lead's slot pinned; the office pins it at its next
    reg, lead = sign_in(school, "a.lead", LEAD)
    assert reg.keys is not None and reg.keys.authority_private is not None  # the lead can sign changes at once
    with write_session(reg.engine) as session:
        accounts.add_account(session, lead, school, reg.keys, accounts.NewAccount("t.teacher", "Tia Teacher", Role.STAFF, "green apple river lamp"))  # fmt: skip
    reg.close()
    sign_in(school, "t.teacher", "green apple river lamp")[0].close()  # signed into the new record
    after = _slots(school)
    assert "authority" in after and "pin" in after["users"]["a.lead"] and "pin" not in after["users"]["o.office"]
    reg, office = sign_in(school, "o.office", OFFICE)
    reg.close()
    assert office.role is Role.OFFICE and "pin" in _slots(school)["users"]["o.office"]
    assert lead.role is Role.DSL


def test_a_trail_changed_outside_the_app_is_noticed_at_the_next_sign_in(school: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.cli import main

    reg, _lead = sign_in(school, "a.lead", LEAD)
    assert reg.notices == []  # an untouched trail says nothing
    reg.close()
    conn = raw_database(school, "o.office", OFFICE)  # the office cuts the last entries, head and all
    top = conn.execute("SELECT max(sequence) FROM audit_entry").fetchone()[0]
    conn.execute("DELETE FROM audit_entry WHERE sequence > ?", (top - 3,))
    last = conn.execute("SELECT chain_hash FROM audit_entry WHERE sequence = ?", (top - 3,)).fetchone()[0]
    conn.execute("UPDATE audit_head SET count = ?, last_hash = ?", (top - 3, last))
    conn.commit()
    conn.close()
    reg, _lead = sign_in(school, "a.lead", LEAD)
    try:
        assert len(reg.notices) == 1 and "outside anchor" in reg.notices[0]
        with read_session(reg.engine) as session:
            assert "found the audit trail changed at sign-in" in [row[2] for row in audit.recent(session)]
    finally:
        reg.close()
    secret = school.parent / "lead.pw"
    secret.write_text(LEAD, encoding="utf-8")
    assert main(["--data-dir", str(school), "--user", "a.lead", "--password-file", str(secret), "purposes"]) == 0
    assert "warning: The audit trail was changed outside the app" in capsys.readouterr().err
