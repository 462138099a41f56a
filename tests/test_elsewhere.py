"""Changes made elsewhere (another computer on the server, another program on this one) reach the screens without a
restart: each change writes an audit entry, and what the trail grew by beyond this process's own entries is news."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import consent, elsewhere, incidents
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register, sign_in
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import ConsentPurpose

from .conftest import incidents_window

LEAD, DEPUTY, OFFICE = (next(p for u, p, _r, _d in DEMO_ACCOUNTS if u == n) for n in ("dsl", "deputy", "office"))


def _look(reg, actor, seen):  # type: ignore[no-untyped-def]
    with read_session(reg.engine) as session:
        return elsewhere.look(session, actor, seen)


def _reply(reg, actor, pupil: int) -> None:  # type: ignore[no-untyped-def]
    with write_session(reg.engine) as session:
        purpose = session.scalars(select(ConsentPurpose)).first()
        assert purpose is not None
        consent.record_decisions(session, actor, [pupil], [purpose.id], consent.DecisionInput(
            ConsentState.GRANTED, GivenByKind.PARENT, Route.PAPER_SLIP, date.today(), "Parent A", "Mother"))  # fmt: skip


def test_a_change_on_another_computer_is_news_and_ones_own_is_not(tmp_path: Path) -> None:
    folder = tmp_path / "school"
    create_demo_register(folder, pupils=20)[0].close()
    here, lead = sign_in(folder, "dsl", LEAD)
    there, office = sign_in(folder, "office", OFFICE)  # the office PC (its own engine, as another process's)
    try:
        seen, said = _look(here, lead, None)
        assert said == frozenset()
        _reply(there, office, 3)
        seen, said = _look(here, lead, seen)
        assert Topic.CONSENT in said and Topic.INCIDENTS not in said
        _reply(here, lead, 4)  # one's own change: already shown here
        seen, said = _look(here, lead, seen)
        assert said == frozenset()
        _reply(here, lead, 5)
        _reply(there, office, 6)  # one's own and another's in between looks: another's is still news
        seen, said = _look(here, lead, seen)
        assert Topic.CONSENT in said
        seen, said = _look(there, office, _look(there, office, None)[0])
        assert said == frozenset()
    finally:
        here.close()
        there.close()


def test_an_incident_logged_elsewhere_appears_on_the_leads_list(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "school"
    create_demo_register(folder, pupils=20)[0].close()
    reg, lead = sign_in(folder, "dsl", LEAD)
    window, screen = incidents_window(qtbot, reg, lead)
    before = screen.list.row_count()
    other, deputy = sign_in(folder, "deputy", DEPUTY)  # the deputy, at another computer
    try:
        with write_session(other.engine) as session:
            number = incidents.record_incident(session, deputy, incidents.IncidentInput(
                Category.CYBERBULLYING, "Logged on the deputy's PC"))  # fmt: skip
    finally:
        other.close()
    assert screen.list.row_count() == before  # not yet looked
    window.elsewhere.look()  # (its timer's next tick)
    assert screen.list.row_count() == before + 1 and screen.list.rows.key(0) == number
    reg.close()


def test_an_urgent_incident_logged_elsewhere_is_flagged_and_ones_own_is_not(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.kit.ops import run_op

    folder = tmp_path / "school"
    create_demo_register(folder, pupils=20)[0].close()
    reg, lead = sign_in(folder, "dsl", LEAD)
    window, screen = incidents_window(qtbot, reg, lead)
    urgent = incidents.IncidentInput(Category.CYBERBULLYING, "Threats to meet after school", incidents.Urgency.HIGH)
    mine: list[int] = []

    def logged(number: int) -> None:  # as the screen's own form does: the new one chosen
        screen._select_next = number
        mine.append(number)

    run_op(window.context, screen, incidents.record_incident, urgent, on_done=logged)
    assert mine and screen.urgent_unread == set()  # one's own: not news
    window.elsewhere.look()
    assert screen.urgent_unread == set()
    other, deputy = sign_in(folder, "deputy", DEPUTY)
    try:
        with write_session(other.engine) as session:
            theirs = incidents.record_incident(session, deputy, urgent)
    finally:
        other.close()
    window.elsewhere.look()
    assert screen.urgent_unread == {theirs} and "URGENT" in screen.caseload_label.text()
    reg.close()
