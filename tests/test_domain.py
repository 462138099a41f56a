"""The one consent rule and the pupil facts it relies on."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from safeguard_desktop.domain.consent import ConsentState, DecisionFact, Verdict, may_appear
from safeguard_desktop.domain.dates import (
    academic_year_label,
    end_of_academic_year,
    format_uk_date,
    parse_uk_date,
)
from safeguard_desktop.domain.pupils import age_on, normalise_upn, normalise_year_group, search_key

from .conftest import upn

DAY = date(2026, 11, 24)


def fact(state: ConsentState, given: date, valid: date | None = None, at: int = 9, seq: int = 0) -> DecisionFact:
    return DecisionFact(state, given, datetime(given.year, given.month, given.day, at), valid, seq)


def test_no_decision_is_not_consent() -> None:
    assert may_appear(never_photograph=False, decisions=[], on=DAY) is Verdict.NO_DECISION
    assert not Verdict.NO_DECISION.allowed


def test_a_current_grant_allows() -> None:
    verdict = may_appear(never_photograph=False, decisions=[fact(ConsentState.GRANTED, date(2026, 9, 5))], on=DAY)
    assert verdict is Verdict.YES and verdict.allowed


def test_never_photograph_overrides_a_grant() -> None:
    decisions = [fact(ConsentState.GRANTED, date(2026, 9, 5))]
    assert may_appear(never_photograph=True, decisions=decisions, on=DAY) is Verdict.NEVER_PHOTOGRAPH


def test_withdrawal_acts_from_its_date_and_keeps_the_grant_before_it() -> None:
    decisions = [fact(ConsentState.GRANTED, date(2026, 9, 5)), fact(ConsentState.WITHDRAWN, date(2026, 10, 1))]
    assert may_appear(never_photograph=False, decisions=decisions, on=date(2026, 9, 20)) is Verdict.YES
    assert may_appear(never_photograph=False, decisions=decisions, on=DAY) is Verdict.WITHDRAWN


def test_a_later_grant_after_withdrawal_allows_again() -> None:
    decisions = [
        fact(ConsentState.GRANTED, date(2026, 9, 5)),
        fact(ConsentState.WITHDRAWN, date(2026, 10, 1)),
        fact(ConsentState.GRANTED, date(2026, 11, 1)),
    ]
    assert may_appear(never_photograph=False, decisions=list(reversed(decisions)), on=DAY) is Verdict.YES


def test_same_day_the_later_recorded_decision_wins() -> None:
    given = date(2026, 11, 2)
    decisions = [fact(ConsentState.REFUSED, given, at=15), fact(ConsentState.GRANTED, given, at=9)]
    assert may_appear(never_photograph=False, decisions=decisions, on=DAY) is Verdict.REFUSED


def test_expired_grant_is_not_consent() -> None:
    decisions = [fact(ConsentState.GRANTED, date(2025, 9, 5), valid=date(2026, 8, 31))]
    assert may_appear(never_photograph=False, decisions=decisions, on=DAY) is Verdict.EXPIRED


def test_future_dated_decision_is_not_yet_in_force() -> None:
    decisions = [fact(ConsentState.REFUSED, date(2026, 9, 5)), fact(ConsentState.GRANTED, date(2026, 12, 1))]
    assert may_appear(never_photograph=False, decisions=decisions, on=DAY) is Verdict.REFUSED


def test_requested_and_refused_say_no() -> None:
    for state, verdict in ((ConsentState.REQUESTED, Verdict.REQUESTED), (ConsentState.REFUSED, Verdict.REFUSED)):
        result = may_appear(never_photograph=False, decisions=[fact(state, date(2026, 9, 5))], on=DAY)
        assert result is verdict and not result.allowed


def test_a_pupil_who_has_left_is_not_used() -> None:
    decisions = [fact(ConsentState.GRANTED, date(2026, 9, 5))]
    assert may_appear(never_photograph=False, decisions=decisions, on=DAY, on_roll=False) is Verdict.LEFT


def test_upn_check_letter() -> None:
    good = upn(5)
    assert normalise_upn(good.lower()) == good
    wrong_letter = ("A" if good[0] != "A" else "B") + good[1:]
    with pytest.raises(ValueError, match="not a valid UPN"):
        normalise_upn(wrong_letter)
    with pytest.raises(ValueError, match="13 characters"):
        normalise_upn("A12345")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Y7", "Year 7"),
        ("Year 07", "Year 7"),
        ("7", "Year 7"),
        ("R", "Reception"),
        ("N1", "Nursery"),
        ("yr 13", "Year 13"),
    ],
)
def test_year_groups_normalise(text: str, expected: str) -> None:
    assert normalise_year_group(text) == expected


def test_year_group_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="not a year group"):
        normalise_year_group("Year 14")


def test_uk_dates() -> None:
    assert parse_uk_date("05/09/2015") == date(2015, 9, 5)
    assert parse_uk_date("2015-09-05") == date(2015, 9, 5)
    assert format_uk_date(date(2015, 9, 5)) == "05/09/2015"
    with pytest.raises(ValueError, match="not a real date"):
        parse_uk_date("31/02/2015")
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_uk_date("09/05/15")


def test_academic_year() -> None:
    assert academic_year_label(date(2026, 11, 24)) == "2026/27"
    assert academic_year_label(date(2027, 8, 31)) == "2026/27"
    assert end_of_academic_year(date(2026, 9, 1)) == date(2027, 8, 31)
    assert age_on(date(2013, 11, 25), DAY) == 12
    assert age_on(date(2013, 11, 24), DAY) == 13


def test_search_key_folds_accents_and_apostrophes() -> None:
    assert "zoe o'brien" in search_key("Zoë O’Brien")
    assert search_key("ŁUCJA") == search_key("łucja")


def test_quick_upn_path_agrees_with_python_stdnum() -> None:
    import random

    from stdnum.gb import upn as stdnum_upn

    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -"
    las = ["801", "201", "938", "999", "000", "420", "123"]
    cases = []
    for _ in range(20_000):
        body = rng.choice(las) + "".join(rng.choice("0123456789") for _ in range(9))
        number = stdnum_upn.calc_check_digit(body) + body
        mutated = list(number)
        for _ in range(rng.choice([0, 0, 1, 2])):
            mutated[rng.randrange(13)] = rng.choice(alphabet)
        text = "".join(mutated)
        cases.append(rng.choice([text, text.lower(), f" {text} ", text[:6] + " " + text[6:]]))
    for text in cases:
        expected = stdnum_upn.validate(text) if stdnum_upn.is_valid(text) else None
        try:
            got = normalise_upn(text)
        except ValueError:
            got = None
        assert got == expected, text
