"""Restricted cases: an incident only its named readers can read — in the app and with the files.

Every safeguarding lead holds the safeguarding key, so sealing to it cannot keep a case from one of them; yet a
deputy may be the subject of a case (or close to it), and allegations against staff are for the case manager and
the DSL alone (KCSIE Part 4; CPOMS's "DSL team access only", Smoothwall's "lock chronology"). A restricted case gets
a key of its own (X25519): everything of it — facts, summary, platforms, links, every chronology entry and the
trail's details of what is done to it — is sealed to that key, whose private half is kept only sealed to each named
reader's own public key, and to the recovery key's, so the case is never lost with its readers' passwords. Changing
the readers makes a new case key and seals everything again: someone taken off the list keeps nothing that opens
what is written after. Readers are given their keys at sign-in and whenever the list is read again.

Left as it was: the trail's entries written about the case before it was restricted stay readable to the leads
(they are hash-chained and cannot be sealed again; they say what was done, never the case's content), and the
report a member of staff sent stays readable to its reporter.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safeguard_desktop.security import keyring, sealed_box, sealing
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.incidents import (
    Facts,
    _get,
    _keep_entry_facts,
    _keep_facts,
    entry_facts,
    facts,
    hidden_from,
)
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import state_of
from safeguard_desktop.store.models import Incident, IncidentEntry, IncidentReader, UserAccount

#: The reader row that keeps each case key for the recovery key (the register's last way in).
RECOVERY_READER = "recovery"


@dataclass(frozen=True)
class Reader:
    """A named reader as the leads' dialog lists them."""

    username: str
    name: str
    #: False when the account's own key has been replaced since (a reset) or it is disabled: another reader gives
    #: the case again by saving the readers.
    can_open: bool


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def load_case_keys(session: Session, actor: Actor) -> int:
    """Open the case keys given to ``actor`` (at sign-in, and when the list is read again); returns how many."""
    if actor.personal_key is None or not actor.username:
        return 0
    opener = sealed_box.opener(actor.personal_key)
    found: dict[int, bytes] = {}
    for number, sealed in session.execute(select(IncidentReader.incident_id, IncidentReader.sealed_key).where(
            IncidentReader.username == actor.username)):  # fmt: skip
        try:
            found[number] = base64.b64decode(opener(sealed))
        except (keyring.KeyError_, ValueError):
            continue  # sealed to a key of theirs since replaced: another reader gives it again
    actor.case_keys.update(found)  # in place, never emptied first: the window may be reading them meanwhile
    for number in [n for n in actor.case_keys if n not in found]:
        actor.case_keys.pop(number, None)
    return len(found)


def _folder(session: Session) -> Path:
    folder = state_of(session.get_bind()).key_folder
    if folder is None:
        raise ValidationError("A restricted case needs a register with accounts (its content is sealed to the "
                              "readers' own keys).")  # fmt: skip
    return folder


def _leads(session: Session) -> dict[str, UserAccount]:
    rows = session.scalars(select(UserAccount).where(UserAccount.active.is_(True)))
    return {a.username: a for a in rows if Role(a.role) in (Role.DSL, Role.DEPUTY_DSL)}


def lead_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(username, name) of every active safeguarding lead: who may be named a reader."""
    actor.require(Operation.READ_INCIDENTS)
    return sorted(((u, a.display_name) for u, a in _leads(session).items()), key=lambda pair: pair[1].casefold())


def reader_choices(session: Session, actor: Actor, incident_id: int) -> tuple[list[tuple[str, str]], list[Reader]]:
    """Who may be named (every active lead) and who is named now: what the leads' dialog shows."""
    return lead_choices(session, actor), readers(session, actor, incident_id)


def readers(session: Session, actor: Actor, incident_id: int) -> list[Reader]:
    """The named readers of a restricted case (for one of them); [] when the case is open to all the leads."""
    actor.require(Operation.READ_INCIDENTS)
    incident = _get(session, incident_id)
    if not incident.case_public:
        return []
    if incident_id not in actor.case_keys:
        raise PermissionDenied(f"Incident {incident_id} is a restricted case: only its named readers see who they are.")
    keys = keyring.personal_publics(_folder(session))
    leads = _leads(session)
    found = []
    for row in session.scalars(select(IncidentReader).where(IncidentReader.incident_id == incident_id,
                                                           IncidentReader.username != RECOVERY_READER)):  # fmt: skip
        current = keys.get(row.username)
        account = leads.get(row.username)
        found.append(
            Reader(
                row.username,
                account.display_name if account else row.username,
                account is not None and current is not None and _b64(current) == row.public_used,
            )
        )
    return sorted(found, key=lambda r: r.name.casefold())


@dataclass
class _Plain:
    """Everything of an incident that is sealed, opened."""

    facts: Facts
    summary: str
    platforms: str
    links: str
    entries: list[tuple[IncidentEntry, tuple[str, str, str], str, str, str]]


def _opened(incident: Incident, actor: Actor) -> _Plain:
    def r(value: str | None) -> str:
        return sealing.reveal(actor, value)

    entries = [(e, entry_facts(e, actor), r(e.text), r(e.reference), r(e.reason)) for e in incident.entries]
    return _Plain(facts(incident, actor), r(incident.summary), r(incident.platforms), r(incident.evidence_links),
                  entries)  # fmt: skip


