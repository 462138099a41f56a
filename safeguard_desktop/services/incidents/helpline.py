"""The summary of an incident for the Professionals Online Safety Helpline: anonymised unless asked otherwise.

Pupils appear as "Pupil A, Year 7", staff by their role; every name the register knows — pupils (legal and
preferred), contacts, staff accounts, the people named in the incident —, their initials and handles, UPNs and
admission numbers, and any title with a name after it are taken out of the free text too (domain.anonymise),
and what was taken out is said beside the summary for the lead to check before sending. Never any imagery, and no
links unless names were asked for. Every export is audited, anonymised or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.anonymise import Anonymiser, Person
from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.domain.incidents import HELPLINE
from safeguard_desktop.services import incidents, settings
from safeguard_desktop.services.actors import Actor, Operation, Role
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import Contact, Pupil, UserAccount

ROLE_TITLES = {
    Role.DSL: "Designated Safeguarding Lead",
    Role.DEPUTY_DSL: "Deputy Designated Safeguarding Lead",
    Role.OFFICE: "School office",
    Role.STAFF: "Member of staff",
}


@dataclass(frozen=True)
class HelplineSummary:
    """The summary as plain text (for an email) and the lines it is made of (for the PDF)."""

    title: str
    lines: tuple[tuple[str, str], ...]
    anonymised: bool
    #: What the anonymiser took out ("3 names, 1 UPN"), or "" for a summary with names.
    removed: str = ""

    @property
    def text(self) -> str:
        """Plain text ready to paste into an email."""
        body = "\n".join(f"{label}: {value}" if label else value for label, value in self.lines)
        return f"{self.title}\n\n{body}\n"


def helpline_summary(session: Session, actor: Actor, incident_id: int, *, with_names: bool = False) -> HelplineSummary:
    """Build the summary (names only when ``with_names``); the export is audited either way."""
    actor.require(Operation.READ_INCIDENTS)
    view = incidents.read_incident(session, actor, incident_id)
    school = settings.get_school(session)
    pupils = {
        p.id: p
        for p in session.scalars(select(Pupil).where(Pupil.id.in_([x.pupil_id for x in view.people if x.pupil_id])))
    }
    labels: list[str] = []
    letter = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for person in view.people:
        if person.kind == "pupil" and person.pupil_id in pupils:
            pupil = pupils[person.pupil_id]
            name = f"{pupil.preferred_forename or pupil.legal_forename} {pupil.legal_surname}"
            who = name if with_names else f"Pupil {next(letter)}"
            labels.append(f"{who}, {pupil.year_group} ({person.involvement})")
        elif person.kind == "staff":
            who = (
                person.name
                if with_names and person.name
                else f"a member of staff ({person.staff_role or 'role not given'})"
            )
            labels.append(f"{who} ({person.involvement})")
        elif person.kind == "school":
            labels.append(f"the school ({person.involvement})")
        else:
            labels.append(f"{person.name if with_names and person.name else 'another person'} ({person.involvement})")
    scrub: Callable[[str], str] = lambda text: text  # noqa: E731
    anonymiser = None
    if not with_names:
        anonymiser = _anonymiser(session, view)
        scrub = anonymiser
    corrections: dict[int, list[str]] = {}
    for e in view.entries:
        if e.kind == "correction" and e.corrects is not None:
            corrections.setdefault(e.corrects, []).append(
                f"corrected {format_uk_datetime(e.at)}: {scrub(e.text)}" + (f" ({scrub(e.reason)})" if e.reason else "")
            )
    platform_reports = [
        f"{format_uk_datetime(e.at)}: reported to {e.referral_to}"
        + (f", reference {scrub(e.reference)}" if e.reference else "")
        + (f" — {scrub(e.text)}" if e.text else "")
        + "".join(f" [{note}]" for note in corrections.get(e.id, ()))
        for e in view.entries
        if e.kind == "referral"
    ]
    lines: list[tuple[str, str]] = [
        ("Organisation", school.name or "(school name not set)"),
        ("Role of the person contacting you", ROLE_TITLES[actor.role]),
        ("Issue type", f"{view.category.value} ({view.four_cs.value})"),
        ("Urgency", view.urgency.value),
        ("Platform(s)", ", ".join(scrub(p) for p in view.platforms) or "not recorded"),
        ("When it happened", format_uk_datetime(view.occurred_at) or "not known"),
        ("When it was reported to the school", format_uk_datetime(view.reported_at)),
        ("Who is affected", "; ".join(labels) or "not recorded"),
        ("A child affected", "yes" if any(p.kind == "pupil" for p in view.people) else "no"),
        ("A member of staff affected", "yes" if any(p.kind == "staff" for p in view.people) else "no"),
        ("What happened", scrub(view.summary)),
        ("Reports already made", "; ".join(platform_reports) or "none yet"),
    ]
    if with_names and view.evidence_links:
        lines.append(("Links", ", ".join(view.evidence_links)))
    lines.append(("", "No images are attached or held."))
    lines.append(("", HELPLINE))
    kind = "with names" if with_names else "anonymised"
    audit.record(session, actor, f"exported helpline summary ({kind})", "incident", incident_id)
    removed = anonymiser.described() if anonymiser is not None else ""
    return HelplineSummary(f"Summary for the Professionals Online Safety Helpline — incident {incident_id}",
                           tuple(lines), not with_names, removed)  # fmt: skip


def _anonymiser(session: Session, view: incidents.IncidentView) -> Anonymiser:
    """Everyone the register knows, and everyone the incident names: pupils (legal and preferred names), their
    contacts, the staff accounts, the people linked to the incident and its reporter; and every admission number."""
    names = select(Pupil.legal_forename, Pupil.legal_surname, Pupil.preferred_forename, Pupil.preferred_surname)
    people = [Person(forename, surname, preferred or "", preferred_surname or "")
              for forename, surname, preferred, preferred_surname in session.execute(names)]  # fmt: skip
    people += [Person(whole=name) for name in session.scalars(select(Contact.name)) if name]
    people += [Person(whole=name) for name in session.scalars(select(UserAccount.display_name)) if name]
    people += [Person(whole=p.name) for p in view.people if p.name]
    if view.reported_by:
        people.append(Person(whole=view.reported_by.split(" (")[0]))
    numbers = [n for n in session.scalars(select(Pupil.admission_number)) if n]
    return Anonymiser(people, numbers)
