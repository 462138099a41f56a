"""Notice, announcement, confidential briefing and chase list, read back with pypdf."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.services import consent, events
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.events import notices
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store.engine import write_session

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv


@pytest.fixture
def school(tmp_path: Path, reg: Register, dsl: Actor) -> tuple[Register, int]:
    rows = [
        [upn(1), "1", "Nguyễn", "Thảo", "", "01/03/2021", "Reception", "RA"],
        [upn(2), "2", "O'Brien", "Seán", "", "01/03/2021", "Reception", "RA"],
        [upn(3), "3", "Kowalska", "Łucja", "", "01/03/2021", "Reception", "RB"],
    ]
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
        granted = consent.DecisionInput(
            ConsentState.GRANTED, GivenByKind.PARENT, Route.PHONE, date(2026, 11, 1), "P", "Mother"
        )
        filming = consent.find_purpose(session, "parent_filming").id
        seán = consent.find_pupil_by_upn(session, upn(2)).id
        łucja = consent.find_pupil_by_upn(session, upn(3)).id
        recording = consent.find_purpose(session, "school_recording").id
        consent.record_decisions(session, dsl, [seán, łucja], [filming, recording], granted, today=TODAY)
        consent.set_never_photograph(session, dsl, łucja, True, "Court order")
        event_id = events.create_event(session, dsl, events.EventInput(
            "Nativity & carols", datetime(2026, 12, 10, 14), "Hall", FilmingPolicy.NO_FILMING, footage_offered=True,
            year_groups=["Reception"]))  # fmt: skip
    return reg, event_id


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_notice_states_the_policy_and_names_nobody(school: tuple[Register, int], office: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        a4 = notices.notice(session, office, event_id)
        a3 = notices.notice(session, office, event_id, size="A3")
        spoken = notices.announcement(session, office, event_id)
    for pdf in (a4, a3, spoken):
        words = text(pdf)
        assert "Nativity & carols" in words and "password" in words
        assert not any(name in words for name in ("Thảo", "Seán", "Łucja"))
    assert round(float(PdfReader(io.BytesIO(a3)).pages[0].mediabox.width)) == 842


def test_briefing_lists_who_must_not_be_filmed_without_reasons(school: tuple[Register, int], staff: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        words = text(notices.briefing(session, staff, event_id))
    assert "CONFIDENTIAL" in words
    assert "Thảo Nguyễn" in words and "not in the school's recording" in words  # no decision
    assert "Łucja Kowalska" in words and "NEVER" in words  # flagged
    assert "Seán O'Brien" not in words  # granted: may be filmed
    assert "Court order" not in words  # the reason is never printed


def test_where_parents_may_not_film_the_briefing_follows_the_schools_recording(
    school: tuple[Register, int], dsl: Actor, staff: Actor
) -> None:
    """A pupil whose family allowed filming by parents but not the school's recording is on the briefing of an
    event where only the school records (it used to be left out: the roster asked about parents' filming)."""
    reg, event_id = school
    with write_session(reg.engine) as session:
        thao = consent.find_pupil_by_upn(session, upn(1)).id
        consent.record_decisions(session, dsl, [thao], [consent.find_purpose(session, "parent_filming").id],
                                 consent.DecisionInput(ConsentState.GRANTED, GivenByKind.PARENT, Route.PHONE,
                                                       date(2026, 11, 2), "Lan Nguyễn", "Mother"), today=TODAY)  # fmt: skip
        roster = events.roster(session, dsl, event_id)
        words = text(notices.briefing(session, staff, event_id))
    assert [p.code for p in roster.purposes] == ["school_recording"]
    assert "Thảo Nguyễn" in words
    assert "filmed by parents" not in roster.describe()


def test_chase_list_names_families_without_an_answer(school: tuple[Register, int], office: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        words = text(notices.chase_list(session, office, event_id))
    assert "Thảo Nguyễn" in words and "Seán O'Brien" not in words and "1 families" in words


def test_staff_may_read_the_briefing_but_not_print_the_chase_list(school: tuple[Register, int], staff: Actor) -> None:
    reg, event_id = school
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        notices.chase_list(session, staff, event_id)


def test_cli_documents(tmp_path: Path, school: tuple[Register, int]) -> None:
    reg, event_id = school
    for command, extra in (("notice", ["--size", "A3"]), ("announcement", []), ("briefing", []), ("chase", [])):
        out = tmp_path / f"{command}.pdf"
        assert main(["--data-dir", str(reg.folder), command, str(event_id), "--out", str(out), *extra]) == 0
        assert PdfReader(out).pages


def test_follow_up_letter(school: tuple[Register, int], office: Actor, tmp_path: Path) -> None:
    from safeguard_desktop.services.errors import ValidationError

    reg, event_id = school
    with write_session(reg.engine) as session:
        pdf = notices.follow_up_letter(session, office, event_id, to="Mrs Ó Briain", platform="Facebook <b>")
    words = " ".join(text(pdf).split())
    assert "Dear Mrs Ó Briain" in words and "posted on Facebook <b>" in words and "remove the images" in words
    assert "copy of the school's own recording" in words  # this event's footage is offered
    with write_session(reg.engine) as session:
        unrecorded = events.create_event(
            session,
            office,
            events.EventInput(
                "Sports day", datetime(2027, 6, 15, 10), "Field", FilmingPolicy.PERSONAL_USE, year_groups=["Reception"]
            ),
        )
        plain = " ".join(text(notices.follow_up_letter(session, office, unrecorded, platform="Instagram")).split())
    assert "recording" not in plain  # no recording is offered where none exists
    with pytest.raises(ValidationError), write_session(reg.engine) as session:
        notices.follow_up_letter(session, office, event_id, platform="x\ny")
    out = tmp_path / "f.pdf"
    assert (
        main(["--data-dir", str(reg.folder), "followup", str(event_id), "--out", str(out), "--platform", "TikTok"]) == 0
    )
