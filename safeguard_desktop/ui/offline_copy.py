"""A lead's read-only copy of the server's register on this computer (services/server_copy.py): made a few seconds
after the lead signs in to the server, then made again every half hour while the window is open — off the GUI
thread, quietly (a failure is logged: the copy before it stays)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from safeguard_desktop.ui.background import Progress, run_in_background

if TYPE_CHECKING:
    from safeguard_desktop.services.actors import Actor
    from safeguard_desktop.services.database import Register
    from safeguard_desktop.ui.context import AppContext

log = logging.getLogger(__name__)
#: After the first paint, as binding the key slot (ui/signin.BIND_AFTER_MS).
KEEP_AFTER_MS = 4_000
REFRESH_MS = 30 * 60_000


def _failed(exc: Exception) -> None:
    log.warning("the register's copy on this computer was not made: %s", exc.__class__.__name__)


def keep_copy_later(register: Register, actor: Actor, password: str, server_folder: Path) -> None:
    """A lead signed in to the server: a few seconds later, off the GUI thread, this computer's read-only copy of
    the register is made again, for the day the server cannot be reached."""

    def keep(_progress: Progress) -> int | None:
        from safeguard_desktop.services import server_copy

        return server_copy.keep(register, actor, password, server_folder)

    app = QApplication.instance()
    if app is not None:
        QTimer.singleShot(KEEP_AFTER_MS, app, lambda: run_in_background(keep, lambda _done: None, _failed))


class CopyRefresher(QObject):
    """Makes the lead's copy again every :data:`REFRESH_MS` while ``window`` is open (nothing where none was made
    at this sign-in)."""

    def __init__(self, window: QObject, context: AppContext, server_folder: Path) -> None:
        super().__init__(window)
        self.context, self.server_folder = context, server_folder
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._running = False

    def refresh(self) -> None:
        """Once, now (not while one is still being made)."""
        from safeguard_desktop.services import server_copy

        if self._running:
            return
        register, actor, folder = self.context.register, self.context.actor, self.server_folder
        self._running = True

        def done(_rows: object) -> None:
            self._running = False

        def failed(exc: Exception) -> None:
            self._running = False
            _failed(exc)

        run_in_background(lambda _progress: server_copy.refresh(register, actor, folder), done, failed, parent=self)
