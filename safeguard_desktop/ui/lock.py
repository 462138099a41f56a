"""The lock: after minutes without use (or Ctrl+L) every window and dialog is hidden until the signed-in person
signs in again, with the sign-in's own checks (the wait after failures, password and two-step code, the record)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.signin import busy, password_and_code

if TYPE_CHECKING:
    from safeguard_desktop.services.accounts.staff_room import StaffDesk
    from safeguard_desktop.services.actors import Actor
    from safeguard_desktop.services.database import Register
    from safeguard_desktop.services.server_trust import TrustDesk


class UnlockDialog(Dialog):
    """The lock screen: the same password and code as the sign-in, with the same checks and the same record. The
    check runs off the GUI thread (the key derivation and the record: as long as a sign-in), the form waiting."""

    def __init__(self, parent: QWidget, username: str, check: Callable[[str, str], None],
                 unlocked: Callable[[], None]) -> None:  # fmt: skip
        super().__init__(parent, "Locked — Safeguard Desktop", size=(460, 220), keep_open=True)
        self.check, self.unlocked = check, unlocked
        self.setMinimumWidth(440)
        self.password_edit, self.code_edit = password_and_code()
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("&Password", self.password_edit)
        form.addRow("&Code", self.code_edit)
        layout = QVBoxLayout(self)
        note = QLabel(f"The window is locked. Sign in again as {username} to go on.")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton("&Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = buttons.addButton("&Quit Safeguard Desktop", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        self.status = QLabel("Checking…")
        self.status.setAccessibleName("Unlock progress")
        self.status.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.status)
        row.addWidget(buttons, 1)
        layout.addLayout(row)
        self._checking = False
        self.password_edit.setFocus()

    def try_unlock(self) -> None:
        """Check what was typed, off the GUI thread; stay open with the reason when it does not unlock."""
        from safeguard_desktop.ui.background import Progress, run_in_background

        if self._checking:
            return
        password, code = self.password_edit.text(), self.code_edit.text()

        def work(_progress: Progress) -> None:
            self.check(password, code)

        self._waiting(True)
        run_in_background(work, lambda _none: self._passed(), self._refused, parent=self)

    def _waiting(self, waiting: bool) -> None:
        self._checking = waiting
        for widget in (self.password_edit, self.code_edit, self.unlock_button):
            widget.setEnabled(not waiting)
        self.status.setVisible(waiting)
        if waiting:
            self.error_label.setText("")

    def _passed(self) -> None:
        self._waiting(False)
        self.unlocked()
        self.accept()

    def _refused(self, exc: Exception) -> None:
        self._waiting(False)
        self.error_label.setText(str(exc) if isinstance(exc, ServiceError) else
                                 f"The check could not be made ({type(exc).__name__}: {exc}).")  # fmt: skip
        self.password_edit.selectAll()
        self.password_edit.setFocus()


class InactivityLock(QObject):
    """Locks the app after ``minutes`` without a key press or mouse use (and on demand): every window and dialog
    is hidden until the signed-in person signs in again, with the same checks as the sign-in."""

    def __init__(self, window: QWidget, register: Register | StaffDesk | TrustDesk, actor: Actor,
                 minutes: int) -> None:  # fmt: skip
        super().__init__(window)
        from PySide6.QtWidgets import QApplication

        self.window = window
        self.register = register
        self.folder = register.folder
        self.actor = actor
        self.locked = False
        self.hidden: list[QWidget] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            window.destroyed.connect(lambda *_: app.removeEventFilter(self))
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any key or mouse use restarts the countdown."""
        if not getattr(self, "locked", True) and event.type() in (
            QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
        ):  # fmt: skip
            self.timer.start()
        return False

    def lock(self, *, prompt: bool = True) -> None:
        """Hide every window and dialog until the signed-in person signs in again."""
        from PySide6.QtWidgets import QApplication

        if self.locked:
            return
        self.locked = True
        self.timer.stop()
        # Dialogs and previews left open (a named helpline summary, say) must not stay readable behind the lock.
        self.hidden = [
            w for w in QApplication.topLevelWidgets() if w is not self.window and w.isVisible() and not w.isHidden()
        ]
        for widget in self.hidden:
            widget.hide()
        central = getattr(self.window, "centralWidget", lambda: None)()
        if central is not None:
            central.setVisible(False)
        self.window.setWindowTitle("Safeguard Desktop — locked")
        if prompt:
            self.ask()

    #: The lock screen while it is shown.
    dialog: UnlockDialog | None = None

    def ask(self) -> UnlockDialog:
        """Show the lock screen (window-modal, opened with open()); Quit asks, and No shows it again."""
        from safeguard_desktop.ui.kit import steps

        dialog = UnlockDialog(self.window, self.actor.username, self._confirm, self._show_again)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog

        def closed(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted or not self.locked:
                return
            steps.current().confirm(self.window, "Locked", "Quit Safeguard Desktop?", yes="Quit", no="Stay locked",
                                    then=self.window.close, otherwise=self.ask)  # fmt: skip

        dialog.finished.connect(closed)
        dialog.open()
        return dialog

    def _confirm(self, password: str, code: str) -> None:
        """The sign-in's checks (any thread): SignInFailed, with what to tell the person, when they do not pass."""
        from safeguard_desktop.services import server
        from safeguard_desktop.services.accounts.signin import confirm_again
        from safeguard_desktop.services.database import Register
        from safeguard_desktop.services.server_trust import TrustDesk

        if isinstance(self.register, TrustDesk):  # the trust's login: it signs in to the server again
            self.register.confirm_again(password)
            return
        if isinstance(self.register, Register) and self.register.copy_made_at is not None:
            from safeguard_desktop.services import server_copy

            server_copy.confirm_again(self.register, self.actor, password)
            return
        if isinstance(self.register, Register) and server.on_server(self.register):
            server.confirm_again(self.register, self.actor, password, code)
            return
        confirm_again(self.register, self.actor, password, code)

    def unlock(self, password: str, code: str = "") -> bool:
        """Show everything again when ``password`` (and ``code``) are the signed-in person's, checked as at sign-in
        (here, on the calling thread)."""
        try:
            with busy():
                self._confirm(password, code)
        except ServiceError:
            return False
        self._show_again()
        return True

    def _show_again(self) -> None:
        central = getattr(self.window, "centralWidget", lambda: None)()
        if central is not None:
            central.setVisible(True)
        for widget in self.hidden:
            widget.show()
        self.hidden = []
        refresh = getattr(self.window, "refresh_title", None)
        if callable(refresh):
            refresh()
        self.locked = False
        self.timer.start()
