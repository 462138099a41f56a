"""Events: who takes part, and who may be filmed on the day — always the one consent rule's answer."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route, Verdict
from safeguard_desktop.domain.events import FilmingPolicy, policy_text
from safeguard_desktop.services import consent, events
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import SIMS_HEADERS, TODAY, sims_rows, upn, write_csv

NATIVITY = datetime(2026, 12, 10, 14, 0)


@pytest.fixture
def school(tmp_path: Path, reg: Register, dsl: Actor) -> Register:
    rows = sims_rows(4)  # pupils 1-4 in Year 5, class 5A
    rows += [
        [upn(10 + i), str(2000 + i), f"Reception{i}", "Child", "", "01/03/2021", "Reception", "RA"] for i in range(3)
    ]
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
    return reg


def decide(
    reg: Register, actor: Actor, upn_value: str, state: ConsentState, given: date, valid: date | None = None
) -> None:
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, upn_value)
        purpose = consent.find_purpose(session, "parent_filming")
        decision = consent.DecisionInput(state, GivenByKind.PARENT, Route.PAPER_SLIP, given, "Parent", "Mother", valid)
        consent.record_decisions(session, actor, [pupil.id], [purpose.id], decision, today=TODAY)


def make_event(reg: Register, actor: Actor, **kw: object) -> int:
    data = dict(name="Nativity", starts_at=NATIVITY, venue="School hall", policy=FilmingPolicy.PERSONAL_USE,
                year_groups=["R"])  # fmt: skip
    data.update(kw)
    with write_session(reg.engine) as session:
        return events.create_event(session, actor, events.EventInput(**data))  # type: ignore[arg-type]


def roster(reg: Register, actor: Actor, event_id: int) -> events.EventRoster:
    with read_session(reg.engine) as session:
        return events.roster(session, actor, event_id)


def test_participants_and_who_may_be_filmed(school: Register, dsl: Actor, office: Actor) -> None:
    decide(school, dsl, upn(10), ConsentState.GRANTED, date(2026, 10, 1))
    decide(school, dsl, upn(11), ConsentState.REFUSED, date(2026, 10, 1))
    decide(school, dsl, upn(1), ConsentState.GRANTED, date(2026, 10, 1))
    with write_session(school.engine) as session:
        picked = consent.find_pupil_by_upn(session, upn(1))
        consent.set_never_photograph(session, dsl, picked.id, True, "Adopted")
        extra = consent.find_pupil_by_upn(session, upn(2)).id
    event_id = make_event(school, office, pupil_ids=[picked.id, extra])
    result = roster(school, office, event_id)
    assert [p.code for p in result.purposes] == ["parent_filming"]  # personal use, no footage offered
    names = {line.pupil.surname: result.verdict(line, "parent_filming") for line in result.lines}
    assert names == {
        "Reception0": Verdict.YES,
        "Reception1": Verdict.REFUSED,
        "Reception2": Verdict.NO_DECISION,
        "Surname1": Verdict.NEVER_PHOTOGRAPH,  # granted, but the flag overrides it
        "Surname2": Verdict.NO_DECISION,
    }
    assert result.counts() == {
        "participants": 5,
        "may_be_filmed": 1,
        "must_not_be_filmed": 4,
        "never_photograph": 1,
        "no_decision": 2,
        "conflicts": 0,
        "granted:parent_filming": 1,
    }


def test_the_rule_is_asked_on_the_day_of_the_event(school: Register, dsl: Actor) -> None:
    decide(school, dsl, upn(10), ConsentState.GRANTED, date(2026, 9, 5), valid=date(2026, 12, 1))  # lapses first
    decide(school, dsl, upn(11), ConsentState.GRANTED, date(2026, 9, 5))
    decide(school, dsl, upn(11), ConsentState.WITHDRAWN, date(2026, 11, 20))
    result = roster(school, dsl, make_event(school, dsl))
    verdicts = {line.pupil.surname: result.verdict(line, "parent_filming") for line in result.lines}
    assert verdicts["Reception0"] is Verdict.EXPIRED and verdicts["Reception1"] is Verdict.WITHDRAWN


def test_classes_select_their_pupils(school: Register, dsl: Actor) -> None:
    result = roster(school, dsl, make_event(school, dsl, year_groups=[], classes=["5A"]))
    assert {line.pupil.reg_group for line in result.lines} == {"5A"} and len(result.lines) == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "name"),
        ({"year_groups": [], "classes": [], "pupil_ids": []}, "who takes part"),
        ({"policy": FilmingPolicy.CUSTOM, "policy_text": ""}, "own filming wording"),
        ({"year_groups": ["Year 99"]}, "not a year group"),
        ({"venue": "Hall\x00"}, "NUL character"),
    ],
)
def test_bad_events_are_refused(school: Register, dsl: Actor, change: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_event(school, dsl, **change)


def test_policy_wording() -> None:
    assert "own family's use only" in policy_text(FilmingPolicy.PERSONAL_USE)
    assert "password" in policy_text(FilmingPolicy.NO_FILMING, footage_offered=True)
    assert policy_text(FilmingPolicy.CUSTOM, "  Our words.  ") == "Our words."


def test_cli_create_list_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import cli_register

    signed = cli_register(tmp_path, capsys)
    main([*signed, "import-pupils", str(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(3)]))])
    for purpose in ("parent_filming", "school_recording"):  # a photo moment with footage offered needs both
        main([*signed, "consent", "set", upn(1), purpose, "granted", "--given-by", "A Parent",
              "--route", "email", "--date", "01/10/2026"])  # fmt: skip
    capsys.readouterr()
    code = main([*signed, "events", "create", "--name", "Leavers' show", "--date", "15/07/2027",
                 "--policy", "photo-moment", "--footage", "--year", "Year 5"])  # fmt: skip
    assert code == 0 and "Created event 1" in capsys.readouterr().out
    main([*signed, "events", "list"])
    assert "15/07/2027 14:00  Leavers' show" in capsys.readouterr().out
    main([*signed, "events", "show", "1", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["counts"]["participants"] == 3 and shown["counts"]["may_be_filmed"] == 1
    assert [p["may_appear"] for p in shown["participants"] if p["upn"] == upn(1)] == [True]
    assert "password" in shown["wording"]
    assert main([*signed, "events", "create", "--name", "X", "--date", "01/01/2027", "--policy",
                 "custom"]) == 2  # fmt: skip


def test_a_roster_lists_a_class_in_the_registers_order_accents_and_case_folded(
    tmp_path: Path, reg: Register, dsl: Actor
) -> None:
    """Within a class, surname then forename as the register lists them — an accented or decomposed letter among
    its plain one (Çağla among the Cs, Östlund among the Os), not after Z as code points put it."""
    names = [("Ahmed", "Wiktoria"), ("Ahmed", "C\u0327ag\u0306la"), ("ahmed", "Hiroshi"), ("Östlund", "Bea"),
             ("Oakes", "Amy"), ("Zane", "Ela")]  # fmt: skip
    rows = [[upn(40 + i), str(4000 + i), surname, forename, "", "01/03/2019", "Year 2", "2B"]
            for i, (surname, forename) in enumerate(names)]  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])),
                         today=TODAY)  # fmt: skip
    result = roster(reg, dsl, make_event(reg, dsl, year_groups=[], classes=["2B"]))
    shown = [unicodedata.normalize("NFC", f"{line.pupil.surname} {line.pupil.forename}") for line in result.lines]
    assert shown == ["Ahmed Çağla", "ahmed Hiroshi", "Ahmed Wiktoria", "Oakes Amy", "Östlund Bea", "Zane Ela"]
