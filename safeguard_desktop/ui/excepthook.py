"""The last resort for an error nothing else caught: log its kind and where (never its message, which may name a
pupil) and show one calm sentence — the disk's fault said as such, a refusal as its own message."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.faults import plain_message

log = logging.getLogger("safeguard_desktop")


def where(tb: TracebackType | None) -> str:
    """The last frames as file:line in function, without any value from the data."""
    frames = traceback.extract_tb(tb)
    return "; ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames[-4:])


def message_for(error: BaseException, log_folder: Path | None) -> str:
    """What the person is told about ``error``."""
    if isinstance(error, ServiceError):
        return str(error)
    plain = plain_message(error)
    if plain is not None:
        return plain
    where_log = f" The log is in {log_folder}." if log_folder else ""
    return (
        "Something went wrong that Safeguard Desktop did not expect. What you had saved is safe; the last action "
        f"may not have finished, so check it. If it happens again, tell IT support.{where_log}"
    )


def make_hook(log_folder: Path | None, show: Callable[[str], None]) -> Callable[..., None]:
    """The handler: a log line with the kind and where, then ``show`` with what the person is told."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        if not isinstance(error, ServiceError):
            log.error("Unexpected %s at %s", kind.__name__, where(tb))
        show(message_for(error, log_folder))

    return hook


def install(log_folder: Path | None) -> None:
    """Route uncaught errors (including those raised in Qt slots) to a log line and a dialog."""

    def show(text: str) -> None:
        if QApplication.instance() is not None:
            QMessageBox.critical(None, "Safeguard Desktop", text)

    sys.excepthook = make_hook(log_folder, show)
