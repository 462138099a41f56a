"""The office's key opens the register file, and with it nothing of incidents: attacks from the files.

The office holds the database key (they keep the register). Everything an incident is — its category, axis,
urgency, status, dates, reporter, the people involved, what each chronology entry is and who it went to — is
sealed to the safeguarding key, as are the trail's details about incidents and every two-step secret (to its own
account's key). Read here with sqlcipher3 and the office's key, as any client would.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pyotp
import pytest
import sqlcipher3

from safeguard_desktop.domain.incidents import Category, FourCs
from safeguard_desktop.security import keyring
from safeguard_desktop.services import accounts, incidents
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_demo_register, sign_in
from safeguard_desktop.services.incidents import EntryKind, Status, Urgency, statistics
from safeguard_desktop.services.records import retention, subject_access
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import Incident, IncidentEntry, IncidentPerson

LEAD, OFFICE = (next(p for u, p, _r, _d in DEMO_ACCOUNTS if u == name) for name in ("dsl", "office"))


def _rows(folder: Path, key: bytes, sql: str) -> list[tuple[object, ...]]:
    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        return list(connection.execute(sql).fetchall())
    finally:
        connection.close()


@pytest.fixture
def school(tmp_path: Path) -> tuple[Path, int, str]:
    """The demo school with one incident about a pupil, referred to the police, and a lead with two-step sign-in."""
    folder = tmp_path / "school"
    reg, dsl = create_demo_register(folder, pupils=30)
    secret = accounts.new_totp_secret()
    with write_session(reg.engine) as session:
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.NUDES, "Reported by a friend", urgency=Urgency.IMMEDIATE,
            people=[incidents.PersonInput("pupil", "affected", 7), incidents.PersonInput("staff", "witness",
                                                                                          staff_role="PE")]))  # fmt: skip
        incidents.add_entry(session, dsl, number, EntryKind.REFERRAL, "Rang 101", referral_to="police",
                            reference="CRN 44")  # fmt: skip
        accounts.set_second_factor(session, dsl, "dsl", secret, pyotp.TOTP(secret).now())
    reg.close()
    return folder, number, secret


def test_the_office_key_reads_nothing_an_incident_is(school: tuple[Path, int, str]) -> None:
    folder, number, secret = school
    office = keyring.unlock(folder, "office", OFFICE).register_key
    ((category, axis, urgency, status, reporter, user, occurred, meta),) = _rows(
        folder, office, "SELECT category, four_cs, urgency, status, reported_by, reported_by_user, occurred_at, meta "
        f"FROM incident WHERE id = {number}")  # fmt: skip
    assert (category, axis, urgency, status, reporter, user, occurred) == ("", "", "", "", "", None, None)
    assert str(meta).startswith("sealed:v1:")
    assert _rows(folder, office, "SELECT * FROM incident_person") == []  # not even who, as a row
    for kind, referral, author, meta in _rows(folder, office, "SELECT kind, referral_to, author, meta FROM "
                                                               "incident_entry"):  # fmt: skip
        assert (kind, referral, author) == ("", "", "") and str(meta).startswith("sealed:v1:")
    trail = " ".join(str(v) for row in _rows(folder, office, "SELECT action, detail FROM audit_entry") for v in row)
    for word in [c.value for c in Category] + ["referral", "police"]:
        assert word not in trail
    ((stored,),) = _rows(folder, office, "SELECT secret FROM second_factor WHERE username = 'dsl'")
    assert str(stored).startswith("sealed:v1:") and secret not in str(stored)


def test_the_leads_read_it_all_as_before(school: tuple[Path, int, str]) -> None:
    folder, number, secret = school
    reg, dsl = sign_in(folder, "dsl", LEAD, pyotp.TOTP(secret).now())  # the sealed secret still checks the code
    with read_session(reg.engine) as session:
        view = incidents.read_incident(session, dsl, number)
        assert (view.category, view.urgency, view.status, view.reported_by) == (
            Category.NUDES,
            Urgency.IMMEDIATE,
            Status.OPEN,
            "Helen Carter (DSL)",
        )
        assert [(p.kind, p.pupil_id, p.staff_role) for p in view.people] == [("pupil", 7, ""), ("staff", None, "PE")]
        (entry,) = view.entries
        assert (entry.kind, entry.referral_to, entry.reference) == ("referral", "police", "CRN 44")
        stats = statistics.incident_statistics(session, dsl)
        assert sum(p.count for p in stats.quarters if p.category is Category.NUDES) == 1
        record = subject_access.subject_access(session, dsl, 7)
        assert [r["number"] for r in record["incidents"]] == [number]
        assert [r.record for r in retention.review(session, dsl) if "incident" in r.record] == []
    reg.close()


def test_facts_kept_in_columns_before_are_sealed_at_the_next_lead_sign_in(school: tuple[Path, int, str]) -> None:
    folder, number, secret = school
    reg, dsl = sign_in(folder, "dsl", LEAD, pyotp.TOTP(secret).now())
    with write_session(reg.engine) as session:  # as a register from before kept them
        incident = session.get(Incident, number)
        assert incident is not None
        known = incidents.facts(incident, dsl)
        incident.meta = None
        incident.category, incident.four_cs, incident.status = known.category, FourCs.CONTACT.value, "open"
        incident.urgency, incident.reported_by = known.urgency, known.reported_by
        incident.people = [IncidentPerson(kind="pupil", pupil_id=7, name="", staff_role="", involvement="affected")]
        for entry in session.query(IncidentEntry):
            entry.meta, entry.kind, entry.referral_to, entry.author = None, "referral", "police", "Helen"
    reg.close()
    office = keyring.unlock(folder, "office", OFFICE).register_key
    assert _rows(folder, office, "SELECT count(*) FROM incident_person") == [(1,)]
    reg, dsl = sign_in(folder, "dsl", LEAD, pyotp.TOTP(secret).at(int(time.time()) + 30))
    with read_session(reg.engine) as session:
        view = incidents.read_incident(session, dsl, number)
    reg.close()
    assert view.category is Category.NUDES and view.people[0].pupil_id == 7 and view.entries[0].referral_to == "police"
    assert _rows(folder, office, "SELECT count(*) FROM incident_person") == [(0,)]
    assert _rows(folder, office, f"SELECT category, meta IS NOT NULL FROM incident WHERE id = {number}") == [("", 1)]


def _office_rewrites(folder: Path, change) -> int:  # type: ignore[no-untyped-def]
    """As the office could with its key and the chain's key (inside the register it opens): apply ``change`` to the
    entries (a list of dicts), recompute the whole chain, and move the head and the outside anchor to match."""
    import hashlib
    import hmac
    import json

    office = keyring.unlock(folder, "office", OFFICE).register_key
    connection = sqlcipher3.dbapi2.connect(str(folder / "register.db"))
    connection.execute(f"PRAGMA key = \"x'{office.hex()}'\"")
    key = bytes.fromhex(connection.execute("SELECT chain_key FROM audit_head").fetchone()[0])
    names = ("id", "sequence", "at", "actor", "action", "record_kind", "record_id", "detail", "signer", "signature")
    rows = [dict(zip(names, row, strict=True)) for row in connection.execute(
        f"SELECT {', '.join(names)} FROM audit_entry ORDER BY sequence").fetchall()]  # fmt: skip
    kept = change(rows)
    connection.execute("DELETE FROM audit_entry")
    previous = ""
    for number, row in enumerate(kept, start=1):
        at = datetime.fromisoformat(str(row["at"])).isoformat()
        text = "\x1f".join((str(number), previous, at, row["actor"], row["action"], row["record_kind"],
                            row["record_id"], row["detail"]))  # fmt: skip
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        connection.execute(
            "INSERT INTO audit_entry (id, sequence, chain_hash, at, actor, action, record_kind, record_id, detail, "
            "signer, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (number, number, previous, row["at"], row["actor"], row["action"], row["record_kind"], row["record_id"],
             row["detail"], row["signer"], row["signature"]),
        )  # fmt: skip
    connection.execute("UPDATE audit_head SET count = ?, last_hash = ?", (len(kept), previous))
    connection.commit()
    connection.close()
    (folder / "audit-anchor.json").write_text(json.dumps({"count": len(kept), "last_hash": previous}), "utf-8")
    return len(kept)


def _lead_notices(folder: Path, secret: str) -> list[str]:
    reg, _dsl = sign_in(folder, "dsl", LEAD, pyotp.TOTP(secret).at(int(time.time()) + 30))
    notices = list(reg.notices)
    reg.close()
    return notices


def test_an_entry_rewritten_forged_or_unmarked_with_the_office_key_is_caught_and_located(
    school: tuple[Path, int, str],
) -> None:
    folder, _number, secret = school

    def rename_the_actor(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        rows[1]["actor"] = "Someone else"
        return rows

    _office_rewrites(folder, rename_the_actor)
    notices = _lead_notices(folder, secret)
    assert any("entry 2: this entry is not marked by dsl" in n for n in notices), notices


def test_a_forged_lead_entry_or_stripped_marks_are_caught(school: tuple[Path, int, str]) -> None:
    folder, _number, secret = school

    def forge(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        fake = dict(rows[-1], action="turned off two-step sign-in", signature="0:" + "ab" * 32)
        return [*rows, fake]

    count = _office_rewrites(folder, forge)
    assert any(f"entry {count}: this entry is not marked by" in n for n in _lead_notices(folder, secret))


def test_stripping_every_mark_is_caught(school: tuple[Path, int, str]) -> None:
    folder, _number, secret = school

    def strip(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [dict(row, signer=None, signature=None) for row in rows]

    _office_rewrites(folder, strip)
    assert any("carries no writer's mark" in n for n in _lead_notices(folder, secret))


def test_a_tail_cut_with_head_and_anchor_moved_is_caught_by_the_leads_own_checkpoint(
    school: tuple[Path, int, str],
) -> None:
    folder, _number, secret = school
    reg, _dsl = sign_in(folder, "dsl", LEAD, pyotp.TOTP(secret).now())  # the lead sees the trail, keeps its head
    reg.close()
    kept = _office_rewrites(folder, lambda rows: rows[:-3])
    notices = _lead_notices(folder, secret)
    assert any("checkpoint dsl kept" in n and f"it has {kept + 1}" in n for n in notices), notices  # + its sign-in


def test_the_leads_own_checkpoint_lowered_by_another_account_on_the_same_profile_is_caught(
    school: tuple[Path, int, str],
) -> None:
    """Office shares the computer's profile: it lowers the lead's checkpoint to hide a cut, without the lead's key."""
    from safeguard_desktop.security import profile_notes
    from safeguard_desktop.services.records import trail_check

    folder, _number, secret = school
    reg, _dsl = sign_in(folder, "dsl", LEAD, pyotp.TOTP(secret).now())
    reg.close()
    note = profile_notes.read_note(trail_check.PROFILE_FILE, folder, "dsl")
    assert note is not None and note["count"] > 3
    profile_notes.write_note(trail_check.PROFILE_FILE, folder, "dsl", {**note, "count": note["count"] - 3})
    notices = _lead_notices(folder, secret)
    assert any("kept in your own profile was edited" in n for n in notices), notices
