"""The consent rule decides per giver: the four family situations that gave the wrong answer, and a property
test of the rule against a simple reference model over random histories of givers, dates and validity."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard_desktop.domain.consent import ConsentState, DecisionFact, Verdict, giver_key, may_appear

G, R, W, Q = ConsentState.GRANTED, ConsentState.REFUSED, ConsentState.WITHDRAWN, ConsentState.REQUESTED
MOTHER, FATHER, PUPIL = "contact:1", "contact:2", "pupil"


def fact(state: ConsentState, on: date, giver: str, until: date | None = None, n: int = 0, **kw: bool) -> DecisionFact:
    return DecisionFact(state, on, datetime.combine(on, datetime.min.time()) + timedelta(minutes=n), until, n,
                        giver, **kw)  # fmt: skip


def verdict(facts: list[DecisionFact], on: date) -> Verdict:
    return may_appear(never_photograph=False, decisions=facts, on=on)


def test_a_father_granting_after_the_mother_refused_is_a_conflict_not_a_yes() -> None:
    history = [fact(R, date(2026, 9, 10), MOTHER, n=1), fact(G, date(2026, 10, 20), FATHER, n=2)]
    assert verdict(history, date(2026, 12, 10)) is Verdict.CONFLICT
    assert not Verdict.CONFLICT.allowed
    # The mother changes her own answer: then they agree.
    history.append(fact(G, date(2026, 11, 1), MOTHER, n=3))
    assert verdict(history, date(2026, 12, 10)) is Verdict.YES


def test_a_pupils_refusal_stands_against_a_parents_later_grant() -> None:
    history = [fact(R, date(2026, 9, 10), PUPIL, n=1), fact(G, date(2026, 10, 1), MOTHER, n=2)]
    assert verdict(history, date(2026, 12, 10)) is Verdict.CONFLICT


def test_a_slip_for_one_concert_never_shortens_a_yearly_grant() -> None:
    history = [fact(G, date(2026, 9, 5), MOTHER, until=date(2027, 8, 31), n=1),
               fact(G, date(2026, 11, 20), MOTHER, until=date(2026, 12, 10), n=2)]  # fmt: skip
    assert verdict(history, date(2027, 7, 14)) is Verdict.YES  # the July show
    assert verdict(history[1:], date(2027, 7, 14)) is Verdict.EXPIRED  # the slip alone has run out


def test_a_lead_resolves_a_conflict_and_a_new_refusal_reopens_it() -> None:
    history = [fact(R, date(2026, 9, 10), MOTHER, n=1), fact(G, date(2026, 10, 20), FATHER, n=2),
               fact(G, date(2026, 11, 1), "resolution", n=3, resolution=True)]  # fmt: skip
    assert verdict(history, date(2026, 12, 10)) is Verdict.YES
    history.append(fact(W, date(2026, 11, 15), MOTHER, n=4))
    assert verdict(history, date(2026, 12, 10)) is Verdict.CONFLICT


def test_requests_are_not_answers_and_a_grant_without_parental_responsibility_does_not_count() -> None:
    granted = [fact(G, date(2026, 9, 5), MOTHER, n=1)]
    assert verdict([*granted, fact(Q, date(2026, 11, 1), "", n=2)], date(2026, 12, 1)) is Verdict.YES
    assert verdict([fact(Q, date(2026, 11, 1), "", n=2)], date(2026, 12, 1)) is Verdict.REQUESTED
    grandparent = fact(G, date(2026, 9, 5), "contact:9", n=1, may_grant=False)
    assert verdict([grandparent], date(2026, 12, 1)) is Verdict.NO_DECISION


def test_legacy_free_text_givers_are_one_person_however_they_were_typed() -> None:
    assert giver_key("parent/carer", "Mrs  Amy KHAN") == giver_key("parent/carer", "mrs amy khan")
    assert giver_key("parent/carer", "Mrs Amy Khan", 4) == "contact:4"
    assert giver_key("pupil", "(the pupil)") == "pupil"


# --- the reference model: replay the history in order, one state per giver -------------------------------------


def reference(facts: list[DecisionFact], on: date) -> Verdict:
    ordered = sorted((d for d in facts if d.given_on <= on), key=lambda d: (d.given_on, d.recorded_at, d.sequence))
    state: dict[str, tuple[str, object]] = {}
    requested = False
    for d in ordered:
        if d.resolution:
            state = {}
        if d.state is Q:
            requested = True
            continue
        if d.state is G and not d.may_grant:
            continue
        who = "resolution" if d.resolution else d.giver
        if d.state in (R, W):
            state[who] = ("no", d.state)
        else:
            before = state.get(who)
            kept = before[1] if before is not None and before[0] == "grants" else []
            state[who] = ("grants", [*kept, d.valid_until])  # type: ignore[misc]
    noes = [v for kind, v in state.values() if kind == "no"]
    in_force = any(kind == "grants" and any(u is None or u >= on for u in v) for kind, v in state.values())  # type: ignore[attr-defined]
    if noes and in_force:
        return Verdict.CONFLICT
    if noes:
        return Verdict.WITHDRAWN if W in noes else Verdict.REFUSED
    if in_force:
        return Verdict.YES
    if any(kind == "grants" for kind, _ in state.values()):
        return Verdict.EXPIRED
    return Verdict.REQUESTED if requested else Verdict.NO_DECISION


START = date(2026, 9, 1)
days = st.integers(min_value=0, max_value=400)
one = st.builds(
    lambda state, day, giver, until, may_grant, resolution: (state, day, giver, until, may_grant, resolution),
    st.sampled_from([G, R, W, Q]),
    days,
    st.sampled_from([MOTHER, FATHER, PUPIL, "contact:3", "name:amy khan", ""]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
    st.booleans() | st.just(True),
    st.integers(min_value=0, max_value=12).map(lambda n: n == 0),
)


def _check(raw: list[tuple], on_day: int) -> None:  # type: ignore[type-arg]
    facts = []
    for n, (state, day, giver, until, may_grant, resolution) in enumerate(raw):
        given_on = START + timedelta(days=day)
        valid = None if until is None else given_on + timedelta(days=until)
        facts.append(fact(state, given_on, giver, valid, n, may_grant=may_grant, resolution=resolution))
    on = START + timedelta(days=on_day)
    got = verdict(facts, on)
    assert got is reference(facts, on)
    # Whatever else happened: the newest answer being anyone's refusal never lets the image be used.
    later = fact(R, on, MOTHER, n=len(facts) + 1)
    assert not verdict([*facts, later], on).allowed
    # And a new grant never takes a yes away.
    if got.allowed:
        assert verdict([*facts, fact(G, on, FATHER, on, len(facts) + 1)], on).allowed


@settings(max_examples=1_000, deadline=None)
@given(st.lists(one, max_size=12), days)
def test_the_rule_agrees_with_the_reference_model(raw: list[tuple], on_day: int) -> None:  # type: ignore[type-arg]
    _check(raw, on_day)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None)
@given(st.lists(one, max_size=12), days)
def test_the_rule_agrees_with_the_reference_model_over_10000_histories(raw: list[tuple], on_day: int) -> None:  # type: ignore[type-arg]
    _check(raw, on_day)
