"""The helpline summary of one incident: anonymised unless the lead ticks "include names"; copy, or PDF."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.incidents import HELPLINE
from safeguard_desktop.services.incidents.helpline import HelplineSummary, helpline_summary
from safeguard_desktop.services.incidents.incident_exports import helpline_pdf
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.pdf_preview import show_pdf


class HelplineDialog(Dialog):
    """Every summary made here is audited, with or without names."""

    def __init__(self, context: AppContext, incident_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Helpline summary — incident {incident_id}", size=(760, 640))
        self.context = context
        self.incident_id = incident_id
        self.summary: HelplineSummary | None = None
        self.preview: QWidget | None = None
        self.names_check = QCheckBox("Include names (only when the helpline needs them; this is recorded)")
        self.names_check.setAccessibleName("Include names")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Summary text")
        self.removed_label = QLabel("")
        self.removed_label.setWordWrap(True)
        self.removed_label.setAccessibleName("What was taken out")
        self.copy_button = QPushButton("&Copy text")
        self.pdf_button = QPushButton("Preview &PDF…")
        close = QPushButton("Close")
        helpline = QLabel(str(HELPLINE))
        helpline.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.copy_button, self.pdf_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.names_check)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.removed_label)
        layout.addWidget(helpline)
        layout.addLayout(buttons)
        self.names_check.toggled.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy_text)
        self.pdf_button.clicked.connect(self.preview_pdf)
        close.clicked.connect(self.reject)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Make the summary (anonymised unless names are ticked); each one made is recorded."""

        self.pdf_button.setEnabled(False)
        run_op(self.context, self, helpline_summary, self.incident_id, with_names=self.names_check.isChecked(),
               title=self.windowTitle(), on_done=self._made)  # fmt: skip

    def _made(self, summary: HelplineSummary) -> None:
        self.summary = summary
        self.text.setPlainText(summary.text)
        self.removed_label.setText(
            f"Taken out of the text: {summary.removed}. Read it through before sending: a name written in a way "
            "nobody could foresee is yours to take out." if summary.anonymised else
            "Names are included: send this only where the helpline needs them.")  # fmt: skip
        self.pdf_button.setEnabled(True)

    def copy_text(self) -> None:
        """Put the text on the clipboard, ready to paste into an email."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied ✓")

    def preview_pdf(self) -> None:
        """The same summary as a PDF, to print or save (opens in the preview when drawn)."""

        summary = self.summary
        if summary is None:
            return
        named = "named" if self.names_check.isChecked() else "anonymised"

        def drawn(pdf: bytes) -> None:
            self.preview = show_pdf(self.context, self, pdf, "Helpline summary",
                                    f"Helpline summary - incident {self.incident_id} ({named}).pdf", kind="incident",
                                    record_id=self.incident_id, note=named)  # fmt: skip

        run_read(self.context, self, lambda session, _actor: helpline_pdf(session, summary), on_done=drawn)
