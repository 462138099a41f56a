"""Event documents besides the letters: the venue notice (A4/A3), the announcement, the confidential staff
briefing and the chase list. Text from data is drawn as text, never as markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents.fonts import BOLD, REGULAR
from safeguard_desktop.documents.layout import (
    ACCENT,
    INK,
    MARGIN,
    MUTED,
    LetterEvent,
    LetterSchool,
    letterhead,
    new_canvas,
)
from safeguard_desktop.documents.wording import DoesNotFit, event_values, filled_paragraphs

CONFIDENTIAL_RED = (0.64, 0.09, 0.10)


@dataclass(frozen=True)
class BriefingPupil:
    """A pupil staff must not film or photograph. Never carries a reason."""

    name: str
    reg_group: str
    never_photograph: bool
    photo_jpeg: bytes | None = None
    #: What to avoid, in the words of the purposes the event needs (never a reason).
    why: str = "no consent for filming"


@dataclass(frozen=True)
class ChaseLine:
    """A family whose slip has not come back."""

    name: str
    reg_group: str
    reference: str


def _wrapped(canvas: Canvas, text: str, x: float, y: float, width: float, size: float, font: str = REGULAR,
             leading: float = 1.35, centre: bool = False, page_width: float = 0) -> float:  # fmt: skip
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        if centre:
            canvas.drawCentredString(page_width / 2, y, line)
        else:
            canvas.drawString(x, y, line)
        y -= size * leading
    return y - size * 0.4


def _check_fits(y: float, bottom: float, document: str) -> None:
    if y < bottom:
        raise DoesNotFit(f"The {document} is too long for one page: shorten its wording.")


def render_notice(school: LetterSchool, event: LetterEvent, *, size: str = "A4") -> bytes:
    """The notice for the venue door: the rule in large, plain words."""
    pagesize = A3 if size.upper() == "A3" else A4
    scale = pagesize[0] / A4[0]
    canvas, buffer = new_canvas(f"Notice — {event.name}", school.name, pagesize)
    width, height = pagesize
    margin = MARGIN * scale
    y = height - margin - 30 * scale
    canvas.setFillColorRGB(*ACCENT)
    y = _wrapped(canvas, "Filming and photography", margin, y, width - 2 * margin, 34 * scale, BOLD,
                 centre=True, page_width=width)  # fmt: skip
    canvas.setFillColorRGB(*INK)
    when = f"{event.starts_at:%d/%m/%Y}, {event.starts_at:%H:%M}" + (f" · {event.venue}" if event.venue else "")
    y = _wrapped(canvas, event.name, margin, y - 8 * scale, width - 2 * margin, 22 * scale, BOLD, centre=True,
                 page_width=width)  # fmt: skip
    y = _wrapped(canvas, when, margin, y, width - 2 * margin, 14 * scale, centre=True, page_width=width)
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(2 * scale)
    canvas.line(margin, y, width - margin, y)
    y -= 30 * scale
    texts = filled_paragraphs(event, "notice", event_values(school, event))
    for i, text in enumerate(texts):
        last = i == len(texts) - 1 and len(texts) > 1
        y = _wrapped(canvas, text, margin, y, width - 2 * margin, (18 if last else 20) * scale,
                     BOLD if last else REGULAR, leading=1.45)  # fmt: skip
    _check_fits(y, margin + 20 * scale, "venue notice")
    canvas.setFillColorRGB(*MUTED)
    canvas.setFont(REGULAR, 12 * scale)
    canvas.drawCentredString(width / 2, margin, school.name)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_announcement(school: LetterSchool, event: LetterEvent) -> bytes:
    """What the host reads aloud before the performance starts."""
    canvas, buffer = new_canvas(f"Announcement — {event.name}", school.name, A4)
    width, height = A4
    y = letterhead(canvas, school, width, height)
    canvas.setFillColorRGB(*MUTED)
    y = _wrapped(canvas, "To read aloud at the start", MARGIN, y, width - 2 * MARGIN, 10)
    canvas.setFillColorRGB(*INK)
    y -= 6
    texts = filled_paragraphs(event, "announcement", event_values(school, event))
    for i, text in enumerate(texts):
        bold = i in (0, len(texts) - 1) and len(texts) > 2
        y = _wrapped(canvas, text, MARGIN, y, width - 2 * MARGIN, 16 if i == 0 and bold else 15,
                     BOLD if bold else REGULAR, leading=1.5)  # fmt: skip
    _check_fits(y, MARGIN, "announcement")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _confidential_banner(canvas: Canvas, width: float, height: float) -> None:
    canvas.setFillColorRGB(*CONFIDENTIAL_RED)
    canvas.rect(0, height - 30, width, 30, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(width / 2, height - 20, "CONFIDENTIAL — STAFF ONLY — do not display, copy or share")
    canvas.setFillColorRGB(*INK)


def _photo(canvas: Canvas, jpeg: bytes, x: float, y: float, width: float, height: float) -> None:
    """A pupil's thumbnail, kept in proportion inside the box."""
    import io

    from reportlab.lib.utils import ImageReader

    canvas.drawImage(ImageReader(io.BytesIO(jpeg)), x, y, width, height, preserveAspectRatio=True, anchor="c")


