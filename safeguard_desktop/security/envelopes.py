"""Envelopes: the register's keys sealed to one account's own public key.

A key slot opens with its owner's password and holds the owner's personal key; the register's keys (the database
key, and for leads the safeguarding and authority keys) reach the account in its envelope, sealed to that
personal key. So a lead can give keys to every account, and take them away by replacing the keys and sealing new
envelopes for the others only, without knowing anybody's password. Each envelope names the key generation it
carries, inside the seal as well as outside, so an envelope of an older generation is never taken for a current
one.

Anyone can seal an envelope to a public key, so what comes out of one is checked before it is used: the database
key must open the file, the safeguarding key must match the public key the leads signed, and the authority key
must match the key the account's slot trusts.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

RECOVERY = "@recovery"  # the recovery key's envelope (no user name can contain "@")


@dataclass(frozen=True)
class Opened:
    """The keys an envelope carried."""

    generation: int
    #: None for staff: they hold no key to the register.
    database_key: bytes | None
    safeguarding_private: bytes | None
    authority_private: bytes | None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def make(
    personal_public: bytes,
    generation: int,
    database_key: bytes | None,
    safeguarding_private: bytes | None = None,
    authority_private: bytes | None = None,
) -> dict[str, Any]:
    """An envelope for the holder of ``personal_public``'s private half."""
    from safeguard_desktop.security import sealed_box

    payload: dict[str, Any] = {"generation": generation}
    if database_key is not None:
        payload["database"] = _b64(database_key)
    if safeguarding_private is not None:
        payload["safeguarding"] = _b64(safeguarding_private)
    if authority_private is not None:
        payload["authority"] = _b64(authority_private)
    return {"generation": generation, "sealed": sealed_box.seal(personal_public, json.dumps(payload))}


def open_envelope(envelope: Any, personal_private: bytes) -> Opened | None:
    """The keys inside ``envelope``, or None when it is not sealed to this key, is damaged, or disagrees with
    itself about its generation."""
    from safeguard_desktop.security import sealed_box
    from safeguard_desktop.security.keyring import KeyError_

    try:
        payload = json.loads(sealed_box.open_sealed(personal_private, str(envelope["sealed"])))
        generation = int(payload["generation"])
        if generation != int(envelope["generation"]):
            return None

        def key(name: str) -> bytes | None:
            if name not in payload:
                return None
            raw = base64.b64decode(payload[name], validate=True)
            if len(raw) != 32:
                raise ValueError(name)
            return raw

        return Opened(generation, key("database"), key("safeguarding"), key("authority"))
    except (KeyError_, KeyError, TypeError, ValueError, AttributeError):
        return None
