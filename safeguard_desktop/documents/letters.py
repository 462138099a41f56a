"""Pre-performance consent letters, one A4 page per pupil with a tear-off reply slip (reference + QR code).

Drawn with reportlab's canvas (about twice as fast as platypus, measured): every string from data is drawn
with drawString, which never interprets markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents.fonts import BOLD, REGULAR
from safeguard_desktop.documents.layout import (
    ACCENT,
    INK,
    MARGIN,
    MUTED,
    LetterEvent,
    LetterPupil,
    LetterSchool,
    letterhead,
    new_canvas,
    paragraph,
)
from safeguard_desktop.documents.qr import QrPath, draw_qr, qr_paths
from safeguard_desktop.documents.wording import (
    DoesNotFit,
    event_values,
    filled_paragraphs,
    pupil_values,
    template_text,
)
from safeguard_desktop.domain.templates import fill, paragraphs

__all__ = ["DoesNotFit", "LetterEvent", "LetterPupil", "LetterSchool", "render_letters"]


def _tick_row(canvas: Canvas, y: float, text: str, width: float) -> float:
    canvas.setFont(REGULAR, 9.5)
    lines = simpleSplit(text, REGULAR, 9.5, width - 2 * MARGIN - 150)
    for i, line in enumerate(lines):
        canvas.drawString(MARGIN, y - i * 12, line)
    box_x = width - MARGIN - 130
    for label, dx in (("Yes", 0), ("No", 70)):
        canvas.rect(box_x + dx, y - 3, 11, 11)
        canvas.drawString(box_x + dx + 16, y, label)
    return y - max(len(lines), 1) * 12 - 10


@dataclass(frozen=True)
class _Layout:
    """Where the per-pupil parts go; everything else is the batch's shared form."""

    addressee_y: float
    paragraph_y: float
    slip_pupil_y: float


SLIP_CUT = 292
PARAGRAPH_LINES = 5  # room kept for the paragraph that names the pupil