def render_briefing(school: LetterSchool, event: LetterEvent, pupils: Sequence[BriefingPupil]) -> bytes:
    """The staff briefing: who must not be filmed or photographed, by class. No reasons are printed."""
    canvas, buffer = new_canvas(f"Confidential briefing — {event.name}", school.name, A4)
    width, height = A4
    _confidential_banner(canvas, width, height)
    y = height - 60
    canvas.setFont(BOLD, 15)
    canvas.drawString(MARGIN, y, f"Do not film or photograph — {event.name}")
    y -= 18
    canvas.setFont(REGULAR, 10)
    canvas.drawString(MARGIN, y, f"{event.starts_at:%d/%m/%Y %H:%M}" + (f", {event.venue}" if event.venue else ""))
    y -= 16
    guidance = (
        "Position these pupils out of shot or photograph them separately. Pupils marked NEVER must not appear in "
        "any image, whatever else you hear. Return this sheet to the office after the event."
    )
    y = _wrapped(canvas, guidance, MARGIN, y, width - 2 * MARGIN, 9.5)
    if not pupils:
        _wrapped(canvas, "Every pupil taking part may be filmed.", MARGIN, y - 10, width - 2 * MARGIN, 12, BOLD)
    current_class = None
    with_photos = any(p.photo_jpeg for p in pupils)
    row = 58 if with_photos else 16
    text_x = MARGIN + (56 if with_photos else 12)
    for pupil in pupils:
        if y - row < MARGIN:
            canvas.showPage()
            _confidential_banner(canvas, width, height)
            y = height - 60
            current_class = None
        if pupil.reg_group != current_class:
            current_class = pupil.reg_group
            y -= 8
            canvas.setFillColorRGB(*ACCENT)
            canvas.setFont(BOLD, 12)
            canvas.drawString(MARGIN, y, f"Class {current_class}")
            canvas.setFillColorRGB(*INK)
            y -= 18
        text_y = y - 22 if with_photos else y
        if pupil.photo_jpeg:
            _photo(canvas, pupil.photo_jpeg, MARGIN + 8, y - 46, 40, 50)
        elif with_photos:
            canvas.setStrokeColorRGB(*MUTED)
            canvas.rect(MARGIN + 8, y - 46, 40, 50)
            canvas.setFont(REGULAR, 6.5)
            canvas.setFillColorRGB(*MUTED)
            canvas.drawCentredString(MARGIN + 28, y - 24, "no photo")
            canvas.setFillColorRGB(*INK)
        canvas.setFont(BOLD if pupil.never_photograph else REGULAR, 11)
        canvas.drawString(text_x, text_y, pupil.name)
        canvas.setFont(BOLD, 9)
        if pupil.never_photograph:
            canvas.setFillColorRGB(*CONFIDENTIAL_RED)
            canvas.drawString(MARGIN + 300, text_y, "NEVER — no image at all")
            canvas.setFillColorRGB(*INK)
        else:
            canvas.drawString(MARGIN + 300, text_y, pupil.why)
        y -= row
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_chase_list(school: LetterSchool, event: LetterEvent, lines: Sequence[ChaseLine]) -> bytes:
    """Families whose reply slips have not come back, by class, with the slip reference to quote."""
    canvas, buffer = new_canvas(f"Slips not returned — {event.name}", school.name, A4)
    width, height = A4
    y = letterhead(canvas, school, width, height)
    canvas.setFont(BOLD, 14)
    canvas.drawString(MARGIN, y, f"Reply slips not yet returned — {event.name}")
    y -= 16
    canvas.setFont(REGULAR, 10)
    canvas.drawString(MARGIN, y, f"{len(lines)} families · event on {event.starts_at:%d/%m/%Y}")
    y -= 24
    for line in lines:
        if y < MARGIN:
            canvas.showPage()
            y = height - MARGIN
        canvas.setFont(REGULAR, 10.5)
        canvas.drawString(MARGIN, y, line.reg_group)
        canvas.drawString(MARGIN + 60, y, line.name)
        canvas.drawString(MARGIN + 330, y, line.reference)
        canvas.rect(width - MARGIN - 12, y - 2, 10, 10)
        y -= 17
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


