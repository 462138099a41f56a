"""The base of every dialog: remembers its size, fits the screen it opens on, asks before typed work is lost.

After Picard's ``PicardDialog``. A dialog calls :meth:`Dialog.watch` on the fields a person types into; from then
on Esc, Close or the window's close box ask "Discard what you typed?" instead of throwing it away. Saving calls
:meth:`Dialog.accept` (or :meth:`Dialog.mark_clean`), which closes without asking.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from safeguard_desktop.ui.kit import steps

#: The smallest screen a school laptop has; every dialog must work on it.
FLOOR = QSize(1366, 768)


class Dialog(QDialog):
    """A window-modal dialog with remembered geometry, a screen fit and a question before discarding work."""

    #: What the discard question calls the work (subclasses say "the incident", "the decision" …).
    work_name = "what you typed"
    #: False for long forms: Enter in a field does not press Save (Ctrl+Enter does, where the form says so).
    enter_saves = True

    def __init__(
        self, parent: QWidget | None, title: str, *, size: tuple[int, int] = (640, 480), keep_open: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(*size)
        self._dirty = False
        self._shown = False
        self._leaving = False
        if not keep_open:
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    # ---- typed work ------------------------------------------------------------------------------------------
    def watch(self, *widgets: QWidget) -> None:
        """Count a change to any of ``widgets`` as typed work (call after filling them in)."""
        for widget in widgets:
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(self.mark_dirty)
            elif isinstance(widget, QPlainTextEdit | QTextEdit):
                # The undo stack grows with typing, not with setPlainText (filling the form in).
                widget.document().undoCommandAdded.connect(self.mark_dirty)
            elif isinstance(widget, QComboBox):
                widget.activated.connect(self.mark_dirty)
                line = widget.lineEdit() if widget.isEditable() else None
                if line is not None:
                    line.textEdited.connect(self.mark_dirty)
            elif isinstance(widget, QAbstractButton):
                widget.clicked.connect(self.mark_dirty)
            elif isinstance(widget, QSpinBox | QDateTimeEdit | QListWidget):
                signal = widget.itemChanged if isinstance(widget, QListWidget) else widget.editingFinished
                signal.connect(lambda *_a, w=widget: self.mark_dirty() if w.hasFocus() else None)
                if isinstance(widget, QSpinBox):
                    widget.valueChanged.connect(lambda _v, w=widget: self.mark_dirty() if w.hasFocus() else None)
            elif hasattr(widget, "edited"):
                widget.edited.connect(self.mark_dirty)
            else:
                raise TypeError(f"Dialog.watch does not know how {type(widget).__name__} changes")

    def mark_dirty(self, *_args: object) -> None:
        """There is typed work that closing would lose."""
        self._dirty = True

    def mark_clean(self) -> None:
        """The work was saved (or there is none to lose)."""
        self._dirty = False

    def has_unsaved_work(self) -> bool:
        """True when closing now would lose something typed."""
        return self._dirty

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter presses the default button only where the form wants it."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not self.enter_saves and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        """Saved: close without asking."""
        self._dirty = False
        super().accept()

    def reject(self) -> None:
        """Esc, Cancel or Close: asks first when something typed would be lost."""
        if not self.has_unsaved_work() or self._leaving:
            super().reject()
            return
        steps.current().confirm(
            self, self.windowTitle(), f"Close without saving? {self.work_name[:1].upper()}{self.work_name[1:]} "
            "will be lost.", yes="Discard", no="Keep editing", then=self._discard,
        )  # fmt: skip

    def _discard(self) -> None:
        self._leaving = True
        self._dirty = False
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The close box asks as Esc does."""
        if self.has_unsaved_work() and not self._leaving:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def done(self, result: int) -> None:
        """Remember the size and place for next time."""
        QSettings().setValue(self._geometry_key(), self.saveGeometry())
        super().done(result)

    # ---- geometry --------------------------------------------------------------------------------------------
    def _geometry_key(self) -> str:
        return f"dialogs/{type(self).__name__}/geometry"

    def showEvent(self, event: QShowEvent) -> None:
        """On first show: the remembered geometry, then fitted inside the screen it opens on."""
        if not self._shown:
            self._shown = True
            saved = QSettings().value(self._geometry_key())
            if isinstance(saved, QByteArray | bytes):
                self.restoreGeometry(QByteArray(saved))
            owner = self.parentWidget()
            screen = owner.screen() if owner is not None else self.screen()
            self.fit_to(screen.availableGeometry())
        super().showEvent(event)

    def fit_to(self, area: QRect) -> None:
        """Shrink to ``area`` where needed (never below what the layout needs) and move fully inside it."""
        frame = self.frameGeometry().size() - self.geometry().size()
        width = min(self.width(), area.width() - frame.width())
        height = min(self.height(), area.height() - frame.height())
        self.resize(max(width, self.minimumSizeHint().width()), max(height, self.minimumSizeHint().height()))
        x = min(max(self.x(), area.left()), area.right() - self.width() - frame.width() + 1)
        y = min(max(self.y(), area.top()), area.bottom() - self.height() - frame.height() + 1)
        self.move(max(x, area.left()), max(y, area.top()))
