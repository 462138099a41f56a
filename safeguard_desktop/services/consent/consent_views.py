"""Each giver's standing answer, and the conflicts a lead has to resolve (read-only views of the consent rule)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import GivenByKind, Verdict, may_appear, standing_answers
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.consent.grid import decision_tuple, list_purposes, snapshot_on
from safeguard_desktop.services.consent.snapshot import PurposeInfo, fact_of
from safeguard_desktop.services.errors import NotFound
from safeguard_desktop.store.models import ConsentDecision, Contact, Pupil


@dataclass(frozen=True)
class GiverAnswer:
    """One giver's standing answer for one purpose."""

    giver: str  # as a person reads it: "Amy Khan (mother)", "the pupil", "resolved by Ann Lead"
    answer: Verdict  # YES, EXPIRED, REFUSED or WITHDRAWN
    given_on: date
    route: str
    parental_responsibility: bool | None  # None: not a contact


@dataclass(frozen=True)
class PurposeAnswers:
    """A purpose's verdict for the pupil, with every giver's standing answer behind it."""

    purpose_id: int
    purpose: str
    verdict: Verdict
    answers: tuple[GiverAnswer, ...]


@dataclass(frozen=True)
class Conflict:
    """A pupil and purpose where givers disagree."""

    pupil_id: int
    upn: str
    name: str
    reg_group: str
    purpose_id: int
    purpose: str
    answers: tuple[GiverAnswer, ...]


def _label(d: ConsentDecision, contacts: dict[int, Contact]) -> tuple[str, bool | None]:
    if d.given_by_kind == GivenByKind.PUPIL.value:
        return "the pupil", None
    if d.given_by_kind == GivenByKind.RESOLUTION.value:
        return f"resolved by {d.given_by_name}", None
    contact = contacts.get(d.contact_id) if d.contact_id is not None else None
    name = contact.name if contact is not None else d.given_by_name or "unnamed parent or carer"
    relationship = (contact.relationship if contact is not None else d.given_by_relationship) or ""
    label = f"{name} ({relationship})" if relationship else name
    return label, (contact.parental_responsibility if contact is not None else None)


def answers_for(session: Session, actor: Actor, pupil_id: int, *, on: date | None = None) -> list[PurposeAnswers]:
    """For each active purpose: the verdict and each giver's standing answer on ``on`` (today)."""
    actor.require(Operation.VIEW_REGISTER)
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound(f"No pupil with id {pupil_id}; the register may have been reloaded.")
    decisions = list(session.scalars(select(ConsentDecision).where(ConsentDecision.pupil_id == pupil_id)))
    contacts = {c.id: c for c in session.scalars(select(Contact).where(Contact.pupil_id == pupil_id))}
    return answers_from(pupil, decisions, contacts, list_purposes(session), on or date.today())


def answers_from(pupil: Pupil, decisions: Sequence[ConsentDecision], contacts: dict[int, Contact],
                 purposes: Sequence[PurposeInfo], day: date) -> list[PurposeAnswers]:  # fmt: skip
    """The verdicts and standing answers from a pupil's decisions and contacts already read (the detail panel
    reads them once for the history as well)."""
    by_id = {d.id: d for d in decisions}
    result = []
    for purpose in purposes:
        facts = [fact_of(decision_tuple(d, contacts)) for d in decisions if d.purpose_id == purpose.id]
        verdict = may_appear(never_photograph=pupil.never_photograph, decisions=facts, on=day, on_roll=pupil.on_roll)
        answers = []
        for standing in standing_answers(facts, day):
            decision = by_id[standing.decision.sequence]
            label, pr = _label(decision, contacts)
            answers.append(GiverAnswer(label, standing.verdict, decision.given_on, decision.route, pr))
        result.append(PurposeAnswers(purpose.id, purpose.name, verdict, tuple(answers)))
    return result


def conflicts(session: Session, actor: Actor, *, on: date | None = None) -> list[Conflict]:
    """Every pupil on roll and purpose whose givers disagree on ``on`` (today): the list a lead works through."""
    actor.require(Operation.VIEW_REGISTER)
    day = on or date.today()
    snapshot = snapshot_on(session, day)
    found = []
    for row in snapshot.rows:
        columns = [i for i, v in enumerate(row.verdicts) if v is Verdict.CONFLICT]
        if not columns:
            continue
        detail = {a.purpose_id: a for a in answers_for(session, actor, row.id, on=day)}
        for i in columns:
            purpose = snapshot.purposes[i]
            answers = detail[purpose.id].answers if purpose.id in detail else ()
            found.append(Conflict(row.id, row.upn, row.name, row.reg_group, purpose.id, purpose.name, answers))
    return found
