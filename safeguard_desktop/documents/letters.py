"""Pre-performance consent letters, one A4 page per pupil with a tear-off reply slip (reference + QR code).

Drawn with reportlab's canvas (about twice as fast as platypus, measured): every string from data is drawn
with drawString, which never interprets markup.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents import text as script
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
    sign_off,
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
    lines = script.split(text, REGULAR, 9.5, width - 2 * MARGIN - 150)
    for i, line in enumerate(lines):
        script.draw(canvas, MARGIN, y - i * 12, line, REGULAR, 9.5)
    box_x = width - MARGIN - 130
    for label, dx in (("Yes", 0), ("No", 70)):
        canvas.rect(box_x + dx, y - 3, 11, 11)
        script.draw(canvas, box_x + dx + 16, y, label, REGULAR, 9.5)
    return y - max(len(lines), 1) * 12 - 10


@dataclass(frozen=True)
class _Layout:
    """Where the per-pupil parts go; everything else is the batch's shared form."""

    addressee_y: float
    paragraph_y: float
    slip_pupil_y: float
    class_x: float  # where the class goes: beside the name, or on the line below a long one
    class_y: float
    name_width: float
    body: float  # the letter's text size: 10.5 points, less (never below 9) when the wording is long


SLIP_CUT = 292
BODY_SIZES = (10.5, 10.0, 9.5, 9.0)
SLIP_NAME_WIDTH = 258
SLIP_NAME_FULL = A4[0] - 2 * MARGIN - 34
PARAGRAPH_LINES = 5  # room kept for the paragraph that names the pupil


