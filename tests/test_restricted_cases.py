"""Restricted cases: readable by their named readers only — in the app, and with the files.

A deputy who is not named holds the safeguarding key, the database key and their own key; with all three and
sqlcipher3 they read nothing of the case. Changing the readers gives a new case key (someone taken off keeps nothing
that opens what is written after); the recovery key still reads every case, and gives a reader whose password was
forgotten their cases again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from safeguard_desktop.domain.incidents import Category, EntryKind
from safeguard_desktop.security import keyring, sealed_box
from safeguard_desktop.services import accounts, incidents
from safeguard_desktop.services.accounts.signin import recover, reset_with_recovery_key, sign_in
from safeguard_desktop.services.actors import Role
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.incidents import caseload, restricted
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import school_with_accounts

LEAD = "correct pony staple lantern"
DEPUTY = "purple otter evening quilt"
OTHER = "amber violin coastal heron"
OFFICE = "blue kettle morning drum"
NEW = "silver harbour window maple"
SECRET = "Allegation that Mr Quentin Zebedee messaged a pupil"
LATER = "Xylophone: the LADO advised a strategy meeting"


@pytest.fixture
def school(tmp_path: Path) -> tuple[Path, int, str]:
    folder = tmp_path / "school"
    recovery = school_with_accounts(
        folder,
        LEAD,
        ("d.deputy", Role.DEPUTY_DSL, DEPUTY),
        ("e.deputy", Role.DEPUTY_DSL, OTHER),
        ("o.office", Role.OFFICE, OFFICE),
    )
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, lead, incidents.IncidentInput(Category.REPUTATION, SECRET))
        incidents.add_entry(session, lead, number, EntryKind.ACTION, "Told the headteacher in person")
        restricted.restrict(session, lead, number, ["e.deputy"], "The deputy d.deputy is named in it")
    reg.close()
    return folder, number, recovery


def _texts(folder: Path, key: bytes) -> list[str]:
    """Every text the raw file holds about incidents, as any SQLCipher client reads it."""
    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        found = []
        for table in ("incident", "incident_entry", "audit_entry", "incident_reader"):
            for row in connection.execute(f"SELECT * FROM {table}"):
                found += [value for value in row if isinstance(value, str)]
        return found
    finally:
        connection.close()


def _opens(private: bytes, value: str) -> str | None:
    body = value.split(":", 3)[3] if value.startswith("case:v1:") else value
    if not body.startswith(sealed_box.SEALED_PREFIX):
        return None
    try:
        return sealed_box.open_sealed(private, body)
    except keyring.KeyError_:
        return None


def test_a_lead_not_named_sees_only_that_a_restricted_case_exists(school: tuple[Path, int, str]) -> None:
    folder, number, _recovery = school
    reg, deputy = sign_in(folder, "d.deputy", DEPUTY)
    with write_session(reg.engine) as session:
        line = next(line for line in incidents.incident_lines(session, deputy) if line.id == number)
        assert line.restricted and not line.readable
        for attempt in (lambda: incidents.read_incident(session, deputy, number),
                        lambda: incidents.add_entry(session, deputy, number, EntryKind.ACTION, "x"),
                        lambda: incidents.take_case(session, deputy, number),
                        lambda: restricted.readers(session, deputy, number),
                        lambda: restricted.restrict(session, deputy, number, [], "to see it")):  # fmt: skip
            with pytest.raises(PermissionDenied, match="restricted case"):
                attempt()
        counted = caseload.summarise(incidents.incident_lines(session, deputy), caseload.around(session, deputy))
        assert counted.open == 0  # not in their caseload
        assert [
            line.id for line in caseload.shown(incidents.incident_lines(session, deputy), "All incidents", "", None)
        ]
        assert not caseload.shown(incidents.incident_lines(session, deputy), "Open and monitoring", "", None)
        details = [row.detail for row in audit.browse(session, deputy) if row.action.startswith("restricted")]
        assert details and not any("d.deputy is named" in d for d in details)
    reg.close()
    reg, other = sign_in(folder, "e.deputy", OTHER)
    with write_session(reg.engine) as session:
        view = incidents.read_incident(session, other, number)
        assert view.summary == SECRET and view.restricted and view.category is Category.REPUTATION
        assert [e.text for e in view.entries][:1] == ["Told the headteacher in person"]
        assert {r.username for r in restricted.readers(session, other, number)} == {"a.lead", "e.deputy"}
        incidents.add_entry(session, other, number, EntryKind.ACTION, LATER)
    reg.close()


def test_with_every_key_a_lead_not_named_holds_the_file_gives_up_nothing(school: tuple[Path, int, str]) -> None:
    """The unnamed deputy's database key, safeguarding key and own key, against every text in the raw file."""
    folder, _number, _recovery = school
    keys = keyring.unlock(folder, "d.deputy", DEPUTY)
    assert keys.database_key is not None and keys.safeguarding_private and keys.personal_private
    texts = _texts(folder, keys.database_key)
    assert any(t.startswith("case:v1:") for t in texts)
    opened = [_opens(key, t) for t in texts for key in (keys.safeguarding_private, keys.personal_private)]
    assert not any(o and ("Zebedee" in o or "d.deputy is named" in o or "headteacher" in o) for o in opened)
    named = keyring.unlock(folder, "e.deputy", OTHER)  # a named reader's own key opens their copy of the case key
    assert named.personal_private is not None
    assert any(_opens(named.personal_private, t) for t in texts)


