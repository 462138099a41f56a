"""Publishing the staff room from a lead's or the office's window, off the GUI thread (briefings are rendered)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMainWindow

from safeguard_desktop.services.accounts import staff_room
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.ops import run_op

PUBLISHERS = (Role.DSL, Role.DEPUTY_DSL, Role.OFFICE)


def may_publish(context: AppContext) -> bool:
    """True for a lead or the office on a register with accounts (staff have a staff room only there), or on the
    register's server (where staff read the briefings the office and the leads publish there)."""
    if context.actor.role not in PUBLISHERS or not context.is_open or context.actor.reading_copy:
        return False
    return context.register.keys is not None or _on_server(context)


def _on_server(context: AppContext) -> bool:
    from safeguard_desktop.services import server

    return server.on_server(context.register)


def publish_to_staff(window: QMainWindow, context: AppContext, *, quiet: bool = False) -> None:
    """Publish the pupils' names and classes and the coming events' briefings to every staff account. ``quiet``
    (at sign-in) says it in the status bar only; a failure is always said."""

    if not may_publish(context):
        return
    if _on_server(context):
        _publish_on_server(window, context, quiet)
        return
    keys = context.register.keys
    assert keys is not None

    def done(summary: staff_room.PublishSummary) -> None:
        text = (f"Published to {summary.recipients} staff account(s): {summary.pupils} pupils' names and classes, "
                f"{summary.briefings} event briefing(s).")  # fmt: skip
        window.statusBar().showMessage(text, 10_000)
        if not quiet:
            steps.current().tell(window, "Published to staff", text)

    def failed(exc: BaseException) -> None:
        window.statusBar().clearMessage()
        why = message_for(exc, None)
        steps.current().tell(window, "Not published to staff", f"The staff room could not be published: {why}",
                             warning=True)  # fmt: skip

    window.statusBar().showMessage("Publishing the briefings to staff…")
    run_op(context, window, staff_room.publish, keys, context.register.folder, on_done=done, on_error=failed)


def _publish_on_server(window: QMainWindow, context: AppContext, quiet: bool) -> None:
    from safeguard_desktop.services import server_briefings

    def done(count: int) -> None:
        text = f"Published {count} event briefing(s) on the register's server, for staff to read."
        window.statusBar().showMessage(text, 10_000)
        if not quiet:
            steps.current().tell(window, "Published to staff", text)

    def failed(exc: BaseException) -> None:
        steps.current().tell(window, "Not published to staff", f"The briefings could not be published: "
                             f"{message_for(exc, None)}", warning=True)  # fmt: skip

    run_op(context, window, server_briefings.publish, on_done=done, on_error=failed)


class StaffPublisher(QObject):
    """Publishes again, quietly, a little after what staff are given changes (an event, consent, the pupils), so
    a briefing staff open is today's without anyone remembering to publish."""

    #: What staff are given depends on these kinds of change (AppContext.changed).
    WATCHED = frozenset({Topic.EVENTS, Topic.CONSENT, Topic.PUPILS, Topic.SCHOOL, Topic.TERMS, Topic.DOCUMENTS})
    DELAY_MS = 20_000

    def __init__(self, window: QMainWindow, context: AppContext) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(self.DELAY_MS)
        self.timer.timeout.connect(self.publish_now)
        context.published.connect(self.on_changed)

    def on_changed(self, topics: frozenset[Topic]) -> None:
        """A change staff should see: publish once things have settled."""
        if topics & self.WATCHED and may_publish(self.context):
            self.timer.start()

    def publish_now(self) -> None:
        """Publish now (the timer ran out)."""
        publish_to_staff(self.window, self.context, quiet=True)
