"""The safeguarding key of a register on a server, so that incident content is sealed there as on a local register:
the server's administrator (and anyone with its files or backups) reads ciphertext; only the leads open it.

One key pair per server register, made at the DSL's first sign-in. Each account has a row of ``server_key``: the
public key — and, for a lead, the private key — wrapped under a key derived from that account's password (argon2id,
AES-GCM, bound to the account's name), written by the DSL when it sets the account's password in the app (it holds
the key then) and, for an account the DSL never set, by its owner at its first sign-in as the public key alone
(trust on first use). Row ``""`` holds the public key in the clear, for that first use and as the one every row must
agree with: a public key swapped on the server (by its administrator, say) is refused with a plain message before
anything is sealed to it.

Not yet: a replacement of the key when a lead is disabled (their row is removed, but the key they held still opens
what was sealed before), and the signed record of accounts of a local register.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from safeguard_desktop.security import keyring
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.store.models import ServerKey

PUBLIC_ROW = ""
_LABEL = "safeguard server key v1:"


class KeyChanged(ServiceError):
    """The register's public key on the server is not the one this account's own row holds."""


@dataclass(frozen=True)
class ServerKeys:
    """What an account's row opened to: the register's public key, and for a lead the private key."""

    public: bytes
    private: bytes | None = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _wrapped(username: str, password: str, keys: ServerKeys) -> str:
    body = {"public": _b64(keys.public)} | ({"private": _b64(keys.private)} if keys.private else {})
    return json.dumps(wrap_under_password(password, body, _LABEL + username))


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
        private = body.get("private")
        return ServerKeys(base64.b64decode(body["public"], validate=True),
                          base64.b64decode(private, validate=True) if private else None)  # fmt: skip
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
    the register's key pair; another account's first sign-in keeps the public key in a row of its own."""
    public = _public_row(session)
    row = _row(session, username)
    if row is not None:
        try:
            keys = _opened(username, password, row.wrapped)
        except keyring.WrongPassword:
            return None, ("Your key to this register's sealed records did not open with your password: ask the DSL "
                          "to set your password again in Settings > Accounts.")  # fmt: skip
        if public is not None and public != keys.public:
            raise KeyChanged("The register's key on its server is not the one your account was given: someone "
                             "changed it there. Nothing was sealed to it. Tell the DSL and the school's IT support "
                             "before anyone logs anything more.")  # fmt: skip
        return keys, ""
    if public is None:
        if not dsl:
            return None, ("Records on this server are not sealed yet: they will be once the DSL has signed in here "
                          "with this version.")  # fmt: skip
        keys = make_pair(session, username, password)
        return keys, ("A safeguarding key was made for this register on its server: incident records written from "
                      "now on are sealed to it (what was written before stays as it was).")  # fmt: skip
    _keep(session, username, _wrapped(username, password, ServerKeys(public)))  # trust on first use, said
    if lead:
        said = (
            "You do not hold the key to this register's sealed records yet: ask the DSL to set your password "
            "again in Settings > Accounts, which gives it to you."
        )
        return ServerKeys(public), said
    return ServerKeys(public), ""


def make_pair(session: Session, username: str, password: str) -> ServerKeys:
    """The register's key pair, made now: its public row, and the DSL's own row wrapping both under its password."""
    private, public = keyring.new_key_pair()
    keys = ServerKeys(public, private)
    _keep(session, PUBLIC_ROW, json.dumps({"public": _b64(public)}))
    _keep(session, username, _wrapped(username, password, keys))
    return keys


def give(session: Session, username: str, password: str, keys: ServerKeys, *, lead: bool) -> None:
    """The DSL sets an account's password: its row wraps the public key, and for a lead the private key too."""
    _keep(session, username, _wrapped(username, password, ServerKeys(keys.public, keys.private if lead else None)))


def take_away(session: Session, username: str) -> None:
    """An account disabled: its row goes (the key it held still opens what was sealed before: not yet replaced)."""
    row = _row(session, username)
    if row is not None:
        session.delete(row)
