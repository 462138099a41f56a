"""Event documents besides the letters: the venue poster (A4/A3), the announcement, the confidential staff
briefing and the chase list. Text from data is drawn as text, never as markup, and fits its box: wrapped first,
then shrunk no further than a readable floor (text.fit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A3, A4
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents import text as script
from safeguard_desktop.documents.fonts import BOLD, REGULAR
from safeguard_desktop.documents.layout import (
    ACCENT,
    INK,
    MARGIN,
    MUTED,
    LetterEvent,
    LetterSchool,
    letterhead,
    logo,
    new_canvas,
    paragraph,
    sign_off,
    the_event,
)
from safeguard_desktop.documents.pictograms import HEADLINES, pictogram
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
    """A family whose slip has not come back, with whom to ring about it."""

    name: str
    reg_group: str
    reference: str
    #: The contacts with parental responsibility, first contact first: ("name (relationship)", phone or email).
    contacts: tuple[tuple[str, str], ...] = ()


def _wrapped(canvas: Canvas, text: str, x: float, y: float, width: float, size: float, font: str = REGULAR,
             leading: float = 1.35) -> float:  # fmt: skip
    """``text`` wrapped to ``width`` from the baseline ``y`` down, in these documents' tighter spacing."""
    return paragraph(canvas, text, x, y, width, size=size, font=font, leading=leading, gap=0.4)


def _check_fits(y: float, bottom: float, document: str) -> None:
    if y < bottom:
        raise DoesNotFit(f"The {document} is too long for one page: shorten its wording.")


def _when(event: LetterEvent) -> str:
    return f"{event.starts_at:%A %d/%m/%Y}, {event.starts_at:%H:%M}" + (f" · {event.venue}" if event.venue else "")


@dataclass(frozen=True)
class _PosterSize:
    """What a poster of one paper size draws at what size (points): an A3 is read from further than an A4 on a
    door, so its pictogram and sentence grow more than its small print."""

    page: tuple[float, float]
    margin: float
    band: float
    school: float
    icon: float
    headline: float
    headline_floor: float
    title: float
    when: float
    body: tuple[float, ...]


POSTERS = {
    "A4": _PosterSize(A4, 40, 74, 22, 250, 40, 24, 24, 14, (22, 20, 18, 16, 14, 13, 12, 11)),
    "A3": _PosterSize(A3, 52, 100, 30, 400, 64, 36, 32, 18, (30, 28, 26, 24, 22, 20, 18, 16, 15, 14)),
}


