"""Incidents: roles on content, the guard on illegal content and nudes, the append-only chronology, closing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.incidents import EntryKind, IncidentInput, PersonInput, Status, Urgency
from safeguard_desktop.store.engine import read_session, write_session

PRIVACY = IncidentInput(
    Category.PRIVACY,
    "A parent posted a video of the nativity on a public account; other children are visible.",
    Urgency.MEDIUM,
    occurred_at=datetime(2026, 11, 20, 15),
    platforms=["Facebook"],
    evidence_links=["https://facebook.example/video/123"],
    people=[PersonInput("school", "affected")],
)


def log(reg: Register, actor: Actor, data: IncidentInput = PRIVACY) -> int:
    with write_session(reg.engine) as session:
        return incidents.record_incident(session, actor, data)


def test_staff_log_and_see_only_the_status_of_their_own(reg: Register, staff: Actor, dsl: Actor) -> None:
    mine = log(reg, staff)
    log(reg, dsl)
    with read_session(reg.engine) as session:
        own = incidents.my_reports(session, staff)
        assert [(r.id, r.status) for r in own] == [(mine, Status.OPEN)]
        assert own[0].summary == ""  # on an unencrypted register there is no sealed copy of their own to show
        with pytest.raises(PermissionDenied):
            incidents.list_incidents(session, staff)
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        incidents.read_incident(session, staff, mine)


def test_office_sees_nothing_of_incidents(reg: Register, office: Actor, dsl: Actor) -> None:
    number = log(reg, dsl)
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        incidents.record_incident(session, office, PRIVACY)
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        incidents.read_incident(session, office, number)
    with pytest.raises(PermissionDenied), read_session(reg.engine) as session:
        incidents.my_reports(session, office)


@pytest.mark.parametrize("category", [Category.ILLEGAL, Category.NUDES])
def test_guarded_categories_keep_no_link_or_web_address(
    reg: Register, staff: Actor, dsl: Actor, category: Category
) -> None:
    with pytest.raises(ValidationError, match="no links"):
        log(reg, staff, IncidentInput(category, "Reported to the IWF.", evidence_links=["http://x.example/a"]))
    with pytest.raises(ValidationError, match=r"summary of what happened holds a web address \(www.example.com/abc\)"):
        log(reg, staff, IncidentInput(category, "Found at www.example.com/abc, reported."))
    number = log(reg, staff, IncidentInput(category, "A pupil told us of an image. Not viewed. Reported to the IWF."))
    with pytest.raises(ValidationError, match="The entry holds a link"), write_session(reg.engine) as session:
        incidents.add_entry(session, dsl, number, EntryKind.REFERRAL, "See https://bad.example", referral_to="IWF")
    for field, words in (("reason", {"reason": "it was on bad-site.example/img.png"}),
                         ("reference", {"reference": "bit.ly/3abc"})):  # fmt: skip
        with pytest.raises(ValidationError, match=f"The {field} holds"), write_session(reg.engine) as session:
            incidents.add_entry(
                session, dsl, number, EntryKind.DECISION, "No police referral", **{"reason": "x", **words}
            )
    with pytest.raises(ValidationError, match="The outcome holds"), write_session(reg.engine) as session:
        incidents.set_status(session, dsl, number, incidents.Status.CLOSED, outcome="Removed from hxxps://bad[.]com",
                             reason="Done")  # fmt: skip
    with pytest.raises(ValidationError, match="name of person 1 holds"):
        log(reg, staff, IncidentInput(category, "Reported.", people=[PersonInput("other", "alleged",
                                                                                   name="@x on t.me/badchan")]))  # fmt: skip
    with write_session(reg.engine) as session:
        incidents.add_entry(session, dsl, number, EntryKind.REFERRAL, "Reported to the IWF", referral_to="IWF",
                            reference="IWF-2026-1234")  # fmt: skip
        view = incidents.read_incident(session, dsl, number)
    assert view.entries[0].reference == "IWF-2026-1234" and view.evidence_links == []


def test_the_chronology_is_append_only_and_corrected_by_pointing(reg: Register, dsl: Actor) -> None:
    number = log(reg, dsl)
    with write_session(reg.engine) as session:
        first = incidents.add_entry(session, dsl, number, EntryKind.ACTION, "Phoned the parent on 11/12.")
        incidents.add_entry(session, dsl, number, EntryKind.CORRECTION, "Phoned the parent on 12/12.",
                            corrects=first, reason="Wrong date typed")  # fmt: skip
        view = incidents.read_incident(session, dsl, number)
    assert [e.kind for e in view.entries] == ["action", "correction"]
    assert view.entries[0].text == "Phoned the parent on 11/12."  # the original stays as written
    assert view.entries[1].corrects == first and view.entries[1].author == dsl.name
    with pytest.raises(ValidationError, match="why"), write_session(reg.engine) as session:
        incidents.add_entry(session, dsl, number, EntryKind.CORRECTION, "x", corrects=first)
    with pytest.raises(ValidationError, match="reason"), write_session(reg.engine) as session:
        incidents.add_entry(session, dsl, number, EntryKind.DECISION, "No further action")
    with pytest.raises(ValidationError, match="referred"), write_session(reg.engine) as session:
        incidents.add_entry(session, dsl, number, EntryKind.REFERRAL, "Told them", referral_to="someone")


def test_closing_needs_outcome_and_reason_and_follow_ups_go_overdue(reg: Register, dsl: Actor) -> None:
    number = log(reg, dsl)
    with write_session(reg.engine) as session:
        incidents.set_status(session, dsl, number, Status.MONITORING, follow_up_on=date.today() - timedelta(days=1))
        assert incidents.read_incident(session, dsl, number).overdue
    with pytest.raises(ValidationError, match="outcome"), write_session(reg.engine) as session:
        incidents.set_status(session, dsl, number, Status.CLOSED)
    with write_session(reg.engine) as session:
        incidents.set_status(session, dsl, number, Status.CLOSED, outcome="Video removed by the parent.",
                             reason="Removed within a day; family understood the policy.")  # fmt: skip
        view = incidents.read_incident(session, dsl, number)
    assert view.status is Status.CLOSED and not view.overdue
    assert [e.kind for e in view.entries][-2:] == ["outcome", "status"]


def test_entries_cannot_be_deleted_while_their_incident_exists(reg: Register, dsl: Actor) -> None:
    number = log(reg, dsl)
    with write_session(reg.engine) as session:
        incidents.add_entry(session, dsl, number, EntryKind.ACTION, "Spoke to the class teacher.")
    with pytest.raises(Exception, match="FOREIGN KEY"), write_session(reg.engine) as session:
        session.execute(text("DELETE FROM incident WHERE id = :i"), {"i": number})


def test_cli_incidents(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    import csv

    from safeguard_desktop.cli import main

    from .conftest import cli_register

    base = [*cli_register(tmp_path, capsys), "incidents"]
    assert main([*base, "add", "--category", "abuse of privacy", "--summary", "=HYPERLINK(\"x\") posted a video",
                 "--platform", "TikTok", "--occurred", "20/11/2026 15:30"]) == 0  # fmt: skip
    assert "Logged incident 1" in capsys.readouterr().out
    # The guard holds on the command line too.
    assert (
        main([*base, "add", "--category", "illegal content", "--summary", "Reported", "--link", "http://x.example"])
        == 2
    )
    assert "no links" in capsys.readouterr().err
    assert main([*base, "note", "1", "--kind", "referral", "--referral-to", "platform", "--text", "Reported the video",
                 "--reference", "TT-998"]) == 0  # fmt: skip
    assert main([*base, "note", "1", "--kind", "correction", "--corrects", "1", "--text", "Reported on 21/11",
                 "--reason", "date"]) == 0  # fmt: skip
    assert main([*base, "close", "1", "--outcome", "Removed", "--reason", "Platform took it down"]) == 0
    capsys.readouterr()
    main([*base, "show", "1"])
    shown = capsys.readouterr().out
    assert "→ platform TT-998" in shown and "(corrects entry 1)" in shown and "closed" in shown
    out = tmp_path / "log.csv"
    assert main([*base, "log", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][9] == "Summary" and rows[1][9].startswith("'=HYPERLINK")  # never a live formula
    # when it happened, and how it ended, are in the log (they were missing)
    assert rows[0][2] == "Happened" and rows[1][2] == "20/11/2026 15:30"
    assert rows[0][11] == "Outcome" and rows[1][11] == "Removed"
    # a guarded incident whose words say a copy was kept is logged, with a warning saying what to do
    assert main([*base, "add", "--category", "nudes / semi-nudes", "--summary", "A pupil showed me; screenshot "
                 "kept on my phone."]) == 0  # fmt: skip
    assert "is itself an offence" in capsys.readouterr().err
    # reopened with its reason; an action written up later shows when it happened and when it was written
    assert main([*base, "reopen", "1", "--reason", " "]) == 2 and "why the incident" in capsys.readouterr().err
    assert main([*base, "reopen", "1", "--reason", "Posted again"]) == 0
    assert main([*base, "note", "1", "--text", "Called the parent", "--at", "21/11/2026 16:10"]) == 0
    capsys.readouterr()
    main([*base, "show", "1"])
    shown = capsys.readouterr().out
    assert "Status: open (reopened)" in shown and "21/11/2026 16:10 (written " in shown


def test_helpline_summary_is_anonymised_by_default(tmp_path, reg: Register, dsl: Actor) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader
    from sqlalchemy import select

    from safeguard_desktop.cli import main
    from safeguard_desktop.services import consent
    from safeguard_desktop.services.incidents.helpline import helpline_summary
    from safeguard_desktop.services.pupils import mis_import
    from safeguard_desktop.services.pupils.mis_files import read_pupil_file
    from safeguard_desktop.store.models import AuditEntry

    from .conftest import SIMS_HEADERS, TODAY, upn, write_csv

    rows = [[upn(1), "1", "Kowalczyk", "Wiktoria", "", "01/09/2013", "Year 7", "7A"],
            [upn(2), "2", "Okafor", "Chidi", "", "01/09/2013", "Year 7", "7B"]]  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(
            session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])), today=TODAY
        )
        wiktoria = consent.find_pupil_by_upn(session, upn(1)).id
        number = incidents.record_incident(session, dsl, IncidentInput(
            Category.HARASSMENT,
            "Chidi Okafor set up an account mocking Wiktoria and Mr Hughes, the PE teacher. WIKTORIA is upset.",
            Urgency.HIGH, occurred_at=datetime(2026, 11, 18, 20), platforms=["Instagram"],
            evidence_links=["https://instagram.example/fake"],
            people=[PersonInput("pupil", "affected", pupil_id=wiktoria),
                    PersonInput("staff", "affected", name="Mr Hughes", staff_role="PE teacher")]))  # fmt: skip
        incidents.add_entry(session, dsl, number, EntryKind.REFERRAL, "Reported the account for Wiktoria",
                            referral_to="platform", reference="IG-42")  # fmt: skip
        summary = helpline_summary(session, dsl, number)
        named = helpline_summary(session, dsl, number, with_names=True)
        actions = [a for (a,) in session.execute(select(AuditEntry.action))]
    anonymous = summary.text
    for name in ("Wiktoria", "Kowalczyk", "Chidi", "Okafor", "Hughes", "instagram.example"):
        assert name.lower() not in anonymous.lower(), name
    assert "Pupil A, Year 7 (affected)" in anonymous and "a member of staff (PE teacher)" in anonymous
    assert "Instagram" in anonymous and "reference IG-42" in anonymous and "0344 381 4772" in anonymous
    assert "Wiktoria Kowalczyk" in named.text and "instagram.example" in named.text
    assert "exported helpline summary (anonymised)" in actions and "exported helpline summary (with names)" in actions
    # The PDF says the same, and no name appears in it either.
    out = tmp_path / "summary.pdf"
    assert (
        main(["--data-dir", str(reg.folder), "incidents", "export", str(number), "--format", "pdf", "--out", str(out)])
        == 0
    )
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Pupil A" in pdf_text and not any(
        n in pdf_text for n in ("Wiktoria", "Kowalczyk", "Chidi", "Okafor", "Hughes")
    )


def test_several_pupils_linked_from_the_cli(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.cli import main

    from .conftest import SIMS_HEADERS, cli_register, sims_rows, upn, write_csv

    data = cli_register(tmp_path, capsys)
    pupils = write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(3)])
    assert main([*data, "import-pupils", str(pupils)]) == 0
    base = [*data, "incidents", "add", "--category", "cyberbullying", "--summary", "Group chat messages"]
    assert main([*base, "--pupil", upn(1), "--pupil", f"{upn(2)}=alleged", "--pupil", f"{upn(3)}=witness"]) == 0
    assert main([*base, "--pupil", f"{upn(1)}=bystander"]) == 2
    assert "involvement must be one of" in capsys.readouterr().err
    assert main([*base, "--pupil", "A123456789012"]) == 2
    assert "No pupil with UPN" in capsys.readouterr().err
    assert main([*data, "incidents", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "Surname1, Forename1 (5A) — affected" in shown
    assert "Surname2, Forename2 (5A) — alleged" in shown and "Surname3, Forename3 (5A) — witness" in shown
    out = tmp_path / "summary.txt"
    assert main([*data, "incidents", "export", "1", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Pupil A" in text and "Pupil B" in text and "Pupil C" in text and "Surname" not in text


def test_a_platform_with_a_line_break_is_refused_not_split_in_two(reg: Register, dsl: Actor) -> None:
    # Found by hypothesis: "0\n0" came back as two platforms.
    with pytest.raises(ValidationError, match="one line"):
        log(reg, dsl, IncidentInput(Category.OTHER, "Facts.", platforms=["Insta\ngram"]))
    with read_session(reg.engine) as session:
        assert incidents.list_incidents(session, dsl) == []


def test_the_helpline_summary_names_no_one_however_they_were_written_and_says_what_it_took_out(  # type: ignore[no-untyped-def]
    tmp_path, reg: Register, dsl: Actor
) -> None:
    import unicodedata

    from sqlalchemy import update

    from safeguard_desktop.services import consent
    from safeguard_desktop.services.consent import contacts
    from safeguard_desktop.services.incidents.helpline import helpline_summary
    from safeguard_desktop.services.pupils import mis_import
    from safeguard_desktop.services.pupils.mis_files import read_pupil_file
    from safeguard_desktop.store.models import Pupil

    from .conftest import SIMS_HEADERS, TODAY, upn, write_csv

    rows = [[upn(1), "1041", "O'Brien", "Zoë", "", "01/09/2013", "Year 7", "7A"]]
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])),
                         today=TODAY)  # fmt: skip
        zoe = consent.find_pupil_by_upn(session, upn(1)).id
        session.execute(update(Pupil).where(Pupil.id == zoe).values(preferred_surname="Walsh"))
        contacts.add_contact(session, dsl, zoe, contacts.ContactInput("Tomasz Nowak", "Father"))
        typed = (f"{unicodedata.normalize('NFD', 'Zoë O’Brien')} (Zoe Walsh, Z.O.) posted as @zoe_obrien15; her UPN "
                 f"{upn(1)}, admission number 1041. Tomasz Nowak and Mrs Jenkins called. ZOË'S phone was taken.")  # fmt: skip
        number = incidents.record_incident(session, dsl, IncidentInput(Category.HARASSMENT, typed))
        referral = incidents.add_entry(session, dsl, number, EntryKind.REFERRAL, "Reported the account for Zoe",
                                       referral_to="platform", reference="IG-42")  # fmt: skip
        incidents.add_entry(session, dsl, number, EntryKind.CORRECTION, "Reported to the police as well, by Mr Walsh",
                            reason="the first entry left the police out", corrects=referral)  # fmt: skip
        summary = helpline_summary(session, dsl, number)
    text = summary.text
    for name in ("Zoe", "Zoë", "O'Brien", "O’Brien", "Brien", "Walsh", "Z.O.", "zoe_obrien", upn(1), "1041", "Tomasz",
                 "Nowak", "Jenkins"):  # fmt: skip
        assert name.lower() not in text.lower(), (name, text)
    assert "posted as [handle removed]" in text and "[name removed]'S phone" in text
    reports = dict(summary.lines)["Reports already made"]
    assert "reference IG-42" in reports and "[corrected " in reports and "Reported to the police as well" in reports
    assert "UPN" in summary.removed and "handle" in summary.removed and "initials" in summary.removed
