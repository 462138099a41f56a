"""The acting user, checked against the role table (domain/roles.py) inside every service, not by hiding buttons."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from safeguard_desktop.domain.roles import ALLOWED, Operation, Role
from safeguard_desktop.services.errors import PermissionDenied

__all__ = ["ALLOWED", "Actor", "Operation", "Role", "local_lead"]  # the roles are the domain's; services use them here


#: What changes the register whatever else it shows (not offered in a read-only copy).
CHANGES = frozenset({Operation.EDIT_CONSENT, Operation.IMPORT_PUPILS, Operation.MANAGE_PURPOSES, Operation.EDIT_SCHOOL,
                     Operation.SET_NEVER_PHOTOGRAPH, Operation.RESOLVE_CONSENT, Operation.CREATE_DEMO,
                     Operation.MANAGE_BACKUPS, Operation.EDIT_TEMPLATES, Operation.LOG_INCIDENT,
                     Operation.APPLY_RETENTION, Operation.MANAGE_ACCOUNTS})  # fmt: skip


@dataclass(frozen=True)
class Actor:
    """Who is doing the work: their name (for records and the audit trail) and role.

    A signed-in actor also carries their user name and, for safeguarding leads, the safeguarding private key
    that opens sealed incident text and never-photograph reasons (never printed, never compared).
    """

    name: str
    role: Role
    username: str = ""
    safeguarding_key: bytes | None = field(default=None, repr=False, compare=False)
    personal_key: bytes | None = field(default=None, repr=False, compare=False)
    #: The keys of the restricted cases this actor is a named reader of, by incident (services/incidents/restricted).
    case_keys: dict[int, bytes] = field(default_factory=dict, repr=False, compare=False)
    #: Reading a lead's read-only copy of a server register (services/server_copy.py): nothing that changes the
    #: register is offered, whatever the role.
    reading_copy: bool = field(default=False, compare=False)

    def may(self, operation: Operation) -> bool:
        """True when the role allows the operation (and, in a read-only copy, it changes nothing)."""
        if self.reading_copy and operation in CHANGES:
            return False
        return self.role in ALLOWED[operation]

    def require(self, operation: Operation) -> None:
        """Raise PermissionDenied unless the role allows the operation."""
        if self.reading_copy and operation in CHANGES:
            raise PermissionDenied("This is a read-only copy of the server's register, for reading while the server "
                                   "cannot be reached: nothing can be changed in it.")  # fmt: skip
        if not self.may(operation):
            raise PermissionDenied(
                f"{self.name} ({self.role.value}) may not {operation.value}; ask a safeguarding lead."
            )


def local_lead() -> Actor:
    """The person at this computer, as a safeguarding lead (until accounts exist)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "local user"
    return Actor(name=name, role=Role.DSL)
