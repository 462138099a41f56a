"""Actions to do: an action in the chronology with a due date and the lead it is for counts in that lead's caseload
("N of your actions due", the My actions due view) until an action completes it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from safeguard_desktop.domain.incidents import Category, EntryKind
from safeguard_desktop.services import incidents
from safeguard_desktop.services.accounts.signin import sign_in
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.incidents import caseload
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import school_with_accounts

LEAD = "correct pony staple lantern"
DEPUTY = "purple otter evening quilt"
OFFICE = "blue kettle morning drum"


def _mine(session, actor: Actor) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    lines = incidents.incident_lines(session, actor)
    counted = caseload.summarise(lines, caseload.around(session, actor), actor.username)
    return counted.my_actions_due, [line.id for line in caseload.shown(lines, "My actions due", "", None,
                                                                         actor.username)]  # fmt: skip


def test_an_action_for_a_deputy_is_theirs_until_it_is_done(tmp_path: Path) -> None:
    folder = tmp_path / "school"
    school_with_accounts(folder, LEAD, ("d.deputy", Role.DEPUTY_DSL, DEPUTY), ("o.office", Role.OFFICE, OFFICE))
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, lead, incidents.IncidentInput(Category.PRIVACY, "A photo"))
        with pytest.raises(ValidationError, match="due today or later"):
            incidents.add_entry(session, lead, number, EntryKind.ACTION, "Call the parent",
                                due_on=date.today() - timedelta(days=1))  # fmt: skip
        with pytest.raises(ValidationError, match="not an active safeguarding lead"):
            incidents.add_entry(session, lead, number, EntryKind.ACTION, "Call the parent", due_on=date.today(),
                                assignee="o.office")  # fmt: skip
        with pytest.raises(ValidationError, match="Only an action"):
            incidents.add_entry(session, lead, number, EntryKind.DECISION, "x", reason="y", due_on=date.today())
        todo = incidents.add_entry(session, lead, number, EntryKind.ACTION, "Call the parent", due_on=date.today(),
                                   assignee="d.deputy")  # fmt: skip
        later = incidents.add_entry(session, lead, number, EntryKind.ACTION, "Check the post is gone",
                                    due_on=date.today() + timedelta(days=7))  # fmt: skip
        assert _mine(session, lead) == (0, [])  # the lead's own is not due until next week
        assert {a["entry"] for a in incidents.read_incident(session, lead, number).actions} == {todo, later}
    reg.close()
    reg, deputy = sign_in(folder, "d.deputy", DEPUTY)
    with write_session(reg.engine) as session:
        assert _mine(session, deputy) == (1, [number])
        assert (
            "1 of your actions due"
            in caseload.summarise(
                incidents.incident_lines(session, deputy), caseload.around(session, deputy), deputy.username
            ).describe()
        )
        with pytest.raises(ValidationError, match="not an action of this incident still to do"):
            incidents.add_entry(session, deputy, number, EntryKind.ACTION, "Done", completes=9999)
        incidents.add_entry(session, deputy, number, EntryKind.ACTION, "Spoke to the mother", completes=todo)
        assert _mine(session, deputy) == (0, [])
        assert [a["entry"] for a in incidents.read_incident(session, deputy, number).actions] == [later]
    reg.close()


def test_actions_are_kept_on_a_register_without_accounts(reg: Register, dsl: Actor) -> None:
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(Category.PRIVACY, "A photo"))
        entry = incidents.add_entry(session, dsl, number, EntryKind.ACTION, "Ring back", due_on=date.today())
    with read_session(reg.engine) as session:
        view = incidents.read_incident(session, dsl, number)
        assert [a["entry"] for a in view.actions] == [entry] and view.category is Category.PRIVACY
        assert [line.actions for line in incidents.incident_lines(session, dsl)] == [((date.today(), ""),)]
