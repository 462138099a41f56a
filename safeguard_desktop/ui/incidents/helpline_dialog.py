"""The helpline summary of one incident: anonymised unless the lead ticks "include names"; copy, or PDF."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.incidents import HELPLINE
from safeguard_desktop.services.helpline import HelplineSummary
from safeguard_desktop.ui.context import AppContext


class HelplineDialog(QDialog):
    """Every summary made here is audited, with or without names."""

    def __init__(self, context: AppContext, incident_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.incident_id = incident_id
        self.summary: HelplineSummary | None = None
        self.setWindowTitle(f"Helpline summary — incident {incident_id}")
        self.resize(760, 640)
        self.names_check = QCheckBox("Include names (only when the helpline needs them; this is recorded)")
        self.names_check.setAccessibleName("Include names")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Summary text")
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
        layout.addWidget(helpline)
        layout.addLayout(buttons)
        self.names_check.toggled.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy_text)
        self.pdf_button.clicked.connect(self.preview_pdf)
        close.clicked.connect(self.reject)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Make the summary (anonymised unless names are ticked)."""
        from safeguard_desktop.services.helpline import helpline_summary
        from safeguard_desktop.services.transaction import write_session

        with write_session(self.context.engine) as session:
            self.summary = helpline_summary(
                session, self.context.actor, self.incident_id, with_names=self.names_check.isChecked()
            )
        self.text.setPlainText(self.summary.text)

    def copy_text(self) -> None:
        """Put the text on the clipboard, ready to paste into an email."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied ✓")

    def preview_pdf(self) -> QWidget:
        """The same summary as a PDF, to print or save."""
        from safeguard_desktop.services.incident_exports import helpline_pdf
        from safeguard_desktop.services.transaction import read_session
        from safeguard_desktop.ui.pdf_preview import show_pdf

        assert self.summary is not None
        with read_session(self.context.engine) as session:
            pdf = helpline_pdf(session, self.summary)
        named = "named" if self.names_check.isChecked() else "anonymised"
        return show_pdf(
            self.context,
            self,
            pdf,
            "Helpline summary",
            f"Helpline summary - incident {self.incident_id} ({named}).pdf",
            kind="incident",
            record_id=self.incident_id,
            note=named,
        )
