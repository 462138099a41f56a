"""Screens follow changes made elsewhere (services/elsewhere.py): every few seconds, off the GUI thread, one indexed
read of the trail's head; what others changed is published as if this window had made it, and each screen that
shows it reloads (a concern a teacher logs on the server appears on the DSL's list without a restart)."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import isValid

from safeguard_desktop.services import elsewhere
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.faults import plain_message
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit.ops import run_read

log = logging.getLogger(__name__)
EVERY_MS = 5_000


class ChangesElsewhere(QObject):
    """Looks for changes made elsewhere every :data:`EVERY_MS` and publishes their topics on ``context``. When the
    register's server cannot be reached it says so (``reach``: the sentence, or "" once it is back)."""

    reach = Signal(str)
    #: On a server, for a lead: a change made there outside the app was found (what it was, said for a person).
    outside = Signal(str)

    def __init__(self, context: AppContext, parent: QObject) -> None:
        super().__init__(parent)
        self.context = context
        self.seen: elsewhere.Seen | None = None
        self._looking = False
        self.out_of_reach = False
        self.timer = QTimer(self)
        self.timer.setInterval(EVERY_MS)
        self.timer.timeout.connect(self.look)
        self.look()  # where the trail is at the start
        self.timer.start()

    def look(self) -> None:
        """One look (skipped while the last is still out)."""
        if self._looking:
            return
        self._looking = True
        run_read(self.context, None, elsewhere.look, self.seen, on_done=self._looked, on_error=self._failed)

    def _looked(self, result: tuple[elsewhere.Seen, frozenset]) -> None:  # type: ignore[type-arg]
        if not isValid(self):  # the window closed while the look was out
            return
        self._looking = False
        if self.out_of_reach:
            self.out_of_reach = False
            self.reach.emit("")
            self.context.publish(elsewhere.EVERYTHING)  # what changed meanwhile is not known: every screen reloads
        self.seen, topics = result
        if self.seen.outside:
            self.outside.emit(self.seen.outside)
        if topics:
            self.context.publish(topics)

    def _failed(self, error: BaseException) -> None:  # the next look tries again
        if not isValid(self):
            return
        self._looking = False
        log.info("could not look for changes made elsewhere: %s", type(error).__name__)
        said = str(error) if isinstance(error, ServiceError) else plain_message(error) or ""  # (said once already)
        if said.startswith("The register's server cannot be reached") and not self.out_of_reach:
            self.out_of_reach = True
            self.reach.emit(f"The register's server cannot be reached (since {datetime.now():%H:%M}): nothing can "
                            "be saved until it is back; what you see may be out of date.")  # fmt: skip
