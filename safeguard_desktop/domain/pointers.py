"""Pointers to material that must not be kept: every way people write a web address, a file or a link.

For illegal content and nudes of under-18s the record holds the fact of the report and nothing that leads to the
material (DOMAIN.md: no image, file or URL). Measured before this module: a bare address ("bad-site.example/
img.png"), defanged forms (``hxxps://…[.]com``), spaced and spelt-out dots, shorteners and invite links, unusual
top-level domains, full-width or ideographic dots, ``magnet:`` and ``data:`` were accepted. Here the text is first
unfolded the way a reader would read it back (NFKC, every kind of dot, defanging undone, "dot" spelt out) and
then searched for a scheme, ``www.``, an IP address, a domain or a file name. An e-mail address is not a pointer.

What is found is named with the field it is in, so the person can take it out; nothing is guessed or rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Dots that are not ".": the ideographic full stop and its half-width form, the one-dot leader, the small full
#: stop, the full-width full stop (NFKC folds some of these; the rest are mapped by hand).
_OTHER_DOTS = str.maketrans({"\u3002": ".", "\uff61": ".", "\u2024": ".", "\ufe52": ".", "\uff0e": ".",
                             "\u2e33": ".", "\u2e34": "."})  # fmt: skip
#: Top-level domains people spell out or put after a spaced dot ("bad site dot com", "badsite. co. uk"): only
#: endings that are not English words, so "join the dot to dot" and "Year 6. Online later." stay sentences.
_SPELT_TLDS = "com|net|org|co|uk|io|ly|tv|gg|info|biz|xyz|ru|cn|onion|cc|ws|su|tk|ml|ga|cf|gq|pw|xxx|de|fr|nl|pl|eu|ie"
_DEFANG = (
    (re.compile(r"[\[\(\{<]\s*(?:\.|dot|punkt|point)\s*[\]\)\}>]", re.IGNORECASE), "."),
    (re.compile(r"[\[\(\{<]\s*(:|://|/)\s*[\]\)\}>]"), r"\1"),
    (re.compile(r"\bh(?:xx|\*\*|tt|XX)p(s?)\b", re.IGNORECASE), r"http\1"),
    (re.compile(r"(?<=\w)\s+dot\s+(?=\w)", re.IGNORECASE), " dot "),  # one spelling ((dot), [dot]: above)
    (re.compile(rf"(?<=\w) dot (?=(?:{_SPELT_TLDS})\b)", re.IGNORECASE), "."),
    (re.compile(rf"(?<=\w) dot (?=[\w-]+\.(?:{_SPELT_TLDS})\b)", re.IGNORECASE), "."),
    (re.compile(r"(?<=\w) dot (?=[\w-]+ (?:slash|forward slash) )", re.IGNORECASE), "."),
    (re.compile(r"(\.[a-z]{2,24}) (?:forward )?slash (?=\w)", re.IGNORECASE), r"\1/"),
    (re.compile(r"(?<=\w)\s+\.\s*(?=\w)"), "."),  # "site . com", "site .com": no sentence has a space before its stop
    (re.compile(r"(?<=\w)\.\s+(?=(?:com|org|uk|xyz|onion|ru|cn)\b)", re.IGNORECASE), "."),  # "site. com"
)
_SCHEME = re.compile(
    r"\b(?:(?:https?|s?ftp|file|smb|ipfs|ipns|ed2k|tg|onion)\s*:\s*//|magnet:\?|"
    r"data:[a-z]+/[\w.+-]+[;,])",
    re.IGNORECASE,
)
_WWW = re.compile(r"\bwww\d?\.", re.IGNORECASE)
_IP = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\w)")
_FILE = re.compile(
    r"(?<![\w@])[\w\-]+\.(?:jpe?g|png|gif|bmp|tiff?|heic|heif|webp|mp4|m4v|mov|avi|mkv|webm|3gp|wmv|flv|zip|rar|7z|"
    r"pdf|docx?|pptx?|torrent)\b",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"(?<![\w@.\-])((?:[a-z0-9][a-z0-9\-]*\.)+([a-z]{2,24}))(?:/[^\s]*)?(?![\w\-])", re.IGNORECASE)


@dataclass(frozen=True)
class Pointer:
    """A pointer found in a text: what kind, and the text of it as read back."""

    kind: str
    found: str


def unfold(text: str) -> str:
    """The text as a reader would read a pointer in it back: compatibility forms folded, every dot a dot, a
    defanged address put back together, "dot" spelt out turned back into a dot before a domain ending."""
    text = unicodedata.normalize("NFKC", text).translate(_OTHER_DOTS)
    for pattern, replacement in _DEFANG:
        text = pattern.sub(replacement, text)
    return text


def find_pointer(text: str) -> Pointer | None:
    """The first pointer in ``text`` (a web address, a link of any scheme, an IP address, a domain, a file name),
    or None."""
    plain = unfold(text)
    for kind, pattern in (("a link", _SCHEME), ("a web address", _WWW), ("an IP address", _IP),
                          ("a file name", _FILE)):  # fmt: skip
        match = pattern.search(plain)
        if match is not None:
            return Pointer(kind, _around(plain, match.start(), match.end()))
    for match in _DOMAIN.finditer(plain):
        labels = match.group(1).split(".")
        if all(len(label) <= 1 for label in labels):  # e.g. i.e. a.m. U.K.
            continue
        return Pointer("a web address", match.group(0).rstrip(".,;:!?)]}'\""))
    return None


def _around(text: str, start: int, end: int) -> str:
    """The pointer as written: from its start to the next space."""
    stop = end
    while stop < len(text) and not text[stop].isspace():
        stop += 1
    return text[start:stop].rstrip(".,;:!?)]}'\"")[:80]


#: Words that say a copy of the material was kept, forwarded or photographed (a warning, not a refusal: the
#: person is told what to do — the record itself holds nothing of it).
_COPY_KEPT = re.compile(
    r"\b(screen ?shots?|screen ?grabs?|screen ?recorded|screen ?recording|"
    r"(?:saved|kept|downloaded|copied|forwarded|sent|airdropped|printed)\s+(?:it|them|a copy|copies|the (?:image|"
    r"picture|photo|video|pic|file|message)s?)|"
    r"(?:have|got|has|kept) (?:a |the )?cop(?:y|ies)|on my (?:phone|laptop|computer|ipad|tablet)|"
    r"took a (?:photo|picture) of (?:the|his|her|their) (?:screen|phone))\b",
    re.IGNORECASE,
)


def says_copy_kept(text: str) -> str | None:
    """The words saying a copy was kept (a screenshot, "saved it", "on my phone"), or None."""
    match = _COPY_KEPT.search(unicodedata.normalize("NFKC", text))
    return match.group(0) if match else None
