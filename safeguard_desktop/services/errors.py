"""Typed errors the services raise; each message tells a person what went wrong and what to do."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""


class ValidationError(ServiceError):
    """The input cannot be accepted as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(ServiceError):
    """The acting user's role does not allow this operation."""


class NotFound(ServiceError):
    """The record asked for does not exist."""


class ConflictError(ServiceError):
    """Someone else changed the record first; reload and try again."""


class FileInUse(ServiceError):
    """A file could not be written or replaced: another program holds it, or the folder refuses it."""


class StorageProblem(ServiceError):
    """The disk, not the person: full, read-only, unreachable or damaged. The message says what to do."""
