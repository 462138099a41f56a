"""Files of consent that arrive from elsewhere, by kind: the MIS's contacts, the MIS's consent, online form replies.
One place that knows the kinds, for the app and the CLI alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.errors import ValidationError

#: Every kind, with its title and what the person is asked to choose.
KINDS = {
    "contacts": ("Import contacts from the MIS", "the MIS contacts export"),
    "mis_consent": ("Import consent from the MIS", "the MIS's consent export"),
    "replies": ("Import online form replies", "the export of an online form (Microsoft Forms, Google Forms…)"),
}


def import_file(session: Session, actor: Actor, kind: str, path: Path, mapping: dict[str, str], *, apply: bool) -> Any:
    """Read ``path`` (size and encoding checked) and preview or apply it as ``kind``; nothing is written unless
    ``apply``. Returns the kind's own result (counts and the rows refused, each with line and field)."""
    from safeguard_desktop.services.consent import contact_import, form_replies, mis_consent
    from safeguard_desktop.services.pupils.mis_files import read_pupil_file

    if kind not in KINDS:
        raise ValidationError(f"No import called {kind!r}: choose one of {', '.join(KINDS)}.")
    table = read_pupil_file(path)
    if kind == "contacts":
        return contact_import.import_contacts(session, actor, table, apply=apply)
    if kind == "mis_consent":
        return mis_consent.import_consent(session, actor, table, mapping=mapping, apply=apply)
    return form_replies.import_replies(session, actor, table, mapping=mapping, apply=apply)


def school_purposes(session: Session, actor: Actor) -> list[Any]:
    """The purposes a file's own names may be mapped to."""
    from safeguard_desktop.services.consent import grid

    return list(grid.list_purposes(session))