def render_notice(school: LetterSchool, event: LetterEvent, *, size: str = "A4") -> bytes:
    """The poster for the venue door, laid out for its size: the school's name and logo, the policy's pictogram,
    one sentence to read from across a hall, the event, then the policy in full."""
    p = POSTERS["A3" if size.upper() == "A3" else "A4"]
    canvas, buffer = new_canvas(f"Notice — {event.name}", school.name, p.page)
    width, height = p.page
    margin = p.margin
    inner = width - 2 * margin
    # A band across the top: logo and school name, in white on the school's colour.
    band = p.band
    canvas.setFillColorRGB(*ACCENT)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    x = margin
    image = logo(school)
    if image is not None:
        box = band - 20
        canvas.setFillColorRGB(1, 1, 1)
        canvas.roundRect(margin, height - band + 10, box, box, box / 9, stroke=0, fill=1)
        canvas.drawImage(image, margin + 4, height - band + 14, box - 8, box - 8, mask="auto",
                         preserveAspectRatio=True, anchor="c")  # fmt: skip
        x = margin + box + 12
    canvas.setFillColorRGB(1, 1, 1)
    name = script.fit(school.name, BOLD, p.school, width - margin - x, lines=2, floor=p.school * 0.55, leading=1.1)
    script.draw_fitted(canvas, x, height - band / 2 - name.size * 0.35 + (name.height - name.leading) / 2, name, BOLD)
    # The pictogram, then the sentence read from across the hall.
    icon = min(p.icon, height * 0.3)
    top = height - band - margin * 0.7
    pictogram(canvas, event.policy, width / 2, top - icon / 2, icon)
    canvas.setFillColorRGB(*INK)
    headline = script.fit(HEADLINES.get(event.policy, HEADLINES["custom"]), BOLD, p.headline, inner, lines=3,
                          floor=p.headline_floor, leading=1.15)  # fmt: skip
    y = top - icon - p.headline * 0.85 - headline.size * 0.6
    y = script.draw_fitted(canvas, width / 2, y, headline, BOLD, align="centre")
    # The event.
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(p.title / 12)
    y -= p.title / 6
    canvas.line(margin + inner * 0.2, y, width - margin - inner * 0.2, y)
    y -= p.title * 1.15
    canvas.setFillColorRGB(*ACCENT)
    title = script.fit(event.name, BOLD, p.title, inner, lines=2, floor=p.title * 0.6, leading=1.15)
    y = script.draw_fitted(canvas, width / 2, y, title, BOLD, align="centre")
    canvas.setFillColorRGB(*MUTED)
    when = script.fit(_when(event), REGULAR, p.when, inner, lines=2, floor=p.when * 0.7)
    y = script.draw_fitted(canvas, width / 2, y, when, REGULAR, align="centre") - p.when
    # The policy in full, as large as the room left allows.
    canvas.setFillColorRGB(*INK)
    texts = filled_paragraphs(event, "notice", event_values(school, event))
    for body in p.body:
        room = y
        for text in texts:
            room -= len(script.split(text, REGULAR, body, inner)) * body * 1.4 + body * 0.6
        if room >= margin:
            break
    else:
        raise DoesNotFit("The venue notice is too long for one page: shorten its wording.")
    for text in texts:
        y = paragraph(canvas, text, margin, y, inner, size=body, leading=1.4, align="centre")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_announcement(school: LetterSchool, event: LetterEvent) -> bytes:
    """What the host reads aloud before the performance starts, in a size to read from at arm's length."""
    canvas, buffer = new_canvas(f"Announcement — {event.name}", school.name, A4)
    width, height = A4
    y = letterhead(canvas, school, width, height)
    canvas.setFillColorRGB(*MUTED)
    y = _wrapped(canvas, f"To read aloud at the start — {event.name}, {_when(event)}", MARGIN, y,
                 width - 2 * MARGIN, 10)  # fmt: skip
    canvas.setFillColorRGB(*INK)
    y -= 10
    texts = filled_paragraphs(event, "announcement", event_values(school, event))
    for i, text in enumerate(texts):
        bold = i in (0, len(texts) - 1) and len(texts) > 2
        y = _wrapped(canvas, text, MARGIN, y, width - 2 * MARGIN, 17, BOLD if bold else REGULAR, leading=1.5)
    _check_fits(y, MARGIN, "announcement")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _confidential_banner(canvas: Canvas, width: float, height: float) -> None:
    canvas.setFillColorRGB(*CONFIDENTIAL_RED)
    canvas.rect(0, height - 38, width, 38, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    script.draw(canvas, width / 2, height - 26, "CONFIDENTIAL — STAFF ONLY — do not display, copy or share", BOLD,
                11, align="centre")  # fmt: skip
    canvas.setFillColorRGB(*INK)


def _photo(canvas: Canvas, jpeg: bytes, x: float, y: float, width: float, height: float) -> None:
    """A pupil's thumbnail, kept in proportion inside the box."""
    import io

    from reportlab.lib.utils import ImageReader

    canvas.drawImage(ImageReader(io.BytesIO(jpeg)), x, y, width, height, preserveAspectRatio=True, anchor="c")


STATUS_X = 300  # the briefing's second column, from the margin


def render_briefing(school: LetterSchool, event: LetterEvent, pupils: Sequence[BriefingPupil]) -> bytes:
    """The staff briefing: who must not be filmed or photographed, by class. No reasons are printed."""
    canvas, buffer = new_canvas(f"Confidential briefing — {event.name}", school.name, A4)
    width, height = A4
    _confidential_banner(canvas, width, height)
    title = script.fit(f"Do not film or photograph — {event.name}", BOLD, 15, width - 2 * MARGIN, lines=2, floor=10)
    y = script.draw_fitted(canvas, MARGIN, height - 64, title, BOLD) - 2
    y = _wrapped(canvas, _when(event), MARGIN, y, width - 2 * MARGIN, 10) - 2
    guidance = (
        "Position these pupils out of shot or photograph them separately. Pupils marked NEVER must not appear in "
        "any image, whatever else you hear. Return this sheet to the office after the event."
    )
    y = _wrapped(canvas, guidance, MARGIN, y, width - 2 * MARGIN, 9.5)
    if not pupils:
        _wrapped(canvas, "Every pupil taking part may be filmed.", MARGIN, y - 10, width - 2 * MARGIN, 12, BOLD)
    current_class = None
    with_photos = any(p.photo_jpeg for p in pupils)
    text_x = MARGIN + (56 if with_photos else 12)
    name_width = MARGIN + STATUS_X - 10 - text_x
    status_width = width - MARGIN - (MARGIN + STATUS_X)
    for pupil in pupils:
        name = script.fit(pupil.name, BOLD if pupil.never_photograph else REGULAR, 11, name_width, lines=2)
        status = "NEVER — no image at all" if pupil.never_photograph else pupil.why
        said = script.fit(status, BOLD, 9, status_width, lines=2)
        row = max(58.0 if with_photos else 0.0, max(name.height, said.height) + 5)
        heading = 26 if pupil.reg_group != current_class else 0
        if y - row - heading < MARGIN:
            canvas.showPage()
            _confidential_banner(canvas, width, height)
            y = height - 64
            current_class = None
            heading = 26
        if pupil.reg_group != current_class:
            current_class = pupil.reg_group
            y -= 8
            canvas.setFillColorRGB(*ACCENT)
            group = script.fit(f"Class {current_class}", BOLD, 12, width - 2 * MARGIN, lines=1, floor=9)
            script.draw_fitted(canvas, MARGIN, y, group, BOLD)
            canvas.setFillColorRGB(*INK)
            y -= 18
        text_y = y - 22 if with_photos else y
        if pupil.photo_jpeg:
            _photo(canvas, pupil.photo_jpeg, MARGIN + 8, y - 46, 40, 50)
        elif with_photos:
            canvas.setStrokeColorRGB(*MUTED)
            canvas.rect(MARGIN + 8, y - 46, 40, 50)
            canvas.setFillColorRGB(*MUTED)
            script.draw(canvas, MARGIN + 28, y - 24, "no photo", REGULAR, 6.5, align="centre")
            canvas.setFillColorRGB(*INK)
        script.draw_fitted(canvas, text_x, text_y, name, BOLD if pupil.never_photograph else REGULAR)
        if pupil.never_photograph:
            canvas.setFillColorRGB(*CONFIDENTIAL_RED)
        script.draw_fitted(canvas, MARGIN + STATUS_X, text_y, said, BOLD)
        canvas.setFillColorRGB(*INK)
        y -= row
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


#: The chase list's columns: heading, left edge from the margin, width.
CHASE_COLUMNS = (("Class", 0, 46), ("Pupil", 50, 128), ("Contacts to ring", 184, 200), ("Slip ref.", 390, 68),
                 ("Done", 455, 28))  # fmt: skip


def _chase_heading(canvas: Canvas, y: float) -> float:
    canvas.setFillColorRGB(*ACCENT)
    for title, dx, _w in CHASE_COLUMNS:
        script.draw(canvas, MARGIN + dx, y, title, BOLD, 9)
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, y - 5, A4[0] - MARGIN, y - 5)
    canvas.setFillColorRGB(*INK)
    return y - 18


