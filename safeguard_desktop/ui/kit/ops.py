"""The one way from a screen to a service (after Anki's ``CollectionOp``/``QueryOp``).

``run_op`` opens the transaction, runs the service call off the GUI thread, shows a refusal or a fault one way
(inside the dialog that asked, when it has an error line; as a message otherwise), and on success tells every
screen what changed: the topics the service declared (:mod:`safeguard_desktop.services.changes`) plus any the
caller adds. Screens never open a session themselves.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtWidgets import QProgressDialog, QWidget

from safeguard_desktop.services.changes import Topic, changed_by
from safeguard_desktop.ui.background import BackgroundJob, Cancelled, Progress, run_in_background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.kit import steps

log = logging.getLogger(__name__)
T = TypeVar("T")


def _shows_errors(widget: QWidget | None) -> Callable[[str], None] | None:
    show = getattr(widget, "show_error", None)
    return show if callable(show) else None


def show_failure(parent: QWidget | None, title: str, error: BaseException) -> None:
    """Tell the person about ``error``: a refusal in its own words, a fault of the disk as such, a bug calmly."""
    text = message_for(error, None)
    in_dialog = _shows_errors(parent)
    if in_dialog is not None:
        in_dialog(text)
    elif parent is not None:
        steps.current().tell(parent, title, text, warning=True)


def run_op(
    context: AppContext,
    parent: QWidget | None,
    call: Callable[..., T],
    *args: Any,
    title: str = "Safeguard Desktop",
    write: bool = True,
    also_changes: Iterable[Topic] = (),
    progress: str | None = None,
    on_done: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    **kwargs: Any,
) -> BackgroundJob:
    """Run ``call(session, actor, *args, **kwargs)`` in one transaction off the GUI thread.

    Args:
        call: a service function; the topics it is marked with (``@changes``) are published on success.
        write: a write transaction (the default) or a read-only one.
        also_changes: topics to publish besides the service's own.
        progress: a sentence for a progress window. A call that takes ``progress=`` gets a callable
            ``(done, total)`` and the window a Cancel that stops it at its next report.
        on_done: given the call's result on the GUI thread.
        on_error: given the error instead of the standard way of showing it.
    """
    from safeguard_desktop.services.transaction import read_session, write_session

    engine, actor = context.engine, context.actor
    topics = changed_by(call) | frozenset(also_changes)
    reports = progress is not None and "progress" in inspect.signature(call).parameters
    box: QProgressDialog | None = None
    if progress is not None and parent is not None:
        box = QProgressDialog(progress, "Cancel", 0, 0, parent)
        if not reports:
            box.setCancelButton(None)  # work that cannot stop part-way offers no Cancel
        box.setWindowTitle(title)
        box.setMinimumDuration(400)
        box.setAutoClose(False)
        box.setAutoReset(False)

    def work(report: Progress) -> T:
        opener = write_session if write else read_session
        with opener(engine) as session:
            if reports:
                kwargs["progress"] = lambda done, total: report.update(done, total, "")
            return call(session, actor, *args, **kwargs)

    def finish() -> None:
        if box is not None:
            box.reset()
            box.close()
            box.deleteLater()

    def done(result: T) -> None:
        finish()
        if on_done is not None:  # first, so a screen can say what to show once it has reloaded
            on_done(result)
        if topics:
            context.publish(topics)

    def failed(error: BaseException) -> None:
        finish()
        if isinstance(error, Cancelled):
            return
        if on_error is not None:
            on_error(error)
        else:
            show_failure(parent, title, error)

    def moved(done_count: int, total: int, _message: str) -> None:
        if box is not None:
            box.setMaximum(total)
            box.setValue(done_count)

    job = run_in_background(work, done, failed, moved, parent)
    job.progress_box = box  # type: ignore[attr-defined]  # so a test can see it close
    if box is not None:
        box.canceled.connect(job.cancel)
    return job


def run_read(
    context: AppContext,
    parent: QWidget | None,
    call: Callable[..., T],
    *args: Any,
    on_done: Callable[[T], None],
    **kwargs: Any,
) -> BackgroundJob:
    """``run_op`` for a read: a read-only transaction, nothing published."""
    return run_op(context, parent, call, *args, write=False, on_done=on_done, **kwargs)
