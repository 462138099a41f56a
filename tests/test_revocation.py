"""Revocation is real: disabling, demoting or resetting an account replaces every key it held.

Attacks start from the files: a copy of the key file as it stood before the change (what every backup keeps),
the old password, and sqlcipher3 opening the live register.db as any SQLCipher client would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlcipher3

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.security import authority, keyring, sealed_box
from safeguard_desktop.services import accounts, consent, incidents
from safeguard_desktop.services.accounts import rotation
from safeguard_desktop.services.accounts.signin import create_register, recover, sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.presence import RegisterInUse, enter
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import SIMS_HEADERS, TODAY, key_opens, upn, write_csv

LEAD = "correct pony staple lantern"
DEPUTY = "purple otter evening quilt"
OFFICE = "blue kettle morning drum"
STAFF = "green ladder autumn piano"
NEW = "silver harbour window maple"
BEFORE = "Zanzibar account posted photos of the Year 6 trip"
AFTER = "Quokka group chat shared the nativity video"


def _sealed_summaries(folder: Path, key: bytes) -> list[str]:
    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        return [row[0] for row in connection.execute("SELECT summary FROM incident")]
    finally:
        connection.close()


@pytest.fixture
def school(tmp_path: Path) -> Path:
    from safeguard_desktop.services.pupils import mis_import
    from safeguard_desktop.services.pupils.mis_files import read_pupil_file

    folder = tmp_path / "school"
    reg, dsl, recovery = create_register(folder, "Oakfield Primary", "a.lead", "Ann Lead", LEAD)
    (tmp_path / "recovery.txt").write_text(recovery, encoding="utf-8")
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, [upn(1), "1", "Quill", "Zeb", "",
                                                                          "01/09/2015", "Year 6", "6A"]]))  # fmt: skip
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
        pupil = consent.find_pupil_by_upn(session, upn(1)).id
        consent.set_never_photograph(session, dsl, pupil, True, "Court order")
        incidents.record_incident(session, dsl, incidents.IncidentInput(Category.PRIVACY, BEFORE))
        for name, role, password in (("d.deputy", Role.DEPUTY_DSL, DEPUTY), ("o.office", Role.OFFICE, OFFICE),
                                     ("s.staff", Role.STAFF, STAFF)):  # fmt: skip
            accounts.add_account(
                session, dsl, folder, reg.keys, accounts.NewAccount(name, name.title(), role, password)
            )
    reg.close()
    return folder


def _keep_key_file(folder: Path, tmp_path: Path, name: str) -> Path:
    """The key file as a backup keeps it."""
    copy = tmp_path / name
    copy.mkdir()
    shutil.copy2(folder / keyring.SLOTS_FILE, copy / keyring.SLOTS_FILE)
    return copy


def _change(folder: Path, change, by: str = "a.lead", password: str = LEAD):  # type: ignore[no-untyped-def]
    reg, actor = sign_in(folder, by, password)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        change(session, actor, reg)
    done = rotation.replace_keys(reg, actor)
    return reg, actor, done


def test_a_disabled_accounts_old_slot_opens_no_live_register(school: Path, tmp_path: Path) -> None:
    old = _keep_key_file(school, tmp_path, "old")
    before = keyring.unlock(old, "o.office", OFFICE)
    assert key_opens(school, before.database_key)
    reg, _actor, done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "o.office",
                                                                            False))  # fmt: skip
    assert done is not None and done.generation == 1 and not done.lead_keys
    assert "backups made before" in done.summary()
    reg.close()
    assert not key_opens(school, before.database_key)
    # Everyone else still signs in, and with keys that open the live file.
    for user, password in (("a.lead", LEAD), ("d.deputy", DEPUTY)):
        reg, _ = sign_in(school, user, password)
        assert reg.keys is not None and reg.keys.database_key is not None and key_opens(school, reg.keys.database_key)
        reg.close()
    desk, _ = sign_in(school, "s.staff", STAFF)  # staff sign in, and hold no key to the register at all
    assert desk.keys is not None and desk.keys.database_key is None
    with pytest.raises(accounts.SignInFailed):
        sign_in(school, "o.office", OFFICE)


def test_a_demoted_lead_reads_nothing_written_after_and_cannot_sign(school: Path, tmp_path: Path) -> None:
    old = _keep_key_file(school, tmp_path, "old")
    deputy_before = keyring.unlock(old, "d.deputy", DEPUTY)
    assert deputy_before.safeguarding_private is not None and deputy_before.authority_private is not None
    reg, _actor, done = _change(school, lambda s, a, r: accounts.change_role(s, a, r.folder, r.keys, "d.deputy",
                                                                            Role.STAFF, NEW))  # fmt: skip
    assert done is not None and done.lead_keys and done.resealed >= 2  # the summary and the never reason
    with write_session(reg.engine) as session:
        incidents.record_incident(session, done.actor, incidents.IncidentInput(Category.PRIVACY, AFTER))
    # The lead reads both, before and after, with the new key.
    with read_session(reg.engine) as session:
        summaries = {v.summary for v in incidents.list_incidents(session, done.actor)}
    assert {BEFORE, AFTER} <= summaries
    reg.close()
    # The demoted deputy's old keys: the old database key opens nothing live; and even with the current file key
    # (they are staff now, and so hold it) the old safeguarding key opens no sealed text, old or new.
    assert deputy_before.database_key is not None and not key_opens(school, deputy_before.database_key)
    current = keyring.unlock(school, "d.deputy", NEW)
    assert current.safeguarding_private is None and current.authority_private is None
    assert current.database_key is None  # staff now: no key to the register file either
    for stored in _sealed_summaries(school, keyring.unlock(school, "a.lead", LEAD).register_key):
        assert sealed_box.is_sealed(stored)
        with pytest.raises(keyring.KeyError_):
            sealed_box.open_sealed(deputy_before.safeguarding_private, stored)
    # A record of accounts signed with the old authority key (a self-promotion) is refused at every open.
    data = json.loads((school / keyring.SLOTS_FILE).read_text(encoding="utf-8"))
    record = authority.verify(data["authority"], None, "test")
    promoted = dict(record.accounts)
    promoted["d.deputy"] = authority.SignedAccount("dsl", True, promoted["d.deputy"].personal_public)
    assert deputy_before.authority_public is not None
    data["authority"] = authority.sign(deputy_before.authority_private, deputy_before.authority_public,
                                       record.version + 1, record.safeguarding_public, promoted,
                                       record.key_generation)  # fmt: skip
    (school / keyring.SLOTS_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(authority.AuthorityMismatch):
        sign_in(school, "a.lead", LEAD)
    with pytest.raises(authority.AuthorityMismatch):
        sign_in(school, "o.office", OFFICE)


def test_a_reset_password_old_slot_opens_nothing_and_the_new_one_does(school: Path, tmp_path: Path) -> None:
    old = _keep_key_file(school, tmp_path, "old")
    reg, _actor, done = _change(school, lambda s, a, r: accounts.reset_password(s, a, r.folder, r.keys, "s.staff",
                                                                                NEW))  # fmt: skip
    assert done is not None and not done.lead_keys
    reg.close()
    old_keys = keyring.unlock(old, "s.staff", STAFF)
    assert old_keys.database_key is None  # a staff slot never held the register's key
    assert old_keys.personal_private != keyring.unlock(school, "s.staff", NEW).personal_private
    with pytest.raises(keyring.WrongPassword):
        keyring.unlock(school, "s.staff", STAFF)
    desk, actor = sign_in(school, "s.staff", NEW)
    assert actor.role is Role.STAFF
    desk.close()


def test_accounts_follow_the_handed_over_signing_key_and_pin_it(school: Path) -> None:
    reg, _actor, done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "d.deputy",
                                                                            False))  # fmt: skip
    assert done is not None and done.lead_keys
    reg.close()
    data = json.loads((school / keyring.SLOTS_FILE).read_text(encoding="utf-8"))
    assert len(data["authority_chain"]) == 1
    assert not keyring.unlock(school, "a.lead", LEAD).repin  # the lead who replaced the keys pinned them at once
    assert keyring.unlock(school, "o.office", OFFICE).repin  # before its sign-in: follows the link
    sign_in(school, "o.office", OFFICE)[0].close()
    assert not keyring.unlock(school, "o.office", OFFICE).repin  # pinned now: the link is no longer needed
    # The lead can still change accounts (the new signing key reached it in its envelope).
    reg, actor = sign_in(school, "a.lead", LEAD)
    assert reg.keys is not None and reg.keys.authority_private is not None
    with write_session(reg.engine) as session:
        accounts.add_account(
            session, actor, reg.folder, reg.keys, accounts.NewAccount("n.new", "N New", Role.STAFF, NEW)
        )
    reg.close()
    sign_in(school, "n.new", NEW)[0].close()


def test_the_recovery_key_keeps_working_after_a_replacement(school: Path, tmp_path: Path) -> None:
    reg, _actor, done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "d.deputy",
                                                                            False))  # fmt: skip
    assert done is not None and not done.recovery_stale
    reg.close()
    reg, actor = recover(school, (tmp_path / "recovery.txt").read_text(encoding="utf-8"))
    with read_session(reg.engine) as session:
        assert BEFORE in {v.summary for v in incidents.list_incidents(session, actor)}
    reg.close()


def test_a_replacement_waits_while_someone_else_has_the_register_open(school: Path, tmp_path: Path) -> None:
    other = enter(school, "another copy of the app", "o.office")
    try:
        reg, actor = sign_in(school, "a.lead", LEAD)
        assert reg.keys is not None
        with write_session(reg.engine) as session:
            accounts.set_active(session, actor, reg.folder, reg.keys, "s.staff", False)
        with pytest.raises(RegisterInUse, match=r"o\.office"):
            rotation.replace_keys(reg, actor)
        assert rotation.owed(school) is not None  # still owed, and said
        reg.close()
    finally:
        other.leave()
    old = _keep_key_file(school, tmp_path, "old")
    staff_key = keyring.unlock(old, "a.lead", LEAD).register_key
    reg, actor = sign_in(school, "a.lead", LEAD)  # the next lead's sign-in does it
    assert rotation.owed(school) is None
    reg.close()
    assert not key_opens(school, staff_key)


def test_the_audit_trail_records_the_replacement_and_stays_intact(school: Path) -> None:
    reg, _actor, done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "d.deputy",
                                                                            False))  # fmt: skip
    assert done is not None
    with read_session(reg.engine) as session:
        actions = [row[2] for row in audit.recent(session, 10)]
        assert audit.verify(session, done.actor).intact
    assert "replaced the register's keys" in actions
    reg.close()


def test_without_the_hand_over_link_a_record_signed_with_the_old_key_is_refused(school: Path, tmp_path: Path) -> None:
    old = _keep_key_file(school, tmp_path, "old")
    deputy_before = keyring.unlock(old, "d.deputy", DEPUTY)
    reg, _actor, _done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "d.deputy",
                                                                             False))  # fmt: skip
    reg.close()
    sign_in(school, "o.office", OFFICE)[0].close()  # office pins the new key
    # The demoted deputy still has a database key? No: but suppose they took the file and rewrote it — the link
    # removed, a record re-enabling them signed with the old key.
    data = json.loads((school / keyring.SLOTS_FILE).read_text(encoding="utf-8"))
    record = authority.verify(data["authority"], None, "test")
    again = dict(record.accounts)
    again["d.deputy"] = authority.SignedAccount("dsl", True, again["d.deputy"].personal_public)
    assert deputy_before.authority_private is not None and deputy_before.authority_public is not None
    data["authority"] = authority.sign(
        deputy_before.authority_private,
        deputy_before.authority_public,
        record.version + 1,
        record.safeguarding_public,
        again,
        record.key_generation,
    )
    data.pop("authority_chain")
    (school / keyring.SLOTS_FILE).write_text(json.dumps(data), encoding="utf-8")
    for user, password in (("a.lead", LEAD), ("o.office", OFFICE)):
        with pytest.raises(authority.AuthorityMismatch):
            sign_in(school, user, password)


def test_a_backup_from_before_the_replacement_restores_under_the_current_keys(school: Path, tmp_path: Path) -> None:
    from safeguard_desktop.services.records import backup

    reg, actor = sign_in(school, "a.lead", LEAD)
    saved = backup.back_up(reg.engine, reg.folder, actor, tmp_path / "copies")
    reg.close()
    old = _keep_key_file(school, tmp_path, "old")
    deputy_before = keyring.unlock(old, "d.deputy", DEPUTY)
    reg, _actor, done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "d.deputy",
                                                                            False))  # fmt: skip
    assert done is not None and done.lead_keys
    # The backup no longer opens with the current key, but a lead restores it: re-keyed, its texts sealed again.
    assert backup.opening_key(saved.path, reg.keys.database_key, None, school)[0] == reg.keys.database_key
    assert backup.opening_key(saved.path, reg.keys.database_key, reg.keys, school)[0] == deputy_before.database_key
    backup.restore(reg.engine, reg.folder, done.actor, saved.path, reg.presence, reg.keys)
    reg.close()
    assert not key_opens(school, deputy_before.database_key)  # the restored register is under the current keys
    reg, lead = sign_in(school, "a.lead", LEAD)
    with read_session(reg.engine) as session:
        assert BEFORE in {v.summary for v in incidents.list_incidents(session, lead)}
        assert audit.verify(session, lead).intact
    reg.close()
    with pytest.raises(accounts.SignInFailed):
        sign_in(school, "d.deputy", DEPUTY)  # the accounts in force now stay in force: still disabled
    # A non-lead's keys do not open the older generations.
    office = keyring.unlock(school, "o.office", OFFICE)
    assert rotation.older_keys(school, office) == []


def test_an_older_recovery_key_is_said_to_be_replaced_and_a_lead_makes_a_new_one(school: Path, tmp_path: Path) -> None:
    # A register from before recovery slots had a personal key: its recovery key cannot be given new keys.
    data = json.loads((school / keyring.SLOTS_FILE).read_text(encoding="utf-8"))
    data["recovery"].pop("personal")
    data["recovery"].pop("personal_public")
    (school / keyring.SLOTS_FILE).write_text(json.dumps(data), encoding="utf-8")
    reg, _actor, done = _change(school, lambda s, a, r: accounts.set_active(s, a, r.folder, r.keys, "s.staff",
                                                                            False))  # fmt: skip
    assert done is not None and done.recovery_stale and "New recovery key" in done.summary()
    reg.close()
    assert keyring.recovery_stale(school)
    with pytest.raises(accounts.SignInFailed, match="no longer opens it"):
        recover(school, (tmp_path / "recovery.txt").read_text(encoding="utf-8"))
    reg, lead = sign_in(school, "a.lead", LEAD)
    assert any("recovery key no longer opens" in n for n in reg.notices)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        fresh = accounts.new_recovery_key(session, lead, reg.folder, reg.keys)
    reg.close()
    assert not keyring.recovery_stale(school)
    reg, _ = recover(school, fresh)
    reg.close()
