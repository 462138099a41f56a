"""Recording decisions: append-only history, who/how/what wording, roles, the never-photograph flag."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route, Verdict
from safeguard_desktop.services import consent, settings
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import DecisionInput, grid
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, ConsentDecision

from .conftest import SIMS_HEADERS, TODAY, sims_rows, write_csv


@pytest.fixture
def school(tmp_path: Path, reg: Register, dsl: Actor) -> Register:
    rows = sims_rows(3)
    rows[2][5] = "01/01/2012"  # pupil 3 is 14: old enough for their own consent
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
    return reg


def ids(reg: Register) -> tuple[list[int], dict[str, int]]:
    with read_session(reg.engine) as session:
        snap = grid.load_register(session, Actor("x", "dsl"), on=TODAY)  # type: ignore[arg-type]
        return [r.id for r in sorted(snap.rows, key=lambda r: r.surname)], {p.code: p.id for p in snap.purposes}


def grant(state: ConsentState = ConsentState.GRANTED, given: date = date(2026, 9, 5), **kw: object) -> DecisionInput:
    base = dict(
        state=state,
        given_by_kind=GivenByKind.PARENT,
        route=Route.PAPER_SLIP,
        given_on=given,
        given_by_name="Sarah Surname",
        given_by_relationship="Mother",
    )
    base.update(kw)
    return DecisionInput(**base)  # type: ignore[arg-type]


def verdicts(reg: Register, pupil_id: int) -> dict[str, Verdict]:
    with read_session(reg.engine) as session:
        snap = grid.load_register(session, Actor("x", "dsl"), on=TODAY)  # type: ignore[arg-type]
    row = next(r for r in snap.rows if r.id == pupil_id)
    return {p.code: v for p, v in zip(snap.purposes, row.verdicts, strict=True)}


def test_every_purpose_starts_as_no_decision(school: Register) -> None:
    pupils, _ = ids(school)
    assert set(verdicts(school, pupils[0]).values()) == {Verdict.NO_DECISION}


def test_withdrawal_keeps_the_history(school: Register, dsl: Actor) -> None:
    pupils, purposes = ids(school)
    with write_session(school.engine) as session:
        consent.record_decisions(session, dsl, [pupils[0]], [purposes["website"]], grant(), today=TODAY)
    assert verdicts(school, pupils[0])["website"] is Verdict.YES
    with write_session(school.engine) as session:
        consent.record_decisions(
            session,
            dsl,
            [pupils[0]],
            [purposes["website"]],
            grant(ConsentState.WITHDRAWN, TODAY, route=Route.EMAIL),
            today=TODAY,
        )
    assert verdicts(school, pupils[0])["website"] is Verdict.WITHDRAWN
    with write_session(school.engine) as session:
        detail = grid.pupil_detail(session, dsl, pupils[0], on=TODAY)
    assert [(h.state, h.route) for h in detail.history] == [("withdrawn", "email"), ("granted", "paper slip")]
    first = detail.history[1]
    assert (first.given_by_name, first.given_by_relationship, first.wording_version, first.recorded_by) == (
        "Sarah Surname",
        "Mother",
        1,
        "Dana Lead",
    )


def test_a_selection_gets_one_decision_per_pupil_and_purpose(school: Register, office: Actor) -> None:
    pupils, purposes = ids(school)
    with write_session(school.engine) as session:
        n = consent.record_decisions(
            session, office, pupils, [purposes["website"], purposes["press"]], grant(ConsentState.REFUSED), today=TODAY
        )
    assert n == 6
    for pid in pupils:
        v = verdicts(school, pid)
        assert (
            v["website"] is Verdict.REFUSED and v["press"] is Verdict.REFUSED and v["displays"] is Verdict.NO_DECISION
        )


def test_wording_version_is_recorded(school: Register, dsl: Actor) -> None:
    pupils, purposes = ids(school)
    with write_session(school.engine) as session:
        settings.update_purpose(
            session, dsl, purposes["website"], name="School website", description="New words", active=True
        )
        consent.record_decisions(session, dsl, [pupils[0]], [purposes["website"]], grant(), today=TODAY)
    with read_session(school.engine) as session:
        assert session.scalar(select(ConsentDecision.wording_version)) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"given_by_name": ""}, "who gave"),
        ({"given_by_relationship": ""}, "related"),
        ({"given_on": date(2026, 12, 1)}, "future"),
        ({"valid_until": date(2026, 9, 1)}, "before the date"),
        ({"note": "bad\x00note"}, "NUL character"),
    ],
)
def test_bad_decisions_are_refused_with_a_reason(school: Register, dsl: Actor, change: dict, message: str) -> None:
    pupils, purposes = ids(school)
    with pytest.raises(ValidationError, match=message), write_session(school.engine) as session:
        consent.record_decisions(session, dsl, [pupils[0]], [purposes["website"]], grant(**change), today=TODAY)
    with read_session(school.engine) as session:
        assert session.scalar(select(func.count()).select_from(ConsentDecision)) == 0


def test_pupils_own_consent_only_from_the_school_age(school: Register, dsl: Actor) -> None:
    pupils, purposes = ids(school)
    own = grant(given_by_kind=GivenByKind.PUPIL, given_on=TODAY)
    with pytest.raises(ValidationError, match="under 13"), write_session(school.engine) as session:
        consent.record_decisions(session, dsl, [pupils[0]], [purposes["website"]], own, today=TODAY)
    with write_session(school.engine) as session:
        consent.record_decisions(session, dsl, [pupils[2]], [purposes["website"]], own, today=TODAY)
    with write_session(school.engine) as session:
        detail = grid.pupil_detail(session, dsl, pupils[2], on=TODAY)
    assert detail.history[0].given_by_kind == "pupil"


def test_never_photograph_overrides_and_its_reason_is_for_leads_only(
    school: Register, dsl: Actor, office: Actor
) -> None:
    pupils, purposes = ids(school)
    with write_session(school.engine) as session:
        consent.record_decisions(session, dsl, [pupils[1]], list(purposes.values()), grant(), today=TODAY)
        consent.set_never_photograph(session, dsl, pupils[1], True, "Court order")
    assert set(verdicts(school, pupils[1]).values()) == {Verdict.NEVER_PHOTOGRAPH}
    with write_session(school.engine) as session:
        lead_view = grid.pupil_detail(session, dsl, pupils[1])
        office_view = grid.pupil_detail(session, office, pupils[1])
    assert lead_view.never_photograph_reason == "Court order"
    assert office_view.never_photograph_reason is None and office_view.reason_hidden
    with pytest.raises(PermissionDenied), write_session(school.engine) as session:
        consent.set_never_photograph(session, office, pupils[1], False)
    with pytest.raises(ValidationError, match="reason"), write_session(school.engine) as session:
        consent.set_never_photograph(session, dsl, pupils[0], True, "")
    with read_session(school.engine) as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "set never-photograph" in actions and "viewed never-photograph reason" in actions


def test_staff_cannot_see_or_edit_the_register(school: Register, staff: Actor) -> None:
    pupils, purposes = ids(school)
    with pytest.raises(PermissionDenied), read_session(school.engine) as session:
        grid.load_register(session, staff)
    with pytest.raises(PermissionDenied), write_session(school.engine) as session:
        consent.record_decisions(session, staff, pupils, [purposes["website"]], grant(), today=TODAY)


def test_school_details_and_purposes(reg: Register, dsl: Actor, office: Actor) -> None:
    details = settings.SchoolDetails("St Mary's & St John's", "1 Road", "Mrs Head", "Mr DSL", 12, None)
    with write_session(reg.engine) as session:
        settings.update_school(session, dsl, details)
    with read_session(reg.engine) as session:
        saved = settings.get_school(session)
    assert (saved.name, saved.self_consent_age) == ("St Mary's & St John's", 12)
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        settings.update_school(session, office, details)
    with pytest.raises(ValidationError, match="PNG"), write_session(reg.engine) as session:
        settings.update_school(session, dsl, details.__class__(**{**details.__dict__, "logo_png": b"GIF89a"}))
    with write_session(reg.engine) as session:
        new_id = settings.add_purpose(session, dsl, "Sports day video", "Filmed at sports day")
        settings.update_purpose(session, dsl, new_id, name="Sports day video", description="x", active=False)
    with read_session(reg.engine) as session:
        active = [p.name for p in grid.list_purposes(session)]
        everything = [p.name for p in grid.list_purposes(session, include_retired=True)]
    assert len(active) == 10 and "Sports day video" not in active and "Sports day video" in everything


def test_a_concurrent_edit_becomes_a_conflict_and_saves_nothing(reg: Register, dsl: Actor) -> None:
    from sqlalchemy import text

    from safeguard_desktop.services.errors import ConflictError
    from safeguard_desktop.services.transaction import write_session as service_write
    from safeguard_desktop.store.models import ConsentPurpose

    with read_session(reg.engine) as session:
        purpose_id = session.query(ConsentPurpose.id).filter_by(code="website").scalar()
    with pytest.raises(ConflictError, match="Someone else changed"), service_write(reg.engine) as session:
        mine = session.get(ConsentPurpose, purpose_id)
        assert mine is not None
        _ = mine.description  # loaded at version 1
        # another client saves first
        session.execute(text("UPDATE consent_purpose SET version = version + 1 WHERE id = :i"), {"i": purpose_id})
        mine.description = "Mine"
    with read_session(reg.engine) as session:
        kept = session.get(ConsentPurpose, purpose_id)
        assert kept is not None and kept.description != "Mine"
