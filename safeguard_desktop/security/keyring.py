"""Key slots beside the register (like LUKS): the database key and the safeguarding key, wrapped per account.

- The **database key** (random, 256-bit) encrypts the register with SQLCipher. It is wrapped (AES-256-GCM) for
  each account under a key derived from the account's password with argon2id, and once for the recovery key.
  Changing a password or removing an account rewraps or drops one slot; nothing is re-encrypted.
- The **safeguarding key** (an X25519 key pair) seals incident content and never-photograph reasons inside the
  database. Its public half is in the slots file, so anyone may seal; its private half is wrapped only for
  safeguarding leads (and the recovery key), so office staff who can open the database still read no such text.

The slots file holds no personal data beyond user names, and nothing usable without a password.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import secrets
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeguard_desktop.files import write_atomically
from safeguard_desktop.security import authority
from safeguard_desktop.services.errors import ServiceError

SLOTS_FILE = "keyslots.json"
#: argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane); ~15 ms here (shared/MEASURED.md).
ARGON2 = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_PINNED = "db:pinned"
_PERSONAL_PINNED = "me:pinned"
#: Bounds on the argon2 parameters read from the file (untrusted): an edited cost must not make sign-in hang.
ARGON2_BOUNDS = {"time_cost": (1, 10), "memory_cost": (8 * 1024, 256 * 1024), "parallelism": (1, 8)}
SLOTS_BUDGET = 4_000_000  # bytes: thousands of accounts; checked before the file is read whole


class KeyError_(ServiceError):
    """Base for key problems; the message is for the person at the keyboard."""


class DamagedKeyFile(KeyError_):
    """The key slots file is there but is not a whole, well-formed key file; nothing is changed."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(
            f"The key file {path} is damaged ({what}). Copy the newest backup's .keys.json over it (in the backups "
            "folder, beside the backup of the same day) and sign in again; nothing has been changed."
        )


class WrongPassword(KeyError_):
    """The name, password or recovery key does not open this register."""

    def __init__(self) -> None:
        super().__init__("That name and password do not open this register. Check them and try again.")


class NoSlots(KeyError_):
    """The folder has no key slots (an unprotected register, or none at all)."""


class KeysReplaced(KeyError_):
    """The register's keys were replaced (an account change) and this slot was not given the new ones."""

    def __init__(self, recovery: bool = False) -> None:
        super().__init__(
            "This recovery key was made before the register's keys were replaced and no longer opens it. A "
            "safeguarding lead makes a new one (Settings > Accounts > New recovery key)." if recovery else
            "This register's keys were replaced after an account change, and this account's slot could not be "
            "given the new ones. Ask a safeguarding lead to give you a new password (Settings > Accounts)."
        )  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, salt: bytes, params: dict[str, int]) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(secret.encode("utf-8"), salt, hash_len=32, type=Type.ID, **params)


def _wrap(kek: bytes, data: bytes, label: str) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return {"nonce": _b64(nonce), "data": _b64(AESGCM(kek).encrypt(nonce, data, label.encode("utf-8")))}


