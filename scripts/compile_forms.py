"""Compile every Qt Designer form in forms/ into safeguard_desktop/ui/forms/ui_<name>.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "forms"
TARGET = ROOT / "safeguard_desktop" / "ui" / "forms"


def uic() -> str:
    """The pyside6-uic next to this Python, or on PATH."""
    local = Path(sys.executable).with_name("pyside6-uic")
    return str(local) if local.exists() else (shutil.which("pyside6-uic") or "pyside6-uic")


def compile_form(form: Path, output: Path) -> None:
    """Run uic on one form."""
    subprocess.run([uic(), str(form), "-o", str(output)], check=True)


def main() -> int:
    """Compile all forms."""
    for form in sorted(FORMS.glob("*.ui")):
        compile_form(form, TARGET / f"ui_{form.stem}.py")
        print(f"compiled {form.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
