"""A child process for bench/run.py letters-memory: N complete letters, then its own time and peak memory."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import peak_mib
from safeguard_desktop.documents.letters import LetterEvent, LetterPupil, LetterSchool, render_letters
from safeguard_desktop.domain.events import FilmingPolicy, policy_text
from safeguard_desktop.domain.slips import SlipReference


def main() -> None:
    count = int(sys.argv[1])
    school = LetterSchool("Oakfield Primary School", "1 Orchard Lane\nOakfield\nOK1 2AB", "Mrs Helen Carter")
    event = LetterEvent("Reception nativity", datetime(2026, 12, 10, 14), "School hall",
                        policy_text(FilmingPolicy.PERSONAL_USE))  # fmt: skip
    pupils = [LetterPupil(f"Zoë Nowak-{n}", "Zoë", f"{n % 7}A", str(SlipReference(1, n))) for n in range(count)]
    t0 = time.perf_counter()
    render_letters(school, event, pupils) if count else None
    print(f"{time.perf_counter() - t0:.3f} {peak_mib():.1f}")


if __name__ == "__main__":
    main()
