"""Where each piece of text lies on a PDF page, read back from the PDF itself with pypdf.

A small interpreter of the content stream (and the form XObjects it draws): the text state (Tf, Tm, Td, T*, TL),
the graphics matrix (cm, q/Q) and the glyph widths of each font (its /Widths), so each text object (BT ... ET) and
each marked span (/Span ... EMC: a shaped name) becomes one box. Also what each /Span's ActualText says: the text
as typed, in logical order, which a reader copies and a screen reader speaks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

ASCENT, DESCENT = 0.74, 0.22  # of the font size: the faces we embed stay within these for their letters


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def crosses(self, other: Box, slack: float = 0.6) -> bool:
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > slack
                and min(self.y1, other.y1) - max(self.y0, other.y0) > slack)  # fmt: skip


@dataclass
class Page:
    width: float
    height: float
    boxes: list[Box]
    spoken: list[str]  # every /Span's ActualText, in order


def _mul(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2]  # fmt: skip


class _Reader:
    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self.boxes: list[Box] = []
        self.spoken: list[str] = []

    def run(self, container: DictionaryObject, data: object, ctm: list[float]) -> None:
        resources = container.get("/Resources", {})
        resources = resources.get_object() if resources else {}
        fonts = resources.get("/Font", {}) if resources else {}
        fonts = fonts.get_object() if fonts else {}
        xobjects = resources.get("/XObject", {}) if resources else {}
        xobjects = xobjects.get_object() if xobjects else {}
        stack: list[list[float]] = []
        font: DictionaryObject | None = None
        size = 0.0
        leading = 0.0
        tm = [1.0, 0, 0, 1, 0, 0]
        line = [1.0, 0, 0, 1, 0, 0]
        current: list[Box] = []  # glyph boxes of the text object being drawn
        span: list[Box] | None = None
        span_text = ""

        def show(item: object) -> None:
            nonlocal tm
            raw = item.get_original_bytes() if hasattr(item, "get_original_bytes") else bytes(item)  # type: ignore[call-overload]
            assert font is not None
            first = int(font.get("/FirstChar", 0))
            widths = [float(w) for w in font.get("/Widths", [])]
            advance = sum((widths[c - first] if 0 <= c - first < len(widths) else 500.0) for c in raw) / 1000 * size
            m = _mul(tm, ctm)
            x0, y0 = m[4], m[5]
            scale = (m[0] ** 2 + m[1] ** 2) ** 0.5
            text = raw.decode("latin-1")
            current.append(Box(x0, y0 - DESCENT * size * scale, x0 + advance * scale, y0 + ASCENT * size * scale,
                               text))  # fmt: skip
            tm = _mul([1, 0, 0, 1, advance, 0], tm)

        def close(boxes: list[Box], text: str) -> Box | None:
            if not boxes:
                return None
            return Box(min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes),
                       max(b.y1 for b in boxes), text)  # fmt: skip

        content = data if isinstance(data, ContentStream) else ContentStream(data, self.reader)
        for operands, operator in content.operations:
            op = operator.decode() if isinstance(operator, bytes) else operator
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop()
            elif op == "cm":
                ctm = _mul([float(v) for v in operands], ctm)
            elif op == "BT":
                tm, line, current = [1.0, 0, 0, 1, 0, 0], [1.0, 0, 0, 1, 0, 0], []
            elif op == "ET":
                box = close(current, "".join(b.text for b in current))
                if box is not None:
                    (span if span is not None else self.boxes).append(box)
            elif op == "Tf":
                font = fonts[operands[0]].get_object()
                size = float(operands[1])
            elif op == "TL":
                leading = float(operands[0])
            elif op == "Tm":
                tm = line = [float(v) for v in operands]
            elif op in ("Td", "TD"):
                if op == "TD":
                    leading = -float(operands[1])
                tm = line = _mul([1, 0, 0, 1, float(operands[0]), float(operands[1])], line)
            elif op == "T*":
                tm = line = _mul([1, 0, 0, 1, 0, -leading], line)
            elif op == "Tj":
                show(operands[0])
            elif op == "TJ":
                for item in operands[0]:
                    if isinstance(item, int | float) or hasattr(item, "as_numeric"):
                        tm = _mul([1, 0, 0, 1, -float(item) / 1000 * size, 0], tm)
                    else:
                        show(item)
            elif op in ("'", '"'):
                tm = line = _mul([1, 0, 0, 1, 0, -leading], line)
                show(operands[-1])
            elif op == "BDC":
                properties = operands[1]
                if operands[0] == "/Span" and "/ActualText" in properties:
                    span, span_text = [], str(properties["/ActualText"])
            elif op == "EMC" and span is not None:
                box = close(span, span_text)
                if box is not None:
                    self.boxes.append(box)
                self.spoken.append(span_text)
                span = None
            elif op == "Do":
                target = xobjects[operands[0]].get_object()
                if target.get("/Subtype") == "/Form":
                    matrix = [float(v) for v in target.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    self.run(target, ContentStream(target, self.reader), _mul(matrix, ctm))


def read(pdf: bytes) -> list[Page]:
    """Every page's text boxes and spoken text."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        walker = _Reader(reader)
        walker.run(page, page.get_contents(), [1.0, 0, 0, 1, 0, 0])
        box = page.mediabox
        pages.append(Page(float(box.width), float(box.height), walker.boxes, walker.spoken))
    return pages


def faults(page: Page, *, edge: float = 12.0) -> list[str]:
    """What is wrong with the page's text: a box past the printable edge, or two boxes crossing."""
    found = []
    for box in page.boxes:
        if box.x0 < edge or box.y0 < edge or box.x1 > page.width - edge or box.y1 > page.height - edge:
            found.append(f"off the page: {box}")
    ordered = sorted(page.boxes, key=lambda b: b.x0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.x0 >= a.x1:
                break
            if a.crosses(b):
                found.append(f"crossing: {a} / {b}")
    return found
