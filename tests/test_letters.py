"""Consent letters read back with pypdf: every name as written, nothing interpreted, one page per pupil."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.slips import SlipReference, parse_reference
from safeguard_desktop.services import consent, events
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.events import letters
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store.engine import write_session

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv

NAMES = [
    ("Nguyễn Thị", "Thảo"),
    ("Wiśniewska", "Łucja"),
    ("Ó Súilleabháin", "Siobhán"),
    ("Yılmaz", "Çağla"),
    ("O'Brien & Sons", "<b>Zoë</b>"),
    ("Παπαδόπουλος", "Ελένη"),
]


@pytest.fixture
def school(tmp_path: Path, reg: Register, dsl: Actor) -> tuple[Register, int]:
    rows = [[upn(i + 1), str(100 + i), s, f, "", "01/03/2021", "Reception", "<i>RA</i>" if i % 2 else "RB"]
            for i, (s, f) in enumerate(NAMES)]  # fmt: skip
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, table, today=TODAY)
        event_id = events.create_event(
            session,
            dsl,
            events.EventInput(
                "Nativity",
                datetime(2026, 12, 10, 14),
                "Hall",
                FilmingPolicy.PERSONAL_USE,
                footage_offered=True,
                year_groups=["Reception"],
            ),
        )
    return reg, event_id


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_name_prints_as_written_one_page_each_in_class_order(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        pdf, count = letters.consent_letters(session, dsl, event_id)
    pages = text_of(pdf)
    assert count == len(pages) == len(NAMES)
    for surname, forename in NAMES:
        assert sum(f"{forename} {surname}" in page for page in pages) == 1, (forename, surname)
    # class then surname: <i>RA</i> sorts before RB
    classes = ["<i>RA</i>" if "Class: <i>RA</i>" in page else "RB" for page in pages]
    assert classes == sorted(classes)
    assert all("Reply slip — Nativity" in page and "Ref S" in page for page in pages)


def test_slip_references_are_unique_and_read_back(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        pdf, _ = letters.consent_letters(session, dsl, event_id)
    refs = [
        line.split("Ref ", 1)[1].split()[0] for page in text_of(pdf) for line in page.splitlines() if "Ref S" in line
    ]
    assert len(set(refs)) == len(NAMES)
    assert {parse_reference(r).event_id for r in refs} == {event_id}


def test_only_undecided(school: tuple[Register, int], dsl: Actor) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, upn(1))
        purposes = [consent.find_purpose(session, c).id for c in ("parent_filming", "school_recording")]
        decision = consent.DecisionInput(
            ConsentState.REFUSED, GivenByKind.PARENT, Route.PHONE, date(2026, 11, 1), "A", "Mother"
        )
        consent.record_decisions(session, dsl, [pupil.id], purposes[:1], decision, today=TODAY)
        _, count = letters.consent_letters(session, dsl, event_id, only_undecided=True)
        assert count == len(NAMES)  # the school's recording is still unanswered: the letter asks it
        consent.record_decisions(session, dsl, [pupil.id], purposes[1:], decision, today=TODAY)
        _, count = letters.consent_letters(session, dsl, event_id, only_undecided=True)
    assert count == len(NAMES) - 1


def test_staff_cannot_print_letters(school: tuple[Register, int], staff: Actor) -> None:
    reg, event_id = school
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        letters.consent_letters(session, staff, event_id)


def test_slip_reference_check_character() -> None:
    ref = str(SlipReference(12, 3456))
    assert parse_reference(ref.lower()) == SlipReference(12, 3456)
    body, check = ref.rsplit("-", 1)
    wrong = "0" if check != "0" else "1"
    with pytest.raises(ValueError, match="typing mistake"):
        parse_reference(f"{body}-{wrong}")
    with pytest.raises(ValueError, match="not a reply-slip reference"):
        parse_reference("hello")


def test_cli_letters(tmp_path: Path, school: tuple[Register, int], capsys: pytest.CaptureFixture[str]) -> None:
    reg, event_id = school
    out = tmp_path / "letters.pdf"
    assert main(["--data-dir", str(reg.folder), "letters", str(event_id), "--out", str(out)]) == 0
    assert len(PdfReader(out).pages) == len(NAMES)
    assert main(["--data-dir", str(reg.folder), "letters", "999", "--out", str(out)]) == 2


def test_recording_a_returned_slip(school: tuple[Register, int], dsl: Actor, office: Actor) -> None:
    from safeguard_desktop.domain.consent import Verdict
    from safeguard_desktop.services.consent import grid
    from safeguard_desktop.services.errors import ConflictError
    from safeguard_desktop.services.events import slips
    from safeguard_desktop.store.engine import read_session

    reg, event_id = school
    with write_session(reg.engine) as session:
        pupil = consent.find_pupil_by_upn(session, upn(3))
        reference = str(SlipReference(event_id, pupil.id))
        found = slips.look_up(session, office, f"  {reference.lower()} ")
        assert (found.pupil_name, found.already_recorded) == ("Siobhán Ó Súilleabháin", False)
        slips.record_slip(session, office, reference, filming=True, recording=False, given_by="Máire", relationship="Mother",
                          signed_on=date(2026, 11, 20))  # fmt: skip
    with read_session(reg.engine) as session:
        roster = events.roster(session, office, event_id)
        line = next(x for x in roster.lines if x.pupil.id == pupil.id)
        detail = grid.pupil_detail(session, dsl, pupil.id)
    assert (roster.verdict(line, "parent_filming"), roster.verdict(line, "school_recording")) == (
        Verdict.YES,
        Verdict.REFUSED,
    )
    newest = detail.history[0]
    assert (
        newest.route == "paper slip" and newest.source == f"reply slip {reference}" and newest.given_by_name == "Máire"
    )
    by_purpose = {h.purpose: h for h in detail.history[:2]}
    assert by_purpose["Filming by parents at performances"].valid_until == date(2026, 12, 10)  # covers this event
    assert by_purpose["School recording of performances"].state == "refused"
    with pytest.raises(ConflictError, match="recorded already"), write_session(reg.engine) as session:
        slips.record_slip(
            session, office, reference, filming=False, recording=None, given_by="Máire", relationship="Mother"
        )
    with pytest.raises(ConflictError, match="another event"), write_session(reg.engine) as session:
        slips.look_up(session, office, reference, expected_event=event_id + 1)


def test_cli_slips_record(tmp_path: Path, school: tuple[Register, int], capsys: pytest.CaptureFixture[str]) -> None:
    reg, event_id = school
    with write_session(reg.engine) as session:
        reference = str(SlipReference(event_id, consent.find_pupil_by_upn(session, upn(1)).id))
    base = ["--data-dir", str(reg.folder), "slips", "record"]
    assert main([*base, reference, "--answers", "filming=yes,recording=yes", "--given-by", "Anna"]) == 0
    assert "Recorded slip" in capsys.readouterr().out
    assert main([*base, reference, "--answers", "filming=no", "--given-by", "Anna"]) == 2
    assert "recorded already" in capsys.readouterr().err
    assert main([*base, reference, "--answers", "filming=maybe", "--given-by", "Anna"]) == 2
    assert main([*base, "S1-1-0", "--answers", "filming=no", "--given-by", "Anna"]) == 2


@pytest.mark.skipif(
    not (__import__("shutil").which("pdftoppm") and __import__("shutil").which("zbarimg")),
    reason="needs poppler-utils and zbar-tools (installed by .ci/run)",
)
def test_the_printed_qr_code_reads_back_as_the_reference(
    tmp_path: Path, school: tuple[Register, int], dsl: Actor
) -> None:
    import subprocess

    reg, event_id = school
    with write_session(reg.engine) as session:
        pdf, _ = letters.consent_letters(session, dsl, event_id)
    (tmp_path / "l.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "l.pdf"), str(tmp_path / "p")],
        check=True,
    )
    (png,) = tmp_path.glob("p*.png")
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=False
    ).stdout.strip()
    printed = text_of(pdf)[0].split("Ref ", 1)[1].split()[0]
    assert decoded == printed and parse_reference(decoded).event_id == event_id


def test_big_batches_encode_in_a_worker_process_with_the_same_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    from safeguard_desktop.documents import qr

    texts = [str(SlipReference(7, n)) for n in range(qr.PARALLEL_FROM + 50)]
    expected = [qr.qr_path(t) for t in texts]
    batch = qr.qr_paths(texts)
    assert batch.process is not None  # a real worker process
    assert list(batch) == expected and batch.process is None  # ended once read
    # A worker that cannot start: the batch is still complete and correct, encoded here.
    monkeypatch.setattr(qr, "worker_command", lambda: ["/nonexistent/python"])
    fallback = qr.qr_paths(texts)
    assert fallback.process is None and list(fallback) == expected
    # A worker that dies part way: the rest is encoded here.
    monkeypatch.setattr(
        qr, "worker_command", lambda: [__import__("sys").executable, "-c", "print('[21, \"0 0 1 1 re\"]')"]
    )
    broken = list(qr.qr_paths(texts))
    assert broken[0] == qr.QrPath(21, "0 0 1 1 re") and broken[1:] == expected[1:]


@pytest.mark.parametrize(
    ("policy", "footage", "asked", "not_asked"),
    [
        (FilmingPolicy.PERSONAL_USE, False, ["filmed and photographed by other parents"], ["school's own recording"]),
        (FilmingPolicy.NO_FILMING, True, ["school's own recording, shared"], ["by other parents"]),
        (FilmingPolicy.PHOTO_MOMENT, False, ["photo moment at the end"], ["school's own recording"]),
    ],
)
def test_the_slip_asks_only_what_the_events_policy_needs(  # type: ignore[no-untyped-def]
    school: tuple[Register, int], dsl: Actor, office: Actor, policy, footage, asked, not_asked
) -> None:
    from safeguard_desktop.services.errors import ValidationError
    from safeguard_desktop.services.events import slips

    reg, _ = school
    with write_session(reg.engine) as session:
        event_id = events.create_event(session, dsl, events.EventInput(
            "Carols", datetime(2026, 12, 15, 14), "Church", policy, footage_offered=footage,
            year_groups=["Reception"]))  # fmt: skip
        pdf, _count = letters.consent_letters(session, office, event_id)
        reference = str(SlipReference(event_id, consent.find_pupil_by_upn(session, upn(1)).id))
        unasked = {"filming": True} if PARENT_FILMING_NOT_ASKED[policy] else {"recording": True}
        with pytest.raises(ValidationError, match="does not ask"):
            slips.record_slip(session, office, reference, **{"filming": None, "recording": None, **unasked},
                              given_by="Anna", relationship="Mother")  # fmt: skip
    first = " ".join(text_of(pdf)[0].split())
    assert all(words in first for words in asked) and not any(words in first for words in not_asked)


PARENT_FILMING_NOT_ASKED = {FilmingPolicy.PERSONAL_USE: False, FilmingPolicy.NO_FILMING: True,
                            FilmingPolicy.PHOTO_MOMENT: False}  # fmt: skip


def test_the_letter_says_the_lawful_basis_of_what_it_asks(
    school: tuple[Register, int], dsl: Actor, office: Actor
) -> None:
    from safeguard_desktop.services import settings

    reg, event_id = school
    with write_session(reg.engine) as session:
        recording = consent.find_purpose(session, "school_recording")
        settings.set_purpose_basis(session, dsl, recording.id, lawful_basis="public task", evidence_years=None)
        pdf, _count = letters.consent_letters(session, office, event_id)
    first = " ".join(text_of(pdf)[0].split())
    assert "We ask for your consent to filming by parents at performances" in first
    assert "School recording of performances is part of the school's public task" in first and "object" in first


def test_a_batch_written_straight_to_its_file_is_whole_while_another_thread_makes_a_document_of_its_own() -> None:
    """Letters are formatted into a spooled file as reportlab writes them (documents/pdf_stream.py: flat memory at a
    trust's size); a document made meanwhile on another thread still comes back whole from its own buffer."""
    import threading

    from reportlab.pdfgen.canvas import Canvas

    from safeguard_desktop.documents.letters import LetterEvent, LetterPupil, LetterSchool, render_letters
    from safeguard_desktop.domain.events import policy_text

    school = LetterSchool("Oakfield Primary School", "1 Orchard Lane\nOakfield", "Mrs Helen Carter")
    event = LetterEvent("Reception nativity", datetime(2026, 12, 10, 14), "School hall",
                        policy_text(FilmingPolicy.PERSONAL_USE))  # fmt: skip
    pupils = [LetterPupil(f"Zoë Nowak-{n}", "Zoë", f"{n % 7}A", str(SlipReference(1, n))) for n in range(60)]
    others: list[bytes] = []

    def elsewhere() -> None:
        for n in range(20):
            buffer = io.BytesIO()
            canvas = Canvas(buffer)
            canvas.drawString(72, 720, f"Another document {n}")
            canvas.showPage()
            canvas.save()
            others.append(buffer.getvalue())

    thread = threading.Thread(target=elsewhere)
    thread.start()
    pdf = render_letters(school, event, pupils)
    thread.join()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 60
    assert "Zoë Nowak-59" in reader.pages[59].extract_text()
    assert all(page.mediabox.width > 595 for page in reader.pages)  # (A4, each page's box as shared)
    assert len(others) == 20 and all(PdfReader(io.BytesIO(o)).pages[0].extract_text().startswith("Another")
                                     for o in others)  # fmt: skip
