"""The safeguarding key of a register on a server, so that incident content is sealed there as on a local register:
the server's administrator (and anyone with its files or backups) reads ciphertext; only the leads open it.

One key pair per server register, made at the DSL's first sign-in. Each account has a row of ``server_key``: the
public key — and, for a lead, the private key — wrapped under a key derived from that account's password (argon2id,
AES-GCM, bound to the account's name), written by the DSL when it sets the account's password in the app (it holds
the key then) and, for an account the DSL never set, by its owner at its first sign-in as the public key alone
(trust on first use). Row ``""`` holds the public key in the clear, for that first use and as the one every row must
agree with: a public key swapped on the server (by its administrator, say) is refused with a plain message before
anything is sealed to it.

**Replacing the key** when a lead's keys are taken away (disabled, or no longer a lead): each account's row also
holds a personal X25519 key pair of its own (its public half in the clear beside the box) and, where the DSL set the
password, that DSL's personal public key, pinned. The DSL's :func:`replace` makes a new pair, seals every sealed text
again to it (the chronology's too — a trigger lets the DSL's login change nothing there but a sealed text for
another, and keeps the former one in ``sealed_former``), and leaves each remaining account its share in
``server_handover``: wrapped under the key that DSL's personal key and the account's agree on, so only that account
opens it and only a DSL it pinned can have written it. The account takes it at its next sign-in (its row wrapped
again under its password). An account whose row the DSL never set (made at its first sign-in) cannot tell a
replacement from a swap: it is told to ask the DSL for a new password.

Not yet: the signed record of accounts of a local register.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from dataclasses import replace as replaced
from typing import Any

from sqlalchemy.orm import Session

from safeguard_desktop.security import keyring
from safeguard_desktop.services.errors import PermissionDenied, ServiceError
from safeguard_desktop.store.models import ServerHandover, ServerKey

PUBLIC_ROW = ""
_LABEL = "safeguard server key v1:"
_HANDOVER = "safeguard server handover v1:"
#: The setting that says a replacement is owed (a lead's keys were taken away), and because of whom.
OWED = "server_key_owed"


class KeyChanged(ServiceError):
    """The register's public key on the server is not the one this account's own row holds."""


@dataclass(frozen=True)
class ServerKeys:
    """What an account's row opened to: the register's public key, and for a lead the private key; the account's
    personal private key, and the personal public key of the DSL who set its password (None: nobody did)."""

    public: bytes
    private: bytes | None = None
    personal: bytes | None = field(default=None, repr=False)
    dsl_public: bytes | None = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def public_of(private: bytes) -> bytes:
    """An X25519 private key's public half."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return (
        X25519PrivateKey.from_private_bytes(private)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def _wrapped(username: str, password: str, keys: ServerKeys) -> str:
    """The row: the keys under the password, the personal public key beside them in the clear."""
    body: dict[str, Any] = {"public": _b64(keys.public)}
    if keys.private:
        body["private"] = _b64(keys.private)
    if keys.personal:
        body["personal"] = _b64(keys.personal)
    if keys.dsl_public:
        body["dsl"] = _b64(keys.dsl_public)
    outer = wrap_under_password(password, body, _LABEL + username)
    if keys.personal:
        outer["personal_public"] = _b64(public_of(keys.personal))
    return json.dumps(outer)


def _with_personal(keys: ServerKeys) -> ServerKeys:
    """``keys`` with a personal key pair, made now where it had none."""
    return keys if keys.personal else replaced(keys, personal=keyring.new_key_pair()[0])


def wrap_under_password(password: str, body: dict[str, Any], label: str) -> dict[str, Any]:
    """``body`` (JSON data) wrapped under a key from ``password`` (argon2id, AES-GCM, bound to ``label``): the salt,
    the argon2 costs and the box, as kept in a server_key row or a copy's key file (services/server_copy.py)."""
    salt = os.urandom(16)
    kek = keyring._derive(password, salt, keyring.ARGON2)
    box = keyring._wrap(kek, json.dumps(body).encode("utf-8"), label)
    return {"salt": _b64(salt), "argon2": keyring.ARGON2, "box": box}


