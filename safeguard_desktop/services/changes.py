"""What a service call changed, as topics a screen subscribes to (after Anki's ``OpChanges``).

A service that changes something says so with :func:`changes`; the UI's one way in (``ui/kit/ops.py``) reads
the topics from the function it ran and tells every screen that shows them, so no caller has to remember.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar


class Topic(StrEnum):
    """One kind of thing a screen shows."""

    PUPILS = "pupils"
    CONSENT = "consent"
    PURPOSES = "purposes"
    SCHOOL = "school"
    TERMS = "terms"
    EVENTS = "events"
    DOCUMENTS = "documents"
    INCIDENTS = "incidents"
    ACCOUNTS = "accounts"
    TEMPLATES = "templates"
    BACKUPS = "backups"
    AUDIT = "audit"


F = TypeVar("F", bound=Callable[..., object])


def changes(*topics: Topic) -> Callable[[F], F]:
    """Mark a service function with what it changes."""

    def mark(function: F) -> F:
        function.changes = frozenset(topics)  # type: ignore[attr-defined]
        return function

    return mark


def changed_by(function: Callable[..., object]) -> frozenset[Topic]:
    """The topics ``function`` says it changes (none for a read)."""
    return frozenset(getattr(function, "changes", frozenset()))
