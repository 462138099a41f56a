"""Editable wording: placeholders filled once and literally, clear errors, saved wording used by every letter."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.domain.templates import TEMPLATES, TemplateError, check, fill, paragraphs
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.events import letters, notices, templates
from safeguard_desktop.store.engine import read_session, write_session

from .test_letters import NAMES, school  # noqa: F401  (the fixture)


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_values_are_inserted_once_and_never_read_as_placeholders() -> None:
    text = "Dear parent of {pupil}, {{not a placeholder}} at {school}."
    assert fill(text, {"pupil": "{school} <b>Zoë</b>", "school": "Oakfield"}) == (
        "Dear parent of {school} <b>Zoë</b>, {not a placeholder} at Oakfield."
    )
    assert paragraphs("One\nline.\n\n  Two.  \n\n\n") == ["One line.", "Two."]


def test_bad_templates_say_where_and_what_to_use() -> None:
    spec = TEMPLATES["letter_intro"]
    with pytest.raises(TemplateError, match=r"line 2: \{pupil\} is not a placeholder here. Use: \{school\}"):
        check(spec, "We look forward to {event}.\nDear {pupil}")  # the opening is the same for every family
    with pytest.raises(TemplateError, match=re.escape("line 1: a lone '{'")):
        check(spec, "Costs {5")
    with pytest.raises(TemplateError, match="empty"):
        check(spec, "   ")
    check(TEMPLATES["letter_pupil"], "Please reply for {forename} ({class}) by {reply_by}.")


def test_saved_wording_is_used_in_every_letter_and_notice(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        templates.save_template(
            session, dsl, "letter_pupil", "Can {forename} of {class} be filmed? Reply by {reply_by}."
        )
        templates.save_template(session, dsl, "notice", "At {event} in {venue}: {policy}\n\nThank you, {school}.")
    with write_session(reg.engine) as session:
        pdf, count = letters.consent_letters(session, dsl, event_id)
        notice = notices.notice(session, dsl, event_id)
        assert templates.wording(session, "letter_pupil")[1] is True
        assert templates.wording(session, "announcement")[1] is False
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert count == len(NAMES) == len(pages)
    # Every pupil's own name is in their own paragraph, as written (accents, markup-like text, ampersands).
    for surname, forename in NAMES:
        page = next(p for p in pages if surname in p)
        assert f"Can {forename} of" in page
    assert "At Nativity in Hall:" in text_of(notice)
    # Restoring the default brings back the shipped wording.
    with write_session(reg.engine) as session:
        templates.restore_default(session, dsl, "letter_pupil")
        pdf, _ = letters.consent_letters(session, dsl, event_id)
    assert "Please tell us on the slip below whether" in text_of(pdf)


def test_wording_too_long_for_the_page_is_refused_and_nothing_saved(school: tuple[Register, int], dsl: Actor) -> None:
    reg, _event_id = school
    # Long wording first prints a little smaller; too long even at 9 points it is refused.
    sentence = "This sentence makes the letter longer. "
    with write_session(reg.engine) as session:
        templates.save_template(session, dsl, "letter_intro", "We are looking forward to {event}. " + sentence * 28)
        with pytest.raises(ValidationError, match="too long to fit above the reply slip"):
            templates.save_template(session, dsl, "letter_pupil", "Please tell us about {forename}. " + sentence * 14)
        templates.save_template(session, dsl, "letter_intro", "We are looking forward to {the_event}.")
        with pytest.raises(ValidationError, match=r"\{pupil\} is not a placeholder here"):
            templates.save_template(session, dsl, "notice", "Welcome {pupil}")
    with read_session(reg.engine) as session:
        assert set(templates.school_templates(session)) == {"letter_intro"}  # the refused wording was not saved


def test_office_edits_wording_staff_do_not(reg: Register, office: Actor, staff: Actor) -> None:
    with write_session(reg.engine) as session:
        templates.save_template(session, office, "announcement", "Welcome to {event}.\n\n{policy}")
        with pytest.raises(PermissionDenied):
            templates.save_template(session, staff, "announcement", "Welcome.")


def test_cli_templates(tmp_path: Path, reg: Register, capsys: pytest.CaptureFixture[str]) -> None:
    from safeguard_desktop.cli import main

    base = ["--data-dir", str(reg.folder), "templates"]
    assert main([*base, "show", "letter_pupil"]) == 0
    assert "{forename}" in capsys.readouterr().out
    mine = tmp_path / "mine.txt"
    mine.write_text("Reply for {forename} please, by {reply_by}.", encoding="utf-8")
    assert main([*base, "set", "letter_pupil", "--file", str(mine)]) == 0
    mine.write_text("Reply for {name}.", encoding="utf-8")
    assert main([*base, "set", "letter_pupil", "--file", str(mine)]) == 2
    assert "{name} is not a placeholder" in capsys.readouterr().err
    assert main([*base, "list"]) == 0
    listing = capsys.readouterr().out
    assert "letter_pupil" in listing and "edited" in listing
    assert main([*base, "reset", "letter_pupil"]) == 0
