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
