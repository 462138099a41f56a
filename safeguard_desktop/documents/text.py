"""Text in every script an MIS may hold, drawn on a reportlab canvas.

A string is cut into runs, each in the face that has its letters (DejaVu Sans for Latin, Greek and Cyrillic; Noto Sans
for Arabic, Hebrew, the Indic scripts, Thai, Ethiopic and Khmer; Droid Sans Fallback for Chinese, Japanese and Korean),
put in reading order by the Unicode bidirectional algorithm (python-bidi) and shaped by HarfBuzz (uharfbuzz), so
Arabic letters join and conjuncts form. What was typed is kept beside the glyphs as the PDF's ActualText, so a reader
copies, searches and reads aloud the name as written, in logical order.

Latin-only text (nearly every string a school prints) takes reportlab's own path, unchanged and as fast as before.
Every string is drawn as text: nothing in it is interpreted.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

import uharfbuzz
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from safeguard_desktop.documents.fonts import BOLD, REGULAR, register_fonts
from safeguard_desktop.documents.reading_order import _ISOLATES, isolate, line_levels, prepare
from safeguard_desktop.resources import resource_path

#: The readable floor for a name (points): text from data shrinks to fit its box no further than this.
NAME_FLOOR = 8.0

# (first, last code point, face): the faces for the scripts DejaVu Sans does not draw (or draws unshaped).
_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0590, 0x05FF, "Hebrew"), (0xFB1D, 0xFB4F, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x0870, 0x08FF, "Arabic"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"), (0xA8E0, 0xA8FF, "Devanagari"), (0x1CD0, 0x1CFF, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"), (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"),
    (0x1200, 0x139F, "Ethiopic"), (0x2D80, 0x2DDF, "Ethiopic"), (0xAB00, 0xAB2F, "Ethiopic"),
    (0x1780, 0x17FF, "Khmer"), (0x19E0, 0x19FF, "Khmer"),
    (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"), (0xA960, 0xA97F, "Hangul"), (0xAC00, 0xD7FF, "Hangul"),
    (0x2E80, 0x2FDF, "CJK"), (0x3000, 0x312F, "CJK"), (0x3190, 0x9FFF, "CJK"),
    (0xF900, 0xFAFF, "CJK"), (0xFF00, 0xFFEF, "CJK"), (0x20000, 0x3FFFF, "CJK"),
)  # fmt: skip
# One weight each: bold Chinese, Japanese and Korean print in the regular face.
_SINGLE = {"CJK": ("DroidSansFallback", "DroidSansFallbackFull.ttf"), "Hangul": ("NanumGothic", "NanumGothic.ttf")}


_SORTED = sorted(_BLOCKS)
_STARTS = [first for first, _last, _face in _SORTED]


def _face_of(code: int) -> str:
    """The face for ``code``'s script, or "" where DejaVu Sans (or the CJK fall-back) is to draw it."""
    at = bisect.bisect_right(_STARTS, code) - 1
    if at >= 0 and code <= _SORTED[at][1]:
        return _SORTED[at][2]
    return ""


@cache
def _fallback(face: str, bold: bool) -> str:
    """The registered reportlab name of ``face`` (loaded the first time a document needs it)."""
    if face in _SINGLE:
        name, file = _SINGLE[face]
    else:
        weight = "Bold" if bold else "Regular"
        name = file = f"NotoSans{face}-{weight}"
        file += ".ttf"
    pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    return name


@cache
def _covered(font: str) -> frozenset[int]:
    register_fonts()
    face = pdfmetrics.getFont(font).face
    return frozenset(face.charToGlyph)


@dataclass(frozen=True)
class Run:
    """Part of a line in one face and one direction, in logical order."""

    text: str
    font: str
    rtl: bool


@lru_cache(maxsize=65536)
def _plain(text: str, font: str) -> bool:
    """True when reportlab's own path draws ``text`` as written (one face, left to right, nothing to shape)."""
    if text.isascii():
        return True
    covered = _covered(font)
    if max(text) < "\u0590":  # Latin, Greek, Cyrillic, Armenian: DejaVu's own scripts
        return all(ord(c) in covered for c in text)
    return all(ord(c) in covered and not _face_of(ord(c)) for c in text)


