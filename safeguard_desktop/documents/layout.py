"""What every document shares: margins, colours, the school and event they name, the letterhead, the canvas."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents import text as script
from safeguard_desktop.documents.fonts import BOLD, REGULAR, register_fonts

MARGIN = 56
INK = (0.13, 0.13, 0.13)
MUTED = (0.35, 0.35, 0.35)
ACCENT = (0.10, 0.27, 0.45)


@dataclass(frozen=True)
class LetterSchool:
    """The letterhead."""

    name: str
    address: str
    headteacher: str
    logo_png: bytes | None = None


@dataclass(frozen=True)
class LetterEvent:
    """What the letter is about."""

    name: str
    starts_at: datetime
    venue: str
    wording: str
    #: The school's edited wording by template key (see domain/templates.py); missing keys use the defaults.
    templates: Mapping[str, str] = field(default_factory=dict)
    #: True when the school shares its own recording with families (the follow-up letter offers it).
    footage_offered: bool = False
    #: The lawful basis of what the letter asks, in words (consent, or the school's public task).
    basis: str = ""
    #: What the reply slip asks, one tick row each: only the purposes the event's policy needs.
    questions: tuple[str, ...] = (
        "My child may be filmed and photographed by other parents at this event",
        "My child may appear in the school's own recording, shared with families on request",
    )
    #: The filming policy (domain.events.FilmingPolicy value): the notice's pictogram and headline.
    policy: str = "custom"


@dataclass(frozen=True)
class LetterPupil:
    """One letter's addressee and slip."""

    name: str
    forename: str
    reg_group: str
    reference: str
    #: Whom the letter is addressed to: "" for "the parent or carer of" the pupil, else one holder of parental
    #: responsibility by name (a letter per holder, for households apart).
    addressee: str = ""


def paragraph(canvas: Canvas, text: str, x: float, y: float, width: float, size: float = 10.5,
               font: str = REGULAR, leading: float = 1.4, align: str = "left", gap: float = 0.5) -> float:  # fmt: skip
    """``text`` wrapped to ``width`` from the baseline ``y`` down; returns where the next paragraph starts (``gap``
    of the size below the last line)."""
    for line in script.split(text, font, size, width):
        script.draw(canvas, x + (width / 2 if align == "centre" else 0), y, line, font, size, align=align)
        y -= size * leading
    return y - size * gap


def logo(school: LetterSchool) -> ImageReader | None:
    """The school's logo, or None when there is none or it cannot be read (a damaged logo never stops a document)."""
    if not school.logo_png:
        return None
    try:
        image = ImageReader(io.BytesIO(school.logo_png))
        image.getSize()
        return image
    except Exception:
        return None


def letterhead(canvas: Canvas, school: LetterSchool, width: float, height: float) -> float:
    """The school's logo, name and address across the top; returns the baseline below it."""
    top = height - MARGIN
    x = MARGIN
    image = logo(school)
    if image is not None:
        iw, ih = image.getSize()
        h = 48
        w = min(iw * h / ih, 140)
        canvas.drawImage(image, MARGIN, top - h + 8, w, h, mask="auto", preserveAspectRatio=True, anchor="w")
        x = MARGIN + w + 12
    canvas.setFillColorRGB(*ACCENT)
    name = script.fit(school.name, BOLD, 16, width - MARGIN - x, lines=2, floor=10, leading=1.1)
    last_name_line = script.draw_fitted(canvas, x, top - 10, name, BOLD) + name.leading
    canvas.setFillColorRGB(*MUTED)
    line_y = last_name_line - 14
    for line in [part.strip() for part in school.address.splitlines() if part.strip()][:4]:
        fitted = script.fit(line, REGULAR, 8.5, width - MARGIN - x, lines=1, floor=6.5)
        for part in fitted.lines:
            script.draw(canvas, x, line_y, part, REGULAR, fitted.size)
            line_y -= 11
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(1.2)
    rule = min(line_y, top - 48) - 4
    canvas.line(MARGIN, rule, width - MARGIN, rule)
    canvas.setFillColorRGB(*INK)
    return rule - 20


def sign_off(canvas: Canvas, school: LetterSchool, x: float, y: float, width: float = A4[0] - 2 * MARGIN) -> float:
    """The letter's close: the headteacher's name and role, each said once; returns the baseline below."""
    script.draw(canvas, x, y - 4, "Yours sincerely,", REGULAR, 10.5)
    name = school.headteacher.strip()
    role = f"Headteacher, {school.name}" if school.name else "Headteacher"
    if name:
        script.draw_fitted(canvas, x, y - 30, script.fit(name, BOLD, 10.5, width, lines=1), BOLD)
        return script.draw_fitted(canvas, x, y - 42, script.fit(role, REGULAR, 9, width, lines=1, floor=7), REGULAR)
    return script.draw_fitted(canvas, x, y - 30, script.fit(role, BOLD, 10.5, width, lines=1), BOLD)


def the_event(name: str) -> str:
    """The event's name as it reads inside a sentence: "the Year 5 Winter Concert", "our Nativity" stays."""
    first = name.strip().split(" ", 1)[0].lower()
    return name if first in {"the", "a", "an", "our", "my"} else f"the {name}"


def new_canvas(title: str, author: str, pagesize: tuple[float, float]) -> tuple[Canvas, io.BytesIO]:
    """A canvas writing compressed binary streams into memory, with the embedded font registered."""
    register_fonts()
    rl_config.useA85 = 0  # binary streams: smaller and faster than ASCII85 (PDF readers need no ASCII)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    return canvas, buffer
