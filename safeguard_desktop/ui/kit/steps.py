"""The questions and file choices a screen asks a person, in one place.

Every confirmation and every file or folder choice goes through :func:`current` steps, opened with ``open()``
(never a blocking ``exec()``) and answered through a callback. Tests put :class:`Scripted` steps in place with
:func:`use`, so they drive the real dialog and answer its questions instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


class Steps:
    """The real thing: message boxes and file dialogs, window-modal, answered through ``then``."""

    def confirm(
        self,
        parent: QWidget,
        title: str,
        text: str,
        *,
        yes: str,
        no: str = "Cancel",
        then: Callable[[], object],
        otherwise: Callable[[], object] | None = None,
    ) -> None:
        """Ask a yes/no question; ``then`` runs on yes, ``otherwise`` (if given) on no or Esc."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no_button)
        box.setEscapeButton(no_button)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is yes_button:
                then()
            elif otherwise is not None:
                otherwise()

        box.finished.connect(answered)
        box.open()

    def tell(self, parent: QWidget, title: str, text: str, *, warning: bool = False) -> None:
        """Say something that needs no answer (plain text: data is never read as markup)."""
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def ask_text(
        self,
        parent: QWidget,
        title: str,
        label: str,
        then: Callable[[str], object],
        *,
        multiline: bool = False,
        secret: bool = False,
    ) -> None:
        """Ask for a line (or lines) of text; ``then`` gets it (nothing happens on Cancel)."""
        dialog = QInputDialog(parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        if secret:
            dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        if multiline:
            dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(then)
        dialog.open()

    def choose_folder(self, parent: QWidget, caption: str, start: Path, then: Callable[[Path], object]) -> None:
        """Pick an existing folder; ``then`` gets it (nothing happens on Cancel)."""
        dialog = self._file_dialog(parent, caption, start)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda chosen: then(Path(chosen)))
        dialog.open()

    def choose_file(
        self, parent: QWidget, caption: str, start: Path, filters: str, then: Callable[[Path], object]
    ) -> None:
        """Pick an existing file to read."""
        dialog = self._file_dialog(parent, caption, start)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(filters)
        dialog.fileSelected.connect(lambda chosen: then(Path(chosen)))
        dialog.open()

    def choose_save(
        self, parent: QWidget, caption: str, suggested: Path, filters: str, then: Callable[[Path], object]
    ) -> None:
        """Pick where to write a file (the dialog asks before replacing one)."""
        dialog = self._file_dialog(parent, caption, suggested.parent)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(filters)
        dialog.selectFile(suggested.name)
        dialog.fileSelected.connect(lambda chosen: then(Path(chosen)))
        dialog.open()

    @staticmethod
    def _file_dialog(parent: QWidget, caption: str, start: Path) -> QFileDialog:
        dialog = QFileDialog(parent, caption, str(start))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog


@dataclass
class Scripted(Steps):
    """Steps answered from a list, in order: ``True``/``False`` for a question, a ``Path`` (or text) or ``None``
    for a choice. What was asked is kept in ``asked`` (title and text) so a test can check the question itself."""

    answers: list[bool | Path | str | None] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)

    def _next(self, title: str, text: str) -> bool | Path | str | None:
        self.asked.append((title, text))
        if not self.answers:
            raise AssertionError(f"Unexpected question: {title}: {text}")
        return self.answers.pop(0)

    def confirm(
        self,
        parent: QWidget,
        title: str,
        text: str,
        *,
        yes: str,
        no: str = "Cancel",
        then: Callable[[], object],
        otherwise: Callable[[], object] | None = None,
    ) -> None:
        """Answer with the next scripted bool."""
        if self._next(title, text):
            then()
        elif otherwise is not None:
            otherwise()

    def tell(self, parent: QWidget, title: str, text: str, *, warning: bool = False) -> None:
        """Keep what would have been said."""
        self.told.append((title, text))

    def ask_text(
        self,
        parent: QWidget,
        title: str,
        label: str,
        then: Callable[[str], object],
        *,
        multiline: bool = False,
        secret: bool = False,
    ) -> None:
        """Answer with the next scripted text (None: cancelled)."""
        answer = self._next(title, label)
        if isinstance(answer, str):
            then(answer)

    def _choose(self, caption: str, then: Callable[[Path], object]) -> None:
        answer = self._next(caption, "")
        if isinstance(answer, Path):
            then(answer)

    def choose_folder(self, parent: QWidget, caption: str, start: Path, then: Callable[[Path], object]) -> None:
        """Answer with the next scripted path (None: cancelled)."""
        self._choose(caption, then)

    def choose_file(
        self, parent: QWidget, caption: str, start: Path, filters: str, then: Callable[[Path], object]
    ) -> None:
        """Answer with the next scripted path (None: cancelled)."""
        self._choose(caption, then)

    def choose_save(
        self, parent: QWidget, caption: str, suggested: Path, filters: str, then: Callable[[Path], object]
    ) -> None:
        """Answer with the next scripted path (None: cancelled)."""
        self._choose(caption, then)


_current: Steps = Steps()


def current() -> Steps:
    """The steps in use (the real ones unless a test put others in place)."""
    return _current


def use(steps: Steps) -> Steps:
    """Put ``steps`` in place; returns the ones it replaced."""
    global _current
    before, _current = _current, steps
    return before
