"""Sealed text: a text encrypted to an X25519 public key (an ephemeral key, HKDF, AES-256-GCM), opened only with
the matching private key — incident content and never-photograph reasons to the safeguarding key, a reporter's
copy to the reporter's own key."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from safeguard_desktop.security.keyring import KeyError_

SEALED_PREFIX = "sealed:v1:"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _box_key(shared: bytes, ephemeral_public: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, ephemeral_public, b"safeguard sealed text v1").derive(shared)


def seal(public: bytes, text: str) -> str:
    """Encrypt ``text`` so that only holders of the safeguarding private key can read it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = _box_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(public)), ephemeral_public)
    nonce = os.urandom(12)
    box = AESGCM(key).encrypt(nonce, text.encode("utf-8"), None)
    return SEALED_PREFIX + _b64(ephemeral_public + nonce + box)


def is_sealed(value: str | None) -> bool:
    """True for text sealed by ``seal``."""
    return bool(value) and str(value).startswith(SEALED_PREFIX)


def open_sealed(private: bytes, value: str) -> str:
    """Decrypt a sealed text with the safeguarding private key."""
    return opener(private)(value)


def opener(private: bytes) -> Callable[[str], str]:
    """A function opening sealed texts with ``private`` (loaded once: for many texts in a row)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        key = X25519PrivateKey.from_private_bytes(private)
    except ValueError as exc:
        raise KeyError_("A sealed record does not open with this safeguarding key.") from exc

    def open_one(value: str) -> str:
        try:
            raw = _unb64(value[len(SEALED_PREFIX) :])
            ephemeral_public, nonce, box = raw[:32], raw[32:44], raw[44:]
            shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
            return AESGCM(_box_key(shared, ephemeral_public)).decrypt(nonce, box, None).decode("utf-8")
        except (InvalidTag, ValueError) as exc:  # another key's, or damaged (bad base64, cut short, not UTF-8)
            raise KeyError_("A sealed record does not open with this safeguarding key.") from exc

    return open_one


def agreed_key(private: bytes, public: bytes, purpose: bytes) -> bytes:
    """The key one X25519 private key and another's public key agree on — either side computes it, nobody else
    can — bound to ``purpose`` (static-static agreement, HKDF-SHA256): the staff room's wraps and reports, the
    audit trail's writer's marks."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    shared = X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(public))
    return HKDF(hashes.SHA256(), 32, None, purpose).derive(shared)
