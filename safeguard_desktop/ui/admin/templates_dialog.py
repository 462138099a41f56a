"""Settings ▸ Wording of letters and notices: edit a template, see the document change as you type."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.templates import TEMPLATES
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.events import templates
from safeguard_desktop.services.events.templates import render_sample
from safeguard_desktop.services.settings import SchoolDetails
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read

PREVIEW_DELAY_MS = 350


class TemplatesDialog(Dialog):
    """Pick a document on the left, edit its wording, watch the sample on the right. Ctrl+S saves."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Wording of letters and notices", size=(1200, 820))

        self.context = context
        self.school: SchoolDetails | None = None
        self.saved: dict[str, tuple[str, bool]] = {}
        self.keys = list(TEMPLATES)
        self.list = QListWidget()
        self.list.setAccessibleName("Documents")
        for key in self.keys:
            item = QListWidgetItem(TEMPLATES[key].title)
            item.setToolTip(TEMPLATES[key].title)
            self.list.addItem(item)
        self.list.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Wording")
        self.editor.setTabChangesFocus(True)
        self.placeholders = QListWidget()
        self.placeholders.setAccessibleName("Placeholders: double-click to insert")
        self.placeholders.setMaximumHeight(170)
        self.state_label = QLabel("")
        self.error_label = ErrorLabel()
        self.save_button = QPushButton("&Save")
        self.default_button = QPushButton("Restore the &default")
        close = QPushButton("Close")
        self._bytes = QByteArray()
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self.preview = QPdfView()
        self.preview.setDocument(self.document)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.preview.setAccessibleName("Live preview")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)

        middle = QVBoxLayout()
        middle.addWidget(QLabel("Wording (a blank line starts a new paragraph; {name} is filled in for each letter)"))
        middle.addWidget(self.editor, 1)
        middle.addWidget(QLabel("Placeholders (double-click to insert)"))
        middle.addWidget(self.placeholders)
        middle.addWidget(self.state_label)
        middle.addWidget(self.error_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.default_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        middle.addLayout(buttons)
        middle_widget = QWidget()
        middle_widget.setLayout(middle)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(middle_widget)
        splitter.addWidget(self.preview)
        splitter.setSizes([260, 460, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.list.currentRowChanged.connect(self.on_document_chosen)
        self.editor.textChanged.connect(self.timer.start)
        self.editor.textChanged.connect(self._mark_changed)
        self.timer.timeout.connect(self.refresh_preview)
        self.placeholders.itemDoubleClicked.connect(self.insert_placeholder)
        self.save_button.clicked.connect(self.save)
        self.default_button.clicked.connect(self.restore_default)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._current = -1
        self.list.setEnabled(False)
        run_read(context, self, templates.all_wording, on_done=self._read)

    def _read(self, found: tuple[SchoolDetails, dict[str, tuple[str, bool]]]) -> None:
        self.school, self.saved = found
        self.list.setEnabled(True)
        self.list.setCurrentRow(0)

    def show_error(self, message: str) -> None:
        """A refusal, shown under the wording (nothing typed is lost)."""
        self.error_label.setText(message)

    @property
    def key(self) -> str:
        """The template being edited."""
        return self.keys[self._current]

    def is_changed(self) -> bool:
        """True when the editor holds wording that is not saved."""
        return self._current >= 0 and bool(self.saved) and self.editor.toPlainText() != self.saved[self.key][0]

    def has_unsaved_work(self) -> bool:
        """Closing asks while the wording differs from what is saved."""
        return self.is_changed()

    def _mark_changed(self) -> None:
        if self._current < 0:
            return
        edited = self.saved[self.key][1]
        base = "Edited by the school." if edited else "Default wording."
        self.state_label.setText(base + ("  Not saved yet." if self.is_changed() else ""))

    def on_document_chosen(self, row: int) -> None:
        """Show the chosen document's wording, after asking about unsaved changes."""
        if row == self._current or row < 0:
            return
        if self.is_changed():
            wanted, self.work_name = row, f"the changes to “{TEMPLATES[self.key].title}”"
            self.list.blockSignals(True)
            self.list.setCurrentRow(self._current)
            self.list.blockSignals(False)

            def discard() -> None:
                self.editor.setPlainText(self.saved[self.key][0])
                self.list.setCurrentRow(wanted)

            steps.current().confirm(self, "Unsaved wording", f"Discard the changes to “{TEMPLATES[self.key].title}”?",
                                    yes="Discard", no="Keep editing", then=discard)  # fmt: skip
            return
        self._current = row
        spec = TEMPLATES[self.key]
        self.placeholders.clear()
        for name, meaning in spec.fields.items():
            item = QListWidgetItem(f"{{{name}}} — {meaning}")
            item.setData(Qt.ItemDataRole.UserRole, "{" + name + "}")
            self.placeholders.addItem(item)
        self.editor.setPlainText(self.saved[self.key][0])
        self._mark_changed()
        self.refresh_preview()

    def insert_placeholder(self, item: QListWidgetItem) -> None:
        """Put the placeholder where the cursor is."""
        self.editor.insertPlainText(str(item.data(Qt.ItemDataRole.UserRole)))
        self.editor.setFocus()

    def refresh_preview(self) -> bool:
        """Render a sample with the wording as typed; a problem is shown, the last good preview stays."""

        self.timer.stop()
        try:
            pdf = render_sample(self.key, self.editor.toPlainText(), self.school)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            self.save_button.setEnabled(False)
            return False
        self.error_label.setText("")
        self.save_button.setEnabled(True)
        self.document.close()
        old = self._buffer
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        if old is not None:
            old.deleteLater()
        return True

    def save(self) -> None:
        """Check and save the wording; every new document uses it."""

        key = self.key

        def kept(wording: tuple[str, bool]) -> None:
            self.saved[key] = wording
            self.editor.setPlainText(wording[0])
            self._mark_changed()
            self.state_label.setText(self.state_label.text() + "  Saved.")

        run_op(self.context, self, templates.save_and_read, key, self.editor.toPlainText(), title=self.windowTitle(),
               on_done=kept)  # fmt: skip

    def restore_default(self) -> None:
        """Go back to the wording that ships with the app."""

        key = self.key

        def restored(wording: tuple[str, bool]) -> None:
            self.saved[key] = wording
            self.editor.setPlainText(wording[0])
            self._mark_changed()
            self.refresh_preview()

        run_op(self.context, self, templates.restore_and_read, key, title=self.windowTitle(), on_done=restored)