def _shared_form(
    canvas: Canvas, school: LetterSchool, event: LetterEvent, today: datetime, pupil_lines: int
) -> _Layout:
    """Draw everything every letter in the batch shares once, as a form XObject reused on each page."""
    width, height = A4
    text_width = width - 2 * MARGIN
    canvas.beginForm("letter")
    y = letterhead(canvas, school, width, height)
    canvas.setFont(REGULAR, 10)
    canvas.drawRightString(width - MARGIN, y + 6, today.strftime("%d/%m/%Y"))
    addressee_y = y - 10
    y -= 36
    canvas.setFillColorRGB(*ACCENT)
    when = f"{event.starts_at:%d/%m/%Y} at {event.starts_at:%H:%M}" + (f", {event.venue}" if event.venue else "")
    y = paragraph(canvas, f"{event.name} — {when}", MARGIN, y, text_width, size=12.5, font=BOLD)
    canvas.setFillColorRGB(*INK)
    for text in filled_paragraphs(event, "letter_intro", event_values(school, event)):
        y = paragraph(canvas, text, MARGIN, y, text_width)
    y = paragraph(canvas, "Filming and photography at this event", MARGIN, y, text_width, size=10.5, font=BOLD)
    y = paragraph(canvas, event.wording, MARGIN, y, text_width)
    if event.basis:
        y = paragraph(canvas, event.basis, MARGIN, y, text_width, size=9)
    paragraph_y = y
    y -= pupil_lines * 10.5 * 1.4 + 6
    if y - 47 < SLIP_CUT + 12:
        over = int((SLIP_CUT + 12 - (y - 47)) // (10.5 * 1.4)) + 1
        raise DoesNotFit(
            f"The consent letter is about {over} line(s) too long to fit above the reply slip: "
            "shorten the opening, the policy wording or the paragraph naming the pupil."
        )
    canvas.setFont(REGULAR, 10.5)
    canvas.drawString(MARGIN, y - 4, "Yours sincerely,")
    canvas.setFont(BOLD, 10.5)
    canvas.drawString(MARGIN, y - 34, school.headteacher or "The Headteacher")
    canvas.setFont(REGULAR, 9)
    canvas.drawString(MARGIN, y - 47, "Headteacher")

    # The tear-off reply slip.
    canvas.setDash(4, 3)
    canvas.setStrokeColorRGB(*MUTED)
    canvas.line(MARGIN - 20, SLIP_CUT, width - MARGIN + 20, SLIP_CUT)
    canvas.setDash()
    canvas.setFillColorRGB(*MUTED)
    canvas.setFont(REGULAR, 8)
    canvas.drawString(MARGIN - 20, SLIP_CUT + 4, "\u2702  cut here and return the slip to the school office")
    canvas.setFillColorRGB(*INK)
    y = SLIP_CUT - 26
    canvas.setFont(BOLD, 12)
    canvas.drawString(MARGIN, y, f"Reply slip — {event.name}")
    y -= 22
    slip_pupil_y = y
    canvas.setFont(REGULAR, 10)
    canvas.drawString(MARGIN, y, "Pupil:")
    canvas.drawString(MARGIN + 300, y, "Class:")
    y -= 26
    for question in event.questions[:3]:  # the slip has room for three
        y = _tick_row(canvas, y, question, width)
    y -= 8
    canvas.setFont(REGULAR, 9.5)
    canvas.drawString(MARGIN, y, "Signed: ______________________________   Name: ______________________________")
    y -= 22
    canvas.drawString(MARGIN, y, "Relationship to the pupil: _____________________   Date: ____ / ____ / ________")
    canvas.setFont(REGULAR, 7.5)
    canvas.setFillColorRGB(*MUTED)
    canvas.drawString(MARGIN, MARGIN - 6, "The office scans or types this reference to record your answer.")
    canvas.setFillColorRGB(*INK)
    canvas.endForm()
    return _Layout(addressee_y, paragraph_y, slip_pupil_y)


def _fitted(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, max_width: float) -> None:
    """Draw ``text`` on one line, smaller if it would run past ``max_width`` (long names stay whole)."""
    width = stringWidth(text, font, size)
    if width > max_width:
        size = max(5.5, size * max_width / width)
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


class _Wrapper:
    """Greedy word wrap with each word's width measured once per batch (glyph widths add up in reportlab).

    The paragraph naming the pupil repeats the same words on every letter; measuring them once makes wrapping
    2,000 letters several times faster than simpleSplit. A word wider than the line falls back to simpleSplit.
    """

    def __init__(self, font: str, size: float, width: float) -> None:
        self.font, self.size, self.width = font, size, width
        self.space = stringWidth(" ", font, size)
        self.widths: dict[str, float] = {}

    def __call__(self, text: str) -> list[str]:
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in text.split():
            w = self.widths.get(word)
            if w is None:
                w = self.widths[word] = stringWidth(word, self.font, self.size)
            if w > self.width:
                return list(simpleSplit(text, self.font, self.size, self.width))
            if current and used + self.space + w > self.width:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used += (self.space if current else 0.0) + w
                current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines


def _pupil_lines(school: LetterSchool, event: LetterEvent, pupils: Sequence[LetterPupil]) -> list[list[str]]:
    """The paragraph naming each pupil, from the school's template, wrapped to the page."""
    template = template_text(event, "letter_pupil")
    base = event_values(school, event)
    reply_by = (event.starts_at - timedelta(days=7)).strftime("%d/%m/%Y")
    wrap = _Wrapper(REGULAR, 10.5, A4[0] - 2 * MARGIN)
    return [wrap(" ".join(paragraphs(fill(template, pupil_values(base, pupil, reply_by))))) for pupil in pupils]


def _letter(
    canvas: Canvas, layout: _Layout, event: LetterEvent, pupil: LetterPupil, qr: QrPath, lines: list[str]
) -> None:
    """One page: the shared form, then what names this pupil."""
    width, _height = A4
    canvas.doForm("letter")
    addressee = (f"To {pupil.addressee}, for {pupil.name} ({pupil.reg_group})" if pupil.addressee
                 else f"To the parent or carer of {pupil.name} ({pupil.reg_group})")  # fmt: skip
    _fitted(canvas, addressee, MARGIN, layout.addressee_y, BOLD, 11, width - 2 * MARGIN)
    canvas.setFont(REGULAR, 10.5)
    y = layout.paragraph_y
    for line in lines:
        canvas.drawString(MARGIN, y, line)
        y -= 10.5 * 1.4
    _fitted(canvas, pupil.name, MARGIN + 34, layout.slip_pupil_y, BOLD, 10, 258)
    _fitted(canvas, pupil.reg_group, MARGIN + 336, layout.slip_pupil_y, BOLD, 10, width - 2 * MARGIN - 336)
    qr_size = 70
    draw_qr(canvas, qr, width - MARGIN - qr_size, MARGIN - 6, qr_size)
    canvas.setFont(BOLD, 11)
    canvas.drawString(MARGIN, MARGIN + 6, f"Ref {pupil.reference}")


def render_letters(
    school: LetterSchool,
    event: LetterEvent,
    pupils: Sequence[LetterPupil],
    *,
    today: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One combined PDF, a page per pupil, in the order given (class, then surname, for the office printer)."""
    canvas, buffer = new_canvas(f"Consent letters — {event.name}", school.name, A4)
    codes = qr_paths([p.reference for p in pupils])  # a worker starts encoding while the pages are prepared
    try:
        wrapped = _pupil_lines(school, event, pupils)
        reserved = max((len(lines) for lines in wrapped), default=PARAGRAPH_LINES)
        layout = _shared_form(canvas, school, event, today or datetime.now(), reserved)
        for number, (pupil, qr, lines) in enumerate(zip(pupils, codes, wrapped, strict=True), start=1):
            _letter(canvas, layout, event, pupil, qr, lines)
            canvas.showPage()
            if progress is not None:
                progress(number, len(pupils))
    finally:
        codes.close()  # also when cancelled from the progress callback
    canvas.save()
    return buffer.getvalue()
