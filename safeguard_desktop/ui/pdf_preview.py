"""Preview a generated PDF inside the app (QtPdf), then print it (system print dialog) or save it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.files import write_atomically
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.context import AppContext


def viewing_folder() -> Path:
    """Where copies for the system's viewer go: the register's ``viewing/`` folder (set by the app at start)."""
    app = QApplication.instance()
    chosen = app.property("viewing_folder") if app is not None else None
    if chosen:
        return Path(str(chosen))
    import tempfile

    return Path(tempfile.gettempdir()) / "safeguard-viewing"


class PdfPreviewDialog(QDialog):
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
        super().__init__(parent)
        self.on_output = on_output
        self.setWindowTitle(f"{title} — preview")
        self.resize(900, 1000)
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
        self.print_button.clicked.connect(lambda: self.print_document())
        self.save_button.clicked.connect(lambda: self.save_as())
        self.open_button.clicked.connect(self.open_in_viewer)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_as)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self._zoom(1.25))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self._zoom(0.8))

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.2, min(5.0, self.view.zoomFactor() * factor)))

    def save_as(self, path: str | None = None) -> str | None:
        """Save the PDF where the user chooses (written beside it first, so a failure leaves no half file)."""
        if path is None:
            suggested = str(Path.home() / self.suggested_name)
            path, _ = QFileDialog.getSaveFileName(self, f"Save the {self.title.lower()} as", suggested, "PDF (*.pdf)")
            if not path:
                return None
        target = Path(path)
        try:
            write_atomically(target, self.pdf)
        except ServiceError as exc:  # held by another program: the message says so
            QMessageBox.warning(self, self.title, str(exc))
            return None
        except OSError as exc:
            QMessageBox.warning(
                self, self.title, f"Could not save to {target}: {exc.strerror or exc}. Choose another folder."
            )
            return None
        self.info.setText(f"Saved to {target}")
        if self.on_output:
            self.on_output("saved")
        self.saved.emit(str(target))
        return str(target)

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
            QMessageBox.warning(self, self.title, f"Could not open it in the viewer: {exc}")
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

    def print_document(self, printer: QPrinter | None = None) -> int:
        """Print every page through the system print dialog (or to ``printer`` as given). Returns pages printed."""
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName(self.title)
            dialog = QPrintDialog(printer, self)
            dialog.setMinMax(1, max(1, self.document.pageCount()))
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return 0
        return self.render_to(printer)

    def render_to(self, printer: QPrinter) -> int:
        """Draw each page at the printer's resolution, with progress and Cancel for long documents."""
        first, last = printer.fromPage(), printer.toPage()
        count = self.document.pageCount()
        pages = range((first or 1) - 1, (last or count))
        progress = QProgressDialog(f"Printing the {self.title.lower()}…", "Cancel", 0, len(pages), self)
        progress.setMinimumDuration(500)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, self.title, "The printer could not be started. Check it is on and try again.")
            return 0
        printed = 0
        try:
            dpi = printer.resolution()
            for n, index in enumerate(pages):
                if progress.wasCanceled():
                    break
                if n:
                    printer.newPage()
                size_pt = self.document.pagePointSize(index)
                pixels = QSize(round(size_pt.width() * dpi / 72), round(size_pt.height() * dpi / 72))
                image = self.document.render(index, pixels)
                target = painter.viewport()
                scaled = pixels.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QPointF(0, 0), image.scaled(scaled, Qt.AspectRatioMode.KeepAspectRatio))
                printed += 1
                progress.setValue(n + 1)
                QApplication.processEvents()
        finally:
            painter.end()
            progress.reset()
        if printed and self.on_output:
            self.on_output(f"printed {printed} page(s) of")
        self.printed.emit(printed)
        return printed


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
    from safeguard_desktop.services import audit
    from safeguard_desktop.services.transaction import write_session

    def audited(how: str) -> None:
        with write_session(context.engine) as session:
            audit.record_output(session, context.actor, title.lower(), how, kind, record_id)

    dialog = PdfPreviewDialog(pdf, title, suggested_name, parent, note=note, on_output=audited)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