def open_under_password(password: str, data: dict[str, Any], label: str) -> dict[str, Any]:
    """What :func:`wrap_under_password` wrapped; keyring.WrongPassword for another password, ValueError, KeyError or
    TypeError when ``data`` is not such a thing (argon2 costs out of their bounds included)."""
    costs, box = data["argon2"], data["box"]
    if not isinstance(costs, dict) or not isinstance(box, dict):
        raise TypeError("not a wrapped body")
    params = {k: int(costs[k]) for k in ("time_cost", "memory_cost", "parallelism")}
    for name, (low, high) in keyring.ARGON2_BOUNDS.items():
        if not low <= params[name] <= high:
            raise ValueError(f"{name} out of bounds")
    kek = keyring._derive(password, base64.b64decode(str(data["salt"]), validate=True), params)
    body = json.loads(keyring._unwrap(kek, box, label))
    if not isinstance(body, dict):
        raise TypeError("not a wrapped body")
    return body


def _opened(username: str, password: str, stored: str) -> ServerKeys:
    """The row opened with the password; keyring.WrongPassword when it does not open (another password)."""
    try:
        body = open_under_password(password, json.loads(stored), _LABEL + username)

        def key(name: str) -> bytes | None:
            value = body.get(name)
            return base64.b64decode(value, validate=True) if value else None

        return ServerKeys(base64.b64decode(body["public"], validate=True), key("private"), key("personal"),
                          key("dsl"))  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        raise keyring.WrongPassword() from exc


def _row(session: Session, username: str) -> ServerKey | None:
    return session.get(ServerKey, username)


def _public_row(session: Session) -> bytes | None:
    row = _row(session, PUBLIC_ROW)
    if row is None:
        return None
    try:
        return base64.b64decode(json.loads(row.wrapped)["public"], validate=True)
    except (ValueError, KeyError, TypeError):
        return None


def _keep(session: Session, username: str, wrapped: str) -> None:
    row = _row(session, username)
    if row is None:
        session.add(ServerKey(username=username, wrapped=wrapped))
    else:
        row.wrapped = wrapped


def at_sign_in(
    session: Session, username: str, password: str, *, lead: bool, dsl: bool
) -> tuple[ServerKeys | None, str]:
    """The keys this account opens at sign-in, and what to tell it ('' for nothing). The DSL's first sign-in makes
    the register's key pair; another account's first sign-in keeps the public key in a row of its own. A share of a
    replaced key waiting for the account is taken (and its row wrapped again), where it proves to be its DSL's."""
    public = _public_row(session)
    row = _row(session, username)
    if row is not None:
        try:
            keys = _opened(username, password, row.wrapped)
        except keyring.WrongPassword:
            return None, ("Your key to this register's sealed records did not open with your password: ask the DSL "
                          "to set your password again in Settings > Accounts.")  # fmt: skip
        said = ""
        if keys.personal is None:  # (a row of an earlier version: a personal key pair from now on)
            keys = _with_personal(keys)
            row.wrapped = _wrapped(username, password, keys)
        share = session.get(ServerHandover, username)
        if share is not None:
            new = _taken(share, username, keys)
            if new is not None and new.public == public:
                keys = replaced(keys, public=new.public, private=new.private)
                row.wrapped = _wrapped(username, password, keys)
                said = ("The register's safeguarding key was replaced (a lead's keys were taken away): your account "
                        "now holds the new one.")  # fmt: skip
            if new is not None or keys.public == public:
                session.delete(share)  # (taken, or one already taken: never again)
        if public is not None and public != keys.public:
            raise KeyChanged("The register's key on its server is not the one your account holds. If the DSL has "
                             "just taken a lead's keys away, ask the DSL to set your password again; otherwise "
                             "someone changed it there: nothing was sealed to it. Tell the DSL and the school's IT "
                             "support before anyone logs anything more.")  # fmt: skip
        return keys, said
    if public is None:
        if not dsl:
            return None, ("Records on this server are not sealed yet: they will be once the DSL has signed in here "
                          "with this version.")  # fmt: skip
        keys = make_pair(session, username, password)
        return keys, ("A safeguarding key was made for this register on its server: incident records written from "
                      "now on are sealed to it (what was written before stays as it was).")  # fmt: skip
    keys = _with_personal(ServerKeys(public))
    _keep(session, username, _wrapped(username, password, keys))  # trust on first use, said
    if lead:
        said = (
            "You do not hold the key to this register's sealed records yet: ask the DSL to set your password "
            "again in Settings > Accounts, which gives it to you."
        )
        return keys, said
    return keys, ""


