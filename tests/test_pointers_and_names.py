"""Guarded incidents keep no pointer however it is written, and anonymised text names no one however a name is typed:
property tests (1,000 examples in the quick run, 10,000 in the full one) and the cases people write."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard_desktop.domain.anonymise import Anonymiser, Person, fold
from safeguard_desktop.domain.pointers import find_pointer, says_copy_kept

# --- the pointer guard ------------------------------------------------------------------------------------------

WRITTEN_BY_PEOPLE = [
    "bad-site.example/img.png", "hxxps://bad[.]com/x", "see bad-site[.]com", "bad site . com", "badsite dot com",
    "bad-site dot example slash img", "bit.ly/3abc", "discord.gg/invite1", "t.me/somechan", "chat.whatsapp.com/AbC",
    "bad-site。com", "bad-site．com", "ｈｔｔｐｓ://x.y", "magnet:?xt=urn:btih:abc", "data:image/png;base64,AAA",
    "http://1.2.3.4/a", "on 10.0.0.1 it was", "IMG_2041.JPG", "video.mp4", "bad.onion", "site.xyz",
    "www.bad.example", "http ://bad", "x.co.uk", "foo(dot)com", "foo [dot] net", "bad.site.example/abc?x=1",
    "https ://bad", "badsite. com", "bad site. co. uk",
]  # fmt: skip
PROSE = [
    "I told Mrs Smith at 3.30pm.", "e.g. the video was shared", "i.e. on a.m. U.K. time", "It was 2.5 hours.",
    "Emailed parent@example.com about it.", "Reported to the IWF, reference IWF-77.", "He said it. Then he left.",
    "Snapchat", "Year 6. Online later.", "The dot on the map", "version 1.2 of the app", "Join the dot to dot.",
    "No. 5 bus", "St. Mary's school", "Call 0344 381 4772", "Data: none kept", "Note: file was not kept.",
    "Caught in a net. Net result: nothing kept.", "Co. Durham police were told.", "A pupil told me of an image. "
    "Not viewed. Reported to the IWF.",
]  # fmt: skip


@pytest.mark.parametrize("text", WRITTEN_BY_PEOPLE)
def test_every_way_people_write_a_pointer_is_found(text: str) -> None:
    assert find_pointer(f"The pupil said it was at {text} yesterday.") is not None


@pytest.mark.parametrize("text", PROSE)
def test_ordinary_sentences_are_not_taken_for_pointers(text: str) -> None:
    assert find_pointer(text) is None


label = st.from_regex(r"[a-z0-9][a-z0-9\-]{0,8}[a-z0-9]", fullmatch=True)
tld = st.from_regex(r"[a-z]{2,10}", fullmatch=True)
dots = st.sampled_from(
    [".", "[.]", "<.>", "(.)", "{.}", "[dot]", "(dot)", "\u3002", "\uff0e", "\uff61", " . ", "[ . ]"]
)
schemes = st.sampled_from(["", "", "http://", "https://", "hxxp://", "hxxps://", "HTTPS://", "h**ps://", "www."])
paths = st.sampled_from(["", "/", "/img.png", "/a/b?c=1", "/x#y"])
words = st.lists(st.from_regex(r"[A-Za-z]{1,9}", fullmatch=True), max_size=6).map(" ".join)


@st.composite
def pointers(draw: st.DrawFn) -> str:
    labels = draw(st.lists(label, min_size=1, max_size=3))
    dot = draw(dots)
    return draw(schemes) + dot.join([*labels, draw(tld)]) + draw(paths)


def _pointer_found(before: str, pointer: str, after: str) -> None:
    text = f"{before} {pointer} {after}".strip()
    assert find_pointer(text) is not None, text


@settings(max_examples=1_000, deadline=None)
@given(words, pointers(), words)
def test_a_pointer_is_found_however_its_dots_and_scheme_are_written(before: str, pointer: str, after: str) -> None:
    _pointer_found(before, pointer, after)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None)
@given(words, pointers(), words)
def test_a_pointer_is_found_over_10000_spellings(before: str, pointer: str, after: str) -> None:
    _pointer_found(before, pointer, after)


sentences = st.lists(st.from_regex(r"[A-Z][a-z]{2,9}( [a-z]{1,9}){0,8}[.!?]", fullmatch=True), min_size=1,
                     max_size=5).map(" ".join)  # fmt: skip


@settings(max_examples=1_000, deadline=None)
@given(sentences)
def test_sentences_written_as_sentences_are_never_refused(text: str) -> None:
    assert find_pointer(text) is None, text


def test_words_saying_a_copy_was_kept_are_found() -> None:
    for text in ("screenshot kept on my phone", "I saved it", "she forwarded the image to me", "I have a copy",
                 "took a photo of his screen"):  # fmt: skip
        assert says_copy_kept(text) is not None, text
    assert says_copy_kept("Nothing was kept; reported to the IWF.") is None


# --- the anonymiser ---------------------------------------------------------------------------------------------

NAMES = [("Zoë", "O'Brien"), ("Siobhán", "Ní Bhriain"), ("Çağla", "Yılmaz"), ("Łukasz", "Wójcik"),
         ("Nguyễn", "Thị Mai"), ("Anaïs", "Brown-Hughes"), ("José", "García"), ("Mía", "Müller"), ("Aoife", "D'Souza"),
         ("Jack", "Smith")]  # fmt: skip
PEOPLE = [Person(f, s) for f, s in NAMES] + [Person(whole="Karen Jenkins"), Person(whole="Tomasz Ahmed")]


def anonymiser() -> Anonymiser:
    return Anonymiser(PEOPLE, numbers=["1041", "2207"])


def _strip(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


renderings = st.sampled_from(["as is", "upper", "lower", "title", "no accents", "NFD", "curly", "possessive"])


def _render(name: str, how: str) -> str:
    if how == "upper":
        return name.upper()
    if how == "lower":
        return name.lower()
    if how == "title":
        return name.title()
    if how == "no accents":
        return _strip(name)
    if how == "NFD":
        return unicodedata.normalize("NFD", name)
    if how == "curly":
        return name.replace("'", "\u2019")
    return name + "'s"


def _names_no_one(index: int, part: str, how: str, before: str, after: str) -> None:
    forename, surname = NAMES[index]
    name = {"forename": forename, "surname": surname, "whole": f"{forename} {surname}"}[part]
    text = f"{before} {_render(name, how)} {after}"
    out = anonymiser()(text)
    folded = fold(out)[0]
    for piece in (*fold(forename)[0].split(), *fold(surname)[0].replace("-", " ").split()):
        if len(piece) >= 3:
            assert f" {piece} " not in f" {folded} ".replace("'s", " ").replace("'", " "), (text, out)


@settings(max_examples=1_000, deadline=None)
@given(st.integers(0, len(NAMES) - 1), st.sampled_from(["forename", "surname", "whole"]), renderings,
       words, words)  # fmt: skip
def test_anonymised_text_names_no_one_however_the_name_is_typed(index: int, part: str, how: str, before: str,
                                                                 after: str) -> None:  # fmt: skip
    _names_no_one(index, part, how, before, after)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None)
@given(st.integers(0, len(NAMES) - 1), st.sampled_from(["forename", "surname", "whole"]), renderings,
       words, words)  # fmt: skip
def test_anonymised_text_names_no_one_over_10000_spellings(index: int, part: str, how: str, before: str,
                                                           after: str) -> None:  # fmt: skip
    _names_no_one(index, part, how, before, after)


def test_identifiers_handles_titles_and_initials_are_taken_out_and_counted() -> None:
    scrub = anonymiser()
    out = scrub("UPN K801200000121 (adm 1041) posted as @zoe_obrien15 and zoe.obrien; J.S. told Mrs Patel and "
                "Karen Jenkins; Mr Moore saw it. 2041 is a year, not a number of ours.")  # fmt: skip
    for kept_out in ("K801200000121", "1041", "zoe_obrien", "zoe.obrien", "J.S.", "Patel", "Jenkins", "Moore"):
        assert kept_out not in out, out
    assert "2041 is a year" in out
    assert scrub.removed["UPNs"] == 1 and scrub.removed["handles"] == 2 and scrub.removed["initials"] == 1
    assert "UPN" in scrub.described() and "handles" in scrub.described()


def test_what_is_not_a_name_stays() -> None:
    out = anonymiser()("The video of the nativity was posted on Facebook by a parent; reported to the platform.")
    assert out == "The video of the nativity was posted on Facebook by a parent; reported to the platform."
