"""The school's wording for event documents: read, edit (checked, audited), restore the default, preview.

Edited wording is kept in the register's settings (so backups carry it); the defaults ship in
resources/templates. Saving checks the placeholders and that the document still fits its page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from safeguard_desktop.documents.wording import DoesNotFit, default_template
from safeguard_desktop.domain.events import FilmingPolicy, policy_text
from safeguard_desktop.domain.templates import TEMPLATES, TemplateError, TemplateSpec, check
from safeguard_desktop.domain.text import normal_newlines, unsafe_character
from safeguard_desktop.services import settings
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.changes import Topic, changes
from safeguard_desktop.services.errors import NotFound, ValidationError
from safeguard_desktop.services.records import audit

_PREFIX = "template:"


def _spec(key: str) -> TemplateSpec:
    if key not in TEMPLATES:
        raise NotFound(f"There is no document wording called {key!r}. Known: {', '.join(TEMPLATES)}.")
    return TEMPLATES[key]


def school_templates(session: Session) -> dict[str, str]:
    """Every template the school has edited (key → text); the rest use the defaults."""
    found = {}
    for key in TEMPLATES:
        text = settings.read_setting(session, _PREFIX + key)
        if text:
            found[key] = str(text)
    return found


def wording(session: Session, key: str) -> tuple[str, bool]:
    """(text, edited) for one template."""
    _spec(key)
    text = settings.read_setting(session, _PREFIX + key)
    return (str(text), True) if text else (default_template(key), False)


def render_sample(key: str, text: str, school: settings.SchoolDetails | None = None,
                  others: Mapping[str, str] | None = None) -> bytes:  # fmt: skip
    """A one-page sample of the document ``key`` with ``text`` as its wording (for the live preview), beside the
    school's ``others`` edited wordings (the opening and the paragraph naming the pupil share one page).

    Raises ValidationError when the wording cannot be used (unknown placeholder, too long for the page).
    """
    from safeguard_desktop.documents.layout import LetterEvent, LetterPupil
    from safeguard_desktop.documents.letters import render_letters
    from safeguard_desktop.documents.notices import render_announcement, render_follow_up, render_notice

    spec = _spec(key)
    try:
        check(spec, text)
    except TemplateError as exc:
        raise ValidationError(str(exc), field=key) from exc
    details = school or settings.SchoolDetails("Our School", "", "Mrs A. Headteacher", "", 13, None)
    letterhead = settings.letterhead(details, unnamed="Our School")
    event = LetterEvent(
        "Christmas Nativity", datetime(2026, 12, 10, 14, 0), "School hall",
        policy_text(FilmingPolicy.PERSONAL_USE, "", True), {**(others or {}), key: text},
    )  # fmt: skip
    # The longest names a register is likely to hold, so that a saved template fits every letter.
    pupil = LetterPupil(
        "Maximiliana-Wilhelmina Featherstonehaugh-Abernethy", "Maximiliana-Wilhelmina", "Year 6 Kingfishers",
        "S1-1-A",
    )  # fmt: skip
    try:
        if key in ("letter_intro", "letter_pupil"):
            return render_letters(letterhead, event, [pupil])
        if key == "notice":
            return render_notice(letterhead, event, size="A4")
        if key == "announcement":
            return render_announcement(letterhead, event)
        return render_follow_up(letterhead, event, to="Mr and Mrs Example", platform="Facebook")
    except DoesNotFit as exc:
        raise ValidationError(str(exc), field=key) from exc


def save_template(session: Session, actor: Actor, key: str, text: str) -> None:
    """Save the school's wording after checking it fills and fits. Audited."""
    actor.require(Operation.EDIT_TEMPLATES)
    text = normal_newlines(text)
    bad = unsafe_character(text, multiline=True)
    if bad is not None:
        raise ValidationError(f"The wording contains {bad}, which cannot be printed; retype that part.", field=key)
    render_sample(key, text, settings.get_school(session), school_templates(session))
    if text.strip() == default_template(key).strip():
        settings.write_setting(session, _PREFIX + key, "")
    else:
        settings.write_setting(session, _PREFIX + key, text)
    audit.record(session, actor, "edited document wording", "template", key)


def restore_default(session: Session, actor: Actor, key: str) -> None:
    """Go back to the wording that ships with the app. Audited."""
    actor.require(Operation.EDIT_TEMPLATES)
    _spec(key)
    settings.write_setting(session, _PREFIX + key, "")
    audit.record(session, actor, "restored default document wording", "template", key)


def all_wording(session: Session, actor: Actor) -> tuple[settings.SchoolDetails, dict[str, tuple[str, bool]]]:
    """What the wording editor opens with: the school (for the samples) and every template's (text, edited)."""
    actor.require(Operation.EDIT_TEMPLATES)
    return settings.get_school(session), {key: wording(session, key) for key in TEMPLATES}


@changes(Topic.TEMPLATES)
def save_and_read(session: Session, actor: Actor, key: str, text: str) -> tuple[str, bool]:
    """Save the school's wording (checked) and return it as kept."""
    save_template(session, actor, key, text)
    return wording(session, key)


@changes(Topic.TEMPLATES)
def restore_and_read(session: Session, actor: Actor, key: str) -> tuple[str, bool]:
    """Go back to the shipped wording and return it."""
    restore_default(session, actor, key)
    return wording(session, key)