def _seal_again(session: Session, incident: Incident, plain: _Plain) -> None:
    """Seal everything of ``incident`` again, to its case key if it has one (else to the safeguarding key)."""
    from safeguard_desktop.services.incidents import sealer

    seal = sealer(session, incident)
    incident.summary, incident.platforms, incident.evidence_links = (seal(plain.summary), seal(plain.platforms),
                                                                     seal(plain.links))  # fmt: skip
    _keep_facts(session, incident, plain.facts)
    for entry, (kind, referral_to, author), text, reference, reason in plain.entries:
        entry.text, entry.reference, entry.reason = seal(text), seal(reference), seal(reason)
        _keep_entry_facts(session, entry, kind, referral_to, author, seal)


def _check_readable(incident: Incident, actor: Actor) -> None:
    if hidden_from(incident, actor):
        raise PermissionDenied(f"Incident {incident.id} is a restricted case: only its named readers can change who "
                               "reads it.")  # fmt: skip


@changes(Topic.INCIDENTS)
def restrict(session: Session, actor: Actor, incident_id: int, usernames: list[str], reason: str) -> list[str]:
    """Make the case readable by the named leads only (the actor among them), or change who they are: a new case
    key, everything sealed again. Returns the readers' names. Audited, with the reason sealed to the case."""
    actor.require(Operation.READ_INCIDENTS)
    folder = _folder(session)
    incident = _get(session, incident_id)
    _check_readable(incident, actor)
    if not actor.username or actor.personal_key is None:
        raise ValidationError("Sign in with your own account to restrict a case.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Say why the case is restricted (it is kept, sealed to the case).", field="reason")
    chosen = sorted({u.strip().lower() for u in usernames if u.strip()} | {actor.username})
    leads = _leads(session)
    keys = keyring.personal_publics(folder)
    publics: dict[str, bytes] = {}
    for username in chosen:
        public = keys.get(username)
        if username not in leads or public is None:
            raise ValidationError(f"{username} is not an active safeguarding lead with a key of their own: only "
                                  "leads can be readers.", field="readers")  # fmt: skip
        publics[username] = public
    recovery = keyring.recovery_public(folder)
    plain = _opened(incident, actor)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private_key = X25519PrivateKey.generate()
    private = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())  # fmt: skip
    public = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    incident.case_public = _b64(public)
    _seal_again(session, incident, plain)
    session.execute(delete(IncidentReader).where(IncidentReader.incident_id == incident_id))
    now = datetime.now()
    if recovery is not None:
        publics[RECOVERY_READER] = recovery
    for username, key in publics.items():
        session.add(
            IncidentReader(
                incident_id=incident_id,
                username=username,
                given_by=actor.name,
                given_at=now,
                sealed_key=sealed_box.seal(key, _b64(private)),
                public_used=_b64(key),
            )
        )
    session.flush()
    actor.case_keys[incident_id] = private
    names = [leads[u].display_name for u in chosen]
    audit.record(session, actor, "restricted a case to named readers", "incident", incident_id,
                 sealing.seal_to_case(public, incident_id, f"{', '.join(names)}: {reason}"))  # fmt: skip
    return names


@changes(Topic.INCIDENTS)
def open_to_all_leads(session: Session, actor: Actor, incident_id: int, reason: str) -> None:
    """End a restriction (a reader's decision): everything sealed to the safeguarding key again. Audited."""
    actor.require(Operation.READ_INCIDENTS)
    incident = _get(session, incident_id)
    if not incident.case_public:
        return
    _check_readable(incident, actor)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Say why every lead may now read the case.", field="reason")
    plain = _opened(incident, actor)
    incident.case_public = None
    _seal_again(session, incident, plain)
    session.execute(delete(IncidentReader).where(IncidentReader.incident_id == incident_id))
    actor.case_keys.pop(incident_id, None)
    audit.record(session, actor, "opened a restricted case to all the leads", "incident", incident_id,
                 sealing.seal(session, reason))  # fmt: skip


def give_again_with_recovery(session: Session, recovery: Actor, username: str) -> int:
    """After a forgotten password is reset with the recovery key: the account is given again the cases it is a
    named reader of (its own key is new). Returns how many."""
    folder = _folder(session)
    public = keyring.personal_public(folder, username)
    if public is None or recovery.personal_key is None:
        return 0
    opener = sealed_box.opener(recovery.personal_key)
    given = 0
    named = set(session.scalars(select(IncidentReader.incident_id).where(IncidentReader.username == username)))
    for row in session.scalars(select(IncidentReader).where(IncidentReader.username == RECOVERY_READER,
                                                           IncidentReader.incident_id.in_(named))):  # fmt: skip
        try:
            private = opener(row.sealed_key)
        except keyring.KeyError_:
            continue
        mine = session.scalars(select(IncidentReader).where(IncidentReader.incident_id == row.incident_id,
                                                           IncidentReader.username == username)).one()  # fmt: skip
        mine.sealed_key, mine.public_used = sealed_box.seal(public, private), _b64(public)
        given += 1
    if given:
        audit.record(session, recovery, "gave an account its restricted cases again", "account", username, str(given))
    return given
