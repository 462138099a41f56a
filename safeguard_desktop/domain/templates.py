"""Document wording the school can edit: templates with {placeholders}, filled in one pass.

A placeholder is a name in braces, e.g. ``{pupil}``; write ``{{`` or ``}}`` for a literal brace. Values are
inserted as plain text and never read again, so a pupil called ``{school}`` prints as ``{school}``. A blank
line starts a new paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: What every event document may name.
EVENT_FIELDS: dict[str, str] = {
    "school": "the school's name",
    "headteacher": "the headteacher's name",
    "event": "the event's name",
    "the_event": 'the event\'s name inside a sentence ("the Winter Concert"; a name starting The/Our/A kept as it is)',
    "date": "the event's date (dd/mm/yyyy)",
    "time": "the event's start time (HH:MM)",
    "venue": "where it takes place",
    "policy": "the filming policy in plain words",
}
#: What a letter to one family may name as well.
PUPIL_FIELDS: dict[str, str] = {
    "pupil": "the pupil's full name",
    "forename": "the pupil's first name",
    "class": "the pupil's class",
    "reply_by": "the date to return the slip by (a week before the event)",
}


@dataclass(frozen=True)
class TemplateSpec:
    """One editable piece of wording."""

    key: str
    title: str
    fields: Mapping[str, str]
    max_chars: int = 3000


TEMPLATES: dict[str, TemplateSpec] = {
    spec.key: spec
    for spec in (
        TemplateSpec("letter_intro", "Consent letter: opening (the same for every family)", EVENT_FIELDS, 1200),
        TemplateSpec(
            "letter_pupil", "Consent letter: the paragraph naming the pupil", {**EVENT_FIELDS, **PUPIL_FIELDS}, 600
        ),
        TemplateSpec("notice", "Venue notice (A4/A3 poster)", EVENT_FIELDS, 1200),
        TemplateSpec("announcement", "Announcement read at the start", EVENT_FIELDS, 2000),
        TemplateSpec(
            "followup",
            "Follow-up letter asking for images to be removed",
            {
                **EVENT_FIELDS,
                "where": "where the images were posted, e.g. 'on Facebook' or 'online'",
                "recording_offer": "the offer of the school's own recording (left out when there is none)",
            },
            3000,
        ),
    )
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    """A template that cannot be used, with where and what to change."""


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def check(spec: TemplateSpec, text: str) -> None:
    """Raise TemplateError naming the line and the placeholder when the template cannot be filled."""
    if not text.strip():
        raise TemplateError(f"{spec.title}: the wording is empty. Write it, or restore the school's default.")
    if len(text) > spec.max_chars:
        raise TemplateError(f"{spec.title}: at most {spec.max_chars} characters (this is {len(text)}).")
    allowed = ", ".join("{" + name + "}" for name in spec.fields)
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        line = _line_of(text, match.start())
        if token in ("{", "}"):
            raise TemplateError(
                f"{spec.title}, line {line}: a lone '{token}'. Write {{{{ or }}}} for a brace, "
                f"or use a placeholder: {allowed}."
            )
        name = match.group(1)
        if name not in spec.fields:
            raise TemplateError(f"{spec.title}, line {line}: {{{name}}} is not a placeholder here. Use: {allowed}.")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each placeholder with its value, in one pass (values are never read as placeholders)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None or name not in values:
            return token
        return values[name]

    return _TOKEN.sub(replace, text)


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single line breaks inside one are spaces."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
