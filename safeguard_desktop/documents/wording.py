"""The wording of event documents: the school's edited templates, or the defaults shipped in _resources/templates."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from safeguard_desktop.domain.templates import fill, paragraphs
from safeguard_desktop.resources import resource_path

if TYPE_CHECKING:  # reportlab loads only when a document is drawn
    from safeguard_desktop.documents.layout import LetterEvent, LetterPupil, LetterSchool


class DoesNotFit(ValueError):
    """The wording is too long for the page; the message says which document and by how much."""


@lru_cache(maxsize=16)
def default_template(key: str) -> str:
    """The wording shipped with the app for ``key`` (_resources/templates/KEY.txt)."""
    return resource_path("templates", f"{key}.txt").read_text(encoding="utf-8")


def template_text(event: LetterEvent, key: str) -> str:
    """The school's wording for ``key`` if it has edited it, else the default."""
    return event.templates.get(key) or default_template(key)


def event_values(school: LetterSchool, event: LetterEvent) -> dict[str, str]:
    """What every event document's placeholders stand for."""
    from safeguard_desktop.documents.layout import the_event

    return {
        "school": school.name,
        "headteacher": school.headteacher or "the Headteacher",
        "event": event.name,
        "the_event": the_event(event.name),
        "date": f"{event.starts_at:%d/%m/%Y}",
        "time": f"{event.starts_at:%H:%M}",
        "venue": event.venue or "the school",
        "policy": event.wording,
    }


def pupil_values(base: dict[str, str], pupil: LetterPupil, reply_by: str) -> dict[str, str]:
    """The event's values plus the pupil's (each kept in its own direction inside the sentence)."""
    from safeguard_desktop.documents.text import isolate

    return {**base, "pupil": isolate(pupil.name), "forename": isolate(pupil.forename),
            "class": isolate(pupil.reg_group), "reply_by": reply_by}  # fmt: skip


def filled_paragraphs(event: LetterEvent, key: str, values: dict[str, str]) -> list[str]:
    """The template for ``key`` filled in, as paragraphs."""
    return paragraphs(fill(template_text(event, key), values))
