"""Units of work for the GUI and the CLI: one transaction each, with store errors turned into ones people can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from safeguard_desktop.services.errors import ConflictError
from safeguard_desktop.store import engine as store

read_session = store.read_session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction; a concurrent edit (version counter mismatch) becomes a ConflictError."""
    try:
        with store.write_session(engine) as session:
            yield session
    except StaleDataError as exc:
        raise ConflictError(
            "Someone else changed this record while you were editing it, so nothing was saved. "
            "Close this window, look at the record again, and make your change once more."
        ) from exc
