"""Printing a PDF the way the system does best: its queue takes the PDF itself where it can (vectors, the printer's
own resolution); otherwise each page is drawn at the printer's resolution, capped so a page is never a giant bitmap.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from safeguard_desktop.services.events.print_queue import PrintJob

#: Pages drawn by the app are drawn at no more than this (a laser's text is sharp at 300 dpi; 1200 made a 5-page
#: briefing a 30 MB job).
RASTER_DPI_CAP = 300


def job_for(printer: QPrinter, title: str) -> PrintJob:
    """The choices made in the print dialog, as plain data."""
    ranged = printer.printRange() == QPrinter.PrintRange.PageRange
    return PrintJob(
        printer=printer.printerName(),
        title=title,
        copies=printer.copyCount(),
        first_page=printer.fromPage() if ranged else 0,
        last_page=printer.toPage() if ranged else 0,
        duplex=printer.duplex() not in (QPrinter.DuplexMode.DuplexNone,),
    )


def goes_to_queue(printer: QPrinter) -> bool:
    """True when the job can go to the system's queue as a PDF (a real printer, and ``lp`` on this system)."""
    from safeguard_desktop.services.events.print_queue import queue_command

    native = printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    return native and bool(printer.printerName()) and queue_command() is not None


def draw_pages(document: QPdfDocument, printer: QPrinter, step: Callable[[int, int], bool] | None = None) -> int:
    """Draw the chosen pages on ``printer``, each rendered at the printer's resolution (capped). ``step(done, total)``
    returning False stops. Returns the pages drawn (0 when the printer would not start)."""
    first, last = printer.fromPage(), printer.toPage()
    count = document.pageCount()
    pages = range((first or 1) - 1, min(last or count, count))
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    drawn = 0
    try:
        dpi = min(printer.resolution(), RASTER_DPI_CAP)
        for n, index in enumerate(pages):
            if step is not None and not step(n, len(pages)):
                break
            if n:
                printer.newPage()
            size_pt = document.pagePointSize(index)
            pixels = QSize(round(size_pt.width() * dpi / 72), round(size_pt.height() * dpi / 72))
            image = document.render(index, pixels)
            target = painter.viewport().size()
            painter.save()
            scale = min(target.width() / pixels.width(), target.height() / pixels.height())
            painter.scale(scale, scale)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QPointF(0, 0), image)
            painter.restore()
            drawn += 1
    finally:
        painter.end()
    if step is not None:
        step(drawn, len(pages))
    return drawn
