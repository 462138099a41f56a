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

    def setText(self, text: str) -> None:
        """Show ``text``, and let the window grow downwards (never past its screen) until all of it shows: a long
        message (a refusal that says what to do) was cut off in a dialog of a fixed size."""
        super().setText(text)
        window = self.window()
        layout = window.layout()
        if not text or window is self or layout is None or not window.isVisible():
            return
        wraps = layout.hasHeightForWidth()
        needed = layout.totalHeightForWidth(window.width()) if wraps else window.sizeHint().height()
        screen = window.screen()
        room = screen.availableGeometry().height() if screen is not None else needed
        if window.height() < needed:
            window.resize(window.width(), min(needed, room))
        layout.activate()  # the label at its new height now, not at the next pass of the event loop
