"""An earlier copy of the key file put back in the data folder is noticed: the record of accounts in it is signed
by the leads like the current one, so only each account's memory of the newest it signed in with can tell.

Attack from the files: office keeps a copy of keyslots.json, a lead then adds an account (no key replacement),
office puts its copy back — the new account is gone and the rest of the record is as it was before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from safeguard_desktop.security import keyring, profile_notes, record_seen
from safeguard_desktop.services import accounts
from safeguard_desktop.services.accounts.signin import sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import school_with_accounts

LEAD = "correct pony staple lantern"
OFFICE = "blue kettle morning drum"
STAFF = "green ladder autumn piano"


def _signs_in(folder: Path, name: str, password: str) -> None:
    opened, _actor = sign_in(folder, name, password)
    opened.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "school"
    school_with_accounts(folder, LEAD, ("o.office", Role.OFFICE, OFFICE), ("s.staff", Role.STAFF, STAFF))
    for name, password in (("o.office", OFFICE), ("s.staff", STAFF)):
        _signs_in(folder, name, password)
    return folder


def _earlier_copy_put_back(folder: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept.json"
    shutil.copy2(folder / keyring.SLOTS_FILE, kept)
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        assert reg.keys is not None
        accounts.add_account(session, lead, folder, reg.keys,
                             accounts.NewAccount("n.new", "N New", Role.OFFICE, "silver harbour window maple"))  # fmt: skip
    reg.close()
    for name, password in (("o.office", OFFICE), ("s.staff", STAFF), ("a.lead", LEAD)):
        _signs_in(folder, name, password)  # each now signed in with the newer record
    shutil.copy2(kept, folder / keyring.SLOTS_FILE)


def test_office_and_staff_are_refused_an_earlier_key_file(folder: Path, tmp_path: Path) -> None:
    _earlier_copy_put_back(folder, tmp_path)
    for name, password in (("o.office", OFFICE), ("s.staff", STAFF)):
        with pytest.raises(accounts.SignInFailed, match="earlier copy"):
            sign_in(folder, name, password)


def test_a_lead_signs_in_and_is_told_and_the_trail_says_so(folder: Path, tmp_path: Path) -> None:
    _signs_in(folder, "a.lead", LEAD)
    _earlier_copy_put_back(folder, tmp_path)
    reg, lead = sign_in(folder, "a.lead", LEAD)
    try:
        assert any("earlier copy" in notice and "signed it again as the newest" in notice for notice in reg.notices)
        with read_session(reg.engine) as session:
            assert any(row.action == "found an earlier key file put back" for row in audit.browse(session, lead))
    finally:
        reg.close()
    # Signed again as the newest, the copy lets the others in; the account added since is not in it.
    for name, password in (("o.office", OFFICE), ("s.staff", STAFF)):
        _signs_in(folder, name, password)
    with pytest.raises(accounts.SignInFailed):
        sign_in(folder, "n.new", "silver harbour window maple")
    again, _lead = sign_in(folder, "a.lead", LEAD)
    again.close()
    assert not any("earlier copy" in notice for notice in again.notices)  # and is not told again


def test_the_current_key_file_signs_in_as_before(folder: Path) -> None:
    for name, password in (("o.office", OFFICE), ("s.staff", STAFF), ("a.lead", LEAD)):
        _signs_in(folder, name, password)


def test_a_lowered_note_in_a_shared_profile_does_not_carry_its_mark(folder: Path, tmp_path: Path) -> None:
    """Another account on the same computer profile edits office's note down to version 1: it no longer counts,
    and office's next sign-in writes a good one again (the check is lost only until then, never turned on someone)."""
    note = profile_notes.read_note(record_seen.KIND, folder, "o.office")
    assert note is not None and note["version"] >= 1
    profile_notes.write_note(record_seen.KIND, folder, "o.office", {**note, "version": 1})
    keys = keyring.unlock(folder, "o.office", OFFICE)
    assert record_seen.seen(folder, "o.office", keys.personal_private) == 0
    _signs_in(folder, "o.office", OFFICE)
    assert record_seen.seen(folder, "o.office", keys.personal_private) == note["version"]


def test_the_refusal_shows_whole_in_the_sign_in_window(qtbot, folder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The refusal says what to do in three lines; the sign-in window, of a fixed size for the short messages, grows
    until all of it shows, and no further than the screen."""
    from PySide6.QtCore import QSettings

    from safeguard_desktop.ui.signin import SignInDialog

    _earlier_copy_put_back(folder, tmp_path)
    dialog = SignInDialog(folder)
    QSettings().remove(dialog._geometry_key())  # at its own size, not one an earlier test's window left behind
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.height()
    dialog.user_edit.setText("o.office")
    dialog.password_edit.setText(OFFICE)
    assert not dialog.sign_in()
    label = dialog.error_label
    assert "earlier copy" in label.text()
    assert label.height() >= label.heightForWidth(label.width())  # every line of it inside the label
    assert label.geometry().bottom() <= dialog.contentsRect().bottom()  # and the label inside the window
    assert before < dialog.height() <= dialog.screen().availableGeometry().height()


def _record_from_before_rows_were_vouched_for(folder: Path) -> None:
    """The key file as a register from before rows were vouched for held it, put back: a record the leads signed,
    of an earlier version, that names no baseline (made here with the lead's own signing key, as that version
    did)."""
    from safeguard_desktop.security import authority

    keys = keyring.unlock(folder, "a.lead", LEAD)
    data = keyring._load(folder)
    public = authority.latest(data.get("authority_chain"), keys.authority_public)
    now = authority.verify(data["authority"], public, "test")
    assert now.rows_vouched_from and keys.authority_private is not None
    data["authority"] = authority.sign(keys.authority_private, public, 1, now.safeguarding_public, now.accounts,
                                       now.key_generation, now.audit_marked_from, 0)  # fmt: skip
    keyring._save(folder, data)


def test_a_record_without_its_baseline_put_back_never_vouches_afresh_for_rows_changed_outside(folder: Path) -> None:
    """A fresh baseline would vouch for whatever the rows hold: over an earlier record put back, a change made with
    the office's key outside the app would be taken in as the app's own. The lead's sign-in takes the trail's own
    baseline back instead, and the change is named by the check."""
    import sqlcipher3

    from safeguard_desktop.services.records import row_vouch, trail_check
    from safeguard_desktop.store.models import AuditEntry

    _signs_in(folder, "a.lead", LEAD)
    key = keyring.unlock(folder, "o.office", OFFICE).database_key
    assert key is not None
    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute("UPDATE school SET name = 'Changed Outside'")
    connection.commit()
    connection.close()
    _record_from_before_rows_were_vouched_for(folder)
    reg, lead = sign_in(folder, "a.lead", LEAD)
    try:
        with read_session(reg.engine) as session:
            baselines = session.query(AuditEntry).filter(AuditEntry.action == row_vouch.BASELINE_ACTION).count()
            said = trail_check.check(session, lead, folder, reg.keys).describe()
        assert baselines == 1  # none made afresh
        assert "school" in said and "changed outside the app" in said
    finally:
        reg.close()
