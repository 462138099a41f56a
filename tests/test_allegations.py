"""Allegations against staff follow KCSIE Part 4: restricted from the start, the LADO due within one working day, a
case manager named, a finding at the end, kept to pension age or 10 years, a malicious one removed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from safeguard_desktop.domain.incidents import FINDINGS, Category, EntryKind, Status, Urgency, next_working_day
from safeguard_desktop.domain.retention import add_years
from safeguard_desktop.services import incidents
from safeguard_desktop.services.accounts.signin import sign_in
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import NotFound, PermissionDenied, ValidationError
from safeguard_desktop.services.incidents import allegations, restricted
from safeguard_desktop.services.records import audit, retention
from safeguard_desktop.store.engine import write_session

from .conftest import school_with_accounts

LEAD = "correct pony staple lantern"
DEPUTY = "purple otter evening quilt"
WHAT = "A parent says Mr Quentin Zebedee sent her son messages on a gaming app"


@pytest.fixture
def school(tmp_path: Path) -> tuple[Path, int]:
    folder = tmp_path / "school"
    school_with_accounts(folder, LEAD, ("d.deputy", Role.DEPUTY_DSL, DEPUTY))
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, lead, incidents.IncidentInput(
            Category.ALLEGATION, WHAT, urgency=Urgency.LOW))  # fmt: skip
    reg.close()
    return folder, number


def test_an_allegation_is_restricted_from_the_start_high_and_due_the_next_working_day(
    school: tuple[Path, int],
) -> None:
    folder, number = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        view = incidents.read_incident(session, lead, number)
        assert view.restricted and view.category is Category.ALLEGATION and view.urgency is Urgency.HIGH
        assert view.follow_up_on == next_working_day(view.reported_at)
        assert [r.username for r in restricted.readers(session, lead, number)] == ["a.lead"]
    reg.close()
    reg, deputy = sign_in(folder, "d.deputy", DEPUTY)
    with write_session(reg.engine) as session:
        with pytest.raises(PermissionDenied):
            incidents.read_incident(session, deputy, number)
        seen = [row for row in audit.browse(session, deputy) if row.record_id == str(number)]
        assert seen and not any("allegation" in row.detail for row in seen)  # not even its category
    reg.close()


def test_staff_are_sent_to_the_headteacher_not_to_the_form() -> None:
    staff = Actor("Sam Staff", Role.STAFF, "s.staff")
    with pytest.raises(ValidationError, match="headteacher in person"):
        incidents.record_checked(None, staff, incidents.checked_input(  # type: ignore[arg-type]
            incidents.IncidentInput(Category.ALLEGATION, WHAT)))  # fmt: skip


def test_the_case_manager_and_the_lado_are_recorded_in_the_chronology(school: tuple[Path, int]) -> None:
    folder, number = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match="case manager"):
            allegations.set_part4(session, lead, number, case_manager=" ", about_head=False)
        allegations.set_part4(session, lead, number, case_manager="Mrs Helen Carter", about_head=False,
                              pension_age_on=date(2051, 4, 1))  # fmt: skip
        details = allegations.part4(session, lead, number)
        assert details is not None and details.case_manager == "Mrs Helen Carter" and not details.lado_told
        incidents.add_entry(session, lead, number, EntryKind.REFERRAL, "Case manager spoke to the LADO",
                            referral_to="LADO")  # fmt: skip
        details = allegations.part4(session, lead, number)
        assert details is not None and details.lado_told
        said = [e.text for e in incidents.read_incident(session, lead, number).entries]
        assert any(t.startswith("Case manager: Mrs Helen Carter (the headteacher)") for t in said)
        other = incidents.record_incident(session, lead, incidents.IncidentInput(Category.PRIVACY, "A photo"))
        assert allegations.part4(session, lead, other) is None
        with pytest.raises(ValidationError, match="not an allegation"):
            allegations.set_part4(session, lead, other, case_manager="Mrs Carter", about_head=False)
    reg.close()


def test_it_closes_with_a_finding_and_is_kept_to_pension_age_or_ten_years(school: tuple[Path, int]) -> None:
    folder, number = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        allegations.set_part4(session, lead, number, case_manager="Mrs Helen Carter", about_head=False,
                              pension_age_on=date(2051, 4, 1))  # fmt: skip
        with pytest.raises(ValidationError, match="finding"):
            incidents.set_status(session, lead, number, Status.CLOSED, outcome="Advice given", reason="LADO agreed")
        incidents.set_status(session, lead, number, Status.CLOSED, outcome="Advice given", reason="LADO agreed",
                             finding="unsubstantiated")  # fmt: skip
        details = allegations.part4(session, lead, number)
        assert details is not None and details.finding == "unsubstantiated" and details.keep_until == date(2051, 4, 1)
        assert not [d for d in retention.review(session, lead) if d.kind == "allegation against staff"]
        due = [
            d for d in retention.review(session, lead, today=date(2051, 4, 1)) if d.kind == "allegation against staff"
        ]
        assert [d.record for d in due] == [f"incident {number}"] and "pension age" in due[0].rule
        with pytest.raises(ValidationError, match="not an allegation due"):
            allegations.remove(session, lead, number)
    reg.close()


def test_a_malicious_allegation_is_listed_for_removal_at_once_and_removed(school: tuple[Path, int]) -> None:
    folder, number = school
    assert "malicious" in FINDINGS
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        incidents.set_status(session, lead, number, Status.CLOSED, outcome="Made up to cause harm",
                             reason="LADO agreed: malicious", finding="malicious")  # fmt: skip
        due = [d for d in retention.review(session, lead) if d.kind == "allegation against staff"]
        assert [d.record for d in due] == [f"incident {number}"] and "removed" in due[0].rule
        allegations.remove(session, lead, number)
        with pytest.raises(NotFound):
            incidents.read_incident(session, lead, number)
        assert audit.verify(session, lead).intact
        assert any(row.action == "removed an allegation's record" for row in audit.browse(session, lead))
    reg.close()


def test_ten_years_when_no_pension_age_is_known(school: tuple[Path, int]) -> None:
    folder, number = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        incidents.set_status(session, lead, number, Status.CLOSED, outcome="No case to answer", reason="LADO",
                             finding="unfounded")  # fmt: skip
        details = allegations.part4(session, lead, number)
        reported = incidents.read_incident(session, lead, number).reported_at.date()
        assert details is not None and details.keep_until == add_years(reported, 10)
    reg.close()


def test_the_command_line_logs_restricts_names_the_case_manager_and_closes_with_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguard_desktop.cli import main

    from .conftest import cli_register

    lead = cli_register(tmp_path, capsys)
    assert main([*lead, "incidents", "add", "--category", Category.ALLEGATION.value, "--summary", WHAT]) == 0
    number = int(capsys.readouterr().out.split()[-1].rstrip("."))
    assert main([*lead, "incidents", "readers", str(number)]) == 0
    assert "lead" in capsys.readouterr().out
    assert main([*lead, "incidents", "part4", str(number), "--case-manager", "Mrs Helen Carter"]) == 0
    assert main([*lead, "incidents", "list"]) == 0
    assert "RESTRICTED" in capsys.readouterr().out
    assert main([*lead, "incidents", "close", str(number), "--outcome", "Advice", "--reason", "LADO"]) == 2
    assert "finding" in capsys.readouterr().err
    assert main([*lead, "incidents", "close", str(number), "--outcome", "Advice", "--reason", "LADO", "--finding",
                 "malicious"]) == 0  # fmt: skip
    assert main([*lead, "incidents", "remove", str(number)]) == 0
    assert "Removed the record" in capsys.readouterr().out
    assert main([*lead, "incidents", "unrestrict", str(number), "--reason", "x"]) != 0  # it is gone
