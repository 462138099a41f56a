"""What every document shares: margins, colours, the school and event they name, the letterhead, the canvas."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reportlab import rl_config
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

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
               font: str = REGULAR, leading: float = 1.4) -> float:  # fmt: skip
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        canvas.drawString(x, y, line)
        y -= size * leading
    return y - size * 0.5


def letterhead(canvas: Canvas, school: LetterSchool, width: float, height: float) -> float:
    top = height - MARGIN
    x = MARGIN
    if school.logo_png:
        try:
            image = ImageReader(io.BytesIO(school.logo_png))
            iw, ih = image.getSize()
            h = 48
            w = iw * h / ih
            canvas.drawImage(image, MARGIN, top - h + 8, w, h, mask="auto")
            x = MARGIN + w + 12
        except Exception:  # a damaged logo must not stop 2,000 letters; the name still heads the page
            x = MARGIN
    canvas.setFillColorRGB(*ACCENT)
    canvas.setFont(BOLD, 16)
    canvas.drawString(x, top - 10, school.name)
    canvas.setFillColorRGB(*MUTED)
    canvas.setFont(REGULAR, 8.5)
    line_y = top - 24
    for line in [part.strip() for part in school.address.splitlines() if part.strip()][:4]:
        canvas.drawString(x, line_y, line)
        line_y -= 11
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(1.2)
    rule = min(line_y, top - 48) - 4
    canvas.line(MARGIN, rule, width - MARGIN, rule)
    canvas.setFillColorRGB(*INK)
    return rule - 24


def new_canvas(title: str, author: str, pagesize: tuple[float, float]) -> tuple[Canvas, io.BytesIO]:
    """A canvas writing compressed binary streams into memory, with the embedded font registered."""
    register_fonts()
    rl_config.useA85 = 0  # binary streams: smaller and faster than ASCII85 (PDF readers need no ASCII)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    return canvas, buffer
