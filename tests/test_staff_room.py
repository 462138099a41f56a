"""Staff hold no key to the register: attacks from the files with a staff account's password, and the staff room.

Every attack starts from what a member of staff has — their password and the data folder — and uses sqlcipher3
and the JSON files as any client would, never the app's own code paths for the attack itself.
"""

from __future__ import annotations

import base64
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.security.envelopes import open_envelope
from safeguard_desktop.services import accounts, events, incidents
from safeguard_desktop.services.accounts import rotation, staff_reports, staff_room
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register, sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import key_opens

LEAD, STAFF, OFFICE = (next(p for u, p, r, _ in DEMO_ACCOUNTS if u == name) for name in ("dsl", "staff", "office"))
SECOND = "second teacher password here"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo school with a second member of staff and an event next week, published to staff."""
    folder = tmp_path_factory.mktemp("room") / "school"
    reg, dsl = create_demo_register(folder, pupils=60)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.add_account(
            session, dsl, folder, reg.keys, accounts.NewAccount("t.two", "Tess Two", Role.STAFF, SECOND)
        )
        events.create_event(session, dsl, events.EventInput(
            "Nativity", datetime.now() + timedelta(days=7), "Hall", FilmingPolicy.PERSONAL_USE,
            year_groups=["Year 2"]))  # fmt: skip
    reg.close()
    reg, dsl = sign_in(folder, "dsl", LEAD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        staff_room.publish(session, dsl, reg.keys, folder)
    reg.close()
    return folder


@pytest.fixture
def school(made: Path, tmp_path: Path) -> Path:
    """A fresh copy for each test (attacks change the files)."""
    copy = tmp_path / "school"
    shutil.copytree(made, copy)
    return copy


def _desk(folder: Path, user: str, password: str) -> staff_room.StaffDesk:
    desk, actor = sign_in(folder, user, password)
    assert isinstance(desk, staff_room.StaffDesk) and actor.role is Role.STAFF
    return desk


def test_no_key_a_staff_password_reaches_opens_the_register(school: Path) -> None:
    keys = keyring.unlock(school, "staff", STAFF)
    assert keys.database_key is None
    data = json.loads((school / keyring.SLOTS_FILE).read_text(encoding="utf-8"))
    envelope = data.get("envelopes", {}).get("staff")
    opened = open_envelope(envelope, keys.personal_private) if envelope else None
    assert opened is None or opened.database_key is None
    # Every 32-byte secret the account can reach: its personal key, and anything its envelope holds.
    reachable = [k for k in (keys.personal_private, keys.safeguarding_private, keys.authority_private) if k]
    assert reachable and not any(key_opens(school, key) for key in reachable)
    # The office's and the lead's do open it: the check itself can say yes.
    assert key_opens(school, keyring.unlock(school, "office", OFFICE).register_key)


def test_staff_read_names_and_briefings_and_nothing_else(school: Path) -> None:
    desk = _desk(school, "staff", STAFF)
    published = staff_room.read_published(school, desk.keys)
    assert published is not None and published.school.startswith("Oakfield Primary School")
    assert len(published.directory) == 60 and published.names["staff"] == "Chris Moore (teacher)"
    (briefing,) = published.briefings
    assert briefing.name == "Nativity" and briefing.pdf.startswith(b"%PDF")
    # What the file holds for staff, opened by hand, has names and classes only: no date of birth, consent, UPN.
    raw = (school / "staffroom" / "published.json").read_bytes()
    assert b"Year 2" not in raw and b"Nativity" not in raw  # nothing readable without a wrap
    entry = published.directory[0]
    assert set(vars(entry)) == {"id", "name", "year_group", "reg_group"}
    assert desk.actor(published).name == "Chris Moore (teacher)"


def test_a_publication_altered_forged_or_put_back_is_refused(school: Path, tmp_path: Path) -> None:
    path = school / "staffroom" / "published.json"
    older = tmp_path / "older.json"
    shutil.copy(path, older)
    desk = _desk(school, "staff", STAFF)
    assert staff_room.read_published(school, desk.keys) is not None
    # One character of the content changed.
    data = json.loads(path.read_text(encoding="utf-8"))
    body = bytearray(base64.b64decode(data["body"]))
    body[40] ^= 1
    data["body"] = base64.b64encode(bytes(body)).decode()
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(staff_room.StaffRoomProblem, match="altered outside the app"):
        staff_room.read_published(school, desk.keys)
    # A member of staff publishing in their own name (their key is real, but staff are not publishers).
    other = _desk(school, "t.two", SECOND)
    data = json.loads(older.read_text(encoding="utf-8"))
    data["publisher"] = "t.two"
    assert other.keys.personal_private is not None
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(staff_room.StaffRoomProblem, match="altered outside the app"):
        staff_room.read_published(school, desk.keys)
    # A newer publication read, then the older one put back in its place.
    reg, dsl = sign_in(school, "dsl", LEAD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        staff_room.publish(session, dsl, reg.keys, school)
    reg.close()
    assert staff_room.read_published(school, desk.keys) is not None
    shutil.copy(older, path)
    with pytest.raises(staff_room.StaffRoomProblem, match="older copy was put in its place"):
        staff_room.read_published(school, desk.keys)


def test_a_report_reaches_the_leads_once_and_its_reporter_sees_it_move(school: Path) -> None:
    desk = _desk(school, "staff", STAFF)
    published = staff_room.read_published(school, desk.keys)
    assert published is not None
    pupil = published.directory[0]
    staff_reports.submit(school, desk.actor(published), desk.keys, incidents.IncidentInput(
        Category.CYBERBULLYING, "Group chat Quetzal mocking a pupil",
        people=[incidents.PersonInput("pupil", "affected", pupil.id)]))  # fmt: skip
    (sent,) = staff_reports.my_reports(school, desk.keys)
    assert sent.incident is None and "not yet" in sent.state
    raw = b"".join(p.read_bytes() for p in (school / "staffroom").rglob("*.json"))
    assert b"Quetzal" not in raw
    reg, dsl = sign_in(school, "dsl", LEAD)  # the sign-in takes it in
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        (view,) = [v for v in incidents.list_incidents(session, dsl) if "Quetzal" in v.summary]
        assert view.reported_by == "Chris Moore (teacher)" and view.people[0].pupil_id == pupil.id
        assert staff_reports.take_in(session, dsl, reg.keys, school).received == []  # never twice
        incidents.set_status(session, dsl, view.id, incidents.Status.CLOSED, outcome="Chat removed",
                             reason="Platform took it down")  # fmt: skip
        staff_reports.take_in(session, dsl, reg.keys, school)
    reg.close()
    (sent,) = staff_reports.my_reports(school, desk.keys)
    assert sent.incident == view.id and sent.status == "closed"
    # The other member of staff sees none of it.
    assert staff_reports.my_reports(school, _desk(school, "t.two", SECOND).keys) == []


def test_a_report_forged_in_a_colleagues_name_is_refused_and_left(school: Path) -> None:
    forger = _desk(school, "t.two", SECOND)
    report_id = staff_reports.submit(school, forger.actor(), forger.keys, incidents.IncidentInput(
        Category.REPUTATION, "A false allegation"))  # fmt: skip
    path = school / "staffroom" / "reports" / f"{report_id}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    # Sealed with t.two's key, claiming to be from Chris Moore (anyone can seal a name to the public key).
    document["from_sealed"] = sealed_box.seal(forger.keys.safeguarding_public, "staff")
    path.write_text(json.dumps(document), encoding="utf-8")
    reg, dsl = sign_in(school, "dsl", LEAD)
    assert any("does not open with the key of the account it names (staff)" in n for n in reg.notices)
    with read_session(reg.engine) as session:
        assert not [v for v in incidents.list_incidents(session, dsl) if "false allegation" in v.summary]
    reg.close()
    assert path.exists()  # left, unread, for the leads to look at


def test_a_colleague_with_the_folder_cannot_tell_who_sent_a_report(school: Path) -> None:
    """Who sent a concern is sealed to the safeguarding key: the file names nobody, and a report from before that
    named its sender in the open is written again without the name when a lead takes it in."""
    desk = _desk(school, "staff", STAFF)
    me = desk.actor(staff_room.read_published(school, desk.keys))
    first = staff_reports.submit(school, me, desk.keys, incidents.IncidentInput(
        Category.PRIVACY, "Photos of the trip posted"))  # fmt: skip
    second = staff_reports.submit(school, me, desk.keys, incidents.IncidentInput(
        Category.CYBERBULLYING, "A group chat"))  # fmt: skip
    reports = school / "staffroom" / "reports"
    raw = (reports / f"{first}.json").read_bytes()
    assert b"staff" not in raw.replace(b"staffroom", b"") and b"Chris" not in raw and b"Moore" not in raw
    # The second as a report of format 1 (from before) would have been: its sender's name in the open.
    old = json.loads((reports / f"{second}.json").read_text(encoding="utf-8"))
    old = {"format": 1, "id": old["id"], "from": "staff", "sealed": old["sealed"]}
    (reports / f"{second}.json").write_text(json.dumps(old), encoding="utf-8")
    assert {r.id for r in staff_reports.my_reports(school, desk.keys)} == {first, second}
    assert staff_reports.my_reports(school, _desk(school, "t.two", SECOND).keys) == []
    reg, dsl = sign_in(school, "dsl", LEAD)  # takes both in
    with read_session(reg.engine) as session:
        taken = {v.summary: v.reported_by for v in incidents.list_incidents(session, dsl)}
    reg.close()
    assert taken["Photos of the trip posted"] == taken["A group chat"] == "Chris Moore (teacher)"
    rewritten = json.loads((reports / f"{second}.json").read_text(encoding="utf-8"))
    assert "from" not in rewritten and rewritten["format"] == 2
    assert {r.id for r in staff_reports.my_reports(school, desk.keys)} == {first, second}


def test_a_report_deleted_before_a_lead_read_it_is_sent_again(school: Path) -> None:
    desk = _desk(school, "staff", STAFF)
    report_id = staff_reports.submit(school, desk.actor(), desk.keys, incidents.IncidentInput(
        Category.PRIVACY, "Photos of the trip posted"))  # fmt: skip
    (school / "staffroom" / "reports" / f"{report_id}.json").unlink()  # by anyone with the folder
    desk = _desk(school, "staff", STAFF)  # the reporter's next sign-in puts it back from their own copy
    assert any("sent again" in n for n in desk.notices)
    assert [r.id for r in staff_reports.my_reports(school, desk.keys)] == [report_id]


def test_a_register_from_before_takes_the_register_key_from_staff(school: Path) -> None:
    # As registers were before: a staff slot wrapping the database key, and no mark that staff hold none.
    lead = keyring.unlock(school, "dsl", LEAD)
    staff = keyring.unlock(school, "staff", STAFF)
    data = json.loads((school / keyring.SLOTS_FILE).read_text(encoding="utf-8"))
    public = base64.b64decode(data["users"]["staff"]["personal_public"])
    assert staff.personal_private is not None and lead.authority_public is not None
    data["users"]["staff"] = keyring._slot_for(STAFF, lead.register_key, None, (staff.personal_private, public),
                                               (None, lead.authority_public), lead.generation)  # fmt: skip
    data.pop(rotation.STAFF_KEYLESS)
    data.pop("envelopes", None)
    (school / keyring.SLOTS_FILE).write_text(json.dumps(data), encoding="utf-8")
    old = keyring.unlock(school, "staff", STAFF).database_key
    assert old is not None and key_opens(school, old)
    reg, _lead = sign_in(school, "dsl", LEAD)  # the lead's sign-in replaces the keys
    reg.close()
    assert rotation.owed(school) is None
    assert not key_opens(school, old)
    desk = _desk(school, "staff", STAFF)
    assert desk.keys.database_key is None
    assert staff_room.read_published(school, desk.keys) is not None


def test_the_command_line_publishes_and_tells_staff_they_hold_no_register_key(
    school: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguard_desktop.cli import main

    secret = tmp_path / "office.password"
    secret.write_text(OFFICE + "\n", encoding="utf-8")
    before = json.loads((school / "staffroom" / "published.json").read_text(encoding="utf-8"))["version"]
    assert main(["--data-dir", str(school), "--user", "office", "--password-file", str(secret), "publish"]) == 0
    assert (
        "Published to 2 staff account(s): 60 pupils' names and classes, 1 event briefing(s)." in capsys.readouterr().out
    )
    after = json.loads((school / "staffroom" / "published.json").read_text(encoding="utf-8"))["version"]
    assert after > before
    secret.write_text(STAFF + "\n", encoding="utf-8")
    assert main(["--data-dir", str(school), "--user", "staff", "--password-file", str(secret), "pupils"]) == 2
    err = capsys.readouterr().err
    assert "Staff accounts hold no key to the register" in err and "Traceback" not in err


def test_a_lead_signed_in_is_alerted_to_an_urgent_report_and_sees_what_is_new(school: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.incidents import caseload
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    reg, dsl = sign_in(school, "dsl", LEAD)  # a sign-in before: what comes after it is new
    reg.close()
    reg, dsl = sign_in(school, "dsl", LEAD)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    screen = window.incidents_screen
    assert screen is not None
    window.show()
    window.tabs.setCurrentWidget(screen)
    assert screen.take_in_timer.isActive()  # while signed in, staff reports keep being taken in
    with read_session(reg.engine) as session:
        assert caseload.since_last_sign_in(session, dsl) is not None
    # WHEN a member of staff sends a report of immediate danger while the lead is signed in, in another screen
    window.tabs.setCurrentWidget(window.register_screen)
    desk = _desk(school, "staff", STAFF)
    published = staff_room.read_published(school, desk.keys)
    assert published is not None
    staff_reports.submit(school, desk.actor(published), desk.keys, incidents.IncidentInput(
        Category.GROOMING, "An adult messaging a pupil asking to meet", incidents.Urgency.IMMEDIATE))  # fmt: skip
    screen.take_in_quietly()
    # THEN it is first in the list, its urgency standing out, and the alert stays until the lead has seen it
    assert "URGENT" in screen.caseload_label.text()
    assert screen.list.row_count() == 1 and "IMMEDIATE" in screen.list.row_text(0)
    assert window.tabs.tabText(window.tabs.indexOf(screen)) == "&Incidents · 1 urgent"
    window.tabs.setCurrentWidget(screen)
    screen.reload(screen.chosen_id())
    assert "URGENT" not in screen.caseload_label.text() and screen.current is not None
    screen.view_combo.setCurrentText("New since I last signed in")
    assert screen.list.row_count() == 1
    screen.view_combo.setCurrentText("Closed")
    assert screen.list.row_count() == 0
    screen.view_combo.setCurrentText("All incidents")
    screen.search_edit.setText("grooming")
    assert screen.list.row_count() == 1
    screen.search_edit.setText("scam")
    assert screen.list.row_count() == 0
    # the lead takes the case: it is theirs in the list, the facts and the caseload
    screen.search_edit.clear()
    assert "nobody's case yet" in screen.facts.text() and screen.take_button.isEnabled()
    screen.take_case()
    assert "case owner" in screen.facts.text() and screen.take_button.text() == "Your case ✓"
    assert not screen.take_button.isEnabled() and "1 your case(s)" in screen.caseload_label.text()
    screen.view_combo.setCurrentText("My cases, not closed")
    assert screen.list.row_count() == 1
    window.close()
    reg.close()


def test_an_action_written_up_later_keeps_both_times_and_a_reopening_needs_its_reason(school: Path) -> None:
    from safeguard_desktop.services.errors import ValidationError

    reg, dsl = sign_in(school, "dsl", LEAD)
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "A fake fees email"))
        yesterday = datetime.now().replace(microsecond=0) - timedelta(days=1)
        incidents.add_entry(session, dsl, number, incidents.EntryKind.ACTION, "Phoned the parent",
                            happened_at=yesterday)  # fmt: skip
        with pytest.raises(ValidationError, match="future"):
            incidents.add_entry(session, dsl, number, incidents.EntryKind.ACTION, "Will phone",
                                happened_at=datetime.now() + timedelta(hours=2))  # fmt: skip
        incidents.set_status(session, dsl, number, incidents.Status.CLOSED, outcome="Blocked", reason="Done")
        with pytest.raises(ValidationError, match="why the incident is reopened"):
            incidents.set_status(session, dsl, number, incidents.Status.OPEN)
        incidents.set_status(session, dsl, number, incidents.Status.OPEN, reason="A second email came")
        view = incidents.read_incident(session, dsl, number)
    reg.close()
    (phoned,) = [e for e in view.entries if e.text == "Phoned the parent"]
    assert phoned.happened_at == yesterday and phoned.at > yesterday
    assert view.status is incidents.Status.OPEN and view.entries[-1].text == "Status: open (reopened)"
    assert view.entries[-1].reason == "A second email came"


def test_a_lead_takes_a_case_it_shows_as_theirs_and_the_owner_is_sealed(school: Path) -> None:
    from sqlalchemy import select

    from safeguard_desktop.services.errors import ValidationError
    from safeguard_desktop.services.incidents import caseload
    from safeguard_desktop.store.models import Incident

    reg, dsl = sign_in(school, "dsl", LEAD)
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Fake fees email"))
        other = incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Another"))
        with pytest.raises(ValidationError, match="not an active safeguarding lead"):
            incidents.take_case(session, dsl, number, "office")
        assert incidents.take_case(session, dsl, number) == dsl.name
        view = incidents.read_incident(session, dsl, number)
        lines = incidents.incident_lines(session, dsl)
        column = session.scalar(select(Incident.owner).where(Incident.id == number))
    reg.close()
    assert view.owner == "dsl" and view.entries[-1].text == f"Case owner: {dsl.name}"
    assert column is None  # sealed with the facts: a key to the file does not show whose case it is
    mine = caseload.shown(lines, "My cases, not closed", "", None, "dsl")
    assert [line.id for line in mine] == [number]
    assert [line.id for line in caseload.shown(lines, "Nobody's case yet", "", None, "dsl")] == [other]
    assert "1 your case(s)" in caseload.summarise(lines, caseload.Around(), "dsl").describe()
