"""Sealed text: incident content and never-photograph reasons, readable only with the safeguarding key.

On a protected register every such text is sealed to the safeguarding public key before it is stored; leads
open it with the private key they unlocked at sign-in. On an unprotected register (no key slots, no accounts)
text is stored as given. Whoever can open the database file but holds no safeguarding key reads nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.store.engine import state_of


def configure(engine: Engine, public_key: bytes | None, folder: Path | None = None) -> None:
    """Seal text written through ``engine`` to ``public_key`` (None: store as given); ``folder`` holds the key
    slots, where each account's own public key is found."""
    state = state_of(engine)
    state.sealing_public = public_key
    state.key_folder = folder if public_key is not None else None


def seal_for_author(session: Session, username: str, text: str) -> str | None:
    """A copy of ``text`` only ``username`` can read (their own key), or None where there is no such key."""
    folder = state_of(session.get_bind()).key_folder
    if folder is None or not username or not text:
        return None
    public = keyring.personal_public(folder, username)
    return sealed_box.seal(public, text) if public is not None else None


def reveal_own(actor: Actor, stored: str | None) -> str:
    """Open a copy sealed to the actor's own key ('' when they hold none or it is not theirs)."""
    if not stored or actor.personal_key is None:
        return ""
    try:
        return sealed_box.open_sealed(actor.personal_key, stored)
    except keyring.KeyError_:
        return ""


def _public_for(session: Session) -> bytes | None:
    return state_of(session.get_bind()).sealing_public


def seal(session: Session, text: str) -> str:
    """What to store for ``text``: sealed on a protected register, as given otherwise ('' stays '')."""
    public = _public_for(session)
    if public is None or not text:
        return text
    return sealed_box.seal(public, text)


UNREADABLE = "[unreadable: sealed to a key the safeguarding leads do not hold, or damaged]"
RESTRICTED = "[restricted case: only its named readers can read it]"
#: Text of a restricted case, sealed to the case's own key: "case:v1:<incident number>:" + a sealed text.
CASE_PREFIX = "case:v1:"


def seal_to_case(case_public: bytes, incident_id: int, text: str) -> str:
    """``text`` sealed to a restricted case's own key ('' stays '')."""
    if not text:
        return text
    return f"{CASE_PREFIX}{incident_id}:{sealed_box.seal(case_public, text)}"


def case_of(stored: str | None) -> int | None:
    """The incident whose case key seals ``stored``, or None when it is not sealed to a case key."""
    if not stored or not stored.startswith(CASE_PREFIX):
        return None
    number = stored[len(CASE_PREFIX) :].split(":", 1)[0]
    return int(number) if number.isdigit() else None


def _reveal_case(actor: Actor, stored: str) -> str:
    number = case_of(stored)
    key = actor.case_keys.get(number) if number is not None else None
    if key is None:
        return RESTRICTED
    try:
        return _opener(key)(stored[len(CASE_PREFIX) + len(str(number)) + 1 :])
    except keyring.KeyError_:
        return UNREADABLE


@lru_cache(maxsize=4)
def _opener(private: bytes) -> Callable[[str], str]:
    """The key loaded once for a lead's many texts (a list of 10,000 incidents opens 30,000 and more)."""
    return sealed_box.opener(private)


def reveal(actor: Actor, stored: str | None) -> str:
    """The text behind a stored value (callers have checked the actor may read it)."""
    if stored and stored.startswith(CASE_PREFIX):
        return _reveal_case(actor, stored)
    if not stored or not sealed_box.is_sealed(stored):
        return stored or ""
    if actor.safeguarding_key is None:
        raise PermissionDenied(
            f"{actor.name} holds no safeguarding key: sign in as a safeguarding lead to read this record."
        )
    try:
        return _opener(actor.safeguarding_key)(stored)
    except keyring.KeyError_:
        # One unreadable field (sealed to a key the leads do not hold, or damaged) must not hide the whole log.
        return UNREADABLE


def protected(session: Session) -> bool:
    """True when text written through this session is sealed (a register with accounts)."""
    return _public_for(session) is not None


def seal_facts(session: Session, facts: dict[str, Any], sealer: Callable[[str], str] | None = None) -> str | None:
    """Facts (plain JSON data) sealed as one value (by ``sealer``: a restricted case's); None on an unprotected
    register (kept in their columns)."""
    if not protected(session):
        return None
    text = json.dumps(facts, separators=(",", ":"), sort_keys=True)
    return sealer(text) if sealer is not None else seal(session, text)


def reveal_facts(actor: Actor, stored: str) -> dict[str, Any] | None:
    """The facts behind a sealed value; None when it does not open (damaged, or sealed to another key, or a
    restricted case's and the actor is not among its readers: see :func:`case_of`)."""
    text = reveal(actor, stored)
    if text in (UNREADABLE, RESTRICTED):
        return None
    try:
        facts = json.loads(text)
    except ValueError:
        return None
    return facts if isinstance(facts, dict) else None
