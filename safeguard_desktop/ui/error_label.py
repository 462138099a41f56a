"""The label a dialog uses to say, in its own body, why it cannot go on (so nothing typed is lost)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

ERROR_STYLE = "color: #a4161a; font-weight: bold;"


class ErrorLabel(QLabel):
    """Plain-text, word-wrapped, red: messages from services may quote data, which is never markup."""

    def __init__(self, accessible_name: str = "Problem", parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setStyleSheet(ERROR_STYLE)
        self.setAccessibleName(accessible_name)
