"""Online-safety incidents: the helpline's categories, the KCSIE 4 Cs, and the guidance shown beside the form.

Wording is the app's own, from the facts in shared/DOMAIN.md. Categories whose evidence must never be kept
(child sexual abuse material, nudes or semi-nudes of under-18s) are *guarded*: nothing but the fact of a
report, to whom, when, by whom and its reference may be recorded for them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from safeguard_desktop.domain.pointers import find_pointer, says_copy_kept


class Category(enum.StrEnum):
    """Issue types, as the Professionals Online Safety Helpline reports them."""

    PRIVACY = "abuse of privacy"
    ILLEGAL = "illegal content"
    REPUTATION = "online reputation"
    HARASSMENT = "harassment / targeted abuse"
    CYBERBULLYING = "cyberbullying"
    NUDES = "nudes / semi-nudes"
    IMPERSONATION = "impersonation"
    SELF_HARM = "self-harm content"
    GROOMING = "contact / grooming"
    SCAM = "scam"
    #: KCSIE 2025 names misinformation, disinformation (fake news included) and conspiracy theories among the
    #: content risks.
    MISINFORMATION = "misinformation / conspiracy"
    #: An allegation that a member of staff harmed a child, behaved towards one in a way that shows they may
    #: pose a risk, or committed an offence against or related to a child (KCSIE Part 4): a case of its own.
    ALLEGATION = "allegation against staff"
    OTHER = "other"


class FourCs(enum.StrEnum):
    """KCSIE's four areas of online risk."""

    CONTENT = "content"
    CONTACT = "contact"
    CONDUCT = "conduct"
    COMMERCE = "commerce"


#: Never view, copy, download, screenshot, print, store or forward: no attachment, image or URL is kept.
GUARDED: frozenset[Category] = frozenset({Category.ILLEGAL, Category.NUDES})

HELPLINE = (
    "Professionals Online Safety Helpline: 0344 381 4772, helpline@saferinternet.org.uk, Monday to Friday "
    "10:00–16:00. Any safeguarding concern: contact them at once. Other content: report it to the platform first "
    "and give it 48 hours."
)

DEFAULT_AXIS: dict[Category, FourCs] = {
    Category.PRIVACY: FourCs.CONDUCT,
    Category.ILLEGAL: FourCs.CONTENT,
    Category.REPUTATION: FourCs.CONDUCT,
    Category.HARASSMENT: FourCs.CONDUCT,
    Category.CYBERBULLYING: FourCs.CONDUCT,
    Category.NUDES: FourCs.CONDUCT,
    Category.IMPERSONATION: FourCs.CONDUCT,
    Category.SELF_HARM: FourCs.CONTENT,
    Category.GROOMING: FourCs.CONTACT,
    Category.SCAM: FourCs.COMMERCE,
    Category.MISINFORMATION: FourCs.CONTENT,
    Category.ALLEGATION: FourCs.CONDUCT,
    Category.OTHER: FourCs.CONTENT,
}


@dataclass(frozen=True)
class Guidance:
    """What to do, in order, for one category."""

    title: str
    steps: tuple[str, ...]


GUIDANCE: dict[Category, Guidance] = {
    Category.PRIVACY: Guidance(
        "Images shared without consent",
        (
            "Ask the person who posted them to take them down; most will.",
            "If they do not within a reasonable time (allow up to a month), use the platform's privacy report. "
            "A parent reports for a child under 13; pupils of 13 and over can report themselves.",
            "Record what was posted, where, when, and each request and reply — not the images themselves.",
        ),
    ),
    Category.ILLEGAL: Guidance(
        "Illegal content (child sexual abuse material)",
        (
            "Do not view, copy, download, screenshot, print, store or forward it — not even as evidence.",
            "Report the web address to the Internet Watch Foundation (anonymously; give an email address to get "
            "a reference number).",
            "Call the police (or CEOP) if a child is at risk; 999 if anyone is in immediate danger.",
            "Record here only that a report was made, to whom, when, by whom, and the reference.",
        ),
    ),
    Category.NUDES: Guidance(
        "Nudes or semi-nudes of under-18s",
        (
            "Do not view, copy, print, store or forward the images, and do not ask anyone to send or show them.",
            "Do not delete them, and do not ask the young person to delete them: the device is kept safe, "
            "switched off, until the DSL or the police decide.",
            "Tell the DSL straight away. Do not tell other staff, pupils or parents beyond what the DSL decides; "
            "do not ask the young person about what the images show, and do not blame or shame them.",
            "Refer to the police or children's social care at once when an adult is involved, there is coercion, "
            "blackmail or grooming, the child is under 13, or the child is at immediate risk (UKCIS guidance).",
            "Otherwise the DSL assesses the risk; record the handling, the assessment and who was told, and why.",
        ),
    ),
    Category.REPUTATION: Guidance(
        "Fake accounts, public shaming, false allegations",
        (
            "A member of staff targeted online is supported as a victim: report the account or posts through "
            "the platform's reporting routes, and to the police if it threatens anyone or continues.",
            "An allegation that a member of staff has harmed a child is not investigated here: tell the "
            "headteacher (the chair of governors when it is about the head), who speaks to the LADO within one "
            "working day (KCSIE Part 4). Do not question the child or the adult about it first.",
            "Keep the two apart: the abuse of the member of staff, and any allegation against them.",
        ),
    ),
    Category.ALLEGATION: Guidance(
        "An allegation against a member of staff (KCSIE Part 4)",
        (
            "Do not investigate, and do not question the child, the member of staff or anyone else about it, before "
            "the next steps are agreed with the LADO.",
            "Tell the case manager today: the headteacher — the chair of governors when the allegation is about the "
            "headteacher. The case manager speaks to the LADO within one working day.",
            "The case is restricted from the start: only its named readers read it. Do not tell the member of staff "
            "until the LADO agrees what they are told and when.",
            "It ends with a finding — substantiated, unsubstantiated, unfounded, false or malicious — and the record "
            "is kept until the member of staff's normal pension age or for 10 years, whichever is longer; a "
            "malicious allegation is removed.",
        ),
    ),
    Category.MISINFORMATION: Guidance(
        "Misinformation, disinformation and conspiracy content",
        (
            "Talk with the pupil about what they saw and where it came from; record what, where and when.",
            "Report content that breaks the platform's rules through its reporting route.",
            "Content drawing a pupil towards extremist views is a safeguarding concern: tell the DSL (Prevent).",
        ),
    ),
    Category.HARASSMENT: Guidance(
        "Targeted abuse of a named person",
        (
            "Platforms forbid targeted abuse of a named person: report it there first.",
            "Keep a dated record of each post and each report made.",
            "Continued targeting goes to the police.",
        ),
    ),
}
_GENERAL = Guidance(
    "Online-safety concern",
    (
        "Record the facts: what happened, where, when, and who is affected.",
        "Report to the platform, and follow your safeguarding policy; talk to the DSL.",
    ),
)


