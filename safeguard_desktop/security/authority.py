"""Who holds which role, signed by a key only safeguarding leads hold, and checked at every open.

The key slots file carries a signed record: its version, every account (role, active, personal public key) and
the safeguarding public key, with an Ed25519 signature by the register's *authority* key. Each account's own
slot — authenticated, and opened only with that account's password — pins the authority's public key, so a record
or a public key swapped by anyone else fails the check before anything is sealed or written, and the role the app
acts on is the signed one, not whatever the ``user_account`` table says (measured before: any account's key
allowed ``UPDATE user_account SET role='dsl'``, and a swapped public key made every later incident readable by
office). Only leads' slots hold the authority's private key, so only leads can add, promote, disable or reset.

A slot made before this existed has no pin: it trusts the record's own public key once, at its next sign-in, and
keeps it from then on (said in the README).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from safeguard_desktop.services.errors import ServiceError


class AuthorityMismatch(ServiceError):
    """The signed record of accounts and keys does not check: the key file was altered outside the app."""


@dataclass(frozen=True)
class SignedAccount:
    """One account as the leads signed it."""

    role: str
    active: bool
    personal_public: str
    #: The account's earlier personal public keys (before a new password from a lead gave it a new one): the
    #: audit entries it signed with them still check.
    former: tuple[str, ...] = ()


def signed_account(before: SignedAccount | None, role: str, active: bool, public: str) -> SignedAccount:
    """An account's entry as changed: a personal key it no longer has joins its former ones (the audit entries it
    marked with it still check)."""
    former = before.former if before is not None else ()
    if before is not None and before.personal_public and before.personal_public != public:
        former = (*former, before.personal_public)[-50:]
    return SignedAccount(role, active, public, former)


@dataclass(frozen=True)
class Record:
    """The verified record."""

    version: int
    safeguarding_public: str
    accounts: dict[str, SignedAccount]
    #: The generation of the register's keys the leads last replaced them to (0: never replaced).
    key_generation: int = 0
    #: The audit entry from which every entry must carry its writer's mark (0: not yet): signed, so marks cannot
    #: be stripped from the whole trail unseen.
    audit_marked_from: int = 0
    #: The audit entry that vouched for every row of the register, from which every change to a row must be vouched
    #: for by a marked entry (0: not yet): signed, so the check of the rows cannot be switched off unseen.
    rows_vouched_from: int = 0


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as raw (private, public) bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        ),
        private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
    )


def sign(private: bytes, public: bytes, version: int, safeguarding_public: str,
         accounts: dict[str, SignedAccount], key_generation: int = 0, audit_marked_from: int = 0,
         rows_vouched_from: int = 0) -> dict[str, str]:  # fmt: skip
    """The signed record, as kept in the key slots file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    body: dict[str, Any] = {"key_generation": key_generation} if key_generation else {}
    if audit_marked_from:
        body["audit_marked_from"] = audit_marked_from
    if rows_vouched_from:
        body["rows_vouched_from"] = rows_vouched_from
    doc = json.dumps(
        {
            **body,
            "version": version,
            "safeguarding_public": safeguarding_public,
            "accounts": {
                name: {
                    "role": a.role,
                    "active": a.active,
                    "personal_public": a.personal_public,
                    **({"former": list(a.former)} if a.former else {}),
                }
                for name, a in sorted(accounts.items())
            },
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    signature = Ed25519PrivateKey.from_private_bytes(private).sign(doc.encode("utf-8"))
    return {"doc": doc, "signature": base64.b64encode(signature).decode("ascii"),
            "public": base64.b64encode(public).decode("ascii")}  # fmt: skip


def successor(
    base: Record,
    private: bytes,
    public: bytes,
    *,
    accounts: dict[str, SignedAccount] | None = None,
    safeguarding_public: str | None = None,
    key_generation: int | None = None,
    audit_marked_from: int | None = None,
    rows_vouched_from: int | None = None,
    version: int | None = None,
) -> dict[str, str]:
    """The next version of ``base`` (or ``version``, when later), signed: what is not given stays as it was."""
    return sign(
        private,
        public,
        max(base.version + 1, version or 0),
        base.safeguarding_public if safeguarding_public is None else safeguarding_public,
        base.accounts if accounts is None else accounts,
        base.key_generation if key_generation is None else key_generation,
        base.audit_marked_from if audit_marked_from is None else audit_marked_from,
        base.rows_vouched_from if rows_vouched_from is None else rows_vouched_from,
    )


def verify(record: Any, pinned: bytes | None, where: str) -> Record:
    """The record, when its signature checks with the pinned authority key (or, for a slot made before pins, the
    record's own key); AuthorityMismatch otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = pinned if pinned is not None else base64.b64decode(record["public"], validate=True)
        doc_text = str(record["doc"])
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.b64decode(record["signature"], validate=True), doc_text.encode("utf-8")
        )
        doc = json.loads(doc_text)
        accounts = {
            str(name): SignedAccount(
                str(a["role"]),
                bool(a["active"]),
                str(a.get("personal_public", "")),
                tuple(str(k) for k in a.get("former", [])),
            )
            for name, a in doc["accounts"].items()
        }
        return Record(int(doc["version"]), str(doc["safeguarding_public"]), accounts, int(doc.get("key_generation", 0)),
                      int(doc.get("audit_marked_from", 0)), int(doc.get("rows_vouched_from", 0)))  # fmt: skip
    except (InvalidSignature, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AuthorityMismatch(
            f"The record of accounts and keys in {where} is not signed by this register's leads: the file was "
            "altered outside the app. Nothing has been changed. A safeguarding lead should copy the newest backup's "
            ".keys.json over it, sign in and check the accounts (Settings > Accounts) and the audit trail."
        ) from exc


_HANDOVER = b"safeguard authority handover v1\x1f"


def handover(old_private: bytes, new_public: bytes) -> dict[str, str]:
    """A link from the authority key being replaced to its successor, signed by the old key: accounts whose slots
    pin the old key follow it to the new one (and pin that at their next sign-in)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    old = Ed25519PrivateKey.from_private_bytes(old_private)
    from cryptography.hazmat.primitives import serialization

    old_public = old.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = old.sign(_HANDOVER + new_public)
    return {"from": base64.b64encode(old_public).decode("ascii"), "to": base64.b64encode(new_public).decode("ascii"),
            "signature": base64.b64encode(signature).decode("ascii")}  # fmt: skip


def latest(chain: Any, pinned: bytes) -> bytes:
    """The key the links in ``chain`` lead to from ``pinned``, each signed by the key before it (``pinned`` itself
    when none leads on). A key that has handed over signs nothing any more: a record signed with it is refused."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    current = pinned
    if not isinstance(chain, list):
        return current
    for link in chain[:1000]:
        try:
            if base64.b64decode(link["from"], validate=True) != current:
                continue
            new = base64.b64decode(link["to"], validate=True)
            Ed25519PublicKey.from_public_bytes(current).verify(
                base64.b64decode(link["signature"], validate=True), _HANDOVER + new
            )
        except (InvalidSignature, KeyError, TypeError, ValueError, AttributeError):
            continue
        current = new
    return current
