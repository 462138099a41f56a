"""Who an incident involves: the pupils the form offers (name and class, nothing of consent) and the people
linked to an incident, named as safeguarding leads read them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.incidents import IncidentView
from safeguard_desktop.store.models import Pupil


@dataclass(frozen=True)
class PupilChoice:
    """A pupil as the incident form offers them: name and class only, nothing of consent."""

    id: int
    name: str
    year_group: str
    reg_group: str

    @property
    def label(self) -> str:
        """'Surname, Forename (6A)' — how the picker lists them."""
        group = self.reg_group or self.year_group
        return f"{self.name} ({group})" if group else self.name


def pupil_choices(session: Session, actor: Actor) -> list[PupilChoice]:
    """Pupils on roll, by surname, for whoever may log an incident (staff name the pupils involved)."""
    actor.require(Operation.LOG_INCIDENT)
    rows = session.execute(
        select(
            Pupil.id,
            Pupil.legal_forename,
            Pupil.legal_surname,
            Pupil.preferred_forename,
            Pupil.preferred_surname,
            Pupil.year_group,
            Pupil.reg_group,
        ).where(Pupil.on_roll.is_(True))
    )
    choices = [
        PupilChoice(pid, f"{psur or sur}, {pfore or fore}", year or "", group or "")
        for pid, fore, sur, pfore, psur, year, group in rows
    ]
    return sorted(choices, key=lambda c: (c.name.casefold(), c.reg_group, c.id))


def describe_people(session: Session, actor: Actor, view: IncidentView) -> list[str]:
    """Who is involved, named as leads read them: 'Nowak, Zofia (6A) — affected'."""
    actor.require(Operation.READ_INCIDENTS)
    ids = [p.pupil_id for p in view.people if p.pupil_id is not None]
    pupils = {p.id: p for p in session.scalars(select(Pupil).where(Pupil.id.in_(ids)))} if ids else {}
    lines = []
    for person in view.people:
        if person.kind == "pupil" and person.pupil_id in pupils:
            p = pupils[person.pupil_id]
            who = f"{p.preferred_surname or p.legal_surname}, {p.preferred_forename or p.legal_forename}"
            group = p.reg_group or p.year_group
            who += f" ({group})" if group else ""
        elif person.kind == "staff":
            who = ", ".join(x for x in (person.name, person.staff_role) if x) or "a member of staff"
            who = f"staff: {who}"
        elif person.kind == "school":
            who = "the school"
        else:
            who = person.name or "someone else"
        lines.append(f"{who} — {person.involvement}")
    return lines


def open_incident(session: Session, actor: Actor, incident_id: int) -> tuple[IncidentView, list[str]]:
    """An incident as a lead opens it (audited as a view), with its people named."""
    from safeguard_desktop.services.incidents import read_incident

    view = read_incident(session, actor, incident_id)
    return view, describe_people(session, actor, view)