def guidance_for(category: Category) -> Guidance:
    """The steps for a category, ending with the helpline's details."""
    base = GUIDANCE.get(category, _GENERAL)
    return Guidance(base.title, (*base.steps, HELPLINE))


def is_guarded(category: Category) -> bool:
    """True when no attachment, image or URL may ever be stored for the category."""
    return category in GUARDED


class Urgency(enum.StrEnum):
    """How soon it needs acting on."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    IMMEDIATE = "immediate danger"


class Status(enum.StrEnum):
    """Where the incident stands."""

    OPEN = "open"
    MONITORING = "monitoring"
    CLOSED = "closed"


class EntryKind(enum.StrEnum):
    """Kinds of chronology entry."""

    ACTION = "action"
    REFERRAL = "referral"
    DECISION = "decision"
    OUTCOME = "outcome"
    CORRECTION = "correction"
    STATUS = "status"


#: How an allegation against staff ends (KCSIE Part 4, the definitions the LADO uses).
FINDINGS = ("substantiated", "unsubstantiated", "unfounded", "false", "malicious")
#: Kept at least this long from the allegation (or to the member of staff's normal pension age, if later).
ALLEGATION_YEARS = 10


def next_working_day(moment: datetime) -> date:
    """The working day (Monday to Friday) after ``moment``'s: when the LADO must have been told by (KCSIE Part 4)."""
    day = moment.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


REFERRAL_TO = ("platform", "IWF", "police", "CEOP", "helpline", "LADO", "parents", "children's social care", "other")
INVOLVEMENTS = ("affected", "alleged", "witness", "reporter")


def pointer_problem(category: Category, fields: Mapping[str, str], links: Sequence[str] = ()) -> tuple[str, str] | None:
    """Why a field would keep a pointer to material that must not be kept (illegal content, nudes) — (field,
    message) — or None. Nothing may be kept for such a category but the fact of the report: no link, web address,
    IP address or file name, however it is written (domain.pointers)."""
    if not is_guarded(category):
        return None
    if links:
        return ("links", f"For {category.value} nothing may be kept but the fact of the report: no links, "
                "images or files. Do not view, copy or forward it; report it (IWF, police) and record the "
                "reference.")  # fmt: skip
    for name, text in fields.items():
        found = find_pointer(text)
        if found is not None:
            return (name, f"The {name} holds {found.kind} ({found.found}): for {category.value} nothing that leads to "
                    "the material may be recorded, in any field or spelling. Take it out; report the address to the "
                    "IWF (report.iwf.org.uk) and record only that you reported it, when, and the "
                    "reference.")  # fmt: skip
    return None


def copy_warning(category: Category, *texts: str) -> str | None:
    """What to tell someone whose words say they kept a copy (a screenshot, "saved it", "on my phone") in a guarded
    category, or None. The record is kept: the warning is about the copy, which is itself an offence to hold."""
    if not is_guarded(category):
        return None
    for text in texts:
        words = says_copy_kept(text)
        if words is not None:
            return (f"You wrote \"{words}\". Keeping, sending or showing a copy of such an image — even as evidence, "
                    "even to a colleague — is itself an offence. Do not view it again, copy, forward or delete it, "
                    "and do not ask anyone else to delete it; tell the DSL now, in person: the device is kept safe "
                    "until the DSL or the police decide (UKCIS guidance).")  # fmt: skip
    return None
