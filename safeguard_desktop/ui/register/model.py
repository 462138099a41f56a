"""The register as a Qt table model. Filtering and sorting work on keys normalised once, in Python.

A QSortFilterProxyModel costs a Python ``data()`` call per row per keystroke (≈150 ms at 50,000 rows, measured);
filtering pre-folded strings and resetting the model keeps a keystroke within a frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.domain.pupils import search_key
from safeguard_desktop.services.consent.register_view import (
    COL_NAME,
    COL_REG,
    COL_UPN,
    COL_YEAR,
    FIXED_COLUMNS,
    Prepared,
    order_of,
    prepare,
)
from safeguard_desktop.services.consent.snapshot import PupilRow, RegisterSnapshot

__all__ = ["COL_NAME", "COL_REG", "COL_UPN", "COL_YEAR", "FIXED_COLUMNS", "FIXED_HEADERS", "STATE_FILTERS",
           "VERDICT_STYLE", "RegisterFilter", "RegisterTableModel"]  # fmt: skip

FIXED_HEADERS = ("Name", "Year", "Class", "UPN")  # the service's four fixed columns (register_view.FIXED_COLUMNS)

# Background, foreground and the short word shown in the cell (colour is never the only signal).
VERDICT_STYLE: dict[Verdict, tuple[str, str, str]] = {
    Verdict.YES: ("#d4edda", "#155724", "Yes"),
    Verdict.REFUSED: ("#f8d7da", "#721c24", "Refused"),
    Verdict.WITHDRAWN: ("#fde2c8", "#7a3e00", "Withdrawn"),
    Verdict.REQUESTED: ("#fff3cd", "#665200", "Asked"),
    Verdict.NO_DECISION: ("#ececec", "#444444", "—"),
    Verdict.EXPIRED: ("#e2e3f3", "#2d2f66", "Expired"),
    Verdict.LEFT: ("#ececec", "#666666", "Left"),
    Verdict.NEVER_PHOTOGRAPH: ("#5a0f14", "#ffffff", "NEVER"),
    Verdict.CONFLICT: ("#f3d1f0", "#5c0b57", "Conflict"),
}

STATE_FILTERS: dict[str, frozenset[Verdict] | None] = {
    "Any state": None,
    "Granted": frozenset({Verdict.YES}),
    "No decision": frozenset({Verdict.NO_DECISION, Verdict.REQUESTED, Verdict.EXPIRED}),
    "Refused or withdrawn": frozenset({Verdict.REFUSED, Verdict.WITHDRAWN}),
    "Conflict to resolve": frozenset({Verdict.CONFLICT}),
    "Never photograph": frozenset({Verdict.NEVER_PHOTOGRAPH}),
}


_HANDLED_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.TextAlignmentRole,
    }
)


@dataclass(frozen=True)
class RegisterFilter:
    """What the person asked to see."""

    text: str = ""
    year_group: str = ""
    reg_group: str = ""
    state: str = "Any state"
    purpose_column: int = -1  # -1: any purpose


def _wrap(title: str, width: int = 13) -> str:
    """Break a purpose title over lines so narrow columns show all of it."""
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines[:4])


class RegisterTableModel(QAbstractTableModel):
    """Pupils × purposes, coloured by verdict; filtered and sorted in Python."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._purposes: list[str] = []
        self._rows: list[PupilRow] = []
        self._keys: list[str] = []
        self._names: list[tuple[str, str, int]] = []
        self._order: list[int] = []  # every row index, in the current sort order
        self._visible: list[int] = []  # the rows that pass the filter, in that order
        self._filter = RegisterFilter()
        self._last_filter: RegisterFilter | None = None
        self._sort: tuple[int, Qt.SortOrder] = (COL_NAME, Qt.SortOrder.AscendingOrder)
        self._groups: tuple[list[str], list[str]] = ([], [])
        self._brushes = {v: (QBrush(QColor(bg)), QBrush(QColor(fg))) for v, (bg, fg, _w) in VERDICT_STYLE.items()}

    # --- data in -------------------------------------------------------------------------------------------
    def set_snapshot(self, snapshot: RegisterSnapshot | Prepared) -> None:
        """Replace every row (after a load or a change); a Prepared one costs the GUI thread only the reset."""
        descending = self._sort[1] == Qt.SortOrder.DescendingOrder
        prepared = snapshot if isinstance(snapshot, Prepared) else prepare(snapshot, self._sort[0], descending)
        self.beginResetModel()
        self._purposes = [p.name for p in prepared.snapshot.purposes]
        self._rows = list(prepared.snapshot.rows)
        self._keys = prepared.keys
        self._names = prepared.names
        self._order = prepared.order if prepared.sort == (self._sort[0], descending) else self._sorted_order()
        self._groups = (prepared.year_groups, prepared.reg_groups)
        self._last_filter = None
        self._visible = self._compute_visible()
        self.endResetModel()

    def set_filter(self, wanted: RegisterFilter) -> None:
        """Show only the rows that match."""
        if wanted == self._filter:
            return
        self._filter = wanted
        visible = self._compute_visible()
        # Replace the rows without a model reset, which would also reset and repaint the column headers.
        if self._visible:
            self.beginRemoveRows(QModelIndex(), 0, len(self._visible) - 1)
            self._visible = []
            self.endRemoveRows()
        if visible:
            self.beginInsertRows(QModelIndex(), 0, len(visible) - 1)
            self._visible = visible
            self.endInsertRows()

    def _compute_visible(self) -> list[int]:
        f = self._filter
        needles = search_key(f.text).split()
        states = STATE_FILTERS.get(f.state)
        rows, keys = self._rows, self._keys
        # Narrowing: when the new filter only adds letters to the last one, search the rows already shown.
        previous = self._last_filter
        candidates = self._order
        if (
            previous is not None
            and self._visible
            and f.text.startswith(previous.text)
            and (f.year_group, f.reg_group, f.state, f.purpose_column)
            == (previous.year_group, previous.reg_group, previous.state, previous.purpose_column)
        ):
            candidates = self._visible
        self._last_filter = f
        result = candidates
        if f.year_group:
            result = [i for i in result if rows[i].year_group == f.year_group]
        if f.reg_group:
            result = [i for i in result if rows[i].reg_group == f.reg_group]
        for needle in needles:
            result = [i for i in result if needle in keys[i]]
        if states is not None:
            column = f.purpose_column
            if column >= 0:
                result = [i for i in result if rows[i].verdicts[column] in states]
            else:
                result = [i for i in result if not states.isdisjoint(rows[i].verdicts)]
        return list(result) if result is self._order else result

    def _sorted_order(self) -> list[int]:
        return order_of(self._rows, self._sort[0], self._sort[1] == Qt.SortOrder.DescendingOrder, self._names)

    # --- Qt model API --------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else FIXED_COLUMNS + len(self._purposes)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                if section < FIXED_COLUMNS:
                    return FIXED_HEADERS[section]
                return _wrap(self._purposes[section - FIXED_COLUMNS])
            if role == Qt.ItemDataRole.ToolTipRole and section >= FIXED_COLUMNS:
                return self._purposes[section - FIXED_COLUMNS]
        elif role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _HANDLED_ROLES or not index.isValid():
            return None  # most calls during a repaint ask for roles this model leaves to the style
        row = self._rows[self._visible[index.row()]]
        column = index.column()
        if column >= FIXED_COLUMNS:
            verdict = row.verdicts[column - FIXED_COLUMNS]
            if role == Qt.ItemDataRole.DisplayRole:
                return VERDICT_STYLE[verdict][2]
            if role == Qt.ItemDataRole.BackgroundRole:
                return self._brushes[verdict][0]
            if role == Qt.ItemDataRole.ForegroundRole:
                return self._brushes[verdict][1]
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                return f"{row.name}: {self._purposes[column - FIXED_COLUMNS]}: {verdict.value}"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignCenter
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_NAME:
                return row.name
            if column == COL_YEAR:
                return row.year_group
            if column == COL_REG:
                return row.reg_group
            return row.upn or row.admission_number
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_NAME:
            born = format_uk_date(row.date_of_birth)
            flag = " — NEVER PHOTOGRAPH" if row.never_photograph else ""
            return f"{row.name}, born {born}{flag}"
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_NAME and row.never_photograph:
            return self._brushes[Verdict.NEVER_PHOTOGRAPH][0]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.beginResetModel()
        self._sort = (column, order)
        self._order = self._sorted_order()
        self._last_filter = None
        self._visible = self._compute_visible()
        self.endResetModel()

    # --- for screens ---------------------------------------------------------------------------------------
    def sort_order(self) -> tuple[int, Qt.SortOrder]:
        """The column the rows are sorted by, and which way."""
        return self._sort

    def pupil_at(self, row: int) -> PupilRow:
        """The pupil shown on a visible row."""
        return self._rows[self._visible[row]]

    def row_of(self, pupil_id: int) -> int:
        """Visible row of a pupil, or -1."""
        for position, i in enumerate(self._visible):
            if self._rows[i].id == pupil_id:
                return position
        return -1

    @property
    def total(self) -> int:
        """Pupils loaded (before filtering)."""
        return len(self._rows)

    @property
    def purposes(self) -> list[str]:
        """Purpose column titles."""
        return list(self._purposes)

    def year_groups(self) -> list[str]:
        """Year groups present, in school order."""
        return list(self._groups[0])

    def reg_groups(self) -> list[str]:
        """Registration groups present."""
        return list(self._groups[1])
