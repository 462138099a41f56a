"""The one consent rule: may this pupil appear in this use on this date?

Every list, letter, poster and export asks :func:`may_appear`; nothing else decides.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple


class ConsentState(enum.StrEnum):
    """What a family (or a competent pupil) said about one purpose."""

    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Route(enum.StrEnum):
    """How the decision reached the school."""

    PAPER_SLIP = "paper slip"
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in person"
    PARENT_APP = "parent app"
    MIS_IMPORT = "MIS import"
    ONLINE_FORM = "online form"
    RESOLUTION = "lead's resolution"


class GivenByKind(enum.StrEnum):
    """Who gave the decision: someone with parental responsibility, the pupil, or a lead resolving a conflict."""

    PARENT = "parent/carer"
    PUPIL = "pupil"
    RESOLUTION = "lead's resolution"


class Verdict(enum.StrEnum):
    """The answer of :func:`may_appear`, with the reason a person can read."""

    YES = "granted"
    NEVER_PHOTOGRAPH = "never photograph"
    NO_DECISION = "no decision"
    REQUESTED = "requested"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    LEFT = "left the school"
    #: Givers disagree (one refuses or withdrew, another grants): treated as no until a lead resolves it.
    CONFLICT = "conflict"

    @property
    def allowed(self) -> bool:
        """True only for a current grant."""
        return self is Verdict.YES


class DecisionFact(NamedTuple):
    """The part of a recorded decision that the rule needs (a named tuple: the register builds one per stored
    decision, tens of thousands at a time)."""

    state: ConsentState
    given_on: date
    recorded_at: datetime
    valid_until: date | None = None
    sequence: int = 0
    #: Who gave it, as a stable key (see :func:`giver_key`): each giver has their own standing answer.
    giver: str = ""
    #: False when the giver may not consent (a contact without parental responsibility): their grant does not
    #: count, their refusal still does.
    may_grant: bool = True
    #: A lead's resolution of a conflict, with a recorded reason: answers given before it are settled by it.
    resolution: bool = False


@lru_cache(maxsize=65_536)
def giver_key(kind: str, name: str = "", contact_id: int | None = None) -> str:
    """The key that tells one giver from another: the contact, the pupil, a lead's resolution, or — for a decision
    recorded before contacts (free text) — the name as written, folded (so "Mrs  Amy Khan" and "mrs amy khan" are
    one person)."""
    if kind == GivenByKind.PUPIL.value:
        return "pupil"
    if kind == GivenByKind.RESOLUTION.value:
        return "resolution"
    if contact_id is not None:
        return f"contact:{contact_id}"
    import unicodedata

    folded = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return f"name:{folded}"


def _order(d: DecisionFact) -> tuple[date, datetime, int]:
    return (d.given_on, d.recorded_at, d.sequence)


def current_decision(decisions: Iterable[DecisionFact], on: date) -> DecisionFact | None:
    """Return the latest decision given on or before ``on`` (whoever gave it).

    Latest means the greatest (given_on, recorded_at, sequence): a decision recorded later for the
    same day supersedes the earlier one, and a decision dated in the future is not yet in force.
    """
    best: DecisionFact | None = None
    for d in decisions:
        if d.given_on > on:
            continue
        if best is None or _order(d) > _order(best):
            best = d
    return best


_NO = (ConsentState.REFUSED, ConsentState.WITHDRAWN)
_GRANTED = ConsentState.GRANTED
_SINGLE = {ConsentState.REFUSED: Verdict.REFUSED, ConsentState.WITHDRAWN: Verdict.WITHDRAWN,
           ConsentState.REQUESTED: Verdict.REQUESTED}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Standing:
    """One giver's standing answer on a day."""

    giver: str
    #: GRANTED (a grant in force), EXPIRED (grants only, none in force), REFUSED or WITHDRAWN.
    verdict: Verdict
    decision: DecisionFact


