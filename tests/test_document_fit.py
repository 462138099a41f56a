"""Every document a school prints, with the longest names and titles the register holds and names in every script an
MIS may hold: read back from the PDF (tests/pdf_boxes.py, pypdf), no text crosses another or the page's edge, and
each name is in the PDF as typed, in logical order."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest

from safeguard_desktop.documents import notices
from safeguard_desktop.documents.flow import Flow
from safeguard_desktop.documents.layout import LetterEvent, LetterPupil, LetterSchool
from safeguard_desktop.documents.letters import render_letters
from safeguard_desktop.documents.reports import render_subject_access
from safeguard_desktop.domain.events import POLICY_WORDING, FilmingPolicy
from safeguard_desktop.resources import resource_path
from tests.pdf_boxes import faults, read

# As long as the register lets them be: forename and surname 100 characters each, class 40, event 200, school 120.
LONG_FORENAME = "Maximilian Alexander Christopher Bartholomew Augustus Ferdinand Sebastian Montgomery Jonathan-Paul"
LONG_SURNAME = "Fitzgerald-Montgomery-Worthington-Smythe-Featherstonehaugh-Cholmondeley-Marjoribanks-Llewellyn-Jones"
ONE_WORD = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewarenwohlgepf"
LONG_CLASS = "Year 6 Kingfishers and Woodpeckers Group"
LONG_EVENT = ("Year 5 and Year 6 Winter Concert, Nativity Play and Carol Service with the Community Choir, the Brass "
              "Band of St Mary's and the Parents' and Friends' Association Christmas Fair in the Main Hall Tonight")  # fmt: skip
LETTER_EVENT = LONG_EVENT[:64]  # the longest that still leaves room for the letter and its slip (see below)
LONG_SCHOOL = ("St Bartholomew-the-Great and St Mary-le-Bow Church of England Voluntary Aided Primary School, "
               "Nursery and Children's Centre")  # fmt: skip
LONG_HEAD = "Dr Alexandra Catherine Montgomery-Fitzgerald-Worthington OBE"

#: A name in each script an MIS may hold (UK schools' most common home languages among them).
SCRIPT_NAMES = {
    "Arabic": "محمد علي",
    "Urdu": "عائشہ خان",
    "Persian (with a zero-width non-joiner)": "پرویز\u200cنیا",
    "Hebrew": "שרה כהן",
    "Devanagari": "अनन्या शर्मा",
    "Bengali": "স্নেহা দাস",
    "Gurmukhi": "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ",
    "Gujarati": "પ્રિયા પટેલ",
    "Tamil": "தமிழ்செல்வி",
    "Sinhala": "නිමල් පෙරේරා",
    "Thai": "สมชาย",
    "Ethiopic": "ሰላም ተስፋዬ",
    "Khmer": "សុខា",
    "Chinese": "王小明",
    "Japanese": "さくら 佐藤",
    "Korean": "김민준",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Анастасия Иванова",
    "Vietnamese": "Nguyễn Thị Hương",
    "Polish (typed with decomposed accents)": unicodedata.normalize("NFD", "Łucja Wiśniewska"),
}


def _school(long: bool) -> LetterSchool:
    logo = resource_path("icons", "app.png").read_bytes()
    if long:
        return LetterSchool(LONG_SCHOOL, "The Vicarage Buildings, 1234 Long Lane\nMeadowbank-under-Lyne\nMB1 2AB", "",
                            logo)  # fmt: skip
    return LetterSchool("Meadowbank Primary", "12 Long Lane\nMB1 2AB", LONG_HEAD, logo)


def _event(policy: FilmingPolicy = FilmingPolicy.PERSONAL_USE, name: str = LONG_EVENT) -> LetterEvent:
    return LetterEvent(name, datetime(2026, 12, 15, 14), "The Main Hall and the Church of St Mary next door",
                       POLICY_WORDING[policy], policy=policy.value)  # fmt: skip


def _names() -> list[str]:
    return [f"{LONG_FORENAME} {LONG_SURNAME}", ONE_WORD, *SCRIPT_NAMES.values()]


def _documents(long: bool) -> dict[str, bytes]:
    school, event = _school(long), _event()
    names = _names()
    parent = "Mrs Ayesha Rahman-Chowdhury-Featherstonehaugh"  # a letter to each holder of parental responsibility
    pupils = [LetterPupil(n, n.split()[0], LONG_CLASS if long else "5B", f"S12-{i}-P{i}", "" if i % 2 else parent)
              for i, n in enumerate(names, start=1)]  # fmt: skip
    made = {
        "letters": render_letters(school, _event(name=LETTER_EVENT), pupils),
        "briefing": notices.render_briefing(
            school,
            event,
            [
                notices.BriefingPupil(
                    n, LONG_CLASS, i % 2 == 0, why="no consent for filming by parents at performances"
                )
                for i, n in enumerate(names)
            ],
        ),
        "chase list": notices.render_chase_list(
            school,
            event,
            [
                notices.ChaseLine(
                    n,
                    LONG_CLASS,
                    f"S12-{i}-P{i}",
                    ((f"{n} (Mother)", "07700 900123"), (LONG_HEAD, "a.very.long.address@example.org.uk")),
                )
                for i, n in enumerate(names)
            ],
        ),
        "announcement": notices.render_announcement(school, event),
        "follow-up": notices.render_follow_up(school, event, to=names[0], platform="Facebook and Instagram"),
        "helpline summary": notices.render_helpline_summary(
            school, "Helpline summary", [("Pupils", ", ".join(names)), ("What happened", "A video was posted. " * 40)]
        ),
        "subject access": render_subject_access(
            school, {"pupil": {"legal_forename": LONG_FORENAME, "legal_surname": LONG_SURNAME}}
        ),
    }
    for policy in (FilmingPolicy.NO_FILMING, FilmingPolicy.PERSONAL_USE, FilmingPolicy.PHOTO_MOMENT):
        for size in ("A4", "A3"):
            made[f"notice {policy.value} {size}"] = notices.render_notice(school, _event(policy), size=size)
    return made


@pytest.mark.parametrize("long", [False, True], ids=["long names", "long names and a long school name"])
def test_no_text_crosses_another_or_the_page_edge(long: bool) -> None:
    problems = []
    for title, pdf in _documents(long).items():
        for number, page in enumerate(read(pdf), start=1):
            assert page.boxes, f"{title} page {number} has no text"
            problems += [f"{title} p{number}: {fault}" for fault in faults(page)]
    assert not problems, "\n".join(problems[:20])


def test_a_letter_too_long_for_its_page_is_refused_with_what_to_shorten() -> None:
    """The register's longest event name with its longest pupil names: smaller type down to 9 points is not
    enough, so the office is told plainly instead of getting letters that overprint their slip."""
    from safeguard_desktop.documents.wording import DoesNotFit

    pupils = [LetterPupil(f"{LONG_FORENAME} {LONG_SURNAME}", LONG_FORENAME, LONG_CLASS, "S1-2-P3")]
    with pytest.raises(DoesNotFit, match="too long to fit above the reply slip: shorten"):
        render_letters(_school(True), _event(), pupils)


def test_the_fit_check_sees_an_overprint_and_text_off_the_page() -> None:
    """The check itself: two strings drawn over each other, and one run past the edge, are both found."""
    flow = Flow("t", "t", "footer")
    flow.canvas.setFont("DejaVuSans", 11)
    flow.canvas.drawString(100, 500, "Pupil: Maximilian")
    flow.canvas.drawString(150, 502, "Class: 5B")
    flow.canvas.drawString(560, 300, "runs off")
    found = faults(read(flow.finish())[0])
    assert any("crossing" in f for f in found) and any("off the page" in f for f in found)


def test_long_text_wraps_before_it_shrinks_and_never_below_the_floor() -> None:
    from safeguard_desktop.documents import text

    fitted = text.fit(f"{LONG_FORENAME} {LONG_SURNAME}", text.BOLD, 10, 258, lines=2)
    assert len(fitted.lines) >= 2 and fitted.size >= text.NAME_FLOOR
    assert all(text.width(line, text.BOLD, fitted.size) <= 258 for line in fitted.lines)
    short = text.fit("Zoë Ng", text.BOLD, 10, 258, lines=2)
    assert short.size == 10 and short.lines == ("Zoë Ng",)


@pytest.mark.parametrize("script", list(SCRIPT_NAMES))
def test_every_script_prints_and_reads_back_as_typed(script: str) -> None:
    """Each name is on the slip in a face that has its letters (never the missing-glyph box), and the PDF gives the
    name back as typed — composed, in logical order — for copying, searching and screen readers."""
    import io

    from pypdf import PdfReader

    name = SCRIPT_NAMES[script]
    pdf = render_letters(_school(False), _event(), [LetterPupil(name, name.split()[0], "5B", "S1-2-P3")])
    page = read(pdf)[0]
    typed = unicodedata.normalize("NFC", name)
    plain = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert typed in page.spoken or typed in plain, (page.spoken, plain)
    assert not faults(page)
    fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for f in
             PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}  # fmt: skip
    from safeguard_desktop.documents import text

    expected = {run.font for run in text.runs(typed, text.BOLD)} | {run.font for run in text.runs(typed, text.REGULAR)}
    assert expected <= fonts
    for run in text.runs(typed, text.REGULAR):
        assert all(glyph.char != "\x00" for glyph in text._shaped(run)) if run.font != text.REGULAR else True
        assert run.font != text.REGULAR or all(ord(c) in text._covered(text.REGULAR) for c in run.text)


def test_a_right_to_left_name_keeps_the_class_after_it() -> None:
    """ "محمد (5B)" inside a sentence: the name reads right to left, and "(5B)" stays after it, brackets unturned."""
    from safeguard_desktop.documents import text

    line = f"To the parent or carer of {text.isolate('محمد علي')} ({text.isolate('5B')})"
    runs = text.runs(text.prepare(line), text.BOLD)
    shown = [run.text for run in runs]
    assert shown[0].startswith("To the parent") and shown[-1].endswith("(5B)")
    assert any(run.rtl and run.text == "محمد علي" for run in runs)
    override = text.prepare("Zoë \u202eNg")  # a right-to-left override typed into a name is not obeyed
    assert "\u202e" not in override
