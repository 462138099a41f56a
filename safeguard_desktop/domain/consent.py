"""The one consent rule: may this pupil appear in this use on this date?

Every list, letter, poster and export asks :func:`may_appear`; nothing else decides.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime


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


class GivenByKind(enum.StrEnum):
    """Who gave the decision: someone with parental responsibility, or the pupil."""

    PARENT = "parent/carer"
    PUPIL = "pupil"


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

    @property
    def allowed(self) -> bool:
        """True only for a current grant."""
        return self is Verdict.YES


@dataclass(frozen=True, slots=True)
class DecisionFact:
    """The part of a recorded decision that the rule needs."""

    state: ConsentState
    given_on: date
    recorded_at: datetime
    valid_until: date | None = None
    sequence: int = 0


def current_decision(decisions: Iterable[DecisionFact], on: date) -> DecisionFact | None:
    """Return the decision in force on ``on``: the latest given on or before that day.

    Latest means the greatest (given_on, recorded_at, sequence): a decision recorded later for the
    same day supersedes the earlier one, and a decision dated in the future is not yet in force.
    """
    best: DecisionFact | None = None
    for d in decisions:
        if d.given_on > on:
            continue
        if best is None or (d.given_on, d.recorded_at, d.sequence) > (
            best.given_on,
            best.recorded_at,
            best.sequence,
        ):
            best = d
    return best


_STATE_VERDICT = {
    ConsentState.GRANTED: Verdict.YES,
    ConsentState.REFUSED: Verdict.REFUSED,
    ConsentState.WITHDRAWN: Verdict.WITHDRAWN,
    ConsentState.REQUESTED: Verdict.REQUESTED,
}


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
        A :class:`Verdict`; only ``Verdict.YES`` allows the image to be used.
        No decision, a request still unanswered, a refusal, a withdrawal and an expired grant all say no.
    """
    if never_photograph:
        return Verdict.NEVER_PHOTOGRAPH
    if not on_roll:
        return Verdict.LEFT
    current = current_decision(decisions, on)
    if current is None:
        return Verdict.NO_DECISION
    if current.valid_until is not None and current.valid_until < on:
        return Verdict.EXPIRED
    return _STATE_VERDICT[current.state]


def needs_pupil_consent(age_years: int, self_consent_age: int) -> bool:
    """True when the pupil is old enough for their own consent to be sought (a school setting)."""
    return age_years >= self_consent_age