def _purpose(username: str) -> bytes:
    return (_HANDOVER + username).encode("utf-8")


def _taken(share: ServerHandover, username: str, keys: ServerKeys) -> ServerKeys | None:
    """The new keys in a share, or None where it does not open as the pinned DSL's (or is not one)."""
    if keys.personal is None or keys.dsl_public is None:
        return None
    try:
        data = json.loads(share.body)
        agreed = keyring_agreed(keys.personal, keys.dsl_public, username)
        body = json.loads(keyring._unwrap(agreed, data["box"], _HANDOVER + username))
        private = body.get("private")
        return ServerKeys(base64.b64decode(body["public"], validate=True),
                          base64.b64decode(private, validate=True) if private else None)  # fmt: skip
    except (ValueError, KeyError, TypeError, keyring.KeyError_):
        return None


def keyring_agreed(private: bytes, public: bytes, username: str) -> bytes:
    """The key a share for ``username`` is wrapped under: the DSL's personal key and the account's agree on it."""
    from safeguard_desktop.security import sealed_box

    return sealed_box.agreed_key(private, public, _purpose(username))


def make_pair(session: Session, username: str, password: str) -> ServerKeys:
    """The register's key pair, made now: its public row, and the DSL's own row wrapping both under its password
    (with its personal key pair, whose public half it pins as its own DSL's)."""
    private, public = keyring.new_key_pair()
    personal = keyring.new_key_pair()[0]
    keys = ServerKeys(public, private, personal, public_of(personal))
    _keep(session, PUBLIC_ROW, json.dumps({"public": _b64(public)}))
    _keep(session, username, _wrapped(username, password, keys))
    return keys


def give(session: Session, username: str, password: str, keys: ServerKeys, *, lead: bool,
         dsl_personal: bytes | None) -> None:  # fmt: skip
    """The DSL sets an account's password: its row wraps the public key, and for a lead the private key too, with a
    personal key pair made for it and the DSL's personal public key pinned (for a later replacement's share)."""
    row = ServerKeys(keys.public, keys.private if lead else None, keyring.new_key_pair()[0],
                     public_of(dsl_personal) if dsl_personal else None)  # fmt: skip
    _keep(session, username, _wrapped(username, password, row))


def take_away(session: Session, username: str, *, held_lead_keys: bool) -> None:
    """An account disabled: its row and any share waiting for it go; where it held the private key, a replacement
    is owed (the DSL's accounts screen does it at once; else the DSL's next sign-in)."""
    for found in (_row(session, username), session.get(ServerHandover, username)):
        if found is not None:
            session.delete(found)
    if held_lead_keys:
        owe(session, username)


def owe(session: Session, username: str) -> None:
    """A replacement of the key is owed because ``username`` no longer holds the lead keys it held."""
    from safeguard_desktop.services.settings import read_setting, write_setting

    owed_now = list(read_setting(session, OWED) or [])
    write_setting(session, OWED, sorted({*owed_now, username}))


