"""Something the account has, beside what it knows: a secret in this computer's credential store.

An account's key slot, once bound, is opened by a key derived from its password (argon2id) *and* a random
32-byte secret kept in the operating system's credential store for that account — Windows Credential Manager,
the macOS Keychain, the Secret Service (GNOME Keyring, KWallet) — through the ``keyring`` package. With the
password and every file of the data folder, but not the signed-in person's session on this computer, the slot
does not open. A slot a lead made for someone else (a new account, a reset) is bound at its owner's first
sign-in. The recovery key is never bound: it is the way back when a computer, or its profile, is lost.

Only the operating system's own stores count: a plain file (``keyrings.alt``) or a store that refuses is "no
credential store", and the slot stays protected by its password alone (said at sign-in).
"""

from __future__ import annotations

import base64
import os
from typing import Any

SERVICE = "Safeguard Desktop register keys"
#: For tests: a plain-file credential store at this path stands in for the operating system's.
TEST_STORE = "SAFEGUARD_TEST_CREDENTIAL_STORE"
_OS_STORES = ("keyring.backends.Windows", "keyring.backends.macOS", "keyring.backends.SecretService",
              "keyring.backends.kwallet", "keyring.backends.libsecret")  # fmt: skip


def _store() -> Any | None:
    """The credential store to use, or None when this computer has none the app trusts."""
    try:
        import keyring
        from keyring.backends import chainer
    except ImportError:
        return None
    test_path = os.environ.get(TEST_STORE)
    if test_path:
        from keyrings.alt.file import PlaintextKeyring

        store = PlaintextKeyring()
        store.file_path = test_path
        return store
    try:
        backend = keyring.get_keyring()
    except Exception:  # a store that fails to load is no store; the password still protects
        return None
    candidates = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    for candidate in candidates:
        if type(candidate).__module__.startswith(_OS_STORES):
            return candidate
    return None


def available() -> bool:
    """True when this computer has a credential store the app trusts."""
    return _store() is not None


def _name(register_id: str, username: str) -> str:
    return f"{register_id}/{username}"


def get(register_id: str, username: str) -> bytes | None:
    """This account's secret for the register, or None (no store, not here, or unreadable)."""
    store = _store()
    if store is None:
        return None
    try:
        text = store.get_password(SERVICE, _name(register_id, username))
        secret = base64.b64decode(text, validate=True) if text else None
    except Exception:  # a locked or broken store: treated as not here, and said so by the caller
        return None
    return secret if secret is not None and len(secret) == 32 else None


def put(register_id: str, username: str, secret: bytes) -> bool:
    """Keep this account's secret; False when there is no store or it refused."""
    store = _store()
    if store is None:
        return False
    try:
        store.set_password(SERVICE, _name(register_id, username), base64.b64encode(secret).decode("ascii"))
    except Exception:  # refused (locked, full, policy): the slot stays bound to the password only
        return False
    return get(register_id, username) == secret


def combine(password_key: bytes, secret: bytes) -> bytes:
    """The slot's key from what the account knows and what it has."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, None, b"safeguard slot: password and device v1").derive(password_key + secret)
