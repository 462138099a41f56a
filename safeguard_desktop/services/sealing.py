"""Sealed text: incident content and never-photograph reasons, readable only with the safeguarding key.

On a protected register every such text is sealed to the safeguarding public key before it is stored; leads
open it with the private key they unlocked at sign-in. On an unprotected register (no key slots, no accounts)
text is stored as given. Whoever can open the database file but holds no safeguarding key reads nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from safeguard_desktop.services import keyring
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.errors import PermissionDenied

_PUBLIC: dict[str, bytes] = {}


def _key(bind: Any) -> str:
    return str(bind.url.render_as_string(hide_password=False))


def configure(engine: Engine, public_key: bytes | None) -> None:
    """Seal text written through ``engine`` to ``public_key`` (None: store as given)."""
    if public_key is None:
        _PUBLIC.pop(_key(engine), None)
    else:
        _PUBLIC[_key(engine)] = public_key


def _public_for(session: Session) -> bytes | None:
    return _PUBLIC.get(_key(session.get_bind()))


def seal(session: Session, text: str) -> str:
    """What to store for ``text``: sealed on a protected register, as given otherwise ('' stays '')."""
    public = _public_for(session)
    if public is None or not text:
        return text
    return keyring.seal(public, text)


def reveal(actor: Actor, stored: str | None) -> str:
    """The text behind a stored value (callers have checked the actor may read it)."""
    if not stored or not keyring.is_sealed(stored):
        return stored or ""
    if actor.safeguarding_key is None:
        raise PermissionDenied(
            f"{actor.name} holds no safeguarding key: sign in as a safeguarding lead to read this record."
        )
    return keyring.open_sealed(actor.safeguarding_key, stored)
