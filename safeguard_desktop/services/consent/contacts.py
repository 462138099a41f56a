"""The people a pupil's consent comes from: contacts with or without parental responsibility.

Contacts arrive from the MIS contacts export (the same preview → apply as pupils, see services/contact_import.py)
or are added by hand; a decision records which contact gave it. Decisions recorded before contacts existed keep
their free-text giver and are attached to the contact whose name matches, when that contact arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import GivenByKind, giver_key
from safeguard_desktop.domain.text import unsafe_character
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import NotFound, ValidationError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import ConsentDecision, Contact, Pupil


@dataclass(frozen=True)
class ContactInput:
    """A contact as a person or an import gives it."""

    name: str
    relationship: str = ""
    parental_responsibility: bool = True
    lives_with_pupil: bool = True
    email: str = ""
    phone: str = ""
    address: str = ""
    priority: int = 1
    mis_reference: str = ""


@dataclass(frozen=True)
class ContactView:
    """A contact as screens and the CLI show it."""

    id: int
    pupil_id: int
    name: str
    relationship: str
    parental_responsibility: bool
    lives_with_pupil: bool
    email: str
    phone: str
    address: str
    priority: int
    active: bool


def _text(value: str, what: str, limit: int, *, required: bool = False, multiline: bool = False) -> str:
    text = value.strip() if multiline else " ".join(value.split())
    bad = unsafe_character(text, multiline=multiline)
    if bad is not None:
        raise ValidationError(f"The contact's {what} contains {bad}, which cannot be kept; retype that part.",
                              field=what)  # fmt: skip
    if required and not text:
        raise ValidationError(f"Give the contact's {what}.", field=what)
    if len(text) > limit:
        raise ValidationError(f"The contact's {what} is longer than {limit} characters.", field=what)
    return text


def check(data: ContactInput) -> dict[str, object]:
    """The contact's fields as stored; ValidationError naming the field that cannot be kept."""
    return _clean(data)


def _clean(data: ContactInput) -> dict[str, object]:
    if not 1 <= data.priority <= 99:
        raise ValidationError("A contact's priority is 1 (first contact) to 99.", field="priority")
    return {
        "name": _text(data.name, "name", 200, required=True),
        "relationship": _text(data.relationship, "relationship", 60),
        "parental_responsibility": bool(data.parental_responsibility),
        "lives_with_pupil": bool(data.lives_with_pupil),
        "email": _text(data.email, "email", 200),
        "phone": _text(data.phone, "phone", 40),
        "address": _text(data.address, "address", 500, multiline=True),
        "priority": data.priority,
        "mis_reference": _text(data.mis_reference, "MIS reference", 60),
    }


def _view(c: Contact) -> ContactView:
    return ContactView(c.id, c.pupil_id, c.name, c.relationship, c.parental_responsibility, c.lives_with_pupil,
                       c.email, c.phone, c.address, c.priority, c.active)  # fmt: skip


def list_contacts(session: Session, actor: Actor, pupil_id: int) -> list[ContactView]:
    """A pupil's contacts, first contact first."""
    actor.require(Operation.VIEW_REGISTER)
    rows = session.scalars(select(Contact).where(Contact.pupil_id == pupil_id).order_by(Contact.priority, Contact.id))
    return [_view(c) for c in rows]


@changes(Topic.CONSENT)
def add_contact(session: Session, actor: Actor, pupil_id: int, data: ContactInput) -> int:
    """Add a contact to a pupil; decisions already recorded under the same name are attached to it."""
    actor.require(Operation.EDIT_CONSENT)
    if session.get(Pupil, pupil_id) is None:
        raise NotFound(f"No pupil with id {pupil_id}; the register may have been reloaded.")
    contact = Contact(pupil_id=pupil_id, active=True, **_clean(data))
    session.add(contact)
    session.flush()
    attached = attach_matching_decisions(session, contact)
    audit.record(session, actor, "added a contact", "pupil", pupil_id,
                 f"contact {contact.id}; {attached} earlier decision(s) attached")  # fmt: skip
    return contact.id


@changes(Topic.CONSENT)
def update_contact(session: Session, actor: Actor, contact_id: int, data: ContactInput) -> None:
    """Change a contact's details (their decisions stay theirs)."""
    actor.require(Operation.EDIT_CONSENT)
    contact = get_contact(session, contact_id)
    before = contact.parental_responsibility
    for key, value in _clean(data).items():
        setattr(contact, key, value)
    detail = "" if before == contact.parental_responsibility else (
        "parental responsibility now " + ("yes" if contact.parental_responsibility else "no")
    )  # fmt: skip
    audit.record(session, actor, "changed a contact", "pupil", contact.pupil_id, f"contact {contact.id}; {detail}")


def get_contact(session: Session, contact_id: int) -> Contact:
    """The contact, or NotFound."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"No contact with number {contact_id}; the register may have been reloaded.")
    return contact


def attach_matching_decisions(session: Session, contact: Contact) -> int:
    """Decisions of the contact's pupil recorded before contacts (free text), whose giver's name is the contact's
    (folded: case, spaces and accents as typed), become the contact's."""
    wanted = giver_key(GivenByKind.PARENT.value, contact.name)
    rows = session.execute(
        select(ConsentDecision.id, ConsentDecision.given_by_name).where(
            ConsentDecision.pupil_id == contact.pupil_id,
            ConsentDecision.contact_id.is_(None),
            ConsentDecision.given_by_kind == GivenByKind.PARENT.value,
        )
    ).all()
    ids = [i for i, name in rows if giver_key(GivenByKind.PARENT.value, name) == wanted]
    if ids:
        session.execute(update(ConsentDecision).where(ConsentDecision.id.in_(ids)).values(contact_id=contact.id))
    return len(ids)