def _shared_form(
    canvas: Canvas,
    school: LetterSchool,
    event: LetterEvent,
    today: datetime,
    pupil_lines: int,
    addressee_lines: int = 1,
    body: float = 10.5,
    name_lines: int = 1,
    name_below: bool = False,
) -> _Layout:
    """Draw everything every letter in the batch shares once, as a form XObject reused on each page."""
    width, height = A4
    text_width = width - 2 * MARGIN
    slip_heading = script.fit(f"Reply slip — {event.name}", BOLD, 12, width - 2 * MARGIN, lines=2, floor=9)
    # The slip grows upwards for a long event name or the batch's longest name on the slip.
    cut = (SLIP_CUT + (len(slip_heading.lines) - 1) * slip_heading.leading + (name_lines - 1) * 11
           + (14 if name_below else 0))  # fmt: skip
    canvas.beginForm("letter")
    y = letterhead(canvas, school, width, height)
    script.draw(canvas, width - MARGIN, y + 6, today.strftime("%d/%m/%Y"), REGULAR, 10, align="right")
    addressee_y = y - 10
    y -= 36 + (addressee_lines - 1) * 12.1
    canvas.setFillColorRGB(*ACCENT)
    when = f"{event.starts_at:%d/%m/%Y} at {event.starts_at:%H:%M}" + (f", {event.venue}" if event.venue else "")
    heading = script.fit(f"{event.name} — {when}", BOLD, 12.5, text_width, lines=2, floor=10, leading=1.3)
    y = script.draw_fitted(canvas, MARGIN, y, heading, BOLD) - 4
    canvas.setFillColorRGB(*INK)
    for text in filled_paragraphs(event, "letter_intro", event_values(school, event)):
        y = paragraph(canvas, text, MARGIN, y, text_width, size=body)
    y = paragraph(canvas, "Filming and photography at this event", MARGIN, y, text_width, size=body, font=BOLD)
    y = paragraph(canvas, event.wording, MARGIN, y, text_width, size=body)
    if event.basis:
        y = paragraph(canvas, event.basis, MARGIN, y, text_width, size=min(9, body))
    paragraph_y = y
    y -= pupil_lines * body * 1.4 + 6
    if y - 42 < cut + 12:
        over = int((cut + 12 - (y - 42)) // (body * 1.4)) + 1
        raise DoesNotFit(
            f"The consent letter is about {over} line(s) too long to fit above the reply slip: "
            "shorten the event's name, the opening, the policy wording or the paragraph naming the pupil."
        )
    sign_off(canvas, school, MARGIN, y)

    # The tear-off reply slip.
    canvas.setDash(4, 3)
    canvas.setStrokeColorRGB(*MUTED)
    canvas.line(MARGIN - 20, cut, width - MARGIN + 20, cut)
    canvas.setDash()
    canvas.setFillColorRGB(*MUTED)
    script.draw(canvas, MARGIN - 20, cut + 4, "\u2702  cut here and return the slip to the school office", REGULAR, 8)
    canvas.setFillColorRGB(*INK)
    y = script.draw_fitted(canvas, MARGIN, cut - 26, slip_heading, BOLD) + slip_heading.leading - 22
    slip_pupil_y = y
    script.draw(canvas, MARGIN, y, "Pupil:", REGULAR, 10)
    if name_below:
        class_y = y - name_lines * 11 - 3
        script.draw(canvas, MARGIN, class_y, "Class:", REGULAR, 10)
        class_x, name_width = MARGIN + 36, SLIP_NAME_FULL
        y = class_y - 30
    else:
        script.draw(canvas, MARGIN + 300, y, "Class:", REGULAR, 10)
        class_x, class_y, name_width = MARGIN + 336, y, SLIP_NAME_WIDTH
        y -= 30 + (name_lines - 1) * 11
    for question in event.questions[:3]:  # the slip has room for three
        y = _tick_row(canvas, y, question, width)
    y -= 8
    script.draw(canvas, MARGIN, y, "Signed: ___________________________   Name: ___________________________",
                REGULAR, 9.5)  # fmt: skip
    y -= 22
    script.draw(canvas, MARGIN, y, "Relationship to the pupil: __________________   Date: ____ / ____ / ________",
                REGULAR, 9.5)  # fmt: skip
    canvas.setFillColorRGB(*MUTED)
    script.draw(canvas, MARGIN, MARGIN - 6, "The office scans or types this reference to record your answer.",
                REGULAR, 7.5)  # fmt: skip
    canvas.setFillColorRGB(*INK)
    canvas.endForm()
    return _Layout(addressee_y, paragraph_y, slip_pupil_y, class_x, class_y, name_width, body)


def _fitted(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, max_width: float) -> None:
    """Draw ``text`` from the baseline ``y`` down, wrapped onto a second line before it shrinks, and never
    smaller than the readable floor for names (long names stay whole)."""
    script.draw_fitted(canvas, x, y, script.fit(text, font, size, max_width, lines=2, leading=1.1), font)


class _Wrapper:
    """Greedy word wrap with each word's width measured once per batch (glyph widths add up in reportlab).

    The paragraph naming the pupil repeats the same words on every letter; measuring them once makes wrapping
    2,000 letters several times faster than simpleSplit. A word wider than the line falls back to simpleSplit.
    """

    def __init__(self, font: str, size: float, width: float) -> None:
        self.font, self.size, self.width = font, size, width
        self.space = script.width(" ", font, size)
        self.widths: dict[str, float] = {}
        #: Words kept measured: the template's words come first; a trust's 50,000 distinct names need not all stay.
        self.kept = 20_000

    def __call__(self, text: str) -> list[str]:
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in text.split():
            w = self.widths.get(word)
            if w is None:
                w = script.width(word, self.font, self.size)
                if len(self.widths) < self.kept:
                    self.widths[word] = w
            if w > self.width:
                return script.split(text, self.font, self.size, self.width)
            if current and used + self.space + w > self.width:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used += (self.space if current else 0.0) + w
                current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines


def _pupil_wrapper(school: LetterSchool, event: LetterEvent, body: float = 10.5) -> Callable[[LetterPupil], list[str]]:
    """The paragraph naming a pupil, from the school's template, wrapped to the page (one wrapper per batch: each
    word measured once). Made again when the page is drawn, not kept for the whole batch (50,000 letters' lines
    held were some 30 MB)."""
    template = template_text(event, "letter_pupil")
    base = event_values(school, event)
    reply_by = (event.starts_at - timedelta(days=7)).strftime("%d/%m/%Y")
    wrap = _Wrapper(REGULAR, body, A4[0] - 2 * MARGIN)
    return lambda pupil: wrap(" ".join(paragraphs(fill(template, pupil_values(base, pupil, reply_by)))))


def _lines(text: str, size: float, width: float) -> int:
    """How many lines ``text`` takes in bold at ``size`` (1 when it fits: the cheap check first)."""
    if script.width(text, BOLD, size) <= width:
        return 1
    return len(script.fit(text, BOLD, size, width, lines=2, leading=1.1).lines)


def _addressee(pupil: LetterPupil) -> str:
    name, group = script.isolate(pupil.name), script.isolate(pupil.reg_group)
    if pupil.addressee:
        return f"To {script.isolate(pupil.addressee)}, for {name} ({group})"
    return f"To the parent or carer of {name} ({group})"


def _letter(
    canvas: Canvas, layout: _Layout, event: LetterEvent, pupil: LetterPupil, qr: QrPath, lines: list[str]
) -> None:
    """One page: the shared form, then what names this pupil."""
    width, _height = A4
    canvas.doForm("letter")
    _fitted(canvas, _addressee(pupil), MARGIN, layout.addressee_y, BOLD, 11, width - 2 * MARGIN)
    y = layout.paragraph_y
    for line in lines:
        script.draw(canvas, MARGIN, y, line, REGULAR, layout.body)
        y -= layout.body * 1.4
    _fitted(canvas, pupil.name, MARGIN + 34, layout.slip_pupil_y, BOLD, 10, layout.name_width)
    _fitted(canvas, pupil.reg_group, layout.class_x, layout.class_y, BOLD, 10, width - MARGIN - layout.class_x)
    qr_size = 70
    draw_qr(canvas, qr, width - MARGIN - qr_size, MARGIN - 6, qr_size)
    script.draw(canvas, MARGIN, MARGIN + 6, f"Ref {pupil.reference}", BOLD, 11)


def _share_form_dictionaries(canvas: Canvas) -> None:
    """Every page names the same form: one XObject dictionary shared by all of them, not one made for each page and
    kept until the document is written (50,000 letters: 34 MiB less at the peak, measured)."""
    document = canvas._doc
    make, made = document.xobjDict, {}

    def shared(names: Sequence[str]) -> Any:
        key = tuple(names)
        if key not in made:
            made[key] = make(names)
        return made[key]

    document.xobjDict = shared


def _flate() -> Any:
    """The stream dictionary every page's drawing shares (reportlab copies it as it writes each stream)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFZCompress

    return PDFDictionary({"Filter": PDFArray([PDFName(PDFZCompress.pdfname)])})


#: Page entries a letter's page never needs of its own once its drawing is compressed: unset (the class's None) or
#: empty, they print nothing — or, for the colours and shadings, only fed the resources the batch shares.
_DROPPED_WHEN_EMPTY = frozenset({"Annots", "Trans", "Rotate", "hasImages", "compression", "_colorsUsed",
                                 "_shadingUsed"})  # fmt: skip


def _compress_page_now(canvas: Canvas, flate: Any) -> None:
    """Compress the page just finished now, not when the whole document is written: reportlab keeps every page's
    drawing until then (2.3 KB a letter, a quarter of that compressed); and keep only what the page has of its own."""
    from reportlab.pdfbase.pdfdoc import PDFStream, PDFZCompress

    page = canvas._doc.Pages.pages[-1]
    if not page.stream or page.Contents:
        return
    page.Contents = PDFStream(flate, PDFZCompress.encode(page.stream))
    page.stream = None
    # Each page object holds two dozen unset entries of its own (1.5 KB a page): unset, they read the class's None.
    page.__dict__ = {name: value for name, value in vars(page).items()
                     if not (value is None and name in _UNSET_ON_CLASS)
                     and not (name in _DROPPED_WHEN_EMPTY and not _has(value))}  # fmt: skip


def _has(value: Any) -> bool:
    """True for an entry with something in it (a PDFDictionary's own dict, a list, a number)."""
    inner = getattr(value, "dict", value)
    return bool(inner)


def _share_page_resources(canvas: Canvas) -> None:
    """Before the document is written: one resource dictionary and one media box for every page alike, made as
    reportlab makes them for each page while writing it (and then keeps: 1.2 KB a page, 60 MB at 50,000)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFResourceDictionary

    shared: dict[tuple[Any, ...], tuple[Any, Any]] = {}
    for page in canvas._doc.Pages.pages:
        if page.Resources or page.MediaBox or getattr(page, "Override_default_compilation", 0):
            continue
        colours, shadings = getattr(page, "_colorsUsed", {}) or {}, getattr(page, "_shadingUsed", {}) or {}
        key = (page.pagewidth, page.pageheight, page.Rotate, bool(page.hasImages), id(page.XObjects),
               id(page.ExtGState), tuple(sorted(colours)), tuple(sorted(shadings)))  # fmt: skip
        if key not in shared:
            resources = PDFResourceDictionary()
            resources.basicFonts()
            resources.allProcs() if page.hasImages else resources.basicProcs()
            if page.XObjects:
                resources.XObject = page.XObjects
            if page.ExtGState:
                resources.ExtGState = page.ExtGState
            resources.setShading(shadings)
            resources.setColorSpace(colours)
            turned = page.Rotate in (90, 270)
            box = PDFArray([0, 0, page.pageheight, page.pagewidth] if turned else [0, 0, page.pagewidth,
                                                                                   page.pageheight])  # fmt: skip
            shared[key] = (resources, box)
        page.Resources, page.MediaBox = shared[key]


def _unset_on_class() -> frozenset[str]:
    from reportlab.pdfbase.pdfdoc import PDFPage

    names = frozenset(PDFPage.__NoDefault__)
    for name in names:
        if name not in vars(PDFPage):
            setattr(PDFPage, name, None)  # what an instance that never set it reads: the same None it would hold
    return names


_UNSET_ON_CLASS = _unset_on_class()


def render_letters(
    school: LetterSchool,
    event: LetterEvent,
    pupils: Sequence[LetterPupil],
    *,
    today: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One combined PDF, a page per pupil, in the order given (class, then surname, for the office printer)."""
    canvas, _buffer = new_canvas(f"Consent letters — {event.name}", school.name, A4)  # (written elsewhere)
    codes = qr_paths([p.reference for p in pupils])  # a worker starts encoding while the pages are prepared
    try:
        # Room for the longest addressee line and slip name of the batch (the shared form is drawn once).
        wide = max((_lines(_addressee(p), 11, A4[0] - 2 * MARGIN) for p in pupils), default=1)
        named = max((_lines(p.name, 10, SLIP_NAME_WIDTH) for p in pupils), default=1)
        below = named > 2  # a name too long for beside the class takes the whole line, the class below it
        if below:
            named = max(_lines(p.name, 10, SLIP_NAME_FULL) for p in pupils)
        for body in BODY_SIZES:  # long wording prints a little smaller before it is refused
            wrapped = _pupil_wrapper(school, event, body)
            reserved = max((len(wrapped(pupil)) for pupil in pupils), default=PARAGRAPH_LINES)
            try:
                _shared_form(
                    Canvas(io.BytesIO()), school, event, today or datetime.now(), reserved, wide, body, named, below
                )
                break
            except DoesNotFit:
                if body == BODY_SIZES[-1]:
                    raise
        layout = _shared_form(canvas, school, event, today or datetime.now(), reserved, wide, body, named, below)
        _share_form_dictionaries(canvas)
        flate = _flate()
        for number, (pupil, qr) in enumerate(zip(pupils, codes, strict=True), start=1):
            _letter(canvas, layout, event, pupil, qr, wrapped(pupil))
            canvas.showPage()
            _compress_page_now(canvas, flate)
            if progress is not None:
                progress(number, len(pupils))
    finally:
        codes.close()  # also when cancelled from the progress callback
    _share_page_resources(canvas)
    return _saved(canvas)


def _saved(canvas: Canvas) -> bytes:
    """The document, formatted straight into a spooled file (documents/pdf_stream.py), then read back once: one copy
    of the PDF in memory at the end, not four."""
    import tempfile

    from safeguard_desktop.documents.pdf_stream import streamed_to

    with tempfile.TemporaryFile() as spool:
        with streamed_to(spool):
            canvas.save()
        # The pages' objects go before the file is read back (50,000 letters: 115 MB of them, 55 MB of PDF): let
        # go of where the document keeps them (it sits in reference cycles, and a full collection here would hold
        # the interpreter for a tenth of a second, stalling the window), so each is freed by its count at once.
        document = canvas._doc
        document.Pages.pages = []
        for kept in ("idToObject", "idToObjectNumberAndVersion", "idToOffset", "numberToId"):
            found = getattr(document, kept, None)
            if isinstance(found, dict):
                found.clear()
        spool.seek(0)
        return spool.read()