def _faces(text: str, font: str) -> list[str]:
    """The face of each character: its script's, else the document's font, else the CJK face; marks, spaces and
    punctuation stay with the letters before them where that face has them."""
    bold = font == BOLD
    base = _covered(font)
    faces: list[str] = []
    current = font
    for char in text:
        code = ord(char)
        script = _face_of(code)
        if script:
            current = _fallback(script, bold)
        elif unicodedata.category(char)[0] in "MZP" and code in _covered(current):
            pass  # a mark, space or punctuation joins the run it is in
        elif code in base:
            current = font
        elif code in _covered(_fallback("CJK", False)):
            current = _fallback("CJK", False)
        else:
            current = font  # nothing we ship has it: the document's font shows its missing-glyph box
        faces.append(current)
    return faces


@lru_cache(maxsize=4096)
def runs(text: str, font: str) -> tuple[Run, ...]:
    """``text`` (prepared) as runs in visual order, left to right."""
    text, levels = line_levels(text)
    faces = _faces(text, font)
    spans: list[tuple[int, Run]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or levels[i] != levels[start] or faces[i] != faces[start]:
            spans.append((levels[start], Run(text[start:i], faces[start], levels[start] % 2 == 1)))
            start = i
    # Unicode's rule L2: from the highest level down to the lowest odd one, reverse each stretch at that level or more.
    highest = max((level for level, _run in spans), default=0)
    lowest_odd = min((level for level, _run in spans if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(spans):
            if spans[i][0] >= level:
                j = i
                while j < len(spans) and spans[j][0] >= level:
                    j += 1
                spans[i:j] = reversed(spans[i:j])
                i = j
            else:
                i += 1
    return tuple(run for _level, run in spans)


@dataclass(frozen=True)
class _Glyph:
    char: str  # the character reportlab's subset maps to this glyph
    dx: float  # offsets and advance in thousandths of the font size
    dy: float
    advance: float
    plain: bool  # no offset and the glyph's own width: it can follow the one before without being placed


@lru_cache(maxsize=8192)
def _shaped(run: Run) -> tuple[_Glyph, ...]:
    ttf = pdfmetrics.getFont(run.font)
    hb_font = ttf.hbFont(1000)
    scale = 1000 / hb_font.face.upem
    buffer = uharfbuzz.Buffer()
    buffer.add_str(run.text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if run.rtl else "ltr"
    uharfbuzz.shape(hb_font, buffer, {"dlig": False})  # no discretionary ligatures: names print letter by letter
    glyphs = []
    to_char = ttf.face.glyphToChar
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        gid = info.codepoint
        if gid in to_char:
            code = to_char[gid][0]
        else:  # a contextual form or conjunct with no code point of its own: reportlab gives it a private one
            code = ttf.hbAddPrivate(hb_font.glyph_to_string(gid), gid, position.x_advance * scale)
        dx, dy, advance = position.x_offset * scale, position.y_offset * scale, position.x_advance * scale
        own = ttf.face.charWidths.get(code)
        plain = dx == 0 and dy == 0 and own is not None and abs(own - advance) < 0.01
        glyphs.append(_Glyph(chr(code), dx, dy, advance, plain))
    return tuple(glyphs)


def _run_width(run: Run, size: float) -> float:
    return sum(glyph.advance for glyph in _shaped(run)) * size / 1000


def width(text: str, font: str, size: float) -> float:
    """How wide ``text`` prints in ``font`` at ``size``."""
    text = prepare(text)
    if _plain(text, font):
        return float(pdfmetrics.stringWidth(text, font, size))
    return sum(_run_width(run, size) for run in runs(text, font))


def _actual_text(text: str) -> str:
    return "FEFF" + text.encode("utf-16-be").hex().upper()


def draw(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, *, align: str = "left") -> None:
    """Draw ``text`` on one line with its left edge (or centre, or right edge) at ``x``."""
    text = prepare(text)
    if _plain(text, font):
        canvas.setFont(font, size)
        if align == "left":
            canvas.drawString(x, y, text)
            return
        w = float(pdfmetrics.stringWidth(text, font, size))
        canvas.drawString(x - (w / 2 if align == "centre" else w), y, text)
        return
    parts = runs(text, font)
    w = sum(_run_width(run, size) for run in parts)
    pen = x - (w / 2 if align == "centre" else w if align == "right" else 0)
    canvas.addLiteral(f"/Span <</ActualText <{_actual_text(text.translate(_ISOLATES))}>>> BDC")
    for run in parts:
        words = canvas.beginText()
        words.setFont(run.font, size)
        chunk = ""  # glyphs that follow on from each other go out as one string; the rest are placed one by one
        for glyph in _shaped(run):
            if glyph.plain and chunk:
                chunk += glyph.char
            else:
                if chunk:
                    words.textOut(chunk)
                words.setTextOrigin(pen + glyph.dx * size / 1000, y + glyph.dy * size / 1000)
                chunk = glyph.char
                if not glyph.plain:
                    words.textOut(chunk)
                    chunk = ""
            pen += glyph.advance * size / 1000
        if chunk:
            words.textOut(chunk)
        canvas.drawText(words)
    canvas.addLiteral("EMC")
    canvas.setFont(font, size)


def split(text: str, font: str, size: float, max_width: float) -> list[str]:
    """``text`` wrapped at spaces to lines no wider than ``max_width`` (a word longer than a line is broken)."""
    text = prepare(text)
    if _plain(text, font):
        lines = list(simpleSplit(text, font, size, max_width)) or [""]
        if all(pdfmetrics.stringWidth(line, font, size) <= max_width for line in lines):
            return lines
    lines = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if width(trial, font, size) <= max_width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = ""
        for piece in _broken(word, font, size, max_width):
            if current:
                lines.append(current)
            current = piece
    lines.append(current)
    return lines


def _broken(word: str, font: str, size: float, max_width: float) -> Iterator[str]:
    """A word wider than the line, broken after a hyphen where one fits, else between letters."""
    if "-" in word:
        piece = ""
        for part in word.split("-"):
            part_with = part + "-"
            if piece and width(piece + part_with, font, size) > max_width:
                yield from _broken_letters(piece, font, size, max_width)
                piece = ""
            piece += part_with
        yield from _broken_letters(piece[:-1], font, size, max_width)
        return
    yield from _broken_letters(word, font, size, max_width)


def _broken_letters(word: str, font: str, size: float, max_width: float) -> Iterator[str]:
    piece = ""
    for char in word:
        if piece and width(piece + char, font, size) > max_width:
            yield piece
            piece = ""
        piece += char
    yield piece


@dataclass(frozen=True)
class Fitted:
    """Text fitted to a box: the size it prints at and its lines."""

    size: float
    lines: tuple[str, ...]
    leading: float

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)


def fit(text: str, font: str, size: float, max_width: float, *, lines: int = 2, floor: float = NAME_FLOOR,
        leading: float = 1.2) -> Fitted:  # fmt: skip
    """Wrap ``text`` into at most ``lines`` lines, shrinking it (never below ``floor``) only when wrapping is not
    enough; at the floor it takes the lines it needs, so nothing is ever cut off."""
    if "\n" not in text and width(text, font, size) <= max_width:
        return Fitted(size, (text,), size * leading)
    step = size
    while True:
        wrapped = split(text, font, step, max_width)
        if len(wrapped) <= lines or step <= floor:
            return Fitted(step, tuple(wrapped), step * leading)
        step = max(floor, step - 0.5)


def draw_fitted(canvas: Canvas, x: float, y: float, fitted: Fitted, font: str, *, align: str = "left") -> float:
    """Draw fitted lines from the baseline ``y`` downwards; returns the baseline after the last line."""
    for line in fitted.lines:
        draw(canvas, x, y, line, font, fitted.size, align=align)
        y -= fitted.leading
    return y


__all__ = ["BOLD", "NAME_FLOOR", "REGULAR", "Fitted", "Run", "draw", "draw_fitted", "fit", "isolate", "prepare", "runs",
           "split", "width"]  # fmt: skip
