"""The second factor protects the keys: with the password alone and every file, a bound slot does not open.

The credential store here is keyrings.alt's plain file (CI has no desktop session's keyring), pointed at by
SAFEGUARD_TEST_CREDENTIAL_STORE; another file stands for another computer. The attack unwraps the slot with
argon2 and AES-GCM directly, as anyone with the key file and the password would.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safeguard_desktop.security import device_binding, keyring
from safeguard_desktop.services import accounts
from safeguard_desktop.services.accounts.signin import bind_keys, confirm_again, create_register, recover, sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.store.engine import write_session

LEAD = "binding test lead password"
OFFICE = "binding test office password"
NEW = "a new office password here"


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(device_binding.TEST_STORE, str(tmp_path / "this-computer.cfg"))
    folder = tmp_path / "school"
    reg, dsl, recovery = create_register(folder, "Ash Primary", "a.lead", "Ann Lead", LEAD)
    (tmp_path / "recovery.txt").write_text(recovery, encoding="utf-8")
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.add_account(
            session, dsl, folder, reg.keys, accounts.NewAccount("o.office", "Olly Office", Role.OFFICE, OFFICE)
        )
    reg.close()
    return folder


def _slot(folder: Path, user: str) -> dict[str, object]:
    return json.loads((folder / keyring.SLOTS_FILE).read_text(encoding="utf-8"))["users"][user]  # type: ignore[no-any-return]


def _opens_with_password_alone(slot: dict[str, object], password: str) -> bool:
    params = slot["argon2"]
    assert isinstance(params, dict)
    kek = hash_secret_raw(password.encode(), base64.b64decode(str(slot["salt"])), hash_len=32, type=Type.ID,
                          **params)  # fmt: skip
    wrapped = slot["database"]
    assert isinstance(wrapped, dict)
    try:
        AESGCM(kek).decrypt(base64.b64decode(wrapped["nonce"]), base64.b64decode(wrapped["data"]), b"db:pinned")
    except InvalidTag:
        return False
    return True


def _app_sign_in(folder: Path, user: str, password: str) -> None:
    """As the app signs in: the sign-in, then (off the GUI thread, a moment later) the binding."""
    opened, _actor = sign_in(folder, user, password)
    bind_keys(opened, password)
    opened.close()


def test_a_slot_is_bound_at_its_owners_sign_in_and_the_password_alone_then_opens_nothing(school: Path) -> None:
    assert _opens_with_password_alone(_slot(school, "o.office"), OFFICE)  # made by the lead: not bound yet
    sign_in(school, "o.office", OFFICE)[0].close()  # the command line never binds (a nightly task may not reach it)
    assert "device" not in _slot(school, "o.office")
    _app_sign_in(school, "o.office", OFFICE)
    slot = _slot(school, "o.office")
    assert slot.get("device") is True
    assert not _opens_with_password_alone(slot, OFFICE)
    reg, office = sign_in(school, "o.office", OFFICE)  # and it still signs in here
    confirm_again(reg, office, OFFICE)  # the lock screen too
    reg.close()


def test_on_another_computer_the_password_is_not_enough_and_a_lead_or_the_recovery_key_is_the_way_back(
    school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _app_sign_in(school, "o.office", OFFICE)
    _app_sign_in(school, "a.lead", LEAD)
    monkeypatch.setenv(device_binding.TEST_STORE, str(tmp_path / "another-computer.cfg"))
    with pytest.raises(accounts.SignInFailed, match="bound to the computer"):
        sign_in(school, "o.office", OFFICE)
    with pytest.raises(accounts.SignInFailed, match="bound to the computer"):
        sign_in(school, "a.lead", LEAD)
    reg, by_recovery = recover(school, (tmp_path / "recovery.txt").read_text(encoding="utf-8"))
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.reset_password(session, by_recovery, school, reg.keys, "o.office", NEW)
    reg.close()
    _app_sign_in(school, "o.office", NEW)  # the new password, once, on this computer: bound here now
    assert _slot(school, "o.office").get("device") is True and not _opens_with_password_alone(
        _slot(school, "o.office"), NEW
    )


def test_without_a_credential_store_the_password_still_protects_and_nothing_breaks(
    school: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring as credential_stores
    from keyring.backends import fail
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.delenv(device_binding.TEST_STORE)
    before = credential_stores.get_keyring()
    try:
        credential_stores.set_keyring(PlaintextKeyring())
        assert not device_binding.available()  # a plain file is never taken for the operating system's store
        credential_stores.set_keyring(fail.Keyring())  # a computer with none at all
        assert not device_binding.available()
        _app_sign_in(school, "o.office", OFFICE)
        assert "device" not in _slot(school, "o.office")
    finally:
        credential_stores.set_keyring(before)


def test_the_apps_sign_in_binds_the_slot_a_moment_after_the_window_opens(qtbot, school: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.signin import SignInDialog

    dialog = SignInDialog(school)
    qtbot.addWidget(dialog)
    dialog.user_edit.setText("o.office")
    dialog.password_edit.setText(OFFICE)
    assert dialog.sign_in() and dialog.result_ is not None
    assert "device" not in _slot(school, "o.office")  # not on the way to the first paint
    qtbot.waitUntil(lambda: _slot(school, "o.office").get("device") is True, timeout=15_000)
    opened = dialog.result_[0]
    assert opened.keys is not None and opened.keys.slot_key is not None  # carries on with the bound slot's keys
    confirm_again(opened, dialog.result_[1], OFFICE)  # the lock screen opens it
    opened.close()