def _unwrap(kek: bytes, wrapped: dict[str, str], label: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(kek).decrypt(_unb64(wrapped["nonce"]), _unb64(wrapped["data"]), label.encode("utf-8"))
    except (InvalidTag, KeyError, ValueError) as exc:
        raise WrongPassword() from exc


@dataclass(frozen=True)
class Unlocked:
    """What a signed-in account holds: the database key, and the safeguarding private key for leads only."""

    username: str
    #: The register's database key; None for staff, who hold no key to the register (services/staff_room.py).
    database_key: bytes | None
    safeguarding_private: bytes | None
    safeguarding_public: bytes
    personal_private: bytes | None = None
    #: True when it was the slot written by a change not yet known to be committed (see settle()).
    from_pending: bool = False
    #: The authority's public key pinned in this account's own slot (None for a slot made before pins).
    authority_public: bytes | None = None
    #: The authority's private key: leads only. It signs the record of accounts and keys.
    authority_private: bytes | None = None
    #: The verified signed record of accounts and keys (None for a register made before it existed).
    record: authority.Record | None = None
    #: The generation of the register's keys these are (0 until the keys were first replaced).
    generation: int = 0
    #: The keys of a replacement that a crash interrupted (see services/rotation.py), when this account has them.
    next: Unlocked | None = None
    #: True when this account's slot trusts an authority key the leads have since handed over to a new one.
    repin: bool = False
    #: The key that opened this account's slot, with its salt and settings: the slot can be made again with the
    #: current keys without asking for the password (after a replacement this account made itself).
    slot_key: tuple[bytes, bytes, dict[str, int]] | None = None

    @property
    def register_key(self) -> bytes:
        """The database key; NoRegisterKey for an account that holds none (staff)."""
        if self.database_key is None:
            raise NoRegisterKey()
        return self.database_key


class NoRegisterKey(KeyError_):
    """Staff hold no key to the register."""

    def __init__(self) -> None:
        super().__init__(
            "Staff accounts hold no key to the register: their concerns and briefings go through the staff room "
            "(sign in to Safeguard Desktop to log a concern or read a briefing)."
        )


def slots_path(folder: Path) -> Path:
    """Where the key slots of the register in ``folder`` are kept."""
    return folder / SLOTS_FILE


def is_protected(folder: Path) -> bool:
    """True when the register in ``folder`` is encrypted and needs a sign-in."""
    return slots_path(folder).exists()


def _load(folder: Path) -> dict[str, Any]:
    path = slots_path(folder)
    try:
        size = path.stat().st_size
        if size > SLOTS_BUDGET:
            raise DamagedKeyFile(path, f"{size:,} bytes, far more than a key file holds")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError as exc:
        raise NoSlots(f"{folder} has no protected register.") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise DamagedKeyFile(path, "it is not a readable key file") from exc
    except OSError as exc:
        raise KeyError_(
            f"The key file {path} cannot be read ({exc.strerror or exc}). If another program holds it, close that "
            "program; otherwise copy the newest backup's .keys.json over it."
        ) from exc
    _check_shape(path, data)
    return data  # type: ignore[no-any-return]


def _check_slot(path: Path, slot: Any, name: str) -> None:
    if not isinstance(slot, dict):
        raise DamagedKeyFile(path, f"the slot of {name} is not a slot")
    try:
        if len(_unb64(slot["salt"])) != 16:
            raise DamagedKeyFile(path, f"the salt of {name}'s slot is the wrong length")
        params = slot["argon2"]
        if not isinstance(params, dict) or set(params) != set(ARGON2_BOUNDS):
            raise DamagedKeyFile(path, f"{name}'s slot has unknown key-derivation settings")
        for key, (low, high) in ARGON2_BOUNDS.items():
            if not isinstance(params[key], int) or not low <= params[key] <= high:
                raise DamagedKeyFile(path, f"{name}'s key-derivation setting {key} is out of bounds")
        for part in ("database", "safeguarding", "personal", "pin", "authority"):
            if part in slot and not (isinstance(slot[part], dict) and {"nonce", "data"} <= set(slot[part])):
                raise DamagedKeyFile(path, f"{name}'s slot has a damaged {part} key")
        if "database" not in slot and "personal" not in slot:
            raise DamagedKeyFile(path, f"{name}'s slot has no key")
        if "personal_public" in slot and len(_unb64(slot["personal_public"])) != 32:
            raise DamagedKeyFile(path, f"{name}'s public key is the wrong length")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DamagedKeyFile(path, f"{name}'s slot is incomplete") from exc


def _check_shape(path: Path, data: Any) -> None:
    """Refuse a key file that is not whole and well-formed, naming what is wrong (never a traceback)."""
    if not isinstance(data, dict) or not isinstance(data.get("users"), dict) or "recovery" not in data:
        raise DamagedKeyFile(path, "its accounts or recovery key are missing")
    try:
        public = _unb64(data["safeguarding_public"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DamagedKeyFile(path, "the safeguarding public key is missing or unreadable") from exc
    if len(public) != 32:
        raise DamagedKeyFile(path, "the safeguarding public key is the wrong length")
    for name, slot in data["users"].items():
        _check_slot(path, slot, repr(name))
    pending = data.get("pending", {})
    if not isinstance(pending, dict):
        raise DamagedKeyFile(path, "its pending changes are not readable")
    for name, slot in pending.items():
        if slot is not None:
            _check_slot(path, slot, f"the pending change to {name!r}")
    _check_slot(path, data["recovery"], "the recovery key")


def _save(folder: Path, data: dict[str, Any]) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    write_atomically(slots_path(folder), json.dumps(data, indent=1, sort_keys=True).encode("utf-8"), private=True)


def read_file(folder: Path) -> dict[str, Any]:
    """The key file, checked whole and well-formed (for the key replacement in services/rotation.py)."""
    return _load(folder)


def write_file(folder: Path, data: dict[str, Any]) -> None:
    """Write the key file atomically."""
    _save(folder, data)


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair as raw (private, public) bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        ),
        private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
    )


def _slot_for(
    secret: str,
    database_key: bytes | None,
    safeguarding_private: bytes | None,
    personal: tuple[bytes, bytes] | None = None,
    pin: tuple[bytes | None, bytes] | None = None,
    generation: int = 0,
) -> dict[str, Any]:
    salt = os.urandom(16)
    kek = _derive(secret, salt, ARGON2)
    return _slot_under(kek, salt, dict(ARGON2), database_key, safeguarding_private, personal, pin, generation)


def _slot_under(
    kek: bytes,
    salt: bytes,
    params: dict[str, int],
    database_key: bytes | None,
    safeguarding_private: bytes | None,
    personal: tuple[bytes, bytes] | None,
    pin: tuple[bytes | None, bytes] | None,
    generation: int,
    device: bool = False,
) -> dict[str, Any]:
    # A pinned slot's database key is bound to having its pin: removing the pin (to make the slot trust a record
    # signed by someone else) makes the slot unopenable rather than trusting.
    label = _PINNED if pin is not None else "db"
    slot: dict[str, Any] = {"salt": _b64(salt), "argon2": dict(params)}
    if database_key is not None:
        slot["database"] = _wrap(kek, database_key, label)
    if safeguarding_private is not None:
        slot["safeguarding"] = _wrap(kek, safeguarding_private, "sg")
    if pin is not None:  # the authority key this account trusts (and, for leads, its private half)
        slot["pin"] = _wrap(kek, pin[1], "pin")
        if pin[0] is not None:
            slot["authority"] = _wrap(kek, pin[0], "auth")
    if personal is not None:  # the account's own key pair: a staff member reads their own reports with it
        # Without a database key (staff), the personal key is what binds the pin to the slot.
        slot["personal"] = _wrap(kek, personal[0], _PERSONAL_PINNED if database_key is None and pin else "me")
        slot["personal_public"] = _b64(personal[1])
    if generation:
        slot["generation"] = generation
    if device:  # opened by the password and this account's secret in the computer's credential store
        slot["device"] = True
    return slot


def format_recovery_key(raw: bytes) -> str:
    """Groups of five letters and digits, easy to copy by hand (base32, no padding)."""
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def _normal_recovery(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def create(folder: Path, username: str, password: str) -> tuple[Unlocked, str]:
    """New keys for a new register, with the first (lead) account's slot. Returns (unlocked, recovery key text)."""
    if slots_path(folder).exists():
        raise KeyError_(f"{folder} already has a protected register; sign in to it instead.")
    database_key = secrets.token_bytes(32)
    private_raw, public_raw = new_key_pair()
    signing = authority.new_key_pair()
    personal = new_key_pair()
    recovery = format_recovery_key(secrets.token_bytes(20))
    first = authority.SignedAccount("dsl", True, _b64(personal[1]))
    record = authority.sign(signing[0], signing[1], 1, _b64(public_raw), {username: first}, audit_marked_from=1)
    data = {
        "version": 1,
        "safeguarding_public": _b64(public_raw),
        "users": {username: _slot_for(password, database_key, private_raw, personal, signing)},
        "recovery": _slot_for(_normal_recovery(recovery), database_key, private_raw, new_key_pair(), signing),
        "authority": record,
        "staff_keyless": True,  # staff slots and envelopes carry no database key (services/staff_room.py)
    }
    folder.mkdir(parents=True, exist_ok=True)
    _save(folder, data)
    verified = authority.verify(record, signing[1], str(slots_path(folder)))
    return Unlocked(username, database_key, private_raw, public_raw, personal[0], False, signing[1], signing[0],
                    verified), recovery  # fmt: skip


class NotOnThisComputer(KeyError_):
    """The slot is bound to a credential store that is not here (another computer, or a wiped profile)."""

    def __init__(self) -> None:
        super().__init__(
            "This account's keys are bound to the computer and user account it was first used on (its credential "
            "store), and do not open here. Sign in there; or ask a safeguarding lead to give you a new password "
            "(Settings > Accounts), which you then use once on this computer."
        )


def _open_slot(
    slot: dict[str, Any], secret: str, username: str, public: bytes, folder: Path, register_id: str = ""
) -> Unlocked:
    params = {k: int(v) for k, v in slot["argon2"].items()}
    kek = _derive(secret, _unb64(slot["salt"]), params)
    if slot.get("device"):
        from safeguard_desktop.security import device_binding

        held = device_binding.get(register_id, username)
        if held is None:
            raise NotOnThisComputer()
        kek = device_binding.combine(kek, held)
    bound, label = ("database", _PINNED) if "database" in slot else ("personal", _PERSONAL_PINNED)
    plain = "db" if bound == "database" else "me"
    if "pin" in slot:
        first = _unwrap(kek, slot[bound], label)
    else:
        try:
            first = _unwrap(kek, slot[bound], plain)
        except WrongPassword:
            _unwrap(kek, slot[bound], label)  # opens: the pin was taken out of the slot
            raise authority.AuthorityMismatch(
                f"The key slot of {username} in {slots_path(folder)} was altered outside the app (its pin to the "
                "leads' signing key was removed). A safeguarding lead should copy the newest backup's .keys.json "
                "over it and sign in."
            ) from None
    database_key = first if bound == "database" else None
    private = _unwrap(kek, slot["safeguarding"], "sg") if "safeguarding" in slot else None
    if bound == "personal":
        personal: bytes | None = first
    else:
        personal = _unwrap(kek, slot["personal"], "me") if "personal" in slot else None
    pinned = _unwrap(kek, slot["pin"], "pin") if "pin" in slot else None
    signing = _unwrap(kek, slot["authority"], "auth") if "authority" in slot else None
    generation = int(slot.get("generation", 0))
    return Unlocked(username, database_key, private, public, personal, False, pinned, signing, None, generation,
                    slot_key=(kek, _unb64(slot["salt"]), params))  # fmt: skip


def _current(data: dict[str, Any], keys: Unlocked, envelope_name: str, folder: Path) -> Unlocked:
    """The keys of the register's current generation: from the account's envelope when it has one of this
    generation, else from its slot when the slot was made in this generation; KeysReplaced otherwise. Then the
    keys of an interrupted replacement (``next``), when there is one for this account."""
    from safeguard_desktop.security import envelopes

    generation = int(data.get("generation", 0))
    opened = None
    if keys.personal_private is not None and envelope_name in data.get("envelopes", {}):
        opened = envelopes.open_envelope(data["envelopes"][envelope_name], keys.personal_private)
    if opened is not None and opened.generation == generation:
        keys = dataclasses.replace(keys, database_key=opened.database_key, generation=generation,
                                   safeguarding_private=opened.safeguarding_private,
                                   authority_private=opened.authority_private)  # fmt: skip
    elif keys.generation != generation:
        raise KeysReplaced(recovery=envelope_name == "@recovery")
    if keys.safeguarding_private is not None and _public_of(keys.safeguarding_private) != keys.safeguarding_public:
        # The public key in the file is not the safeguarding key's: everything sealed with it would be unreadable
        # by the leads (a damaged character) or readable by someone else (a swapped key). Refuse to go on.
        raise DamagedKeyFile(slots_path(folder), "its safeguarding public key does not belong to the leads' key")
    rotation = data.get("rotation")
    if isinstance(rotation, dict) and keys.personal_private is not None:
        with suppress(KeyError, TypeError, ValueError, AttributeError):
            nxt = envelopes.open_envelope(rotation["envelopes"].get(envelope_name), keys.personal_private)
            if nxt is not None and nxt.generation == int(rotation["generation"]) == generation + 1:
                keys = dataclasses.replace(keys, next=dataclasses.replace(
                    keys, database_key=nxt.database_key, safeguarding_private=nxt.safeguarding_private,
                    authority_private=nxt.authority_private, generation=nxt.generation,
                    safeguarding_public=_unb64(rotation["safeguarding_public"])))  # fmt: skip
    return keys


def _ed_public(private: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(private).public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _verified(record_data: Any, keys: Unlocked, chain: Any, where: str) -> tuple[authority.Record, bytes | None, bool]:
    """The record, the authority key it is signed with, and whether that key is a successor the account's slot
    does not pin yet (reached through hand-over links signed by the key before)."""
    pinned = keys.authority_public
    repin = False
    if pinned is not None:
        latest = authority.latest(chain, pinned)
        pinned, repin = latest, latest != pinned
    return authority.verify(record_data, pinned, where), pinned, repin


def _checked(data: dict[str, Any], keys: Unlocked, folder: Path) -> Unlocked:
    """``keys`` with the verified record of accounts and keys; AuthorityMismatch when it does not check, or when
    the file's safeguarding public key is not the one the leads signed (a swapped key)."""
    where = str(slots_path(folder))
    if "authority" not in data:
        if keys.authority_public is not None:  # this slot was made with a record: its removal is an alteration
            raise authority.AuthorityMismatch(f"The record of accounts and keys is missing from {slots_path(folder)}.")
        return keys
    record, public, repin = _verified(data["authority"], keys, data.get("authority_chain"), where)
    if record.safeguarding_public != data["safeguarding_public"]:
        raise authority.AuthorityMismatch(
            f"The safeguarding public key in {slots_path(folder)} is not the one this register's leads signed: the "
            "file was altered outside the app. Nothing has been sealed to it. A safeguarding lead should copy the "
            "newest backup's .keys.json over it and sign in."
        )
    if record.key_generation > int(data.get("generation", 0)) and "rotation" not in data:
        raise authority.AuthorityMismatch(
            f"The leads replaced this register's keys (generation {record.key_generation}) but {where} holds older "
            "ones: it was replaced by an older copy outside the app. A safeguarding lead should copy the newest "
            "backup's .keys.json over it and sign in."
        )
    signing = keys.authority_private
    if signing is not None and public is not None and _ed_public(signing) != public:
        signing = None  # a key the leads have handed over: it signs nothing any more
    nxt = keys.next
    if nxt is not None:
        try:
            rotation = data["rotation"]
            chain = [rotation["link"]] if rotation.get("link") else []
            trusting = dataclasses.replace(nxt, authority_public=public)
            next_record, next_public, _ = _verified(rotation["authority"], trusting, chain, where)
            nxt = dataclasses.replace(nxt, record=next_record, authority_public=next_public,
                                      repin=next_public != keys.authority_public)  # fmt: skip
        except (authority.AuthorityMismatch, KeyError, TypeError, AttributeError):
            nxt = None  # not signed by the leads: never used
    return dataclasses.replace(keys, record=record, authority_public=public, authority_private=signing, repin=repin,
                               next=nxt)  # fmt: skip


def _public_of(private: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    key = X25519PrivateKey.from_private_bytes(private).public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def unlock(folder: Path, username: str, password: str) -> Unlocked:
    """Open a user's slot — or the slot of a change to it that a crash left unsettled (see :func:`settle`);
    WrongPassword (the same for an unknown name) if neither opens."""
    data = _load(folder)
    public = _unb64(data["safeguarding_public"])
    slot = data["users"].get(username)
    pending = data.get("pending", {}).get(username)
    if slot is None and pending is None:
        _derive(password, b"\0" * 16, ARGON2)  # the same time for an unknown name as for a wrong password
        raise WrongPassword()
    register_id = str(data.get("register_id", ""))
    if slot is not None:
        try:
            opened = _open_slot(slot, password, username, public, folder, register_id)
        except WrongPassword:
            if pending is None:
                raise
        else:
            return _checked(data, _current(data, opened, username, folder), folder)
    assert pending is not None
    opened = dataclasses.replace(_open_slot(pending, password, username, public, folder, register_id),
                                 from_pending=True)  # fmt: skip
    return _checked(data, _current(data, opened, username, folder), folder)


def unlock_with_recovery(folder: Path, recovery_key: str) -> Unlocked:
    """Open the recovery slot (the key printed at first run)."""
    data = _load(folder)
    public = _unb64(data["safeguarding_public"])
    from safeguard_desktop.security.envelopes import RECOVERY

    opened = _open_slot(data["recovery"], _normal_recovery(recovery_key), "recovery", public, folder)
    return _checked(data, _current(data, opened, RECOVERY, folder), folder)


def recovery_public(folder: Path) -> bytes | None:
    """The recovery key's own public key (what is sealed to it opens with the recovery key alone), if it has one."""
    slot = _load(folder).get("recovery", {})
    return _unb64(slot["personal_public"]) if "personal_public" in slot else None


def personal_publics(folder: Path) -> dict[str, bytes]:
    """Every account's own public key, by user name, read from the key file once (for sealing to several)."""
    users = _load(folder)["users"]
    return {name: _unb64(slot["personal_public"]) for name, slot in users.items() if "personal_public" in slot}


def personal_public(folder: Path, username: str) -> bytes | None:
    """An account's own public key (to seal a copy only that account can read), if it has one."""
    slot = _load(folder)["users"].get(username, {})
    return _unb64(slot["personal_public"]) if "personal_public" in slot else None


def set_slot(folder: Path, by: Unlocked, username: str, password: str, *, lead: bool, staff: bool = False) -> None:
    """Add or rewrap ``username``'s slot (new account, new password, role change). ``lead`` wraps the
    safeguarding key too, which only a lead (holding it) can give; ``staff`` wraps no database key (staff hold
    none: what they may read reaches them through the staff room).

    The new slot is written as *pending*, beside the current one, and becomes current only when the database
    change it goes with is committed (:func:`settle`): a crash or a full disk in between never leaves an account
    whose password and slot disagree (measured before: a reset killed before its commit locked the account out)."""
    if lead and by.safeguarding_private is None:
        raise KeyError_("Only a safeguarding lead can give another account the safeguarding key.")
    data = _load(folder)
    personal = None
    if by.username == username and by.personal_private is not None:  # one's own new password: keep one's own key
        old = data["users"].get(username, {})
        if "personal_public" in old:
            personal = (by.personal_private, _unb64(old["personal_public"]))
    # Another account's new password: a new personal key (copies sealed to the old one stay readable by leads).
    pin = (by.authority_private if lead else None, by.authority_public) if by.authority_public else None
    data.setdefault("pending", {})[username] = _slot_for(
        password,
        None if staff else by.register_key,
        by.safeguarding_private if lead else None,
        personal or new_key_pair(),
        pin,
        by.generation,
    )
    _save(folder, data)


def drop_slot(folder: Path, username: str) -> None:
    """Remove an account's slot once the database change goes through (:func:`settle`): that password then no
    longer opens the register."""
    data = _load(folder)
    data.setdefault("pending", {})[username] = None
    _save(folder, data)


def propose(folder: Path, by: Unlocked, username: str, *, role: str, active: bool) -> None:
    """Sign the record of accounts and keys with ``username`` as given, as pending beside the current record (it
    settles with the commit, like the slots). Built on the signed record, never on the accounts table: a role
    edited into the table outside the app is not signed by a lead changing something else."""
    if by.record is None:
        return  # a register from before signed records: signed from the first lead sign-in on (bootstrap)
    if by.authority_private is None or by.authority_public is None:
        raise KeyError_("Only a safeguarding lead can change who holds which role.")
    data = _load(folder)
    where = str(slots_path(folder))
    base = authority.verify(data.get("pending_authority") or data["authority"], by.authority_public, where)
    slot = data.get("pending", {}).get(username) or data["users"].get(username) or {}
    accounts = dict(base.accounts)
    accounts[username] = authority.signed_account(accounts.get(username), role, active,
                                                  str(slot.get("personal_public", "")))  # fmt: skip
    data["pending_authority"] = authority.successor(base, by.authority_private, by.authority_public,
                                                    accounts=accounts)  # fmt: skip
    _save(folder, data)


def apply_staff_change(folder: Path, by: Unlocked, username: str, *, role: str, active: bool,
                       password: str | None) -> None:  # fmt: skip
    """A lead's change to a staff account, made in one atomic write after the database change committed: its new
    slot (``password``; None takes the slot away) and the signed record with its new personal key or state.

    Staff hold no register, so a staff sign-in cannot tell which of two slots the register committed: a staff
    account never has a pending slot. Killed before this write, the account is as it was (the next lead's
    sign-in puts the accounts table back to the signed record); after it, as changed."""
    if by.authority_private is None or by.authority_public is None:
        raise KeyError_("Only a safeguarding lead can change who holds which role.")
    data = _load(folder)
    where = str(slots_path(folder))
    base = authority.verify(data["authority"], by.authority_public, where)
    before = base.accounts.get(username)
    if password is None:
        data["users"].pop(username, None)
        public = before.personal_public if before is not None else ""
    else:
        personal = new_key_pair()
        data["users"][username] = _slot_for(password, None, None, personal, (None, by.authority_public),
                                            by.generation)  # fmt: skip
        public = _b64(personal[1])
    signed = authority.signed_account(before, role, active, public)
    signing, signing_public = by.authority_private, by.authority_public

    def resigned(record: authority.Record) -> dict[str, str]:
        accounts = dict(record.accounts)
        accounts[username] = signed
        return authority.successor(record, signing, signing_public, accounts=accounts)

    data["authority"] = resigned(base)
    if "pending_authority" in data:  # another change waiting for its commit: it carries this one too
        with suppress(authority.AuthorityMismatch):
            data["pending_authority"] = resigned(
                authority.verify(data["pending_authority"], by.authority_public, where)
            )
    data.get("pending", {}).pop(username, None)
    if not data.get("pending", True):
        data.pop("pending", None)
    _save(folder, data)


def mark_audit_from(folder: Path, keys: Unlocked, sequence: int) -> bool:
    """Sign into the record that every audit entry from ``sequence`` on carries its writer's mark (a lead, once,
    on a register from before marks). Not while another change to the record is pending. True when done."""
    return _sign_trail_start(folder, keys, sequence, "audit_marked_from")


def vouch_rows_from(folder: Path, keys: Unlocked, sequence: int) -> bool:
    """Sign into the record that entry ``sequence`` vouched for every row of the register, and that from it on every
    change to a row is vouched for by a marked entry (services/records/row_vouch.py); a lead moves it to a new
    baseline after a restore. True when done."""
    return _sign_trail_start(folder, keys, sequence, "rows_vouched_from", again=True)


def sign_again_as_newest(folder: Path, keys: Unlocked) -> int | None:
    """A lead found an earlier copy of the key file put back (security/record_seen): sign the record it holds again,
    as it stands, under a version later than any signed before — the time, in seconds, since versions count up from
    1 — so that the accounts which signed in with a newer copy are let in again. Only a copy of the current key
    generation opens the register at all (a disable, demotion or reset replaced the keys), so what this lets in is
    never an account taken away since. The new version, or None when not done (a change pending)."""
    import time

    current = _record_to_sign(folder, keys)
    if current is None:
        return None
    data, public, base = current
    assert keys.authority_private is not None
    data["authority"] = authority.successor(base, keys.authority_private, public, version=int(time.time()))
    _save(folder, data)
    return max(base.version + 1, int(time.time()))


def _record_to_sign(folder: Path, keys: Unlocked) -> tuple[dict[str, Any], bytes, authority.Record] | None:
    """The key file, the signing key's public half and the record as it stands, when this lead may sign its next
    version now (it holds the current signing key, and no change is pending); None otherwise."""
    if keys.authority_private is None or keys.authority_public is None:
        return None
    data = _load(folder)
    if "pending_authority" in data or "rotation" in data or "authority" not in data:
        return None
    public = authority.latest(data.get("authority_chain"), keys.authority_public)
    if _ed_public(keys.authority_private) != public:
        return None
    return data, public, authority.verify(data["authority"], public, str(slots_path(folder)))


def _sign_trail_start(folder: Path, keys: Unlocked, sequence: int, field: str, *, again: bool = False) -> bool:
    current = _record_to_sign(folder, keys) if sequence >= 1 else None
    if current is None:
        return False
    data, public, base = current
    assert keys.authority_private is not None
    if getattr(base, field) and not again:
        return False
    if field == "audit_marked_from":
        data["authority"] = authority.successor(base, keys.authority_private, public, audit_marked_from=sequence)
    else:
        data["authority"] = authority.successor(base, keys.authority_private, public, rows_vouched_from=sequence)
    _save(folder, data)
    return True


def bootstrap_authority(folder: Path, keys: Unlocked, password: str, roles: dict[str, str]) -> bool:
    """At the first lead sign-in of a register from before signed records: make the authority key, sign the
    accounts as they stand, and pin it in this lead's own slot. At any sign-in to a register that has a record,
    pin its key in a slot made before pins (trusted once, from then on kept). A slot that trusts a handed-over
    authority key, or wraps keys that have been replaced, is made again with the current ones (the password is
    known now), so the next sign-in needs neither the hand-over link nor the envelope."""
    data = _load(folder)
    slot = data["users"].get(keys.username)
    if slot is None or ("pin" in slot and not keys.repin and int(slot.get("generation", 0)) == keys.generation):
        return False
    if "authority" not in data:
        if keys.safeguarding_private is None:
            return False  # only a lead may start the record
        signing = authority.new_key_pair()
        accounts = {
            name: authority.SignedAccount(role, True, str(data["users"].get(name, {}).get("personal_public", "")))
            for name, role in roles.items()
        }
        data["authority"] = authority.sign(signing[0], signing[1], 1, data["safeguarding_public"], accounts)
        pin: tuple[bytes | None, bytes] = signing
    else:
        public = keys.authority_public or _unb64(data["authority"]["public"])
        pin = (keys.authority_private if keys.safeguarding_private is not None else None, public)
    personal = (keys.personal_private, _unb64(slot["personal_public"])) if keys.personal_private else None
    data["users"][keys.username] = _slot_for(password, keys.database_key, keys.safeguarding_private, personal, pin,
                                             keys.generation)  # fmt: skip
    _save(folder, data)
    return True


def settle(folder: Path, username: str, *, committed: bool) -> None:
    """Make a pending change to ``username``'s slot current (the database change was committed) or forget it
    (rolled back); the pending signed record goes with it."""
    data = _load(folder)
    pending = data.get("pending", {})
    if "pending_authority" not in data and username not in pending:
        return  # settled already (several changes in one transaction settle together)
    if "pending_authority" in data:
        record = data.pop("pending_authority")
        if committed:
            data["authority"] = record
    if username not in pending:
        _save(folder, data)
        return
    slot = pending.pop(username)
    if committed:
        if slot is None:
            data["users"].pop(username, None)
        else:
            data["users"][username] = slot
    if not pending:
        data.pop("pending", None)
    _save(folder, data)


def settle_after_sign_in(folder: Path, keys: Unlocked, roles: dict[str, str]) -> None:
    """After a sign-in the database has confirmed, settle what a crash left: the slot that opened is the one the
    committed password goes with; any other pending change to it never committed. Slots and pending changes of
    accounts the database does not have (an addition killed before its commit), or has disabled, go. A pending
    signed record becomes current when the accounts committed are the ones it signs (both are leads' signatures)."""
    data = _load(folder)
    accounts = set(roles)
    pending = data.get("pending", {})
    changed = False
    if "pending_authority" in data:
        try:
            proposed = authority.verify(data["pending_authority"], keys.authority_public, str(slots_path(folder)))
            signed_roles = {n: a.role for n, a in proposed.accounts.items() if a.active}
            if signed_roles == roles:
                data["authority"] = data["pending_authority"]
        except authority.AuthorityMismatch:
            pass
        data.pop("pending_authority")
        changed = True
    if keys.username in pending:
        slot = pending.pop(keys.username)
        if keys.from_pending and slot is not None:
            data["users"][keys.username] = slot
        changed = True
    for name in [n for n in data["users"] if n not in accounts]:
        data["users"].pop(name)
        changed = True
    for name in [n for n in pending if n not in accounts]:
        pending.pop(name)
        changed = True
    if not pending:
        data.pop("pending", None)
    if changed:
        _save(folder, data)


def settle_own_pending(folder: Path, keys: Unlocked) -> None:
    """A staff sign-in (which cannot see the register): a pending slot of its own that the signed record already
    names (an account added, killed before its slot was settled) becomes current. Nothing else is settled here:
    only an account that sees the register knows what it committed."""
    if not keys.from_pending:
        return
    data = _load(folder)
    slot = data.get("pending", {}).get(keys.username)
    if slot is None or keys.record is None or keys.username not in keys.record.accounts:
        return
    data["users"][keys.username] = slot
    data["pending"].pop(keys.username)
    if not data["pending"]:
        data.pop("pending")
    _save(folder, data)


def remake_own_slot(folder: Path, keys: Unlocked) -> bool:
    """Make the slot that opened ``keys`` again, under the same password, with the keys and the authority pin they
    hold now (after a key replacement this account made: its slot then needs no envelope or hand-over link)."""
    if keys.slot_key is None or keys.from_pending:
        return False
    data = _load(folder)
    recovery = keys.username == "recovery"
    slot = data["recovery"] if recovery else data["users"].get(keys.username)
    kek, salt, params = keys.slot_key
    if slot is None or _unb64(slot["salt"]) != salt or "personal_public" not in slot or keys.personal_private is None:
        return False
    lead = keys.safeguarding_private is not None
    pin = (keys.authority_private if lead else None, keys.authority_public) if keys.authority_public else None
    personal = (keys.personal_private, _unb64(slot["personal_public"]))
    made = _slot_under(kek, salt, params, keys.database_key, keys.safeguarding_private if lead else None, personal,
                       pin, keys.generation, bool(slot.get("device")))  # fmt: skip
    if recovery:
        data["recovery"] = made
    else:
        data["users"][keys.username] = made
    _save(folder, data)
    return True


def current_record(folder: Path, keys: Unlocked) -> authority.Record | None:
    """The signed record of accounts as the key file holds it now (accounts added since ``keys`` were unlocked),
    checked against the authority key ``keys`` trust; ``keys.record`` when it does not check."""
    if keys.authority_public is None:
        return keys.record
    try:
        data = _load(folder)
        public = authority.latest(data.get("authority_chain"), keys.authority_public)
        return authority.verify(data["authority"], public, str(slots_path(folder)))
    except (KeyError_, authority.AuthorityMismatch, KeyError):
        return keys.record


def bind_to_this_computer(folder: Path, keys: Unlocked, password: str) -> str:
    """After a sign-in: bind this account's slot to a new secret in this computer's credential store, so that its
    password alone (with every file) no longer opens it. "bound", "already" (bound before, or a change to it is
    pending), or "no store" (this computer has none the app trusts: the password alone protects it)."""
    from safeguard_desktop.security import device_binding

    if keys.from_pending or keys.username == "recovery" or keys.personal_private is None:
        return "already"
    data = _load(folder)
    slot = data["users"].get(keys.username)
    if slot is None or slot.get("device") or keys.username in data.get("pending", {}) or "personal_public" not in slot:
        return "already"
    register_id = str(data.get("register_id") or secrets.token_hex(16))
    held = secrets.token_bytes(32)
    if not device_binding.put(register_id, keys.username, held):
        return "no store"
    data["register_id"] = register_id
    salt = os.urandom(16)
    kek = device_binding.combine(_derive(password, salt, ARGON2), held)
    lead = keys.safeguarding_private is not None
    pin = (keys.authority_private if lead else None, keys.authority_public) if keys.authority_public else None
    personal = (keys.personal_private, _unb64(slot["personal_public"]))
    data["users"][keys.username] = _slot_under(kek, salt, dict(ARGON2), keys.database_key,
                                               keys.safeguarding_private if lead else None, personal, pin,
                                               keys.generation, device=True)  # fmt: skip
    _save(folder, data)
    return "bound"


def rewrap_own_slot(folder: Path, keys: Unlocked, password: str) -> None:
    """Make the slot of an account that holds no register key (staff) again under a new password, with the keys
    and pin it holds now. One atomic write: there is no database change for it to agree with."""
    if keys.database_key is not None or keys.personal_private is None:
        raise KeyError_("Only an account without a register key changes its password without the register.")
    data = _load(folder)
    slot = data["users"].get(keys.username)
    if slot is None or "personal_public" not in slot:
        raise WrongPassword()
    pin = (None, keys.authority_public) if keys.authority_public else None
    data["users"][keys.username] = _slot_for(password, None, None, (keys.personal_private,
                                             _unb64(slot["personal_public"])), pin, keys.generation)  # fmt: skip
    _save(folder, data)


def recovery_stale(folder: Path) -> bool:
    """True when the recovery key no longer opens the register: its slot was made under keys since replaced, and
    it could not be given the new ones (a recovery slot from before personal keys)."""
    try:
        data = _load(folder)
    except KeyError_:
        return False
    generation = int(data.get("generation", 0))
    current = data.get("envelopes", {}).get("@recovery", {})
    made = int(data["recovery"].get("generation", 0))
    return made != generation and int(current.get("generation", -1) if isinstance(current, dict) else -1) != generation


def new_recovery_key(folder: Path, by: Unlocked) -> str:
    """Replace the recovery key (the old one stops working). Needs a lead's keys."""
    if by.safeguarding_private is None:
        raise KeyError_("Only a safeguarding lead can make a new recovery key.")
    recovery = format_recovery_key(secrets.token_bytes(20))
    data = _load(folder)
    pin = (by.authority_private, by.authority_public) if by.authority_public else None
    data["recovery"] = _slot_for(_normal_recovery(recovery), by.register_key, by.safeguarding_private, new_key_pair(),
                                 pin, by.generation)  # fmt: skip
    data.get("envelopes", {}).pop("@recovery", None)
    _save(folder, data)
    return recovery


def mark_demo(folder: Path, accounts: list[tuple[str, str, str]]) -> None:
    """Record the demo school's accounts (user, password, role) so its sign-in screen can show them.

    Only ever for the fictional demo school: its passwords protect nothing real.
    """
    data = _load(folder)
    data["demo_accounts"] = [list(a) for a in accounts]
    _save(folder, data)


def demo_accounts(folder: Path) -> list[tuple[str, str, str]]:
    """The demo school's accounts, or [] for every real register."""
    try:
        data = _load(folder)
    except KeyError_:
        return []
    return [(str(u), str(p), str(r)) for u, p, r in data.get("demo_accounts", [])]
