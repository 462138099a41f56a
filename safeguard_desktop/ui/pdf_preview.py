"""Preview a generated PDF inside the app (QtPdf), then print it (system print dialog) or save it."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.files import write_atomically
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.events import print_queue
from safeguard_desktop.services.records import audit
from safeguard_desktop.ui import printing
from safeguard_desktop.ui.background import run_in_background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op


def viewing_folder() -> Path:
    """Where copies for the system's viewer go: the register's ``viewing/`` folder (set by the app at start)."""
    app = QApplication.instance()
    chosen = app.property("viewing_folder") if app is not None else None
    if chosen:
        return Path(str(chosen))

    return Path(tempfile.gettempdir()) / "safeguard-viewing"


class PdfPreviewDialog(Dialog):
    """Shows the document as it will print. Ctrl+P prints, Ctrl+S saves, +/- zoom, Esc closes."""

    saved = Signal(str)
    printed = Signal(int)

    def __init__(
        self,
        pdf: bytes,
        title: str,
        suggested_name: str,
        parent: QWidget | None = None,
        *,
        note: str = "",
        on_output: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent, f"{title} — preview", size=(900, 1000))
        self.on_output = on_output
        self.pdf = pdf
        self._viewing: list[Path] = []
        self.title = title
        self.suggested_name = suggested_name
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName(f"Preview of the {title.lower()}")
        pages = self.document.pageCount()
        self.info = QLabel(f"{pages} page{'s' if pages != 1 else ''}" + (f" · {note}" if note else ""))
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.print_button = QPushButton("&Print…")
        self.save_button = QPushButton("&Save as…")
        self.open_button = QPushButton("Open in &viewer")
        self.close_button = QPushButton("Close")
        self.print_button.setDefault(True)
        bar = QHBoxLayout()
        bar.addWidget(self.info, 1)
        for button in (self.open_button, self.save_button, self.print_button, self.close_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as)
        self.open_button.clicked.connect(self.open_in_viewer)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_as)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self._zoom(1.25))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self._zoom(0.8))

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.2, min(5.0, self.view.zoomFactor() * factor)))

    def save_as(self) -> None:
        """Ask where, then save the PDF there (written beside it first, so a failure leaves no half file)."""
        steps.current().choose_save(self, f"Save the {self.title.lower()} as", Path.home() / self.suggested_name,
                                    "PDF (*.pdf)", self.save_to)  # fmt: skip

    def save_to(self, target: Path) -> Path | None:
        """Save the PDF at ``target``; a problem is said in words, nothing half-written is left."""
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            write_atomically(target, self.pdf)
        except ServiceError as exc:  # held by another program: the message says so
            steps.current().tell(self, self.title, str(exc), warning=True)
            return None
        except OSError as exc:
            steps.current().tell(self, self.title, f"Could not save to {target}: {exc.strerror or exc}. Choose "
                                 "another folder.", warning=True)  # fmt: skip
            return None
        self.info.setText(f"Saved to {target}")
        if self.on_output:
            self.on_output("saved")
        self.saved.emit(str(target))
        return target

    def open_in_viewer(self) -> str | None:
        """Write a copy into the register's own viewing folder (never the system's temporary folder, where a named
        document would stay for good) and open the system's PDF viewer. The copy goes when this preview closes,
        and whatever is left there (a viewer still holding it) at the next start."""
        folder = viewing_folder()
        target = folder / self.suggested_name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomically(target, self.pdf, private=True)
        except (OSError, ServiceError) as exc:
            steps.current().tell(self, self.title, f"Could not open it in the viewer: {exc}", warning=True)
            return None
        self._viewing.append(target)
        if self.on_output:
            self.on_output("opened in the viewer")
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
        return str(target)

    def done(self, result: int) -> None:
        """Closing the preview removes the copies it gave the viewer (a viewer still holding one on Windows keeps it
        until the next start clears the folder)."""
        for copy in self._viewing:
            with contextlib.suppress(OSError):
                copy.unlink(missing_ok=True)
        self._viewing.clear()
        super().done(result)

    def print_document(self) -> QPrintDialog:
        """The system's print dialog (window-modal); printing starts when the person presses Print."""
        printer = QPrinter(QPrinter.PrinterMode.PrinterResolution)
        printer.setDocName(self.title)
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, max(1, self.document.pageCount()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._printer = printer  # kept alive while the dialog is open
        dialog.accepted.connect(lambda: self.print_on(printer))
        QDialog.open(dialog)  # window-modal, not blocking
        return dialog

    def print_on(self, printer: QPrinter) -> None:
        """Print on ``printer`` as chosen: the PDF itself to the system's queue (vectors) where there is one, the
        PDF itself to a PDF file, else each page drawn at the printer's resolution with progress and Cancel."""
        whole = printer.printRange() != QPrinter.PrintRange.PageRange
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and whole and printer.outputFileName():
            if self.save_to(Path(printer.outputFileName())) is not None:
                self._printed(self.document.pageCount())
            return
        if printing.goes_to_queue(printer):
            self._send_to_queue(printing.job_for(printer, self.title))
            return
        self._draw(printer)

    def _send_to_queue(self, job: object) -> None:

        assert isinstance(job, print_queue.PrintJob)
        lp = print_queue.queue_command()
        assert lp is not None
        pdf, pages = self.pdf, self.document.pageCount()
        if job.first_page:
            pages = min(job.last_page or pages, pages) - job.first_page + 1
        self.info.setText(f"Sending to {job.printer}…")

        def sent(_said: object) -> None:
            self.info.setText(f"Sent to {job.printer}.")
            self._printed(pages * max(1, job.copies))

        def failed(error: Exception) -> None:
            self.info.setText("Not printed.")
            steps.current().tell(self, self.title, str(error), warning=True)

        self._job = run_in_background(lambda _p: print_queue.send(pdf, job, lp), sent, failed, parent=self)

    def _draw(self, printer: QPrinter) -> None:
        progress = QProgressDialog(f"Printing the {self.title.lower()}…", "Cancel", 0, self.document.pageCount(), self)
        progress.setMinimumDuration(500)

        def step(done: int, total: int) -> bool:
            progress.setMaximum(total)
            progress.setValue(done)
            QApplication.processEvents()
            return not progress.wasCanceled()

        drawn = printing.draw_pages(self.document, printer, step)
        progress.reset()
        progress.close()
        progress.deleteLater()
        if drawn == 0:
            steps.current().tell(self, self.title, "The printer could not be started. Check it is on and try again.",
                                 warning=True)  # fmt: skip
            return
        self._printed(drawn)

    def _printed(self, pages: int) -> None:
        if self.on_output:
            self.on_output(f"printed {pages} page(s) of")
        self.printed.emit(pages)

    _printer: QPrinter | None = None
    _job: object = None


def show_pdf(
    context: AppContext,
    parent: QWidget,
    pdf: bytes,
    title: str,
    suggested_name: str,
    *,
    kind: str = "",
    record_id: object = "",
    note: str = "",
) -> PdfPreviewDialog:
    """Open the preview; saving and printing are written to the audit trail."""

    def audited(how: str) -> None:
        run_op(context, parent, audit.record_output, title.lower(), how, kind, record_id, title=title)

    dialog = PdfPreviewDialog(pdf, title, suggested_name, parent, note=note, on_output=audited)
    dialog.open()
    return dialog
