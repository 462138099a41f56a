"""Reading order: the Unicode bidirectional algorithm (python-bidi) for a line of a left-to-right document, with each
value from data isolated so that a right-to-left name keeps its own order inside an English sentence."""

from __future__ import annotations

import unicodedata

from bidi import algorithm as bidi_algorithm

# Direction controls typed in data are dropped before drawing: an override in a name (U+202E) would print it
# backwards. The first-strong isolates (FSI ... PDI) that isolate() puts round a value are ours.
FSI, PDI = "\u2068", "\u2069"
_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u200e\u200f\u061c"))
_ISOLATES = dict.fromkeys(map(ord, FSI + PDI))
_RTL_CLASSES = frozenset({"R", "AL", "AN"})


def prepare(text: str) -> str:
    """Composed (typed or pasted decomposed accents print as one letter), without direction controls."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text.translate(_CONTROLS))


def isolate(value: str) -> str:
    """A value from data to put inside a sentence: it keeps its own direction, so a right-to-left name does not
    carry the brackets and class after it into its order ("محمد (5B)" stays name, then "(5B)")."""
    value = value.translate(_ISOLATES)
    if value.isascii() or not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in value):
        return value
    return FSI + value + PDI


def _split_isolates(text: str) -> list[tuple[bool, str]]:
    """(isolated?, part) in order; an unmatched mark is dropped."""
    parts: list[tuple[bool, str]] = []
    rest = text
    while rest:
        start = rest.find(FSI)
        end = rest.find(PDI, start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            parts.append((False, rest.translate(_ISOLATES)))
            break
        parts.append((False, rest[:start].translate(_ISOLATES)))
        parts.append((True, rest[start + 1 : end].translate(_ISOLATES)))
        rest = rest[end + 1 :]
    return [part for part in parts if part[1]]


def _levels(text: str, base: int = 0) -> list[int]:
    """The bidirectional embedding level of each character of a paragraph whose direction is ``base``."""
    if base == 0 and not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
        return [0] * len(text)  # left to right throughout: nothing to resolve
    return _resolved(text, base)


def _first_strong(text: str) -> int:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return 0
        if kind in ("R", "AL"):
            return 1
    return 0


def line_levels(text: str) -> tuple[str, list[int]]:
    """The line without isolate marks, and the level of each character: the line's own text in a left-to-right
    paragraph, each isolated value as a paragraph of its own direction (the Unicode isolates, rule X5c, simplified
    to one level of nesting: values are never nested)."""
    if FSI not in text and PDI not in text:
        return text, _levels(text)
    parts = _split_isolates(text)
    outer = "".join("\ufffc" if isolated else part for isolated, part in parts)  # an isolate is one neutral
    outer_levels = _levels(outer)
    plain: list[str] = []
    levels: list[int] = []
    at = 0
    for isolated, part in parts:
        if isolated:
            base = _first_strong(part)
            inner = _levels(part, base)
            around = outer_levels[at]
            lift = (around if around % 2 == base else around + 1) - base
            levels.extend(level + lift for level in inner)
            at += 1
        else:
            levels.extend(outer_levels[at : at + len(part)])
            at += len(part)
        plain.append(part)
    return "".join(plain), levels


def _resolved(text: str, base: int) -> list[int]:
    storage = bidi_algorithm.get_empty_storage()
    storage["base_level"], storage["base_dir"] = base, "LR"[base]
    bidi_algorithm.get_embedding_levels(text, storage)
    every = list(storage["chars"])  # rule X9 drops joiners (ZWJ, ZWNJ) from the list: they keep their neighbour's level
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    kept = {id(char) for char in storage["chars"]}
    levels: list[int] = []
    for char in every:
        levels.append(char["level"] if id(char) in kept or not levels else levels[-1])
    return levels
