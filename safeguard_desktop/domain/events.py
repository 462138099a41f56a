"""Performances and events: filming policies in plain words, and which consent purposes they ask about."""

from __future__ import annotations

import enum
from collections.abc import Sequence


class FilmingPolicy(enum.StrEnum):
    """What families are told about filming and photography at the event."""

    PERSONAL_USE = "personal-use"
    NO_FILMING = "no-filming"
    PHOTO_MOMENT = "photo-moment"
    CUSTOM = "custom"


POLICY_WORDING: dict[FilmingPolicy, str] = {
    FilmingPolicy.PERSONAL_USE: (
        "Parents and carers may film and take photographs for their own family's use only. Please do not post "
        "them on social media or share them online: some children must not appear online for their safety. "
        "Please focus on your own child."
    ),
    FilmingPolicy.NO_FILMING: (
        "Please do not film or take photographs during the performance. Some children must not appear in "
        "images for their safety. The school will record the performance itself."
    ),
    FilmingPolicy.PHOTO_MOMENT: (
        "Please do not film or take photographs during the performance. There will be a moment at the end "
        "when you may photograph the performers, for your own family's use only and not for social media."
    ),
    FilmingPolicy.CUSTOM: "",
}

FOOTAGE_OFFER = (
    "The school will make its own recording and share it with families on request, protected by a password. "
    "Please do not pass it on."
)

#: The consent purposes that decide who may be filmed at an event: by parents, and by the school.
PARENT_FILMING = "parent_filming"
SCHOOL_RECORDING = "school_recording"


def needed_purposes(policy: FilmingPolicy, footage_offered: bool, custom: Sequence[str] = ()) -> tuple[str, ...]:
    """The consent purposes a pupil needs granted to take part in view of cameras under ``policy``: filming by
    parents where parents may film (the whole event, or the photo moment), the school's own recording where the
    school records (always when parents may not film, otherwise when it offers its footage); a custom policy
    names its own."""
    if policy is FilmingPolicy.CUSTOM:
        chosen = tuple(dict.fromkeys(c for c in custom if c))
        if chosen:
            return chosen
    parents: tuple[str, ...] = () if policy is FilmingPolicy.NO_FILMING else (PARENT_FILMING,)
    school: tuple[str, ...] = (SCHOOL_RECORDING,) if footage_offered or policy is FilmingPolicy.NO_FILMING else ()
    return parents + school


def slip_question(code: str, policy: FilmingPolicy, footage_offered: bool, purpose_name: str) -> str:
    """What the reply slip asks about one purpose, in the words of the event's policy."""
    if code == PARENT_FILMING:
        if policy is FilmingPolicy.PHOTO_MOMENT:
            return "My child may be photographed by other parents at the photo moment at the end"
        return "My child may be filmed and photographed by other parents at this event"
    if code == SCHOOL_RECORDING:
        if footage_offered:
            return "My child may appear in the school's own recording, shared with families on request"
        return "My child may appear in the school's own recording of this event"
    return f"My child may appear in images for: {purpose_name}"


def policy_text(policy: FilmingPolicy, custom_text: str = "", footage_offered: bool = False) -> str:
    """The words families read: the policy (or the school's own wording), then the footage offer."""
    words = custom_text.strip() if policy is FilmingPolicy.CUSTOM else POLICY_WORDING[policy]
    return f"{words} {FOOTAGE_OFFER}".strip() if footage_offered else words


#: The documents an event has, by kind, with the title a person sees.
DOCUMENT_KINDS = {
    "letters": "Consent letters",
    "notice": "Notice (A4)",
    "notice-a3": "Notice (A3)",
    "announcement": "Announcement",
    "briefing": "Confidential staff briefing",
    "chase": "Chase list",
    "followup": "Request to remove images",
}
