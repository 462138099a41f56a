"""The venue poster's pictograms, drawn as vector shapes (sharp at A3, no image files): a camera in a ring, struck
through where filming is not allowed, with a badge for what is allowed instead."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

RED = (0.78, 0.11, 0.11)
GREEN = (0.10, 0.50, 0.25)
AMBER = (0.80, 0.50, 0.05)
DARK = (0.13, 0.13, 0.13)

#: The one sentence a family reads from across the hall, by filming policy (domain.events.FilmingPolicy values).
HEADLINES: dict[str, str] = {
    "no-filming": "Please do not film or take photographs.",
    "personal-use": "Photos of your own child only. Please do not post them online.",
    "photo-moment": "No filming during the show. There will be a photo moment at the end.",
    "custom": "Please read before you film or take photographs.",
}


def _camera(canvas: Canvas, cx: float, cy: float, size: float) -> None:
    """A camera, ``size`` wide, centred on (cx, cy)."""
    w, h = size, size * 0.62
    canvas.setFillColorRGB(*DARK)
    canvas.roundRect(cx - w / 2, cy - h / 2, w, h, size * 0.09, stroke=0, fill=1)
    canvas.roundRect(cx - w * 0.2, cy + h / 2 - size * 0.02, w * 0.4, size * 0.14, size * 0.03, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.circle(cx, cy - size * 0.01, h * 0.36, stroke=0, fill=1)
    canvas.setFillColorRGB(*DARK)
    canvas.circle(cx, cy - size * 0.01, h * 0.25, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.circle(cx + w * 0.36, cy + h * 0.3, size * 0.035, stroke=0, fill=1)


def _ring(canvas: Canvas, cx: float, cy: float, radius: float, colour: tuple[float, float, float]) -> None:
    canvas.setStrokeColorRGB(*colour)
    canvas.setLineWidth(radius * 0.14)
    canvas.circle(cx, cy, radius * 0.93, stroke=1, fill=0)


def _strike(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    canvas.setStrokeColorRGB(*RED)
    canvas.setLineWidth(radius * 0.14)
    canvas.setLineCap(0)
    d = radius * 0.93 * 0.7071
    canvas.line(cx - d, cy + d, cx + d, cy - d)


def _badge(canvas: Canvas, cx: float, cy: float, radius: float, colour: tuple[float, float, float],
           mark: str) -> None:  # fmt: skip
    """A round badge at the ring's lower right: a person (own child), a star (the photo moment) or an i."""
    canvas.setFillColorRGB(1, 1, 1)
    canvas.circle(cx, cy, radius * 1.12, stroke=0, fill=1)
    canvas.setFillColorRGB(*colour)
    canvas.circle(cx, cy, radius, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    if mark == "person":
        canvas.circle(cx, cy + radius * 0.32, radius * 0.24, stroke=0, fill=1)
        path = canvas.beginPath()
        path.moveTo(cx - radius * 0.5, cy - radius * 0.55)
        path.curveTo(cx - radius * 0.5, cy + radius * 0.1, cx + radius * 0.5, cy + radius * 0.1,
                     cx + radius * 0.5, cy - radius * 0.55)  # fmt: skip
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)
    elif mark == "star":
        import math

        path = canvas.beginPath()
        for i in range(10):
            r = radius * (0.62 if i % 2 == 0 else 0.26)
            angle = math.pi / 2 + i * math.pi / 5
            x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
            path.moveTo(x, y) if i == 0 else path.lineTo(x, y)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)
    else:
        canvas.circle(cx, cy + radius * 0.42, radius * 0.13, stroke=0, fill=1)
        canvas.rect(cx - radius * 0.1, cy - radius * 0.55, radius * 0.2, radius * 0.7, stroke=0, fill=1)


def pictogram(canvas: Canvas, policy: str, cx: float, cy: float, size: float) -> None:
    """The policy's pictogram, ``size`` across, centred on (cx, cy)."""
    radius = size / 2
    canvas.saveState()
    allowed = policy == "personal-use"
    _ring(canvas, cx, cy, radius, GREEN if allowed else AMBER if policy == "custom" else RED)
    _camera(canvas, cx, cy, size * 0.5)
    if policy in ("no-filming", "photo-moment"):
        _strike(canvas, cx, cy, radius)
    badge = radius * 0.3
    bx, by = cx + radius * 0.72, cy - radius * 0.72
    if allowed:
        _badge(canvas, bx, by, badge, GREEN, "person")
    elif policy == "photo-moment":
        _badge(canvas, bx, by, badge, GREEN, "star")
    elif policy == "custom":
        _badge(canvas, bx, by, badge, AMBER, "i")
    canvas.restoreState()