def owed(session: Session) -> list[str]:
    """The accounts whose lead keys were taken away since the key was last replaced ([] for none)."""
    from safeguard_desktop.services.settings import read_setting

    return [str(name) for name in (read_setting(session, OWED) or [])]


@dataclass(frozen=True)
class Replacement:
    """What :func:`replace` did."""

    public: bytes
    private: bytes = field(repr=False)
    resealed: int
    handed_over: int
    #: Accounts with no personal key on the server (none was ever set by a DSL): the DSL sets their password again.
    left_out: tuple[str, ...]

    def summary(self) -> str:
        """One paragraph for the DSL."""
        said = (f"The register's safeguarding key was replaced: {self.resealed:,} sealed texts sealed again to the "
                f"new key, which {self.handed_over} account(s) take at their next sign-in. The old key opens only "
                "what was sealed before, in backups and copies made before now.")  # fmt: skip
        if self.left_out:
            said += f" Set a new password for {', '.join(self.left_out)} (they hold no personal key to give it to)."
        return said


def replace(session: Session, actor: Any, progress: Any = None) -> Replacement:
    """The DSL replaces the register's safeguarding key: every sealed text sealed again to a new pair, the public
    row changed, each remaining account's share left for its next sign-in (a lead's with the private key). One
    transaction, audited. The caller seals with the new key afterwards (:func:`adopt`)."""
    from sqlalchemy import select, text

    from safeguard_desktop.services.accounts.rotation import reseal
    from safeguard_desktop.services.actors import Role
    from safeguard_desktop.services.records import audit
    from safeguard_desktop.services.server_school import of_connection
    from safeguard_desktop.services.settings import write_setting
    from safeguard_desktop.store.engine import state_of

    personal = state_of(session.get_bind()).server_personal
    if actor.role is not Role.DSL or actor.safeguarding_key is None or personal is None:
        raise PermissionDenied("Only the DSL, signed in with the register's key, replaces it.")
    private, public = keyring.new_key_pair()
    said = (lambda done, total, _what: progress(done, total)) if progress is not None else None
    resealed = reseal(session, actor.safeguarding_key, public, said)
    _keep(session, PUBLIC_ROW, json.dumps({"public": _b64(public)}))
    school = of_connection(session.connection())
    handed, left_out = 0, []
    for row in session.scalars(select(ServerKey).where(ServerKey.username != PUBLIC_ROW)).all():
        try:
            their = base64.b64decode(json.loads(row.wrapped)["personal_public"], validate=True)
        except (ValueError, KeyError, TypeError):
            left_out.append(row.username)
            continue
        member = {"login": school.login(row.username), "grp": school.lead}
        lead = bool(session.execute(text("SELECT pg_has_role(:login, :grp, 'member')"), member).scalar_one())
        body = {"public": _b64(public)} | ({"private": _b64(private)} if lead else {})
        box = keyring._wrap(keyring_agreed(personal, their, row.username), json.dumps(body).encode("utf-8"),
                            _HANDOVER + row.username)  # fmt: skip
        share = session.get(ServerHandover, row.username)
        wrapped = json.dumps({"from": actor.username, "box": box})
        if share is None:
            session.add(ServerHandover(username=row.username, body=wrapped))
        else:
            share.body = wrapped
        handed += 1
    because = ", ".join(owed(session)) or "asked for"
    write_setting(session, OWED, [])
    done = Replacement(public, private, resealed, handed, tuple(sorted(left_out)))
    audit.record(session, actor, "replaced the register's safeguarding key", "keys", "",
                 f"because of: {because}; {resealed} sealed texts sealed again; {handed} accounts given a "
                 "share")  # fmt: skip
    return done


def adopt(engine: Any, actor: Any, done: Replacement) -> Any:
    """After :func:`replace` committed: this process seals to the new key, and the DSL holds it (a new Actor)."""
    from dataclasses import replace as with_key

    from safeguard_desktop.security import sealing

    sealing.configure(engine, done.public, None)
    return with_key(actor, safeguarding_key=done.private)
