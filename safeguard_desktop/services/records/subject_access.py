"""Subject access: everything the register holds about one pupil, with incident content marked for review.

Data about abuse may be withheld from a parent where that is in the child's interest, so every incident
record is flagged for the DSL to consider that exemption before anything is disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard_desktop.domain.dates import format_uk_date, format_uk_datetime
from safeguard_desktop.files import write_atomically
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor, Operation
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.errors import NotFound
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.models import AuditEntry, Pupil

EXEMPTION_NOTE = (
    "REVIEW BEFORE DISCLOSING: incident records may contain information about abuse that can be withheld where "
    "disclosure is not in the child's interest. The DSL must decide, and record the decision, before sending."
)


def subject_access(session: Session, actor: Actor, pupil_id: int) -> dict[str, Any]:
    """A JSON-ready record of everything held about the pupil (safeguarding leads only; audited)."""
    actor.require(Operation.READ_INCIDENTS)
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound(f"No pupil with id {pupil_id}.")
    detail = grid.pupil_detail(session, actor, pupil_id)
    incident_records = []
    for view in incidents.incidents_of(session, actor, pupil_id):
        incident_records.append(
            {
                "review_before_disclosing": True,
                "number": view.id,
                "category": view.category.value,
                "status": view.status.value,
                "reported": format_uk_datetime(view.reported_at),
                "summary": view.summary,
                "chronology": [
                    {"when": format_uk_datetime(e.at), "kind": e.kind, "text": e.text, "reason": e.reason}
                    for e in view.entries
                ],
            }
        )
    audit_rows = session.scalars(
        select(AuditEntry).where(AuditEntry.record_kind == "pupil", AuditEntry.record_id == str(pupil_id))
    )
    record = {
        "pupil": {
            "upn": pupil.upn,
            "admission_number": pupil.admission_number,
            "legal_forename": pupil.legal_forename,
            "legal_surname": pupil.legal_surname,
            "preferred_forename": pupil.preferred_forename,
            "date_of_birth": format_uk_date(pupil.date_of_birth),
            "year_group": pupil.year_group,
            "registration_group": pupil.reg_group,
            "on_roll": pupil.on_roll,
            "left_on": format_uk_date(pupil.left_on),
            "never_photograph": pupil.never_photograph,
        },
        "consent_decisions": [
            {
                "purpose": h.purpose,
                "decision": h.state,
                "given_by": h.given_by_name,
                "relationship": h.given_by_relationship,
                "route": h.route,
                "given_on": format_uk_date(h.given_on),
                "valid_until": format_uk_date(h.valid_until),
                "wording_version": h.wording_version,
                "recorded_by": h.recorded_by,
                "recorded_at": format_uk_datetime(h.recorded_at),
                "note": h.note,
            }
            for h in detail.history
        ],
        "incidents": incident_records,
        "incident_note": EXEMPTION_NOTE if incident_records else "",
        "audit_trail": [
            {"when": format_uk_datetime(e.at), "who": e.actor, "what": e.action, "detail": e.detail} for e in audit_rows
        ],
    }
    audit.record(session, actor, "exported a subject access record", "pupil", pupil_id)
    return record


@dataclass(frozen=True)
class SubjectAccessFiles:
    """What was written, and how many linked incidents need the DSL's review before disclosure."""

    json: Path
    pdf: Path
    incidents: int


def write_subject_access(session: Session, actor: Actor, pupil_id: int, folder: Path) -> SubjectAccessFiles:
    """Write the record as JSON and as PDF into ``folder`` (names from the UPN, kept inside the folder)."""
    import json

    from safeguard_desktop.documents.reports import render_subject_access
    from safeguard_desktop.services.filenames import inside, safe_filename
    from safeguard_desktop.services.settings import get_school, letterhead

    record = subject_access(session, actor, pupil_id)
    school = get_school(session)
    pupil = record["pupil"]
    assert isinstance(pupil, dict)
    stem = f"sar-{pupil.get('upn') or pupil.get('admission_number') or pupil_id}"
    folder.mkdir(parents=True, exist_ok=True)
    json_path = inside(folder, safe_filename(stem, ".json"))
    pdf_path = inside(folder, safe_filename(stem, ".pdf"))
    write_atomically(json_path, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
    write_atomically(pdf_path, render_subject_access(letterhead(school), record))
    incidents = record["incidents"]
    return SubjectAccessFiles(json_path, pdf_path, len(incidents) if isinstance(incidents, list) else 0)
