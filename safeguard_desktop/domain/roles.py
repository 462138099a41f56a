"""The four roles of DOMAIN.md and what each may do: the permission table every service checks."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """The four roles of DOMAIN.md."""

    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    OFFICE = "office"
    STAFF = "staff"


class Operation(enum.StrEnum):
    """Everything a service can be asked to do."""

    VIEW_REGISTER = "view register"
    EDIT_CONSENT = "record consent"
    IMPORT_PUPILS = "import pupils"
    MANAGE_PURPOSES = "manage purposes"
    EDIT_SCHOOL = "edit school details"
    SET_NEVER_PHOTOGRAPH = "set never-photograph flag"
    VIEW_RESTRICTED_REASON = "see never-photograph reasons"
    CREATE_DEMO = "create demo data"
    VIEW_AUDIT = "see and export the audit trail"
    MANAGE_BACKUPS = "back up or restore the register"
    MANAGE_EVENTS = "create events and see who may be filmed"
    VIEW_EVENTS = "see the list of events"
    VIEW_BRIEFING = "see the confidential do-not-photograph briefing"
    EDIT_TEMPLATES = "edit the wording of letters and notices"
    LOG_INCIDENT = "log an online-safety incident"
    READ_INCIDENTS = "read and follow up incident records"
    APPLY_RETENTION = "delete records under the retention rules, or put them on legal hold"
    MANAGE_ACCOUNTS = "add, disable or change accounts"
    RESOLVE_CONSENT = "resolve conflicting consent answers"


_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL})
_REGISTER_KEEPERS = _LEADS | {Role.OFFICE}

ALLOWED: dict[Operation, frozenset[Role]] = {
    Operation.VIEW_REGISTER: _REGISTER_KEEPERS,
    Operation.EDIT_CONSENT: _REGISTER_KEEPERS,
    Operation.IMPORT_PUPILS: _REGISTER_KEEPERS,
    Operation.MANAGE_PURPOSES: _LEADS,
    Operation.EDIT_SCHOOL: _LEADS,
    Operation.SET_NEVER_PHOTOGRAPH: _LEADS,
    Operation.RESOLVE_CONSENT: _LEADS,
    Operation.VIEW_RESTRICTED_REASON: _LEADS,
    Operation.CREATE_DEMO: _LEADS,
    Operation.VIEW_AUDIT: _LEADS,
    Operation.MANAGE_BACKUPS: _LEADS,
    Operation.MANAGE_EVENTS: _REGISTER_KEEPERS,
    Operation.VIEW_EVENTS: _REGISTER_KEEPERS | {Role.STAFF},
    Operation.VIEW_BRIEFING: _REGISTER_KEEPERS | {Role.STAFF},
    Operation.EDIT_TEMPLATES: _LEADS | {Role.OFFICE},
    Operation.LOG_INCIDENT: _LEADS | {Role.STAFF},
    Operation.READ_INCIDENTS: _LEADS,
    Operation.APPLY_RETENTION: frozenset({Role.DSL}),
    Operation.MANAGE_ACCOUNTS: frozenset({Role.DSL}),
}
