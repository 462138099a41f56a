"""Pupil photos: imported from a folder by UPN or admission number, previewed, checked, shown on the briefing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.events import notices
from safeguard_desktop.services.pupils import photos
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import PupilPhoto

from .conftest import upn
from .test_notices import school  # noqa: F401  (the fixture)


def image(path: Path, fmt: str, size: tuple[int, int] = (600, 800), colour: str = "teal") -> Path:
    Image.new("RGB", size, colour).save(path, fmt)
    return path


def photo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    image(folder / f"{upn(1)}.png", "PNG")  # by UPN
    image(folder / "3.JPG", "JPEG", colour="orange")  # by admission number, upper-case suffix
    image(folder / "999.jpg", "JPEG")  # nobody
    (folder / f"{upn(2)}.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    return folder


def count(reg: Register) -> int:
    with read_session(reg.engine) as session:
        return int(session.scalar(select(func.count()).select_from(PupilPhoto)) or 0)


def test_preview_then_import_and_the_briefing_shows_them(
    tmp_path: Path, school: tuple[Register, int], dsl: Actor
) -> None:
    reg, event_id = school
    folder = photo_folder(tmp_path)
    with write_session(reg.engine) as session:
        preview = photos.import_folder(session, dsl, folder)
    # GIVEN a preview: what would match, what matches nobody, what is refused and why — and nothing is written
    assert sorted(name for name, _ in preview.matched) == ["3.JPG", f"{upn(1)}.png"]
    assert preview.unmatched == ["999.jpg"]
    assert preview.rejected and preview.rejected[0][0] == f"{upn(2)}.jpg" and "cannot be read" in preview.rejected[0][1]
    assert count(reg) == 0 and not preview.applied
    with write_session(reg.engine) as session:
        done = photos.import_folder(session, dsl, folder, apply=True)
    assert done.applied and count(reg) == 2
    # Thumbnails only: never the full-size file
    with read_session(reg.engine) as session:
        for jpeg in session.scalars(select(PupilPhoto.jpeg)):
            with Image.open(io.BytesIO(jpeg)) as thumb:
                assert thumb.format == "JPEG" and thumb.size[0] <= photos.THUMBNAIL[0]
    with write_session(reg.engine) as session:
        pdf = notices.briefing(session, dsl, event_id)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 2  # Thảo (no decision) and Łucja (never) both have photos
    text = page.extract_text()
    assert "Thảo" in text and "Łucja" in text and "Court order" not in text


def test_bad_images_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a JPEG or PNG"):
        photos.thumbnail(b"GIF89a....", "x.gif")
    huge = tmp_path / "huge.png"
    Image.new("1", (9000, 9000)).save(huge, "PNG")  # 81 Mpx: a decompression bomb for our purposes
    with pytest.raises(ValidationError, match="cannot be read"):
        photos.thumbnail(huge.read_bytes(), "huge.png")


def test_staff_cannot_import_photos(tmp_path: Path, school: tuple[Register, int], staff: Actor) -> None:
    reg, _ = school
    with write_session(reg.engine) as session, pytest.raises(PermissionDenied):
        photos.import_folder(session, staff, photo_folder(tmp_path))


def test_cli_photos(tmp_path: Path, school: tuple[Register, int], capsys: pytest.CaptureFixture[str]) -> None:
    from safeguard_desktop.cli import main

    reg, _ = school
    folder = photo_folder(tmp_path)
    base = ["--data-dir", str(reg.folder), "photos", "import", str(folder)]
    assert main([*base, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 photo(s) match" in out and "999.jpg: matches no pupil" in out and "nothing saved" in out
    assert count(reg) == 0
    assert main(base) == 0
    assert count(reg) == 2
    assert main(["--data-dir", str(reg.folder), "photos", "import", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err
