"""The register's table model on its own: filtering (also while typing ahead and deleting) and sorting."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.services.consent.snapshot import PupilRow, PurposeInfo, RegisterSnapshot
from safeguard_desktop.ui.register.model import COL_NAME, COL_YEAR, FIXED_COLUMNS, RegisterFilter, RegisterTableModel

PURPOSES = (
    PurposeInfo(1, "website", "School website", "", 1, True),
    PurposeInfo(2, "press", "Local press", "", 1, True),
)


def row(
    pid: int, forename: str, surname: str, year: str, reg: str, *verdicts: Verdict, never: bool = False
) -> PupilRow:
    return PupilRow(pid, f"UPN{pid:010d}", str(pid), f"{surname}, {forename}", forename, surname, year, reg,
                    date(2015, 9, 1), True, never, tuple(verdicts))  # fmt: skip


ROWS = (
    row(1, "Zoë", "O'Brien", "Year 5", "5A", Verdict.YES, Verdict.REFUSED),
    row(2, "Jakub", "Nowak", "Year 2", "2B", Verdict.NO_DECISION, Verdict.YES),
    row(3, "Siobhán", "Smith", "Reception", "RA", Verdict.WITHDRAWN, Verdict.YES),
    row(4, "Emre", "Smithson", "Year 5", "5B", Verdict.NEVER_PHOTOGRAPH, Verdict.NEVER_PHOTOGRAPH, never=True),
)


def model() -> RegisterTableModel:
    m = RegisterTableModel()
    m.set_snapshot(RegisterSnapshot(date(2026, 11, 24), PURPOSES, ROWS))
    return m


def names(m: RegisterTableModel) -> list[str]:
    return [m.data(m.index(r, COL_NAME)) for r in range(m.rowCount())]


def test_rows_sorted_by_surname_with_words_and_colours() -> None:
    m = model()
    assert names(m) == ["Nowak, Jakub", "O'Brien, Zoë", "Smith, Siobhán", "Smithson, Emre"]
    assert m.columnCount() == FIXED_COLUMNS + 2
    cell = m.index(1, FIXED_COLUMNS + 1)
    assert m.data(cell) == "Refused"
    assert m.data(cell, Qt.ItemDataRole.BackgroundRole).color().name() == "#f8d7da"
    assert "Local press: refused" in m.data(cell, Qt.ItemDataRole.ToolTipRole)


def test_typing_ahead_and_deleting_gives_the_same_rows_as_a_fresh_filter() -> None:
    m = model()
    for text, expected in (("s", 2), ("sm", 2), ("smi", 2), ("smiths", 1), ("smi", 2), ("", 4), ("o'b", 1), ("zoe", 1)):
        m.set_filter(RegisterFilter(text=text))
        fresh = model()
        fresh.set_filter(RegisterFilter(text=text))
        assert names(m) == names(fresh) and len(names(m)) == expected, text


def test_filters_combine() -> None:
    m = model()
    m.set_filter(RegisterFilter(year_group="Year 5"))
    assert names(m) == ["O'Brien, Zoë", "Smithson, Emre"]
    m.set_filter(RegisterFilter(year_group="Year 5", state="Never photograph"))
    assert names(m) == ["Smithson, Emre"]
    m.set_filter(RegisterFilter(state="No decision", purpose_column=0))
    assert names(m) == ["Nowak, Jakub"]
    m.set_filter(RegisterFilter(state="Refused or withdrawn"))
    assert names(m) == ["O'Brien, Zoë", "Smith, Siobhán"]
    m.set_filter(RegisterFilter(text="5b"))
    assert names(m) == ["Smithson, Emre"]


def test_sort_by_year_group_in_school_order() -> None:
    m = model()
    m.sort(COL_YEAR, Qt.SortOrder.AscendingOrder)
    assert [m.data(m.index(r, COL_YEAR)) for r in range(4)] == ["Reception", "Year 2", "Year 5", "Year 5"]
    m.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert names(m)[0] == "Smithson, Emre"


def test_names_sort_as_people_read_them_accents_aside() -> None:
    m = RegisterTableModel()
    pupils = (row(1, "Zsófia", "Ahmed", "Year 1", "1A"), row(2, "Çağla", "Ahmed", "Year 1", "1A"),
              row(3, "Jack", "Ahmed", "Year 1", "1A"), row(4, "Emre", "Özdemir", "Year 1", "1A"),
              row(5, "Amy", "Owen", "Year 1", "1A"), row(6, "Ben", "Zed", "Year 1", "1A"))  # fmt: skip
    m.set_snapshot(RegisterSnapshot(date(2026, 11, 24), (), pupils))
    assert names(m) == ["Ahmed, Çağla", "Ahmed, Jack", "Ahmed, Zsófia", "Owen, Amy", "Özdemir, Emre", "Zed, Ben"]
