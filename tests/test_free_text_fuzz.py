"""Property-based fuzzing of free text that reaches a PDF, a CSV, a file name or the database.

Whatever is typed: no crash, no partial write, a clear ValidationError or the text back exactly as typed,
and nothing interpreted (not as PDF markup, a spreadsheet formula, a path or a placeholder).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import func, select

from safeguard_desktop.documents.layout import LetterEvent, LetterPupil, LetterSchool
from safeguard_desktop.documents.letters import render_letters
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.domain.templates import fill
from safeguard_desktop.domain.text import normal_newlines
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.csv_export import write_safe_csv
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.filenames import inside, safe_filename
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import Incident

ANY_TEXT = st.text(max_size=80)
#: Scripts DejaVu Sans covers, plus markup and formula characters.
PRINTABLE = st.text(
    alphabet=st.sampled_from(list("abcxyzÀÉÎÕÜàéîõüŁłŚśŻżİıŞşĞğăâđơưễạ ΑΒΓαβγДЖЯдж<>&;'\"=+-@/\\{}()")),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and "  " not in s and s)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DSL = Actor("Fuzz", Role.DSL)


@FUZZ
@given(name=PRINTABLE, group=PRINTABLE, event=PRINTABLE)
def test_any_name_class_or_event_prints_literally_on_a_letter(name: str, group: str, event: str) -> None:
    pdf = render_letters(
        LetterSchool("School", "", "Head"),
        LetterEvent(event, datetime(2026, 12, 10, 14), "Hall", "Personal use only."),
        [LetterPupil(name, name.split()[0] if name.split() else name, group, "S1-1-A")],
    )
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert " ".join(name.split()) in text and " ".join(event.split()) in text


@FUZZ
@given(cells=st.lists(ANY_TEXT, min_size=1, max_size=6))
def test_any_cell_reaches_a_csv_without_becoming_a_formula(tmp_path_factory, cells: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    write_safe_csv(path, [f"h{i}" for i in range(len(cells))], [cells])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.reader(handle))[1:]
    for written, original in zip(row, cells, strict=True):
        assert not written.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
        assert written in (original, "'" + original)


@FUZZ
@given(text=ANY_TEXT)
def test_any_text_makes_a_file_name_that_stays_in_its_folder(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    folder: Path = tmp_path_factory.mktemp("out")
    name = safe_filename(text, ".pdf")
    target = inside(folder, name)
    assert target.parent == folder.resolve() and name.endswith(".pdf") and len(name) <= 90
    assert "/" not in name and "\\" not in name and "\x00" not in name
    target.write_bytes(b"%PDF")  # the name is usable on this file system


@FUZZ
@given(value=ANY_TEXT)
def test_values_are_never_read_as_placeholders(value: str) -> None:
    assert fill("Dear parent of {pupil}, from {school}.", {"pupil": value, "school": "S"}) == (
        f"Dear parent of {value}, from S."
    )


@FUZZ
@given(summary=ANY_TEXT, platform=ANY_TEXT)
def test_an_incident_summary_is_stored_exactly_or_refused_whole(tmp_path_factory, summary: str, platform: str) -> None:  # type: ignore[no-untyped-def]
    reg = open_register(tmp_path_factory.mktemp("reg"))
    try:
        try:
            with write_session(reg.engine) as session:
                number = incidents.record_incident(
                    session, DSL, incidents.IncidentInput(Category.OTHER, summary, platforms=[platform])
                )
        except ValidationError as exc:
            assert str(exc)  # a clear message, and nothing written
            with read_session(reg.engine) as session:
                assert session.scalar(select(func.count()).select_from(Incident)) == 0
            return
        with read_session(reg.engine) as session:
            (view,) = incidents.list_incidents(session, DSL)
        assert view.id == number
        assert view.summary == normal_newlines(summary).strip()  # Windows and old Mac line ends kept as lines
        assert view.platforms == ([platform.strip()] if platform.strip() else [])
    finally:
        reg.close()