def render_chase_list(school: LetterSchool, event: LetterEvent, lines: Sequence[ChaseLine],
                      *, today: datetime | None = None) -> bytes:  # fmt: skip
    """Families whose reply slips have not come back, by class: whom to ring, the slip reference to quote, a box to
    tick when done."""
    canvas, buffer = new_canvas(f"Slips not returned — {event.name}", school.name, A4)
    width, height = A4
    y = letterhead(canvas, school, width, height)
    title = script.fit(f"Reply slips not yet returned — {event.name}", BOLD, 14, width - 2 * MARGIN, lines=2,
                       floor=10)  # fmt: skip
    y = script.draw_fitted(canvas, MARGIN, y, title, BOLD) - 2
    printed = (today or datetime.now()).strftime("%d/%m/%Y")
    y = _wrapped(canvas, f"{len(lines)} families · event on {event.starts_at:%d/%m/%Y} · printed {printed}", MARGIN,
                 y, width - 2 * MARGIN, 10) - 8  # fmt: skip
    y = _chase_heading(canvas, y)
    page = 1
    for line in lines:
        group = script.fit(line.reg_group, REGULAR, 9.5, CHASE_COLUMNS[0][2], lines=2)
        name = script.fit(line.name, REGULAR, 9.5, CHASE_COLUMNS[1][2], lines=2)
        column = CHASE_COLUMNS[2][2]
        who: list[tuple[script.Fitted, script.Fitted | None]] = [
            (script.fit(person, REGULAR, 8.5, column, lines=2), script.fit(how, BOLD, 8.5, column, lines=1))
            for person, how in line.contacts] or [
            (script.fit("no contact on record — see the MIS", REGULAR, 8.5, column, lines=2), None)]  # fmt: skip
        ref = script.fit(line.reference, REGULAR, 9, CHASE_COLUMNS[3][2], lines=2)
        contact_height = sum(a.height + (b.height if b is not None else 0.0) for a, b in who)
        row = max(group.height, name.height, contact_height, ref.height, 12.0) + 8
        if y - row < MARGIN + 10:
            script.draw(canvas, width - MARGIN, MARGIN / 2, f"page {page}", REGULAR, 7.5, align="right")
            canvas.showPage()
            page += 1
            y = _chase_heading(canvas, height - MARGIN)
        script.draw_fitted(canvas, MARGIN + CHASE_COLUMNS[0][1], y, group, REGULAR)
        script.draw_fitted(canvas, MARGIN + CHASE_COLUMNS[1][1], y, name, REGULAR)
        contact_y = y
        if not line.contacts:
            canvas.setFillColorRGB(*MUTED)
        for person, how in who:
            contact_y = script.draw_fitted(canvas, MARGIN + CHASE_COLUMNS[2][1], contact_y, person, REGULAR)
            if how is not None:
                contact_y = script.draw_fitted(canvas, MARGIN + CHASE_COLUMNS[2][1], contact_y, how, BOLD)
        canvas.setFillColorRGB(*INK)
        script.draw_fitted(canvas, MARGIN + CHASE_COLUMNS[3][1], y, ref, REGULAR)
        canvas.setStrokeColorRGB(*INK)
        canvas.rect(MARGIN + CHASE_COLUMNS[4][1] + 4, y - 2, 10, 10)
        canvas.setStrokeColorRGB(0.8, 0.8, 0.8)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, y - row + 10, width - MARGIN, y - row + 10)
        y -= row
    script.draw(canvas, width - MARGIN, MARGIN / 2, f"page {page}", REGULAR, 7.5, align="right")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