def standing_answers(decisions: Iterable[DecisionFact], on: date) -> list[Standing]:
    """Each giver's standing answer on ``on``: their refusal or withdrawal stands until they themselves grant
    again; after it, any of their grants still valid keeps them granting (a later, shorter grant — a slip for one
    concert — never shortens a longer one). A lead's resolution settles every answer given before it and stands
    as an answer itself. Requests are not answers; a grant by someone who may not consent does not count."""
    facts = sorted((d for d in decisions if d.given_on <= on), key=_order)
    last_resolution = max((i for i, d in enumerate(facts) if d.resolution), default=None)
    if last_resolution is not None:
        facts = facts[last_resolution:]
    by_giver: dict[str, list[DecisionFact]] = {}
    for d in facts:
        if d.state is ConsentState.REQUESTED or (d.state is ConsentState.GRANTED and not d.may_grant):
            continue
        by_giver.setdefault("resolution" if d.resolution else d.giver, []).append(d)
    answers = []
    for giver, items in by_giver.items():
        last_no = max((i for i, d in enumerate(items) if d.state in _NO), default=-1)
        grants = items[last_no + 1 :]
        if grants:
            in_force = [g for g in grants if g.valid_until is None or g.valid_until >= on]
            answers.append(Standing(giver, Verdict.YES if in_force else Verdict.EXPIRED,
                                    (in_force or grants)[-1]))  # fmt: skip
        else:
            no = items[last_no]
            answers.append(Standing(giver, Verdict.REFUSED if no.state is ConsentState.REFUSED else Verdict.WITHDRAWN,
                                    no))  # fmt: skip
    return answers


def decide(decisions: Iterable[DecisionFact], on: date) -> Verdict:
    """The consent verdict from every giver's standing answer: any refusal or withdrawal beside a grant in force
    is a conflict (treated as no); a refusal or withdrawal alone is no; a grant in force alone is yes."""
    facts = decisions if isinstance(decisions, list) else list(decisions)
    if len(facts) == 1:  # most cells: one decision, decided without the per-giver bookkeeping (same answer)
        only = facts[0]
        if only.given_on > on:
            return Verdict.NO_DECISION
        state = only.state
        if state is _GRANTED:
            if not only.may_grant:
                return Verdict.NO_DECISION
            return Verdict.YES if only.valid_until is None or only.valid_until >= on else Verdict.EXPIRED
        return _SINGLE[state]
    answers = standing_answers(facts, on)
    noes = [a for a in answers if a.verdict in (Verdict.REFUSED, Verdict.WITHDRAWN)]
    granting = any(a.verdict is Verdict.YES for a in answers)
    if noes and granting:
        return Verdict.CONFLICT
    if noes:
        return Verdict.WITHDRAWN if any(a.verdict is Verdict.WITHDRAWN for a in noes) else Verdict.REFUSED
    if granting:
        return Verdict.YES
    if any(a.verdict is Verdict.EXPIRED for a in answers):
        return Verdict.EXPIRED
    if any(d.state is ConsentState.REQUESTED and d.given_on <= on for d in facts):
        return Verdict.REQUESTED
    return Verdict.NO_DECISION


def may_appear(
    *,
    never_photograph: bool,
    decisions: Iterable[DecisionFact],
    on: date,
    on_roll: bool = True,
) -> Verdict:
    """Decide whether a pupil may appear in one purpose's use on a date.

    Args:
        never_photograph: the high-risk flag; it overrides every consent.
        decisions: every decision recorded for this pupil and this purpose (any order).
        on: the day of the use (the event date, the print date).
        on_roll: False once the pupil has left; no new use of their image.

    Returns:
        A :class:`Verdict`; only ``Verdict.YES`` allows the image to be used. No decision, a request still
        unanswered, a refusal, a withdrawal, an expired grant and givers who disagree all say no.
    """
    if never_photograph:
        return Verdict.NEVER_PHOTOGRAPH
    if not on_roll:
        return Verdict.LEFT
    return decide(decisions, on)


def needs_pupil_consent(age_years: int, self_consent_age: int) -> bool:
    """True when the pupil is old enough for their own consent to be sought (a school setting)."""
    return age_years >= self_consent_age
