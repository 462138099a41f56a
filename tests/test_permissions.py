"""Every service operation × every role: allowed, or PermissionDenied — checked in the services themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import accounts, consent, demo, events, incidents, settings
from safeguard_desktop.services.actors import ALLOWED, Actor, Operation, Role
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.errors import PermissionDenied, ServiceError
from safeguard_desktop.services.events import letters, notices, templates
from safeguard_desktop.services.incidents import incident_people, statistics
from safeguard_desktop.services.pupils import mis_import, photos
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.records import audit, backup, retention
from safeguard_desktop.store.engine import write_session

from .conftest import SIMS_HEADERS, sims_rows, write_csv

EVENT = events.EventInput(
    "Nativity", datetime(2026, 12, 10, 14, 0), "Hall", FilmingPolicy.PERSONAL_USE, year_groups=["R"]
)
INCIDENT = incidents.IncidentInput(Category.CYBERBULLYING, "Unkind messages in a class group chat.")
DECISION = consent.DecisionInput(
    ConsentState.GRANTED, GivenByKind.PARENT, Route.PHONE, date(2026, 10, 1), "A", "Mother"
)


def operations(tmp_path: Path) -> dict[str, tuple[Operation, Callable[[Session, Actor], Any]]]:
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(2, start=900)]))
    details = settings.SchoolDetails("School", "", "", "", 13, None)
    return {
        "load register": (Operation.VIEW_REGISTER, lambda s, a: grid.load_register(s, a)),
        "pupil detail": (Operation.VIEW_REGISTER, lambda s, a: grid.pupil_detail(s, a, 1)),
        "record consent": (Operation.EDIT_CONSENT, lambda s, a: consent.record_decisions(s, a, [1], [1], DECISION)),
        "preview import": (Operation.IMPORT_PUPILS, lambda s, a: mis_import.preview(s, a, table)),
        "apply import": (Operation.IMPORT_PUPILS, lambda s, a: mis_import.apply(s, a, table, skip_invalid=True)),
        "add purpose": (Operation.MANAGE_PURPOSES, lambda s, a: settings.add_purpose(s, a, f"P {a.role}", "")),
        "edit purpose": (
            Operation.MANAGE_PURPOSES,
            lambda s, a: settings.update_purpose(s, a, 1, name="Internal displays", description="x", active=True),
        ),
        "edit school": (Operation.EDIT_SCHOOL, lambda s, a: settings.update_school(s, a, details)),
        "never photograph": (Operation.SET_NEVER_PHOTOGRAPH, lambda s, a: consent.set_never_photograph(s, a, 1, False)),
        "create demo": (Operation.CREATE_DEMO, lambda s, a: demo.create_demo_school(s, a, pupils=1)),
        "verify audit": (Operation.VIEW_AUDIT, lambda s, a: audit.verify(s, a)),
        "create event": (Operation.MANAGE_EVENTS, lambda s, a: events.create_event(s, a, EVENT)),
        "list events": (Operation.VIEW_EVENTS, lambda s, a: events.list_events(s, a)),
        "event roster": (Operation.MANAGE_EVENTS, lambda s, a: events.roster(s, a, 1)),
        "notice": (Operation.MANAGE_EVENTS, lambda s, a: notices.notice(s, a, 1)),
        "announcement": (Operation.MANAGE_EVENTS, lambda s, a: notices.announcement(s, a, 1)),
        "chase list": (Operation.MANAGE_EVENTS, lambda s, a: notices.chase_list(s, a, 1)),
        "briefing": (Operation.VIEW_BRIEFING, lambda s, a: notices.briefing(s, a, 1)),
        "letters": (Operation.MANAGE_EVENTS, lambda s, a: letters.consent_letters(s, a, 1)),
        "log incident": (Operation.LOG_INCIDENT, lambda s, a: incidents.record_incident(s, a, INCIDENT)),
        "own reports": (Operation.LOG_INCIDENT, lambda s, a: incidents.my_reports(s, a)),
        "edit wording": (
            Operation.EDIT_TEMPLATES,
            lambda s, a: templates.save_template(s, a, "announcement", "Welcome to {event}.\n\n{policy}"),
        ),
        "pupils to link": (Operation.LOG_INCIDENT, lambda s, a: incident_people.pupil_choices(s, a)),
        "term dates": (
            Operation.EDIT_SCHOOL,
            lambda s, a: settings.set_term_dates(s, a, 2026, (date(2026, 9, 3), date(2027, 1, 5), date(2027, 4, 12))),
        ),
        "list incidents": (Operation.READ_INCIDENTS, lambda s, a: incidents.list_incidents(s, a)),
        "read incident": (Operation.READ_INCIDENTS, lambda s, a: incidents.read_incident(s, a, 1)),
        "incident entry": (
            Operation.READ_INCIDENTS,
            lambda s, a: incidents.add_entry(s, a, 1, incidents.EntryKind.ACTION, "Spoke to the pupil"),
        ),
        "export audit": (Operation.VIEW_AUDIT, lambda s, a: audit.export_csv(s, a, tmp_path / f"{a.role}.csv")),
        "browse audit": (Operation.VIEW_AUDIT, lambda s, a: audit.browse(s, a, text="signed")),
        "list accounts": (Operation.MANAGE_ACCOUNTS, lambda s, a: accounts.list_accounts(s, a)),
        "someone else's two-step": (
            Operation.MANAGE_ACCOUNTS,
            lambda s, a: accounts.set_second_factor(s, a, "nobody.here", None),
        ),
        "backup schedule": (
            Operation.MANAGE_BACKUPS,
            lambda s, a: backup.set_schedule(s, a, backup.Schedule(str(tmp_path / "b"), 1, 7)),
        ),
        "retention review": (Operation.READ_INCIDENTS, lambda s, a: retention.review(s, a)),
        "retention apply": (Operation.APPLY_RETENTION, lambda s, a: retention.apply(s, a)),
        "import photos": (Operation.IMPORT_PUPILS, lambda s, a: photos.import_folder(s, a, tmp_path)),
        "statistics": (Operation.READ_INCIDENTS, lambda s, a: statistics.incident_statistics(s, a)),
    }


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Register:
    folder = tmp_path_factory.mktemp("perm")
    reg = open_register(folder)
    with write_session(reg.engine) as session:
        demo.create_demo_school(session, Actor("setup", Role.DSL), pupils=5)
    return reg


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(tmp_path: Path, school: Register, role: Role) -> None:
    actor = Actor(f"someone ({role})", role)
    for name, (operation, call) in operations(tmp_path).items():
        allowed = role in ALLOWED[operation]
        try:
            with write_session(school.engine) as session:
                call(session, actor)
        except PermissionDenied:
            assert not allowed, f"{role} should be allowed to {name}"
        except ServiceError:
            assert allowed, f"{role} got past the permission check for {name}"
        else:
            assert allowed, f"{role} should not be allowed to {name}"


def test_the_roles_in_the_matrix_are_the_ones_the_field_expects() -> None:
    leads = {Role.DSL, Role.DEPUTY_DSL}
    assert ALLOWED[Operation.VIEW_RESTRICTED_REASON] == leads
    assert ALLOWED[Operation.VIEW_AUDIT] == leads
    assert Role.OFFICE in ALLOWED[Operation.EDIT_CONSENT] and Role.OFFICE in ALLOWED[Operation.IMPORT_PUPILS]
    assert [op for op, roles in ALLOWED.items() if Role.STAFF in roles] == [
        Operation.VIEW_EVENTS,
        Operation.VIEW_BRIEFING,
        Operation.LOG_INCIDENT,
    ]
    assert ALLOWED[Operation.READ_INCIDENTS] == leads and Role.OFFICE not in ALLOWED[Operation.LOG_INCIDENT]


@pytest.mark.parametrize("role", list(Role))
def test_backup_permissions(tmp_path: Path, school: Register, role: Role) -> None:
    from safeguard_desktop.services.records import backup

    actor = Actor(f"someone ({role})", role)
    allowed = role in ALLOWED[Operation.MANAGE_BACKUPS]
    try:
        backup.back_up(school.engine, school.folder, actor, tmp_path)
    except PermissionDenied:
        assert not allowed
    else:
        assert allowed
    with pytest.raises(PermissionDenied if not allowed else ServiceError):
        backup.restore(school.engine, school.folder, actor, tmp_path / "no-such-backup.db", school.presence)
