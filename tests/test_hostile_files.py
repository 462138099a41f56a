"""Hostile and damaged input files: each refused with where and why, before it is read whole, never a
MemoryError or a traceback. Real files: zip bombs, sparse giants, crafted image headers, links, pasted text."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.events import FilmingPolicy
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import consent, events, incidents
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.services.events import templates
from safeguard_desktop.services.pupils import photos
from safeguard_desktop.services.pupils.mis_files import ImportFileError, read_pupil_file
from safeguard_desktop.store.engine import write_session

from .conftest import SIMS_HEADERS, sims_rows, upn, write_csv
from .test_notices import school  # noqa: F401  (the fixture)


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    for row in [SIMS_HEADERS, *sims_rows(3)]:
        sheet.append(row)
    book.save(path)
    return path


def test_an_xlsx_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    bomb = _workbook(tmp_path / "pupils.xlsx")
    with (
        zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/padding.bin", "w") as out,
    ):
        block = b"\0" * 1_000_000
        for _ in range(250):  # 250 MB that deflate to a few hundred KB
            out.write(block)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(ImportFileError, match=r"unpacks to 250 MB"):
        read_pupil_file(bomb)
    # The same workbook without the padding reads as ever
    assert len(read_pupil_file(_workbook(tmp_path / "plain.xlsx")).records) == 3


def test_a_file_too_big_for_a_pupil_list_is_refused_before_it_is_read(tmp_path: Path) -> None:
    giant = write_csv(tmp_path / "giant.csv", [SIMS_HEADERS, *sims_rows(2)])
    os.truncate(giant, 4_000_000_000)  # sparse: 4 GB on paper, nothing on the disk
    with pytest.raises(ImportFileError, match=r"4,000 MB is more than a pupil list can be"):
        read_pupil_file(giant)


def test_a_line_of_commas_and_a_header_of_thousands_of_columns_are_refused(tmp_path: Path) -> None:
    commas = tmp_path / "commas.csv"
    commas.write_text(",".join(SIMS_HEADERS) + "\r\n" + "," * 5_000_000 + "\r\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"line 2: 5,000,002 characters"):
        read_pupil_file(commas)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(5_000)) + "\r\n1\r\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"line 1: 5,000 columns"):
        read_pupil_file(wide)


def test_a_utf16_file_cut_short_is_named_as_such(tmp_path: Path) -> None:
    data = "\ufeffUPN,Legal Surname\r\nA1,Smith\r\n".encode("utf-16-le")
    cut = tmp_path / "cut.csv"
    cut.write_bytes(b"\xff\xfe" + data[2:] + b"A")  # an odd number of bytes
    with pytest.raises(ImportFileError, match="UTF-16 but is cut short"):
        read_pupil_file(cut)


def _png_claiming(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose header claims another size (Pillow reads the size from the header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_photos_over_the_pixel_limit_or_the_size_limit_are_refused_before_decoding(
    tmp_path: Path,
    school,
    dsl,  # type: ignore[no-untyped-def]
) -> None:
    reg, _event = school
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / f"{upn(1)}.png").write_bytes(_png_claiming(8000, 8000))  # 64 megapixels: Pillow alone let it by
    huge = folder / f"{upn(2)}.jpg"
    huge.write_bytes(b"\xff\xd8\xff")
    os.truncate(huge, 4_000_000_000)
    with write_session(reg.engine) as session:
        result = photos.import_folder(session, dsl, folder)
    reasons = dict(result.rejected)
    assert "8000 × 8000 pixels" in reasons[f"{upn(1)}.png"]
    assert "larger than 15 MB" in reasons[f"{upn(2)}.jpg"]
    assert result.matched == []


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need a privilege on Windows")
def test_a_link_in_the_photo_folder_is_not_followed(tmp_path: Path, school, dsl) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    reg, _event = school
    outside = tmp_path / "private.png"
    Image.new("RGB", (60, 80), "red").save(outside, "PNG")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / f"{upn(1)}.png").symlink_to(outside)
    with write_session(reg.engine) as session:
        result = photos.import_folder(session, dsl, folder, apply=True)
    assert result.matched == [] and "link" in dict(result.rejected)[f"{upn(1)}.png"]


@pytest.mark.parametrize(("bad", "named"), [("\x00", "NUL"), ("\u202e", "right-to-left"), ("\x1b", "control")])
def test_text_with_nul_or_bidi_controls_is_refused_with_the_field_named(school, dsl, bad: str, named: str) -> None:  # type: ignore[no-untyped-def]
    reg, _event = school
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match=f"summary.*{named}") as caught:
            incidents.record_incident(session, dsl, incidents.IncidentInput(Category.PRIVACY, f"Photos {bad}posted"))
        assert "U+" in str(caught.value)
        with pytest.raises(ValidationError, match=f"wording.*{named}"):
            templates.save_template(session, dsl, "letter_intro", f"Dear families of {{event}},{bad} hello")
        with pytest.raises(ValidationError, match=f"name.*{named}"):
            events.create_event(session, dsl, events.EventInput(f"Winter{bad} Concert", datetime(2026, 12, 10, 14),
                                                                "Hall", FilmingPolicy.PERSONAL_USE))  # fmt: skip
        decision = consent.DecisionInput(ConsentState.GRANTED, GivenByKind.PARENT, Route.PHONE, date(2026, 11, 1),
                                         f"Mrs{bad} Smith", "Mother")  # fmt: skip
        pupil = consent.find_pupil_by_upn(session, upn(1)).id
        with pytest.raises(ValidationError, match=named):
            consent.record_decisions(session, dsl, [pupil], [1], decision, today=date(2026, 11, 24))


def test_text_pasted_from_windows_keeps_its_lines(school, dsl) -> None:  # type: ignore[no-untyped-def]
    reg, _event = school
    with write_session(reg.engine) as session:
        number = incidents.record_incident(
            session, dsl, incidents.IncidentInput(Category.PRIVACY, "First line\r\nSecond line\r\n")
        )
        assert incidents.read_incident(session, dsl, number).summary == "First line\nSecond line"
