"""Importing pupil lists: encodings, MIS headers, hostile rows, preview before write, re-imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import ImportFileError, read_pupil_file
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import AuditEntry, Pupil

from .conftest import SIMS_HEADERS, TODAY, sims_rows, upn, write_csv


def do_import(reg: Register, actor: Actor, path: Path, **kwargs: object) -> mis_import.ImportPreview:
    table = read_pupil_file(path)
    with write_session(reg.engine) as session:
        return mis_import.apply(session, actor, table, today=TODAY, **kwargs)  # type: ignore[arg-type]


def pupils(reg: Register) -> list[Pupil]:
    with read_session(reg.engine) as session:
        return list(session.scalars(select(Pupil).order_by(Pupil.id)))


NAMES = ["Zoë", "Siobhán", "Łucja", "Nguyễn Thị", "Çağla", "O'Brien", "Jean-Luc", "Дмитрий", "D’Souza"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_files_keep_every_name(tmp_path: Path, reg: Register, dsl: Actor, encoding: str) -> None:
    rows = [SIMS_HEADERS] + [
        [upn(i + 1), str(100 + i), "Smith", name, "", "01/09/2015", "Year 5", "5A"] for i, name in enumerate(NAMES)
    ]
    path = write_csv(tmp_path / "pupils.csv", rows, encoding=encoding)
    result = do_import(reg, dsl, path)
    assert len(result.added) == len(NAMES)
    assert sorted(p.legal_forename for p in pupils(reg)) == sorted(NAMES)


def test_windows_1252_file_is_detected(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    names = ["Zoë", "Siobhán", "Renée", "José", "Chloé", "Anaïs", "Seán", "Björn", "François", "Müller"]
    rows = [SIMS_HEADERS] + [
        [upn(i + 1), str(100 + i), "Brontë", n, "", "01/09/2015", "Year 5", "5A"] for i, n in enumerate(names)
    ]
    path = write_csv(tmp_path / "sims.csv", rows, encoding="cp1252")
    table = read_pupil_file(path)
    assert table.encoding == "Windows-1252"
    do_import(reg, dsl, path)
    assert sorted(p.legal_forename for p in pupils(reg)) == sorted(names)
    assert {p.legal_surname for p in pupils(reg)} == {"Brontë"}


@pytest.mark.parametrize(
    "headers",
    [
        [
            "UPN",
            "Admission Number",
            "Surname",
            "Forename",
            "Known As",
            "Date of Birth",
            "Year Group",
            "Registration Form",
        ],
        [
            "Unique Pupil Number",
            "Adno",
            "Last Name",
            "First Name",
            "Preferred Name",
            "Birth Date",
            "NC Year",
            "Tutor Group",
        ],
        ["upn", "adno", "legal_surname", "legal_forename", "preferred_forename", "dob", "year_group", "form"],
    ],
)
def test_headers_of_different_mis_are_recognised(tmp_path: Path, reg: Register, dsl: Actor, headers: list[str]) -> None:
    path = write_csv(
        tmp_path / "p.csv", [headers, [upn(1), "1001", "Nowak", "Wiktoria", "Wiki", "2015-09-01", "Y5", "5B"]]
    )
    result = do_import(reg, dsl, path)
    assert len(result.added) == 1
    (p,) = pupils(reg)
    assert (p.legal_surname, p.legal_forename, p.preferred_forename, p.year_group, p.reg_group) == (
        "Nowak",
        "Wiktoria",
        "Wiki",
        "Year 5",
        "5B",
    )


def test_semicolon_and_quoted_fields(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    rows = [SIMS_HEADERS, [upn(1), "1", "O'Brien, Jr", 'Seán "Shaun"', "", "01/09/2015", "Year 5", "5;A"]]
    path = write_csv(tmp_path / "p.csv", rows, delimiter=";")
    do_import(reg, dsl, path)
    (p,) = pupils(reg)
    assert (p.legal_surname, p.legal_forename, p.reg_group) == ("O'Brien, Jr", 'Seán "Shaun"', "5;A")


def test_xlsx_with_real_dates_and_numeric_admission_numbers(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.append(["Legal Surname", "Legal Forename", "DOB", "Year", "Reg Group", "UPN", "Adno"])
    ws.append(["Trần", "Thảo", datetime(2014, 3, 2), "Year 6", "6A", upn(1), 2001])
    ws.append(["Yılmaz", "Emre", "02/03/2014", 6, "6B", upn(2), 2002])
    path = tmp_path / "arbor.xlsx"
    wb.save(path)
    result = do_import(reg, dsl, path)
    assert len(result.added) == 2
    got = {(p.legal_surname, p.admission_number, p.date_of_birth.isoformat(), p.year_group) for p in pupils(reg)}  # type: ignore[union-attr]
    assert got == {("Trần", "2001", "2014-03-02", "Year 6"), ("Yılmaz", "2002", "2014-03-02", "Year 6")}


def hostile_file(tmp_path: Path) -> Path:
    good = sims_rows(3)
    bad_upn = upn(50)
    bad_upn = ("A" if bad_upn[0] != "A" else "B") + bad_upn[1:]
    rows = [
        SIMS_HEADERS,
        *good,  # lines 2-4
        [bad_upn, "2001", "Bad", "Upn", "", "01/09/2015", "Year 5", "5A"],  # line 5
        [upn(51), "2002", "Bad", "Date", "", "31/02/2015", "Year 5", "5A"],  # line 6
        [upn(52), "2003", "", "NoSurname", "", "01/09/2015", "Year 5", "5A"],  # line 7
        [upn(1), "2004", "Dup", "Licate", "", "01/09/2015", "Year 5", "5A"],  # line 8: duplicate UPN of line 2
        [upn(53), "2005", "Short", "Row"],  # line 9: wrong field count
        [upn(54), "2006", "Ctrl\x07", "Char", "", "01/09/2015", "Year 5", "5A"],  # line 10
        [upn(55), "2007", "Evil\u202e", "Bidi", "", "01/09/2015", "Year 5", "5A"],  # line 11
        [upn(56), "2008", "Future", "Born", "", "01/01/2030", "Year 5", "5A"],  # line 12
        [upn(57), "2009", "No", "Year", "", "01/09/2015", "Year 99", "5A"],  # line 13
    ]
    return write_csv(tmp_path / "hostile.csv", rows)


def test_hostile_rows_are_each_rejected_with_line_field_and_reason(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    table = read_pupil_file(hostile_file(tmp_path))
    with read_session(reg.engine) as session:
        result = mis_import.preview(session, dsl, table, today=TODAY)
    got = {(r.line, r.field) for r in result.rejected}
    assert got == {
        (5, "UPN"),
        (6, "Date of birth"),
        (7, "Legal surname"),
        (8, "UPN"),
        (9, "row"),
        (10, "Legal surname"),
        (11, "Legal surname"),
        (12, "Date of birth"),
        (13, "Year group"),
    }
    reasons = {r.line: r.reason for r in result.rejected}
    assert "line 2" in reasons[8]
    assert "not a real date" in reasons[6]
    assert "has 4 fields" in reasons[9]
    assert "control character" in reasons[10]
    assert len(result.added) == 3
    assert pupils(reg) == []  # the preview wrote nothing


def test_a_file_with_invalid_rows_is_refused_whole(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    path = hostile_file(tmp_path)
    with pytest.raises(mis_import.ImportRefused, match="nothing imported"):
        do_import(reg, dsl, path)
    assert pupils(reg) == []
    with read_session(reg.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_skip_invalid_imports_only_the_valid_rows(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    result = do_import(reg, dsl, hostile_file(tmp_path), skip_invalid=True)
    assert len(result.added) == 3 and len(result.rejected) == 9
    assert [p.legal_surname for p in pupils(reg)] == ["Surname1", "Surname2", "Surname3"]


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    path = write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(20)])
    do_import(reg, dsl, path)
    before = [(p.id, p.version, p.legal_surname, p.on_roll) for p in pupils(reg)]
    again = do_import(reg, dsl, path)
    assert again.summary() == {"added": 0, "updated": 0, "unchanged": 20, "left": 0, "rejected": []}
    assert [(p.id, p.version, p.legal_surname, p.on_roll) for p in pupils(reg)] == before


def test_newer_export_updates_adds_and_marks_leavers_without_deleting(
    tmp_path: Path, reg: Register, dsl: Actor
) -> None:
    first = write_csv(tmp_path / "sept.csv", [SIMS_HEADERS, *sims_rows(10)])
    do_import(reg, dsl, first)
    rows = sims_rows(8)  # pupils 9 and 10 have left
    rows[0][6] = "Year 6"  # pupil 1 moved up
    rows[0][7] = "6A"
    rows.append([upn(99), "1099", "Newcomer", "Nia", "", "01/09/2015", "Year 5", "5A"])
    later = write_csv(tmp_path / "jan.csv", [SIMS_HEADERS, *rows])
    result = do_import(reg, dsl, later)
    assert result.summary() == {"added": 1, "updated": 1, "unchanged": 7, "left": 2, "rejected": []}
    assert set(result.updated[0].changes) == {"Year group", "Registration group"}
    everyone = pupils(reg)
    assert len(everyone) == 11  # nobody deleted
    left = {p.legal_surname: p for p in everyone if not p.on_roll}
    assert set(left) == {"Surname9", "Surname10"}
    assert all(p.left_on == TODAY for p in left.values())
    # The leaver returns in a later export: back on roll.
    back = do_import(reg, dsl, write_csv(tmp_path / "feb.csv", [SIMS_HEADERS, *rows, sims_rows(1, start=9)[0]]))
    assert "back on roll" in back.updated[0].changes


def test_match_on_admission_number_when_upn_changes(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    headers = ["UPN", "Adno", "Surname", "Forename", "DOB", "Year"]
    do_import(reg, dsl, write_csv(tmp_path / "a.csv", [headers, ["", "555", "Khan", "Ayaan", "01/09/2015", "5"]]))
    result = do_import(
        reg, dsl, write_csv(tmp_path / "b.csv", [headers, [upn(7), "555", "Khan", "Ayaan", "01/09/2015", "5"]])
    )
    assert len(result.updated) == 1 and result.updated[0].changes == ("UPN",)
    (p,) = pupils(reg)
    assert p.upn == upn(7)


def test_a_rejected_row_does_not_mark_its_pupil_as_left(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    do_import(reg, dsl, write_csv(tmp_path / "a.csv", [SIMS_HEADERS, *sims_rows(3)]))
    rows = sims_rows(3)
    rows[2][5] = "32/13/2015"
    result = do_import(reg, dsl, write_csv(tmp_path / "b.csv", [SIMS_HEADERS, *rows]), skip_invalid=True)
    assert len(result.left) == 0
    assert all(p.on_roll for p in pupils(reg))


def test_unknown_headers_need_a_mapping(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    headers = ["Pupil Ref", "Family", "Given", "Born", "Stage"]
    path = write_csv(tmp_path / "odd.csv", [headers, [upn(1), "Ali", "Sara", "01/09/2015", "Year 5"]])
    table = read_pupil_file(path)
    with read_session(reg.engine) as session:
        result = mis_import.preview(session, dsl, table, today=TODAY)
    assert not result.can_apply and "Legal surname" in result.missing
    mapping = mis_import.mapping_from_names(
        table.headers,
        {
            "upn": "Pupil Ref",
            "legal_surname": "Family",
            "legal_forename": "Given",
            "date_of_birth": "Born",
            "year_group": "Stage",
        },
    )
    with write_session(reg.engine) as session:
        applied = mis_import.apply(session, dsl, table, mapping, today=TODAY)
    assert len(applied.added) == 1


def test_files_that_cannot_be_read_say_why(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        read_pupil_file(empty)
    with pytest.raises(ImportFileError, match="no such file"):
        read_pupil_file(tmp_path / "missing.csv")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="not a readable Excel"):
        read_pupil_file(fake)


def test_staff_may_not_import(tmp_path: Path, reg: Register, staff: Actor) -> None:
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(1)]))
    with read_session(reg.engine) as session, pytest.raises(PermissionDenied):
        mis_import.preview(session, staff, table)


def test_formula_like_names_are_stored_as_text(tmp_path: Path, reg: Register, dsl: Actor) -> None:
    rows = [SIMS_HEADERS, [upn(1), "1", '=HYPERLINK("http://x")', "+Bob", "", "01/09/2015", "Year 5", "<b>5A</b>"]]
    do_import(reg, dsl, write_csv(tmp_path / "p.csv", rows))
    (p,) = pupils(reg)
    assert (p.legal_surname, p.legal_forename, p.reg_group) == ('=HYPERLINK("http://x")', "+Bob", "<b>5A</b>")
