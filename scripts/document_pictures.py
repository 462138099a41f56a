"""The README's pictures of the documents: page 1 of each, drawn from demo-like data with the code here.

python scripts/document_pictures.py docs/documents      (needs pdftoppm, from poppler-utils)
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile
from datetime import datetime

from safeguard_desktop.documents import notices as N
from safeguard_desktop.documents.layout import LetterEvent, LetterPupil, LetterSchool
from safeguard_desktop.documents.letters import render_letters
from safeguard_desktop.documents.recovery import render_recovery_sheet
from safeguard_desktop.domain.events import POLICY_WORDING, FilmingPolicy
from safeguard_desktop.resources import resource_path

out = pathlib.Path(sys.argv[1])
tmp = pathlib.Path(tempfile.mkdtemp())
school = LetterSchool(
    "Meadowbank Primary School",
    "12 Long Lane\nMeadowbank\nMB1 2AB",
    "Mrs Jane Okafor",
    resource_path("icons", "app.png").read_bytes(),
)


def ev(p):
    return LetterEvent(
        "Year 5 Winter Concert", datetime(2026, 12, 15, 14), "School hall", POLICY_WORDING[p], policy=p.value
    )


e = ev(FilmingPolicy.PERSONAL_USE)
names = ["Amelia Hughes", "محمد علي", "王小明", "अनन्या शर्मा", "Łucja Wiśniewska", "Oliver Bennett-Clarke"]
docs = {
    "letter": render_letters(
        school, e, [LetterPupil("محمد علي", "محمد", "5B", "S1-2-P3", "Fatima Ali")], today=datetime(2026, 12, 2)
    ),
    "poster-no-filming-A4": N.render_notice(school, ev(FilmingPolicy.NO_FILMING)),
    "poster-own-child-A3": N.render_notice(school, e, size="A3"),
    "poster-photo-moment-A4": N.render_notice(school, ev(FilmingPolicy.PHOTO_MOMENT)),
    "announcement": N.render_announcement(school, e),
    "briefing": N.render_briefing(
        school,
        e,
        [N.BriefingPupil(n, "5B", i == 2, why="no consent for filming by parents") for i, n in enumerate(names)],
    ),
    "chase-list": N.render_chase_list(
        school,
        e,
        [
            N.ChaseLine(n, "5B", f"S1-{i}-P3", (("Sarah Hughes (Mother)", "07700 900123"),) if i % 2 == 0 else ())
            for i, n in enumerate(names)
        ],
        today=datetime(2026, 12, 2),
    ),
    "follow-up": N.render_follow_up(school, e, to="Mr and Mrs Smith", platform="Facebook", today=datetime(2026, 12, 2)),
    "recovery-key": render_recovery_sheet(
        school, "ABCDE FGHIJ KLMNO PQRST UVWXY Z2345 6789A BCDEF", made=datetime(2026, 12, 2, 9, 30)
    ),
}
for name, pdf in docs.items():
    (tmp / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "28" if "A3" in name else "40",
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp / f"{name}.pdf"),
            str(out / name),
        ],
        check=True,
    )
