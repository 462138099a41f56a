"""Units of work for the GUI and the CLI: one transaction each, with store errors turned into ones people can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from safeguard_desktop.services.errors import ConflictError, StorageProblem
from safeguard_desktop.services.faults import plain_message
from safeguard_desktop.store import engine as store


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work; a damaged or unreachable file becomes a StorageProblem saying what to do."""
    try:
        with store.read_session(engine) as session:
            yield session
    except DBAPIError as exc:
        _raise_plain(exc, engine)
        raise


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction; a concurrent edit (version counter mismatch) becomes a ConflictError, a full disk
    or a damaged file a StorageProblem. Either way nothing of the transaction was kept."""
    try:
        with store.write_session(engine) as session:
            yield session
    except DBAPIError as exc:
        _raise_plain(exc, engine)
        raise
    except StaleDataError as exc:
        raise ConflictError(
            "Someone else changed this record while you were editing it, so nothing was saved. "
            "Close this window, look at the record again, and make your change once more."
        ) from exc


def _raise_plain(exc: DBAPIError, engine: Engine) -> None:
    path, _key = store.database_file(engine)
    message = plain_message(exc, path.parent if path is not None else None)
    if message is not None:
        raise StorageProblem(message) from exc
