"""The consent purposes a new register is seeded with (schools add, rename and retire their own)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PurposeSeed:
    """One seeded purpose: a stable code, the name shown on screen and a one-line description."""

    code: str
    name: str
    description: str


DEFAULT_PURPOSES: tuple[PurposeSeed, ...] = (
    PurposeSeed("displays", "Internal displays", "Photos on display boards and screens inside school."),
    PurposeSeed("website", "School website", "Photos or video on the school's public website."),
    PurposeSeed("social", "School social media", "Photos or video on the school's social media accounts."),
    PurposeSeed("print", "Newsletter / prospectus", "Printed newsletters, prospectus and brochures."),
    PurposeSeed("press", "Local press / TV", "Photos or filming by local newspapers, radio or TV."),
    PurposeSeed("class_photo", "Class / group photograph", "Official class and group photographs."),
    PurposeSeed("journals", "Other children's learning journals", "Early years: in other children's journals."),
    PurposeSeed(
        "parent_filming",
        "Filming by parents at performances",
        "Parents and carers filming or photographing at school performances and events.",
    ),
    PurposeSeed(
        "school_recording",
        "School recording of performances",
        "The school's own recording, shared with families on request, password-protected.",
    ),
    PurposeSeed("name_with_photo", "Name shown with photo", "The pupil's name printed beside their image."),
)


def basis_sentence(purposes: list[tuple[str, str]]) -> str:
    """What families are told about the lawful basis of what they are asked: (purpose name, basis) pairs.

    Consent can be refused and withdrawn at any time; a use the school makes under its public task (its official
    functions — the ICO's advice for publicly funded schools) is not asked for consent, but can be objected to.
    """

    def names(found: list[str]) -> str:
        lowered = [n[:1].lower() + n[1:] for n in found]
        return lowered[0] if len(lowered) == 1 else ", ".join(lowered[:-1]) + " and " + lowered[-1]

    consent = [n for n, b in purposes if b != "public task"]
    public = [n for n, b in purposes if b == "public task"]
    parts = []
    if consent:
        parts.append(f"We ask for your consent to {names(consent)}: you may say no, and withdraw it at any time by "
                     "telling the school office.")  # fmt: skip
    if public:
        what = names(public)
        parts.append(f"{what[:1].upper() + what[1:]} {'is' if len(public) == 1 else 'are'} part of the school's "
                     "public task (its official functions), so we do not ask for consent; you may object by telling "
                     "the school office, and we will consider it.")  # fmt: skip
    return " ".join(parts)
