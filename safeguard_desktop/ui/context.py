"""What every screen shares: the register (opened on first use), the acting user, and a change signal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.changes import Topic

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from safeguard_desktop.services.database import Register


class AppContext(QObject):
    """The open register, who is signed in, and the one signal that says what an operation changed: screens
    refresh themselves when ``published`` names something they show."""

    published = Signal(object)  # the frozenset[Topic] one operation changed: screens showing any of them reload

    def __init__(self, register: Register, actor: Actor) -> None:
        super().__init__()
        self._register = register
        self.actor = actor

    @property
    def register(self) -> Register:
        """The open register."""
        return self._register

    @property
    def is_open(self) -> bool:
        """True while the register is open (always, since it is given open)."""
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
