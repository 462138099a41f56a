"""What every screen shares: the open register, the acting user, and one signal saying what changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register


class AppContext(QObject):
    """Screens refresh themselves when ``changed`` names something they show."""

    changed = Signal(str)  # "pupils", "consent", "purposes", "school"

    def __init__(self, register: Register, actor: Actor) -> None:
        super().__init__()
        self.register = register
        self.actor = actor

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        """The register's SQLAlchemy engine."""
        return self.register.engine