def test_changing_the_readers_gives_a_new_key_that_someone_taken_off_never_had(school: tuple[Path, int, str]) -> None:
    folder, number, _recovery = school
    reg, other = sign_in(folder, "e.deputy", OTHER)
    old_case_key = other.case_keys[number]
    reg.close()
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        restricted.restrict(session, lead, number, [], "e.deputy moved school")
        incidents.add_entry(session, lead, number, EntryKind.ACTION, LATER)
    reg.close()
    database_key = keyring.unlock(folder, "e.deputy", OTHER).database_key
    assert database_key is not None
    texts = _texts(folder, database_key)
    assert not any((o := _opens(old_case_key, t)) and ("Zebedee" in o or "Xylophone" in o) for t in texts)
    reg, other = sign_in(folder, "e.deputy", OTHER)
    assert number not in other.case_keys
    reg.close()


def test_the_recovery_key_reads_every_case_and_gives_a_reader_their_cases_again(
    school: tuple[Path, int, str],
) -> None:
    folder, number, recovery = school
    reg, by_recovery = recover(folder, recovery)
    with write_session(reg.engine) as session:
        assert incidents.read_incident(session, by_recovery, number).summary == SECRET
    reg.close()
    reset_with_recovery_key(folder, recovery, "e.deputy", NEW)  # a forgotten password: a new own key
    reg, other = sign_in(folder, "e.deputy", NEW)
    with write_session(reg.engine) as session:
        assert incidents.read_incident(session, other, number).summary == SECRET
    reg.close()


def test_a_case_opened_to_all_the_leads_reads_for_every_lead_again(school: tuple[Path, int, str]) -> None:
    folder, number, _recovery = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match="why"):
            restricted.open_to_all_leads(session, lead, number, " ")
        restricted.open_to_all_leads(session, lead, number, "The allegation was found to be unfounded")
    reg.close()
    reg, deputy = sign_in(folder, "d.deputy", DEPUTY)
    with write_session(reg.engine) as session:
        view = incidents.read_incident(session, deputy, number)
        assert view.summary == SECRET and not view.restricted
        assert audit.verify(session, deputy).intact
    reg.close()


def test_only_active_leads_can_be_readers_and_a_reason_is_kept(school: tuple[Path, int, str]) -> None:
    folder, number, _recovery = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match="only leads can be readers"):
            restricted.restrict(session, lead, number, ["o.office"], "Office to help")
        with pytest.raises(ValidationError, match="why"):
            restricted.restrict(session, lead, number, ["e.deputy"], "")
        names = restricted.restrict(session, lead, number, ["E.Deputy "], "Kept to the two of us")
        assert names == ["Ann Lead", "E.Deputy"]  # the one restricting is always among them
    with read_session(reg.engine) as session:
        assert audit.verify(session, lead).intact
    reg.close()


def test_readers_keep_their_cases_when_the_leads_keys_are_replaced(school: tuple[Path, int, str]) -> None:
    """Disabling an account replaces the safeguarding key and re-seals what was sealed to it; the restricted case,
    sealed to its own key, stays with its readers (and still not with the others)."""
    from safeguard_desktop.services.accounts import rotation

    folder, number, _recovery = school
    reg, lead = sign_in(folder, "a.lead", LEAD)
    assert reg.keys is not None
    with write_session(reg.engine) as session:
        accounts.set_active(session, lead, reg.folder, reg.keys, "o.office", False)
    rotation.replace_keys(reg, lead)
    reg.close()
    reg, other = sign_in(folder, "e.deputy", OTHER)
    with write_session(reg.engine) as session:
        assert incidents.read_incident(session, other, number).summary == SECRET
    reg.close()
    reg, deputy = sign_in(folder, "d.deputy", DEPUTY)
    with write_session(reg.engine) as session, pytest.raises(PermissionDenied):
        incidents.read_incident(session, deputy, number)
    reg.close()
