"""Consent letters read back with pypdf: every name as written, nothing interpreted, one page per pupil."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.slips import SlipReference, parse_reference
from safeguard_desktop.services import consent, events, letters, mis_import
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.mis_files import read_pupil_file
from safeguard_desktop.store.engine import write_session

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv

NAMES = [
    ("Nguyễn Thị", "Thảo"),
    ("Wiśniewska", "Łucja"),
    ("Ó Súilleabháin", "Siobhán"),
    ("Yılmaz", "Çağla"),
    ("O'Brien & Sons", "<b>Zoë</b>"),
    ("Παπαδόπουλος", "Ελένη"),
]


@pytest.fixture
def school(tmp_path: Path, reg: Register, dsl: Actor) -> tuple[Register, int]:
    rows = [[upn(i + 1), str(100 + i), s, f, "", "01/03/2021", "Reception", "<i>RA</i>" if i % 2 else "RB"]
            for i, (s, f) in enumerate(NAMES)]  # fmt: skip
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
        event_id = events.create_event(
            session,
            dsl,
            events.EventInput(
                "Nativity", datetime(2026, 12, 10, 14), "Hall", FilmingPolicy.PERSONAL_USE, year_groups=["Reception"]
            ),
        )
    return reg, event_id


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_name_prints_as_written_one_page_each_in_class_order(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        pdf, count = letters.consent_letters(session, dsl, event_id)
    pages = text_of(pdf)
    assert count == len(pages) == len(NAMES)
    for surname, forename in NAMES:
        assert sum(f"{forename} {surname}" in page for page in pages) == 1, (forename, surname)
    # class then surname: <i>RA</i> sorts before RB
    classes = ["<i>RA</i>" if "Class: <i>RA</i>" in page else "RB" for page in pages]
    assert classes == sorted(classes)
    assert all("Reply slip — Nativity" in page and "Ref S" in page for page in pages)


def test_slip_references_are_unique_and_read_back(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        pdf, _ = letters.consent_letters(session, dsl, event_id)
    refs = [
        line.split("Ref ", 1)[1].split()[0] for page in text_of(pdf) for line in page.splitlines() if "Ref S" in line
    ]
    assert len(set(refs)) == len(NAMES)
    assert {parse_reference(r).event_id for r in refs} == {event_id}


def test_only_undecided(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, upn(1))
        purpose = consent.find_purpose(session, "parent_filming")
        decision = consent.DecisionInput(
            ConsentState.REFUSED, GivenByKind.PARENT, Route.PHONE, date(2026, 11, 1), "A", "Mother"
        )
        consent.record_decisions(session, dsl, [pupil.id], [purpose.id], decision, today=TODAY)
        _, count = letters.consent_letters(session, dsl, event_id, only_undecided=True)
    assert count == len(NAMES) - 1


def test_staff_cannot_print_letters(school: tuple[Register, int], staff: Actor) -> None:
    reg, event_id = school
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        letters.consent_letters(session, staff, event_id)


def test_slip_reference_check_character() -> None:
    ref = str(SlipReference(12, 3456))
    assert parse_reference(ref.lower()) == SlipReference(12, 3456)
    body, check = ref.rsplit("-", 1)
    wrong = "0" if check != "0" else "1"
    with pytest.raises(ValueError, match="typing mistake"):
        parse_reference(f"{body}-{wrong}")
    with pytest.raises(ValueError, match="not a reply-slip reference"):
        parse_reference("hello")


def test_cli_letters(tmp_path: Path, school: tuple[Register, int], capsys: pytest.CaptureFixture[str]) -> None:
    reg, event_id = school
    out = tmp_path / "letters.pdf"
    assert main(["--data-dir", str(reg.folder), "letters", str(event_id), "--out", str(out)]) == 0
    assert len(PdfReader(out).pages) == len(NAMES)
    assert main(["--data-dir", str(reg.folder), "letters", "999", "--out", str(out)]) == 2
