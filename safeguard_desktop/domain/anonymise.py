"""Text that names no one: every way a known name, an identifier or a handle is written, taken out.

Measured before this module: "anonymised" summaries kept an accent-less spelling ("Zoe" for Zoë), a name pasted
with decomposed accents, the preferred surname, initials, the UPN, a social-media handle built from the name and
adults who are not pupils ("Mrs Jenkins"). Here the text is matched on a folded copy — compatibility forms, accents
and case taken away, curly apostrophes straightened — whose every character points back at the original, so what
is replaced is exactly what was written, however it was typed.

Taken out: each name part of every person given (pupils' legal, preferred and surnames, contacts, staff), with
its possessive; initials of a known person (J.S., JS); a title followed by a capitalised word (Mrs Jenkins, Dr
Okafor) whoever it is; any UPN, and the admission numbers given; a handle or address-like word that contains a
known name (@zoe_obrien15, zoe.obrien). What was taken out is counted by kind, for the lead to see before sending.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NAME = "[name removed]"
NUMBER = "[number removed]"
HANDLE = "[handle removed]"

_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|lady|lord|rev|revd|reverend|fr|father|sister|nurse)"
#: A UPN: a letter and 12 digits, or a letter, 11 digits and a letter (a temporary UPN); any case, any spacing
#: people put in.
_UPN = re.compile(r"(?<![\w])[a-z]\s?\d{3}\s?\d{4}\s?\d{4}\s?[\da-z](?![\w])", re.IGNORECASE)
#: A word people write a handle or an address in: letters and digits joined by _ . - @ (at least one of them, or
#: an @ in front).
_HANDLE = re.compile(r"@?[\w]+(?:[._\-@][\w]+)+|@[\w]+")
#: A word: letters, with an apostrophe or a hyphen inside (O'Brien, Brown-Hughes).
_WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
#: Two initials as people write them: J.S., J. S., JS (capitals, checked against the people's initials).
_INITIALS = re.compile(r"(?<![\w.])([A-Z])\.?\s?([A-Z])\.?(?![\w])")
_TITLE_WORDS = frozenset(_TITLES.strip("(?:)").split("|"))


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded for matching (NFKD, accents dropped, casefolded, ’ → '), and for each character of the
    folded text the position in ``text`` it came from."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char in "\u2019\u2018\u02bc`´":
            char = "'"
        for piece in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(piece):
                continue
            for folded in piece.casefold():
                out.append(folded)
                where.append(index)
    return "".join(out), where


def _folded(word: str) -> str:
    return fold(word)[0]


def name_parts(*names: str | None) -> set[str]:
    """The folded parts of names worth matching: each whole name, each word of it, each part of a double-barrelled
    or apostrophed name (O'Brien: o'brien, obrien, brien), two letters or more."""
    parts: set[str] = set()
    for name in names:
        if not name:
            continue
        folded = _folded(name).strip()
        words = re.split(r"\s+", folded)
        for word in (folded, *words):
            for piece in (word, *re.split(r"[-']", word), word.replace("'", "").replace("-", "")):
                piece = piece.strip(".,;:()")
                if len(piece) >= 2:
                    parts.add(piece)
    return parts


@dataclass(frozen=True)
class Person:
    """Someone whose names must not appear: any of forename, preferred forename, surname, preferred surname, a
    whole name (a contact's or a member of staff's as written)."""

    forename: str = ""
    surname: str = ""
    preferred_forename: str = ""
    preferred_surname: str = ""
    whole: str = ""

    def parts(self) -> set[str]:
        """Every folded part of every name this person goes by (not a title written with it: "Mrs")."""
        parts = name_parts(self.forename, self.surname, self.preferred_forename, self.preferred_surname, self.whole)
        return {p for p in parts if p.strip(".") not in _TITLE_WORDS}

    def initials(self) -> set[tuple[str, str]]:
        """(first, last) initials of each forename and surname this person goes by, folded."""
        firsts = {_folded(n)[:1] for n in (self.forename, self.preferred_forename) if n}
        lasts = {_folded(n)[:1] for n in (self.surname, self.preferred_surname) if n}
        if self.whole and len(self.whole.split()) >= 2:
            words = self.whole.split()
            firsts.add(_folded(words[-2 if len(words) > 2 and words[0].lower().strip(".") in _TITLE_WORDS else 0])[:1])
            lasts.add(_folded(words[-1])[:1])
        return {(f, s) for f in firsts for s in lasts if f.isalpha() and s.isalpha()}


@dataclass
class Anonymiser:
    """Built once for an export from everyone it must not name; call it on each text. ``removed`` counts what was
    taken out, by kind, over every text it was given."""

    people: Sequence[Person]
    numbers: Iterable[str] = ()
    removed: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._parts: set[str] = set().union(*(p.parts() for p in self.people)) if self.people else set()
        self._pairs: set[tuple[str, str]] = set().union(*(p.initials() for p in self.people)) if self.people else set()
        # The parts a handle is searched for, apostrophes and hyphens away (o'brien in @obrien15): once, not per text.
        self._squashed = {part.replace("'", "").replace("-", "") for part in self._parts if len(part) >= 3}
        # The title in any case, the name after it capitalised: "Mrs Jenkins", "mr Moore", not "Mrs and".
        self._titled = re.compile(rf"(?<![\w])(?i:{_TITLES})\.?\s+[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)?")
        known = sorted({n.strip() for n in self.numbers if n and n.strip()}, key=len, reverse=True)
        self._numbers = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in known) + r")(?![\w])",
                                   re.IGNORECASE) if known else None  # fmt: skip

    def _is_name(self, word: str) -> bool:
        """True when a folded word is one of the names, as written or with its possessive."""
        parts = self._parts
        if word in parts:
            return True
        base = word[:-2] if word.endswith("'s") else word
        return base in parts or any(len(piece) >= 2 and piece in parts for piece in re.split(r"[-']", base))

    def __call__(self, text: str) -> str:
        """``text`` with every name, identifier and handle of the people given taken out."""
        if not text:
            return text
        spans: list[tuple[int, int, str, str]] = []  # (start, end, replacement, kind) in the original text
        folded, where = fold(text)

        def add(match: re.Match[str], replacement: str, kind: str, positions: list[int], drop: int = 0) -> None:
            start, end = positions[match.start()], positions[match.end() - 1 - drop] + 1
            while end < len(text) and unicodedata.combining(text[end]):  # a decomposed accent on the last letter
                end += 1
            spans.append((start, end, replacement, kind))

        for match in _HANDLE.finditer(folded):
            squashed = re.sub(r"[^a-z]", "", match.group(0))
            if any(part in squashed for part in self._squashed):
                add(match, HANDLE, "handles", where)
        for match in _UPN.finditer(folded):
            add(match, NUMBER, "UPNs", where)
        if self._numbers is not None:
            for match in self._numbers.finditer(folded):
                add(match, NUMBER, "admission numbers", where)
        # Titles and initials are read in the original's capitals (accents dropped): "Mrs Jenkins", "J.S."
        plain, plain_where = _unaccented(text)
        for match in self._titled.finditer(plain):
            add(match, NAME, "names", plain_where)
        for match in _INITIALS.finditer(plain):
            if (match.group(1).lower(), match.group(2).lower()) in self._pairs:
                add(match, NAME, "initials", plain_where)
        for match in _WORD.finditer(folded):
            word = match.group(0)
            if self._is_name(word):
                possessive = word.endswith("'s") and word[:-2] in self._parts  # Zoë's → [name removed]'s
                add(match, NAME, "names", where, drop=2 if possessive else 0)
        return self._replace(text, spans)

    def _replace(self, text: str, spans: list[tuple[int, int, str, str]]) -> str:
        """Apply the spans, the earliest and then the longest first; overlaps are merged into the first."""
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        out: list[str] = []
        position = 0
        for start, end, replacement, kind in spans:
            if start < position:  # inside one already taken out
                if end > position:
                    position = end
                continue
            out.append(text[position:start])
            out.append(replacement)
            self.removed[kind] += 1
            position = end
        out.append(text[position:])
        return "".join(out)

    def described(self) -> str:
        """What was taken out, in words ("4 names, 1 UPN, 1 handle"), or "nothing"."""
        if not self.removed:
            return "nothing"
        singular = {"names": "name", "initials": "set of initials", "UPNs": "UPN", "admission numbers":
                    "admission number", "handles": "handle"}  # fmt: skip
        return ", ".join(f"{n} {kind if n != 1 else singular.get(kind, kind)}"
                         for kind, n in sorted(self.removed.items(), key=lambda kv: -kv[1]))  # fmt: skip


def _unaccented(text: str) -> tuple[str, list[int]]:
    """``text`` with accents dropped but case kept, and where each character came from."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKD", char):
            if not unicodedata.combining(piece):
                out.append(piece)
                where.append(index)
    return "".join(out), where
