"""The child-protection file sent to a pupil's new school, on A4: who the pupil is, the never-photograph flag, every
incident with its chronology, and how to confirm receipt. Text from data is drawn as text."""

from __future__ import annotations

from typing import Any

from safeguard_desktop.documents.flow import Flow
from safeguard_desktop.documents.fonts import BOLD
from safeguard_desktop.documents.layout import ACCENT, MUTED, LetterSchool

RED = (0.64, 0.09, 0.10)


def render_transfer(school: LetterSchool, record: dict[str, Any]) -> bytes:
    """The file as the receiving DSL reads it (``record`` as transfers.child_protection_record makes it)."""
    sent = record.get("sent", {})
    page = Flow("Child-protection file", school.name, f"{school.name} · child-protection file · CONFIDENTIAL — "
                "for the receiving Designated Safeguarding Lead only")  # fmt: skip
    line, heading = page.line, page.heading
    line(school.name, size=10, colour=MUTED)
    line("Child-protection file", size=16, font=BOLD, colour=ACCENT)
    line(f"Sent to {sent.get('to_school', '')} by {sent.get('by', '')}, {sent.get('at', '')} (transfer "
         f"{sent.get('transfer', '')}). Keep it apart from the main pupil file. Please confirm to the sending DSL "
         "that you have received it.", font=BOLD)  # fmt: skip
    pupil = record.get("pupil", {})
    heading("The pupil")
    preferred = " ".join(p for p in (pupil.get("preferred_forename"), pupil.get("preferred_surname")) if p)
    line(f"{pupil.get('legal_forename', '')} {pupil.get('legal_surname', '')}"
         + (f" (known as {preferred})" if preferred else ""), font=BOLD)  # fmt: skip
    line(f"Born {pupil.get('date_of_birth', '')} · UPN {pupil.get('upn', '') or 'not known'} · "
         f"{pupil.get('year_group', '')} {pupil.get('registration_group', '')}")  # fmt: skip
    never = record.get("never_photograph", {})
    if never.get("flag"):
        line("NEVER PHOTOGRAPH — no image of this pupil may be taken or published."
             + (f" Reason: {never.get('reason')}" if never.get("reason") else ""), font=BOLD, colour=RED)  # fmt: skip
    items = record.get("incidents", [])
    heading(f"Online-safety incidents ({len(items)})")
    unread = record.get("restricted_unread") or 0
    if unread:
        line(f"The school holds {unread} restricted case(s) the sender is not a named reader of; they could not be "
             "searched for this pupil. The sending school's DSL confirms whether any concerns them.", font=BOLD,
             colour=RED)  # fmt: skip
    if not items:
        line("None recorded.")
    for item in items:
        line(f"Incident {item.get('number')}: {item.get('category')} ({item.get('four_cs')}), urgency "
             f"{item.get('urgency')}, {item.get('status')}", font=BOLD)  # fmt: skip
        line(f"Happened {item.get('happened') or 'not known'}; reported {item.get('reported')} by "
             f"{item.get('reported_by')}; platforms {', '.join(item.get('platforms', [])) or 'not recorded'}",
             indent=12)  # fmt: skip
        line(str(item.get("summary", "")), indent=12)
        for entry in item.get("chronology", []):
            referral = f" → {entry.get('referred_to')} {entry.get('reference')}".rstrip() if entry.get("referred_to") \
                else ""  # fmt: skip
            written = f" (written {entry.get('written')})" if entry.get("written") != entry.get("when") else ""
            reason = f" — because {entry['reason']}" if entry.get("reason") else ""
            line(f"[{entry.get('number')}] {entry.get('when')}{written} {entry.get('by')}: {entry.get('kind')}"
                 f"{referral}: {entry.get('text')}{reason}", indent=24)  # fmt: skip
    heading("Confirming receipt")
    line("Tell the sending school's DSL the day you received this file and your name; they record it. The same "
         "content is attached to this PDF as child-protection-file.json (format safeguard-cp-transfer/1) for "
         "your own system.")  # fmt: skip
    return page.finish()