RECORDING_OFFER = "If you would like a copy of the school's own recording, the office will be glad to help."


def render_follow_up(school: LetterSchool, event: LetterEvent, *, to: str = "", platform: str = "") -> bytes:
    """A letter asking a family to take down images from the event that were posted against the policy."""
    canvas, buffer = new_canvas(f"Request to remove images — {event.name}", school.name, A4)
    width, height = A4
    text_width = width - 2 * MARGIN
    y = letterhead(canvas, school, width, height)
    y = _wrapped(canvas, f"Dear {to.strip() or 'Parent or Carer'},", MARGIN, y, text_width, 11)
    y = _wrapped(canvas, f"Images from {event.name} ({event.starts_at:%d/%m/%Y})", MARGIN, y, text_width, 12.5, BOLD)
    where = f"on {platform.strip()}" if platform.strip() else "online"
    offer = RECORDING_OFFER if event.footage_offered else ""
    values = {**event_values(school, event), "where": where, "recording_offer": offer}
    for text in filled_paragraphs(event, "followup", values):
        y = _wrapped(canvas, text, MARGIN, y, text_width, 10.5, leading=1.4)
    _check_fits(y - 47, MARGIN, "follow-up letter")
    canvas.setFont(REGULAR, 10.5)
    canvas.drawString(MARGIN, y - 4, "Yours sincerely,")
    canvas.setFont(BOLD, 10.5)
    canvas.drawString(MARGIN, y - 34, school.headteacher or "The Headteacher")
    canvas.setFont(REGULAR, 9)
    canvas.drawString(MARGIN, y - 47, "Headteacher")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_helpline_summary(school: LetterSchool, title: str, lines: Sequence[tuple[str, str]]) -> bytes:
    """The helpline summary on A4: the same lines as the text version, labels in bold."""
    canvas, buffer = new_canvas(title, school.name, A4)
    width, height = A4
    y = letterhead(canvas, school, width, height)
    y = _wrapped(canvas, title, MARGIN, y, width - 2 * MARGIN, 13, BOLD)
    for label, value in lines:
        if y < MARGIN + 40:
            canvas.showPage()
            y = height - MARGIN
        if label:
            y = _wrapped(canvas, label, MARGIN, y, width - 2 * MARGIN, 9.5, BOLD, leading=1.2) + 4
        y = _wrapped(canvas, value, MARGIN + (12 if label else 0), y, width - 2 * MARGIN - 12, 10.5)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
