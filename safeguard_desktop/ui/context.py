"""What every screen shares: the register (opened on first use), the acting user, and a change signal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.changes import Topic

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from safeguard_desktop.services.database import Register


class AppContext(QObject):
    """Screens refresh themselves when ``published`` names something they show.

    The register may be given open, or as an ``opener`` called on first use: start-up paints the first
    screen from a light read and opens the full store (SQLAlchemy, migrations) just after.
    """

    published = Signal(object)  # the frozenset[Topic] one operation changed: screens showing any of them reload

    def __init__(
        self,
        register: Register | None,
        actor: Actor,
        opener: Callable[[], Register] | None = None,
    ) -> None:
        super().__init__()
        if register is None and opener is None:
            raise ValueError("AppContext needs a register or a way to open one")
        self._register = register
        self._opener = opener
        self.actor = actor

    @property
    def register(self) -> Register:
        """The open register (opened now if it was deferred)."""
        if self._register is None:
            assert self._opener is not None
            self._register = self._opener()
        return self._register

    @property
    def is_open(self) -> bool:
        """True once the full store is open."""
        return self._register is not None

    @property
    def engine(self) -> Engine:
        """The register's SQLAlchemy engine."""
        return self.register.engine

    def publish(self, topics: Iterable[Topic]) -> None:
        """Tell every screen what an operation changed (once per topic, whoever made the change)."""
        self.published.emit(frozenset(topics))

    def close(self) -> None:
        """Release the register."""
        if self._register is not None:
            self._register.close()
