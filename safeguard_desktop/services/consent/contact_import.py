"""Contacts from the MIS contacts export (SIMS, Arbor, Bromcom): preview, then apply in one transaction.

Each row names a pupil (UPN or admission number) and one contact. Rows are matched to the pupil's existing
contacts by the MIS's contact identifier when the export has one, else by name (folded as typed); a new contact
takes over the earlier decisions recorded under their name. A row that names no pupil of the register, or has an
unreadable field, is reported by line and field; nothing is written for a refused file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import GivenByKind, giver_key
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.consent import contacts
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.pupils.mis_files import RawTable
from safeguard_desktop.services.pupils.mis_mapping import find_columns
from safeguard_desktop.services.pupils.mis_rows import Rejection
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Contact, Pupil

SYNONYMS: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "pupil upn", "student upn", "unique pupil number"),
    "admission_number": ("adno", "admission number", "admission no", "pupil adno", "student admission number"),
    "name": ("contact name", "contact full name", "full name", "name", "parent name", "guardian name"),
    "forename": ("contact forename", "contact first name", "first name", "forename", "guardian first name"),
    "surname": ("contact surname", "contact last name", "last name", "surname", "guardian last name"),
    "relationship": ("relationship", "relationship to pupil", "relationship to student", "relation",
                     "relationship type"),
    "parental_responsibility": ("parental responsibility", "has parental responsibility", "pr", "parental resp",
                                "parental responsibility yn"),
    "lives_with_pupil": ("lives with pupil", "lives with student", "resides with pupil", "lives with", "same address"),
    "priority": ("priority", "contact priority", "contact order", "order"),
    "email": ("email", "email address", "contact email", "main email"),
    "phone": ("mobile", "mobile phone", "mobile telephone", "telephone", "phone", "main telephone",
              "contact telephone"),
    "mis_reference": ("contact id", "contact reference", "person id", "contact person id"),
}  # fmt: skip
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


@dataclass
class ContactImportPreview:
    """What an import would do (or did)."""

    source: str
    encoding: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    decisions_attached: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    applied: bool = False


def mapping(headers: list[str]) -> dict[str, int]:
    """Which column holds which contact field; ValidationError naming what is missing."""
    found = find_columns(headers, SYNONYMS)
    missing = []
    if "upn" not in found and "admission_number" not in found:
        missing.append("the pupil's UPN or admission number")
    if "name" not in found and not ("forename" in found and "surname" in found):
        missing.append("the contact's name (or forename and surname)")
    if "parental_responsibility" not in found:
        missing.append("parental responsibility (yes/no): only a holder's yes grants consent")
    if missing:
        raise ValidationError(
            f"The contacts file lacks {'; '.join(missing)}. Its columns are: {', '.join(headers)}. Export the "
            "contacts with these columns from the MIS."
        )
    return found


def _yes_no(text: str, what: str) -> bool:
    value = text.strip().casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"{what} should be yes or no, not {text.strip()!r}")


def _rows(session: Session, table: RawTable, result: ContactImportPreview
          ) -> list[tuple[int, int, contacts.ContactInput]]:  # fmt: skip
    columns = mapping(table.headers)
    by_upn = {u: i for i, u in session.execute(select(Pupil.id, Pupil.upn)) if u} if "upn" in columns else {}
    by_adno = ({a: i for i, a in session.execute(select(Pupil.id, Pupil.admission_number)) if a}
               if "admission_number" in columns else {})  # fmt: skip

    def cell(cells: list[str], name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    good = []
    for line, cells in table.records:
        upn, adno = cell(cells, "upn").upper(), cell(cells, "admission_number")
        pupil_id = by_upn.get(upn) if upn else None
        if pupil_id is None and adno:
            pupil_id = by_adno.get(adno)
        if pupil_id is None:
            who = f"UPN {upn}" if upn else f"admission number {adno}" if adno else "no UPN or admission number"
            result.rejected.append(Rejection(line, "pupil", f"{who}: no such pupil in the register (import the "
                                                            "pupils first)"))  # fmt: skip
            continue
        name = cell(cells, "name") or " ".join(p for p in (cell(cells, "forename"), cell(cells, "surname")) if p)
        try:
            priority_text = cell(cells, "priority")
            priority = int(priority_text) if priority_text else 1
            data = contacts.ContactInput(
                name=name,
                relationship=cell(cells, "relationship"),
                parental_responsibility=_yes_no(cell(cells, "parental_responsibility"), "Parental responsibility"),
                lives_with_pupil=_yes_no(cell(cells, "lives_with_pupil") or "yes", "Lives with the pupil"),
                email=cell(cells, "email"),
                phone=cell(cells, "phone"),
                priority=priority,
                mis_reference=cell(cells, "mis_reference"),
            )
            contacts.check(data)
        except ValidationError as exc:
            result.rejected.append(Rejection(line, exc.field or "contact", str(exc)))
            continue
        except ValueError as exc:
            reason = str(exc) if "should" in str(exc) else f"priority should be a number, not {priority_text!r}"
            result.rejected.append(Rejection(line, "contact", reason))
            continue
        good.append((line, pupil_id, data))
    return good


def _match(existing: list[Contact], data: contacts.ContactInput) -> Contact | None:
    if data.mis_reference:
        for c in existing:
            if c.mis_reference == data.mis_reference:
                return c
    wanted = giver_key(GivenByKind.PARENT.value, data.name)
    for c in existing:
        if giver_key(GivenByKind.PARENT.value, c.name) == wanted:
            return c
    return None


def import_contacts(session: Session, actor: Actor, table: RawTable, *, apply: bool = False,
                    skip_invalid: bool = False) -> ContactImportPreview:  # fmt: skip
    """Preview (``apply`` False: nothing written) or apply the contacts in ``table``. With rows refused, nothing is
    applied unless ``skip_invalid``."""
    actor.require(Operation.IMPORT_PUPILS)
    result = ContactImportPreview(table.source, table.encoding)
    rows = _rows(session, table, result)
    existing: dict[int, list[Contact]] = {}
    for c in session.scalars(select(Contact).where(Contact.active.is_(True))):
        existing.setdefault(c.pupil_id, []).append(c)
    writing = apply and (skip_invalid or not result.rejected)
    for _line, pupil_id, data in rows:
        found = _match(existing.get(pupil_id, []), data)
        values = contacts.check(data)
        if found is None:
            result.added += 1
            if writing:
                contact = Contact(pupil_id=pupil_id, active=True, **values)
                session.add(contact)
                session.flush()
                existing.setdefault(pupil_id, []).append(contact)
                result.decisions_attached += contacts.attach_matching_decisions(session, contact)
        elif any(getattr(found, k) != v for k, v in values.items()):
            result.updated += 1
            if writing:
                for k, v in values.items():
                    setattr(found, k, v)
        else:
            result.unchanged += 1
    if writing:
        result.applied = True
        audit.record(session, actor, "imported contacts", "contacts", table.source,
                     f"{result.added} added, {result.updated} updated, {len(result.rejected)} refused")  # fmt: skip
    return result
