"""Consent as families give it, on an imported school through the CLI: contacts from the MIS contacts export,
each giver's standing answer, conflicts and their resolution — the situations that gave the wrong answer."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route, Verdict
from safeguard_desktop.services import consent
from safeguard_desktop.services.consent import consent_views, contact_import, contacts, grid
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import SIMS_HEADERS, cli_register, upn, write_csv

CONTACT_HEADERS = ["UPN", "Contact Forename", "Contact Surname", "Relationship", "Parental Responsibility",
                   "Lives With Pupil", "Priority", "Email"]  # fmt: skip


def _school(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    args = cli_register(tmp_path, capsys)
    pupils = write_csv(tmp_path / "pupils.csv", [SIMS_HEADERS,
        [upn(1), "1", "Khan", "Zara", "", "03/03/2019", "Year 2", "2K"],      # aged 7
        [upn(2), "2", "Okafor", "Tobi", "", "10/10/2012", "Year 9", "9T"],    # aged 14: own consent
        [upn(3), "3", "Brown", "Ellie", "", "05/05/2018", "Year 3", "3B"]])  # fmt: skip
    assert main([*args, "import-pupils", str(pupils)]) == 0
    contacts_file = write_csv(tmp_path / "contacts.csv", [CONTACT_HEADERS,
        [upn(1), "Amina", "Khan", "Mother", "Yes", "Yes", "1", "amina@example.org"],
        [upn(1), "Imran", "Khan", "Father", "Yes", "No", "2", ""],
        [upn(1), "Ruth", "Khan", "Grandmother", "No", "Yes", "3", ""],
        [upn(2), "Grace", "Okafor", "Mother", "Yes", "Yes", "1", ""],
        [upn(3), "Sam", "Brown", "Father", "Yes", "Yes", "1", ""],
        ["NOT-A-UPN", "Nobody", "Here", "Aunt", "Yes", "Yes", "1", ""]])  # fmt: skip
    assert main([*args, "contacts", "import", str(contacts_file)]) == 2  # a refused row: nothing imported
    assert "line 7: pupil" in capsys.readouterr().out
    assert main([*args, "contacts", "import", str(contacts_file), "--skip-invalid"]) == 0
    assert "Did add 5" in capsys.readouterr().out
    return args


def _contact(args: list[str], capsys: pytest.CaptureFixture[str], pupil: int, name: str) -> int:
    assert main([*args, "contacts", "list", upn(pupil), "--json"]) == 0
    return next(c["id"] for c in json.loads(capsys.readouterr().out) if c["name"] == name)


def _current(args: list[str], capsys: pytest.CaptureFixture[str], pupil: int) -> dict[str, str]:
    assert main([*args, "consent", "show", upn(pupil), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["current"]  # type: ignore[no-any-return]


def test_the_four_situations_give_the_answers_families_gave(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _school(tmp_path, capsys)
    mother, father = _contact(args, capsys, 1, "Amina Khan"), _contact(args, capsys, 1, "Imran Khan")
    grandmother = _contact(args, capsys, 1, "Ruth Khan")
    film = ["parent_filming"]
    # 1. Two holders of parental responsibility disagree: the mother refuses, weeks later the father grants by phone.
    assert main([*args, "consent", "set", upn(1), *film, "refused", "--contact", str(mother), "--route",
                 "paper slip", "--date", "10/09/2026"]) == 0  # fmt: skip
    assert main([*args, "consent", "set", upn(1), *film, "granted", "--contact", str(father), "--route", "phone",
                 "--date", "20/10/2026"]) == 0  # fmt: skip
    capsys.readouterr()
    assert _current(args, capsys, 1)["parent_filming"] == "conflict"
    assert main([*args, "consent", "show", upn(1)]) == 0
    shown = capsys.readouterr().out
    assert "CONFLICT" in shown and "Amina Khan (Mother): refused" in shown and "Imran Khan (Father): granted" in shown
    assert main([*args, "conflicts", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Khan, Zara" in listed and "1 conflict(s) to resolve" in listed
    # A grandmother without parental responsibility cannot grant.
    assert main([*args, "consent", "set", upn(1), *film, "granted", "--contact", str(grandmother), "--route",
                 "phone"]) == 2  # fmt: skip
    assert "does not have parental responsibility" in capsys.readouterr().err
    # The lead resolves it, with the reason; the conflict list is empty.
    assert main([*args, "conflicts", "resolve", upn(1), *film, "refused", "--reason",
                 "Spoke to both parents; agreed no filming this year"]) == 0  # fmt: skip
    capsys.readouterr()
    assert _current(args, capsys, 1)["parent_filming"] == "refused"
    assert main([*args, "conflicts", "list"]) == 0
    assert "0 conflict(s)" in capsys.readouterr().out

    # 2. A pupil old enough to decide refuses; a parent grants later: the pupil's refusal stands.
    grace = _contact(args, capsys, 2, "Grace Okafor")
    assert main([*args, "consent", "set", upn(2), *film, "refused", "--given-by", "pupil", "--route", "in person",
                 "--date", "01/10/2026"]) == 0  # fmt: skip
    assert main([*args, "consent", "set", upn(2), *film, "granted", "--contact", str(grace), "--route", "email",
                 "--date", "02/11/2026"]) == 0  # fmt: skip
    capsys.readouterr()
    assert _current(args, capsys, 2)["parent_filming"] == "conflict"
    # Below the age for own consent a pupil's withdrawal is still accepted (their yes is not).
    assert main([*args, "consent", "set", upn(3), *film, "withdrawn", "--given-by", "pupil", "--route",
                 "in person"]) == 0  # fmt: skip
    assert main([*args, "consent", "set", upn(3), *film, "granted", "--given-by", "pupil", "--route",
                 "in person"]) == 2  # fmt: skip
    capsys.readouterr()
    assert _current(args, capsys, 3)["parent_filming"] == "withdrawn"

    # 3. A returned "Yes" slip for the December concert never shortens the yearly grant.
    sam = _contact(args, capsys, 3, "Sam Brown")
    recording = ["school_recording"]
    assert main([*args, "consent", "set", upn(3), *recording, "granted", "--contact", str(sam), "--route",
                 "paper slip", "--date", "05/09/2026", "--valid-until", "31/08/2027"]) == 0  # fmt: skip
    assert main([*args, "consent", "set", upn(3), *recording, "granted", "--contact", str(sam), "--route",
                 "paper slip", "--date", "20/11/2026", "--valid-until", "10/12/2026"]) == 0  # fmt: skip
    capsys.readouterr()
    from safeguard_desktop.services.accounts.signin import sign_in

    folder = tmp_path / "data"
    reg, lead = sign_in(folder, "lead", (tmp_path / "lead.password").read_text(encoding="utf-8").strip())
    try:
        with read_session(reg.engine) as session:
            july = grid.snapshot_on(session, date(2027, 7, 14))
            codes = [p.code for p in july.purposes]
            ellie = next(r for r in july.rows if r.upn == upn(3))
            assert ellie.verdicts[codes.index("school_recording")] is Verdict.YES
            recording_id = july.purposes[codes.index("school_recording")].id
            answers = {
                a.purpose_id: a for a in consent_views.answers_for(session, lead, ellie.id, on=date(2027, 7, 14))
            }
            assert [g.answer for g in answers[recording_id].answers] == [Verdict.YES]  # one giver, granting
    finally:
        reg.close()


def test_earlier_free_text_decisions_are_attached_to_the_contact_of_that_name(reg, dsl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.services.pupils import mis_import

    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS,
                                                           [upn(1), "1", "Khan", "Zara", "", "03/03/2019", "Year 2",
                                                            "2K"]]))  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=date(2026, 11, 24))
        pupil = consent.find_pupil_by_upn(session, upn(1)).id
        purpose = consent.find_purpose(session, "parent_filming").id
        # Typed two ways before contacts existed: decomposed accents and extra spaces, then as the MIS has it.
        for name, state in (("Ame\u0301lie   KHAN", ConsentState.REFUSED), ("Améli e Other", ConsentState.GRANTED)):
            consent.record_decisions(session, dsl, [pupil], [purpose], consent.DecisionInput(
                state, GivenByKind.PARENT, Route.PHONE, date(2026, 10, 1), name, "Mother"))  # fmt: skip
    contacts_file = write_csv(tmp_path / "c.csv", [["UPN", "Contact Name", "Relationship", "Parental Responsibility"],
                                                   [upn(1), "Amélie Khan", "Mother", "Y"]])  # fmt: skip
    with write_session(reg.engine) as session:
        preview = contact_import.import_contacts(session, dsl, read_pupil_file(contacts_file))
        assert (preview.added, preview.applied) == (1, False)
        done = contact_import.import_contacts(session, dsl, read_pupil_file(contacts_file), apply=True)
        assert done.decisions_attached == 1  # the refusal typed with decomposed accents; not the other name
        (amelie,) = contacts.list_contacts(session, dsl, pupil)
        again = contact_import.import_contacts(session, dsl, read_pupil_file(contacts_file), apply=True)
        assert (again.added, again.unchanged) == (0, 1)
    assert amelie.parental_responsibility


def test_a_contacts_file_without_parental_responsibility_is_refused_naming_the_column(reg, dsl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = write_csv(tmp_path / "c.csv", [["UPN", "Contact Name", "Relationship"], [upn(1), "A Khan", "Mother"]])
    with write_session(reg.engine) as session, pytest.raises(ValidationError, match="parental responsibility"):
        contact_import.import_contacts(session, dsl, read_pupil_file(bad))


def test_the_never_photograph_flag_from_the_command_line_is_sealed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _school(tmp_path, capsys)
    assert main([*args, "pupils", "never", upn(2), "--reason", "Zanzibar court order"]) == 0
    assert "sealed" in capsys.readouterr().out
    assert main([*args, "pupils", "--json"]) == 0
    listed = {p["upn"]: p["never_photograph"] for p in json.loads(capsys.readouterr().out)}
    assert listed[upn(2)] and not listed[upn(1)]
    assert b"Zanzibar" not in (tmp_path / "data" / "register.db").read_bytes()
    assert main([*args, "pupils", "never", upn(2), "--clear"]) == 0
    assert main([*args, "pupils", "never", upn(2)]) == 2  # setting it needs the reason


def test_mis_consent_import_maps_names_once_and_never_overrides_a_later_decision_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _school(tmp_path, capsys)
    grace = _contact(args, capsys, 2, "Grace Okafor")
    # Here, after the MIS's date: Grace refused the website on 01/11/2026.
    assert main([*args, "consent", "set", upn(2), "website", "refused", "--contact", str(grace), "--route",
                 "email", "--date", "01/11/2026"]) == 0  # fmt: skip
    capsys.readouterr()
    # Arbor-style long file: one row per pupil and consent type.
    long_file = write_csv(tmp_path / "consents.csv", [["Student UPN", "Consent Type", "Response", "Response Date"],
        [upn(1), "Photos - Website", "Yes", "05/09/2026"],
        [upn(2), "Photos - Website", "Yes", "06/09/2026"],       # older than Grace's refusal here: left out
        [upn(3), "Photos - Website", "Withdrawn", "20/11/2026"],  # a withdrawal always reaches the register
        [upn(3), "Trips", "Yes", "05/09/2026"]])  # fmt: skip
    assert main([*args, "consent", "import", str(long_file), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "not mapped: 'Photos - Website'" in out and "not mapped: 'Trips'" in out and "Would record 0" in out
    assert main([*args, "consent", "import", str(long_file), "--map", "Photos - Website=website"]) == 0
    out = capsys.readouterr().out
    assert "Recorded 2 decision(s)" in out and "1 MIS grant(s) left out" in out
    assert _current(args, capsys, 1)["website"] == "granted"
    assert _current(args, capsys, 2)["website"] == "refused"  # ours stands
    assert _current(args, capsys, 3)["website"] == "withdrawn"
    # The mapping is kept: the next export needs no --map, and what was imported is not imported twice.
    assert main([*args, "consent", "import", str(long_file)]) == 0
    assert "Recorded 0 decision(s)" in capsys.readouterr().out
    # A wide SIMS-style file (a column per consent type) and a response that is not yes or no.
    wide = write_csv(tmp_path / "wide.csv", [["UPN", "Legal Surname", "Photos - Website"], [upn(1), "Khan", "Maybe"]])
    assert main([*args, "consent", "import", str(wide)]) == 2
    assert "line 2: Photos - Website: the response 'Maybe' is not yes, no or withdrawn" in capsys.readouterr().out


def test_online_form_replies_are_matched_or_wait_to_be_matched_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _school(tmp_path, capsys)
    from safeguard_desktop.domain.slips import SlipReference
    from safeguard_desktop.services.accounts.signin import sign_in

    assert main([*args, "events", "create", "--name", "Carols", "--date", "15/12/2026", "--policy", "personal-use",
                 "--footage", "--year", "Year 2"]) == 0  # fmt: skip
    capsys.readouterr()
    reg, _lead = sign_in(tmp_path / "data", "lead", (tmp_path / "lead.password").read_text(encoding="utf-8").strip())
    with read_session(reg.engine) as session:
        zara = consent.find_pupil_by_upn(session, upn(1)).id
    reg.close()
    # A Microsoft Forms export: US-style completion time, the email of who answered, two consent questions.
    form = write_csv(tmp_path / "Carols replies.csv", [
        ["ID", "Completion time", "Email", "Your name", "Child's name", "Class", "Slip reference",
         "May your child be filmed by other parents?", "May your child appear in the school's recording?"],
        ["1", "11/28/26 14:03:11", "AMINA@example.org", "Amina K", "", "", str(SlipReference(1, zara)), "No", "Yes"],
        ["2", "11/29/26 09:00:00", "", "Grace Okafor", "Tobi Okafor", "9T", "", "Yes", "Yes"],
        ["3", "11/29/26 10:00:00", "", "Someone", "Sam Smith", "", "", "Yes", "No"],       # no such child
        ["4", "11/30/26 10:00:00", "", "", "Ellie Brown", "3B", "", "Yes", ""]])  # fmt: skip  # who answered?
    assert main([*args, "replies", "import", str(form), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "'May your child be filmed by other parents?' -> parent_filming" in out and "Would record 4" in out
    assert main([*args, "replies", "import", str(form)]) == 0
    out = capsys.readouterr().out
    assert "Recorded 4 decision(s) from 2 reply(ies); 2 to match by hand" in out
    assert _current(args, capsys, 1)["parent_filming"] == "refused"  # Amina, matched by her email
    assert main([*args, "consent", "show", upn(1)]) == 0
    assert "Amina Khan (Mother): refused" in capsys.readouterr().out
    assert main([*args, "replies", "import", str(form)]) == 0  # the same export again: nothing twice
    assert "Recorded 0 decision(s)" in capsys.readouterr().out
    assert main([*args, "replies", "unmatched"]) == 0
    out = capsys.readouterr().out
    assert "no pupil on roll is called 'Sam Smith'" in out and "does not say who answered" in out
    ids = [int(line.split()[0]) for line in out.splitlines() if line[:5].strip().isdigit()]
    sam = _contact(args, capsys, 3, "Sam Brown")
    assert main([*args, "replies", "match", str(ids[1]), upn(3), "--contact", str(sam)]) == 0
    assert main([*args, "replies", "set-aside", str(ids[0]), "--reason", "not a pupil of ours"]) == 0
    capsys.readouterr()
    assert _current(args, capsys, 3)["parent_filming"] == "granted"
    assert main([*args, "replies", "unmatched"]) == 0
    assert "0 reply(ies) to match" in capsys.readouterr().out


def test_a_letter_per_holder_of_parental_responsibility_and_their_slip_answers_as_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypdf import PdfReader

    args = _school(tmp_path, capsys)
    assert main([*args, "events", "create", "--name", "Nativity", "--date", "15/12/2026", "--policy", "personal-use",
                 "--year", "Year 2"]) == 0  # fmt: skip
    out = tmp_path / "letters.pdf"
    assert main([*args, "letters", "1", "--out", str(out), "--per-holder"]) == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]
    # Zara's mother and father (both with parental responsibility) each get one; her grandmother (without) none.
    assert len(pages) == 2
    assert "To Amina Khan (Mother), for Zara Khan (2K)" in pages[0] and "To Imran Khan (Father)" in pages[1]
    assert not any("Ruth" in page for page in pages)
    reference = next(word for word in pages[1].split() if word.startswith("S1-") and "-P" in word)
    capsys.readouterr()
    assert main([*args, "slips", "record", reference, "--answers", "filming=yes"]) == 0
    capsys.readouterr()
    assert main([*args, "consent", "show", upn(1)]) == 0
    assert "Imran Khan (Father): granted" in capsys.readouterr().out  # the slip answered as the father
