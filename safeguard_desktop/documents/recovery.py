"""The recovery key as a sheet to lock away: the school, the date it was made, what it opens, where to keep it and
how to use it, with the key large enough to type back without mistakes."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.pagesizes import A4

from safeguard_desktop.documents import text as script
from safeguard_desktop.documents.fonts import BOLD, REGULAR
from safeguard_desktop.documents.layout import (
    ACCENT,
    INK,
    MARGIN,
    MUTED,
    LetterSchool,
    letterhead,
    new_canvas,
    paragraph,
)

RED = (0.64, 0.09, 0.10)


def render_recovery_sheet(school: LetterSchool, key: str, *, made: datetime | None = None) -> bytes:
    """One A4 page. The key is printed in groups, as the sign-in's "Use the recovery key" asks for it."""
    canvas, buffer = new_canvas("Safeguard Desktop — recovery key", school.name, A4)
    width, height = A4
    inner = width - 2 * MARGIN
    y = letterhead(canvas, school, width, height)
    canvas.setFillColorRGB(*RED)
    y = paragraph(canvas, "CONFIDENTIAL — the recovery key of the safeguarding register", MARGIN, y, inner, size=15,
                  font=BOLD, leading=1.25)  # fmt: skip
    canvas.setFillColorRGB(*MUTED)
    made_on = (made or datetime.now()).strftime("%d/%m/%Y at %H:%M")
    y = paragraph(canvas, f"Made on {made_on}. A newer key, once made, replaces this one: destroy this sheet then.",
                  MARGIN, y, inner, size=10)  # fmt: skip
    canvas.setFillColorRGB(*INK)
    y -= 8
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(1.5)
    groups = key.split()
    rows = [" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)] or [key]
    box = 30 + 30 * len(rows)
    canvas.roundRect(MARGIN, y - box, inner, box, 8, stroke=1, fill=0)
    line_y = y - 36
    for row in rows:
        fitted = script.fit(row, BOLD, 20, inner - 40, lines=1, floor=11)
        script.draw(canvas, width / 2, line_y, fitted.lines[0], BOLD, fitted.size, align="centre")
        line_y -= 30
    y -= box + 24
    sections = (
        (
            "What it opens",
            "The whole register of this school in Safeguard Desktop: every pupil's consent, the "
            "safeguarding records and the accounts. It opens the register even when every password is forgotten, so "
            "anyone holding it holds all of that.",
        ),
        (
            "Where to keep it",
            "Locked away where the safeguarding records are kept (the school safe), not with the "
            "computer and never as a photo, a scan or a file. Tell the headteacher and the DSL where it is.",
        ),
        (
            "How to use it",
            "On the sign-in window choose \u201cForgotten the password? Use the recovery key\u201d, "
            "type the key in its groups, then choose the account and its new password. The use is written to the "
            "register's audit trail.",
        ),
    )
    for title, words in sections:
        canvas.setFillColorRGB(*ACCENT)
        y = paragraph(canvas, title, MARGIN, y, inner, size=12, font=BOLD, leading=1.2)
        canvas.setFillColorRGB(*INK)
        y = paragraph(canvas, words, MARGIN, y, inner, size=10.5) - 4
    y -= 10
    script.draw(
        canvas, MARGIN, y, "Kept in: ______________________________   by: ______________________", REGULAR, 10.5
    )
    script.draw(canvas, MARGIN, y - 26, "Date: ____ / ____ / ________   Signed: _______________________________",
                REGULAR, 10.5)  # fmt: skip
    canvas.setFillColorRGB(*MUTED)
    script.draw(canvas, width / 2, MARGIN - 10, "Safeguard Desktop · keep this sheet locked away", REGULAR, 8,
                align="centre")  # fmt: skip
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
