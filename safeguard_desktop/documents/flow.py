"""Text flowing down A4 pages — wrapped lines, headings, a footer on every page — for records printed as they
are kept (a subject access record, a child-protection file). Text from data is drawn as text, never markup."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4

from safeguard_desktop.documents import text as script
from safeguard_desktop.documents.fonts import BOLD, REGULAR
from safeguard_desktop.documents.layout import ACCENT, INK, MARGIN, MUTED, new_canvas

Colour = tuple[float, float, float]


class Flow:
    """One document of flowing text; :meth:`finish` gives its PDF bytes."""

    def __init__(self, title: str, author: str, footer: str) -> None:
        self.canvas, self._buffer = new_canvas(title, author, A4)
        self.width, self.height = A4
        self.text_width = self.width - 2 * MARGIN
        self.y = self.height - MARGIN
        self.footer = footer

    def end_page(self) -> None:
        """The footer, then a new page."""
        canvas = self.canvas
        canvas.setFillColorRGB(*MUTED)
        footer = script.fit(self.footer, REGULAR, 7.5, self.text_width, lines=1, floor=6)
        script.draw(canvas, self.width - MARGIN, MARGIN / 2, " ".join(footer.lines), REGULAR, footer.size,
                    align="right")  # fmt: skip
        canvas.setFillColorRGB(*INK)
        canvas.showPage()
        self.y = self.height - MARGIN

    def need(self, space: float) -> None:
        """A new page unless ``space`` points are left on this one."""
        if self.y - space < MARGIN:
            self.end_page()

    def line(self, text: str, *, size: float = 9.5, font: str = REGULAR, colour: Colour = INK,
             indent: float = 0) -> None:  # fmt: skip
        """``text`` wrapped to the page, each line on the page it fits."""
        for part in script.split(text, font, size, self.text_width - indent):
            self.need(size * 1.4)
            self.canvas.setFillColorRGB(*colour)
            script.draw(self.canvas, MARGIN + indent, self.y, part, font, size)
            self.y -= size * 1.4
        self.canvas.setFillColorRGB(*INK)

    def heading(self, text: str) -> None:
        """A section's heading."""
        self.y -= 8
        self.line(text, size=12.5, font=BOLD, colour=ACCENT)

    def finish(self) -> bytes:
        """End the last page and give the PDF."""
        self.need(40)
        self.end_page()
        self.canvas.save()
        return self._buffer.getvalue()
