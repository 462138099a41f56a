"""One way to run work off the GUI thread: plain data in, results and errors back on the GUI thread.

The worker never touches widgets. ``Progress`` lets long work report and notice a cancel.
Tests may call :func:`set_synchronous` so work runs inline and deterministically.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

log = logging.getLogger(__name__)
_synchronous = False


def set_synchronous(value: bool) -> None:
    """Run background work inline (for tests)."""
    global _synchronous
    _synchronous = value


class Cancelled(Exception):
    """Raised inside work that noticed a cancel request."""


class Progress:
    """Handed to the work function: report progress, check for cancel."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._report = report
        self._cancel = threading.Event()

    def update(self, done: int, total: int, message: str = "") -> None:
        """Report progress; raises Cancelled when the person asked to stop."""
        if self._cancel.is_set():
            raise Cancelled()
        self._report(done, total, message)

    def cancel(self) -> None:
        """Ask the work to stop at its next update."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancel.is_set()


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object, str)
    progressed = Signal(int, int, str)


def _tell(signal: Any, *args: object) -> None:
    """Emit from the worker; when the window that asked has gone (closed, or the app quitting while the work ran)
    the signals' object is gone with it and there is nobody left to tell."""
    try:
        signal.emit(*args)
    except RuntimeError:  # "Signal source has been deleted"
        log.info("Background work finished after its window closed")


class _Runnable(QRunnable):
    def __init__(self, job: BackgroundJob) -> None:
        super().__init__()
        self.job = job

    def run(self) -> None:
        self.job.execute()


class BackgroundJob(QObject):
    """A function run on the thread pool, with ``finished``, ``failed`` and ``progressed`` signals."""

    def __init__(self, work: Callable[[Progress], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.signals = _Signals()
        self.work = work
        self.progress = Progress(lambda d, t, m: self.signals.progressed.emit(d, t, m))

    def execute(self) -> None:
        """Run the work now, on the calling thread."""
        try:
            result = self.work(self.progress)
        except Cancelled as exc:
            _tell(self.signals.failed, exc, "")
        except Exception as exc:
            # Logs hold no personal data: expected refusals (whose messages may name a pupil) are not logged,
            # and for the unexpected only the kind of error and where it happened, not its message.
            from safeguard_desktop.services.errors import ServiceError

            if not isinstance(exc, ServiceError):
                frames = traceback.extract_tb(exc.__traceback__)
                where = "; ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames[-4:])
                log.error("Background work failed: %s at %s", type(exc).__name__, where)
            _tell(self.signals.failed, exc, traceback.format_exc())
        else:
            _tell(self.signals.finished, result)

    def start(self) -> None:
        """Start on the global thread pool (or inline in synchronous mode)."""
        if _synchronous:
            self.execute()
        else:
            QThreadPool.globalInstance().start(_Runnable(self))

    def cancel(self) -> None:
        """Ask the work to stop."""
        self.progress.cancel()


def run_in_background(
    work: Callable[[Progress], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    on_progress: Callable[[int, int, str], None] | None = None,
    parent: QObject | None = None,
) -> BackgroundJob:
    """Run ``work(progress)`` off the GUI thread; ``on_done``/``on_error`` are called on the GUI thread — unless
    ``parent`` (the window that asked) has gone meanwhile: nobody is left to tell, and a callback reaching into it
    would raise "Signal source has been deleted" (a screen closed while its count ran)."""
    job = BackgroundJob(work, parent)

    def alive() -> bool:
        return parent is None or isValid(parent)

    job.signals.finished.connect(lambda result: on_done(result) if alive() else None)
    job.signals.failed.connect(lambda exc, _tb: on_error(exc) if alive() else None)
    if on_progress is not None:
        job.signals.progressed.connect(on_progress)
    _running.add(job)
    job.signals.finished.connect(lambda _r: _running.discard(job))
    job.signals.failed.connect(lambda _e, _t: _running.discard(job))
    job.start()
    return job


_running: set[BackgroundJob] = set()
