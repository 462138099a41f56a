"""Installed from its wheel, outside the checkout, the app has every file it ships with: letters and notices print,
the wording and the password deny-list are there. (The wheel once carried none of them.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.resources import REQUIRED
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent


def _bin(venv: Path, name: str) -> Path:
    return (
        venv / ("Scripts" if sys.platform == "win32" else "bin") / (name + (".exe" if sys.platform == "win32" else ""))
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources, installed into a new virtual environment elsewhere."""
    where = tmp_path_factory.mktemp("wheel")
    source = where / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "safeguard_desktop", source / "safeguard_desktop",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(where / "dist"), str(source)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (where / "dist").glob("safeguard_desktop-*.whl")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # The dependencies are this environment's (already downloaded); the package itself only from the wheel.
    purelib = subprocess.run([str(_bin(venv, "python")), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([str(_bin(venv, "python")), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"safeguard_desktop/_resources/" + "/".join(parts) for parts in REQUIRED} <= names
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(_bin(venv, "safeguard")), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def test_the_installed_wheel_makes_letters_and_a_notice(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(_bin(installed, "python")), "-c", "import safeguard_desktop; print(safeguard_desktop.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(installed)  # not the checkout
    data = str(tmp_path / "data")
    assert _run(installed, tmp_path, "--data-dir", data, "demo", "--pupils", "40").returncode == 0
    user, password = DEMO_ACCOUNTS[0][0], DEMO_ACCOUNTS[0][1]
    (tmp_path / "pw").write_text(password, encoding="utf-8")
    signed = ["--data-dir", data, "--user", user, "--password-file", str(tmp_path / "pw")]
    made = _run(installed, tmp_path, *signed, "events", "create", "--name", "Winter Concert", "--date", "10/12/2026",
                "--policy", "personal-use", "--footage", "--year", "5", "--year", "6")  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = _run(installed, tmp_path, *signed, "events", "list").stdout
    event = listed.split()[0].strip("#")
    letters = _run(installed, tmp_path, *signed, "letters", event, "--out", str(tmp_path / "letters.pdf"))
    assert letters.returncode == 0 and "Traceback" not in letters.stderr, letters.stderr
    notice = _run(installed, tmp_path, *signed, "notice", event, "--out", str(tmp_path / "notice.pdf"))
    assert notice.returncode == 0, notice.stderr
    letter_pages = PdfReader(tmp_path / "letters.pdf").pages
    assert len(letter_pages) >= 1 and "Winter Concert" in letter_pages[0].extract_text()
    assert "Winter Concert" in PdfReader(tmp_path / "notice.pdf").pages[0].extract_text()
    shown = _run(installed, tmp_path, *signed, "templates", "show", "letter_intro")
    assert shown.returncode == 0 and "{event}" in shown.stdout


def test_the_installed_wheel_refuses_a_common_password(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("qwertyuiop123", encoding="utf-8")
    done = _run(installed, tmp_path, "--data-dir", str(tmp_path / "data"), "init", "--school", "Elm", "--dsl-user",
                "lead", "--password-file", str(tmp_path / "pw"))  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "password" in done.stderr.lower()