RECORDING_OFFER = "If you would like a copy of the school's own recording, the office will be glad to help."


def render_follow_up(school: LetterSchool, event: LetterEvent, *, to: str = "", platform: str = "",
                     today: datetime | None = None) -> bytes:  # fmt: skip
    """A letter asking a family to take down images from the event that were posted against the policy."""
    canvas, buffer = new_canvas(f"Request to remove images — {event.name}", school.name, A4)
    width, height = A4
    text_width = width - 2 * MARGIN
    y = letterhead(canvas, school, width, height)
    script.draw(canvas, width - MARGIN, y + 6, (today or datetime.now()).strftime("%d/%m/%Y"), REGULAR, 10,
                align="right")  # fmt: skip
    y -= 14
    y = _wrapped(canvas, f"Dear {script.isolate(to.strip()) or 'Parent or Carer'},", MARGIN, y, text_width, 11)
    y = _wrapped(
        canvas, f"Images from {the_event(event.name)} ({event.starts_at:%d/%m/%Y})", MARGIN, y, text_width, 12.5, BOLD
    )
    where = f"on {platform.strip()}" if platform.strip() else "online"
    offer = RECORDING_OFFER if event.footage_offered else ""
    values = {**event_values(school, event), "where": where, "recording_offer": offer}
    for text in filled_paragraphs(event, "followup", values):
        y = _wrapped(canvas, text, MARGIN, y, text_width, 10.5, leading=1.4)
    _check_fits(y - 47, MARGIN, "follow-up letter")
    sign_off(canvas, school, MARGIN, y)
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
