"""Retention review: what is due under each rule, against dates worked out by hand."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.domain.retention import (
    RetentionRules,
    add_years,
    child_protection_review_date,
    consent_review_date,
    event_review_date,
)
from safeguard_desktop.services import consent, events, incidents
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.records.retention import review
from safeguard_desktop.store.engine import write_session
from safeguard_desktop.store.models import Pupil

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv

RULES = RetentionRules()


def test_rule_dates() -> None:
    assert consent_review_date(date(2025, 7, 20), RULES) == date(2026, 7, 20)
    assert child_protection_review_date(date(2012, 2, 29), RULES) == date(2037, 2, 28)
    assert event_review_date(date(2025, 12, 10), RULES) == date(2026, 8, 31)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_review_lists_what_is_due(tmp_path: Path, reg: Register, dsl: Actor, office: Actor) -> None:
    rows = [[upn(1), "1", "Left", "Early", "", "01/09/2000", "Year 13", "13A"],
            [upn(2), "2", "Still", "Here", "", "01/09/2015", "Year 5", "5A"]]  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(
            session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])), today=TODAY
        )
        left = consent.find_pupil_by_upn(session, upn(1)).id
        decision = consent.DecisionInput(
            ConsentState.GRANTED, GivenByKind.PARENT, Route.EMAIL, date(2024, 9, 1), "A", "Mother"
        )
        consent.record_decisions(session, dsl, [left], [1, 2], decision, today=TODAY)
        session.execute(update(Pupil).where(Pupil.id == left).values(on_roll=False, left_on=date(2025, 7, 20)))
        events.create_event(session, dsl, events.EventInput("Old show", datetime(2025, 12, 10, 14), "Hall",
                                                            FilmingPolicy.PERSONAL_USE, classes=["5A"]))  # fmt: skip
        events.create_event(session, dsl, events.EventInput("New show", datetime(2026, 12, 10, 14), "Hall",
                                                            FilmingPolicy.PERSONAL_USE, classes=["5A"]))  # fmt: skip
        incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.OTHER, "Old record.", people=[incidents.PersonInput("pupil", "affected", pupil_id=left)]))  # fmt: skip
        due = review(session, dsl, today=date(2026, 11, 24))
        # The second purpose's images may be in use for longer (a prospectus): its evidence is kept 3 years.
        from safeguard_desktop.services import settings

        settings.set_purpose_basis(session, dsl, 2, lawful_basis="consent", evidence_years=3)
        longer = review(session, dsl, today=date(2026, 11, 24))
    assert [(d.kind, d.due_on, d.count) for d in due] == [  # oldest first
        ("child-protection record", date(2025, 9, 1), 1),  # born 01/09/2000 + 25 years
        ("consent decisions", date(2026, 7, 20), 1),  # left 20/07/2025 + 1 year: one per purpose
        ("consent decisions", date(2026, 7, 20), 1),
        ("event records", date(2026, 8, 31), 1),  # the 2025/26 show; the 2026/27 one is not due
    ]
    assert [d.record.split(" / ")[-1] for d in longer if d.kind == "consent decisions"] == ["displays"]
    assert all("Early" not in d.record for d in due)  # records by number, no names
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        review(session, office)


def test_apply_deletes_what_is_due_leaves_a_stub_and_respects_legal_hold(
    tmp_path: Path, reg: Register, dsl: Actor
) -> None:
    from sqlalchemy import func, select

    from safeguard_desktop.cli import main
    from safeguard_desktop.services.actors import Role
    from safeguard_desktop.services.records import retention
    from safeguard_desktop.store.models import AuditEntry, ConsentDecision, Event, Incident

    rows = [[upn(1), "1", "Gone", "Pupil", "", "01/09/2000", "Year 13", "13A"],
            [upn(2), "2", "Held", "Pupil", "", "01/09/2000", "Year 13", "13A"]]  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(
            session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])), today=TODAY
        )
        ids = [consent.find_pupil_by_upn(session, upn(n)).id for n in (1, 2)]
        decision = consent.DecisionInput(
            ConsentState.GRANTED, GivenByKind.PARENT, Route.EMAIL, date(2024, 9, 1), "A", "Mother"
        )
        consent.record_decisions(session, dsl, ids, [1], decision, today=TODAY)
        session.execute(update(Pupil).where(Pupil.id.in_(ids)).values(on_roll=False, left_on=date(2025, 7, 20)))
        events.create_event(session, dsl, events.EventInput("Old show", datetime(2025, 12, 10, 14), "Hall",
                                                            FilmingPolicy.PERSONAL_USE, classes=["13A"]))  # fmt: skip
        events.create_event(session, dsl, events.EventInput("Other show", datetime(2025, 12, 11, 14), "Hall",
                                                            FilmingPolicy.PERSONAL_USE, classes=["5A"]))  # fmt: skip
        incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.OTHER, "Kept for review.", people=[incidents.PersonInput("pupil", "affected", pupil_id=ids[0])]))  # fmt: skip
        retention.set_legal_hold(session, dsl, pupil_id=ids[1])
    deputy = Actor("Deputy", Role.DEPUTY_DSL)
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        retention.apply(session, deputy)
    assert main(["--data-dir", str(reg.folder), "retention", "apply"]) == 2  # needs --yes
    with write_session(reg.engine) as session:
        removed = retention.apply(session, dsl, today=date(2026, 11, 24))
        left = session.scalar(select(func.count()).select_from(ConsentDecision))
        events_left = session.scalar(select(func.count()).select_from(Event))
        incidents_left = session.scalar(select(func.count()).select_from(Incident))
        stubs = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "deleted under retention")))
    # The held pupil's decision stays, and so does the show their class took part in (evidence too); the show of
    # a class with nobody on hold goes.
    assert (removed, left, events_left, incidents_left) == (2, 1, 1, 1)
    assert {s.record_kind for s in stubs} == {"consent decisions", "event records"}
    assert all("Gone" not in s.detail and "Pupil" not in s.detail for s in stubs)


def test_retention_review_screen(qtbot, tmp_path: Path, reg: Register, dsl: Actor, answers) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    rows = [[upn(1), "1", "Left", "Early", "", "01/09/2012", "Year 13", "13A"]]
    with write_session(reg.engine) as session:
        mis_import.apply(
            session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])), today=TODAY
        )
        left = consent.find_pupil_by_upn(session, upn(1)).id
        decision = consent.DecisionInput(
            ConsentState.GRANTED, GivenByKind.PARENT, Route.EMAIL, date(2024, 9, 1), "A", "Mother"
        )
        consent.record_decisions(session, dsl, [left], [1, 2], decision, today=TODAY)
        session.execute(update(Pupil).where(Pupil.id == left).values(on_roll=False, left_on=date(2025, 7, 20)))
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    dialog = window.on_retention_action()
    # One row per purpose: each purpose's evidence has its own period.
    assert dialog.table.row_count() == 2 and dialog.table.text(0, 1) == "consent decisions"
    assert "Early" not in " ".join(dialog.table.text(0, c) for c in range(5))
    assert dialog.delete_button.isEnabled()
    answers.answers += [False, True]
    dialog.delete_button.click()
    assert dialog.table.row_count() == 2  # "Keep them": nothing goes
    dialog.delete_button.click()
    assert dialog.table.row_count() == 0 and "Deleted 2 record(s)" in dialog.status_label.text()
    assert "audit trail keeps a stub" in dialog.status_label.text() and "cannot be undone" in answers.asked[0][1]
