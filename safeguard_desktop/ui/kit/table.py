"""Read-only tables of any size: rows of text behind a model, replaced in one reset, columns sized once.

A ``QTableWidget`` whose header sizes its columns to their contents re-measures every column for every item set:
refilling 500 shown rows took 50.8 s (issue 17), and a filter in the audit trail froze the window for 208 s. Here the
rows are plain tuples kept by a model; a refill is one ``beginResetModel``/``endResetModel``, and the columns are
measured once (on the first rows, against at most :data:`MEASURED_ROWS` of them) and then left to the person.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView, QWidget

#: How many rows the one-time column sizing looks at (Qt measures visible rows plus this many).
MEASURED_ROWS = 200
#: Text longer than this shows whole in a tooltip (a cell shows one line).
TOOLTIP_FROM = 60


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell with more than text: colours (never the only signal: the text says it too) and a tooltip."""

    text: str
    background: str = ""
    foreground: str = ""
    tooltip: str = ""


#: A row: its cells, each a str or a Cell.
Row = Sequence["str | Cell"]
#: Rows made on demand are kept for this many rows at a time (those on screen and around them).
KEPT_ROWS = 4096


@dataclass(frozen=True, slots=True)
class Shape:
    """How a record (an incident line, a roster line) is shown: its cells, what it stands for, its colour. With a
    shape, a table of 50,000 records makes only the rows on screen, when they are painted — a refill costs the
    GUI thread a reset, not 50,000 rows of formatting (215 ms measured before)."""

    cells: Callable[[Any], Row]
    key: Callable[[Any], Hashable] | None = None
    foreground: Callable[[Any], str] | None = None


#: The roles a cell answers; Qt asks each cell for others too (font, decoration, check state…), answered at once.
_ANSWERED = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole,
                       Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.BackgroundRole,
                       Qt.ItemDataRole.ForegroundRole})  # fmt: skip


class RowsModel(QAbstractTableModel):
    """Rows of text under headings, each row standing for a key (an id) the screen acts on."""

    def __init__(self, headers: Sequence[str], parent: Any = None, *, numbers: Sequence[int] = ()) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._numbers = frozenset(numbers)  # columns of figures: right-aligned
        self._records: Sequence[Any] = []  # what the rows show, each turned into its cells by the shape
        self._shape = Shape(cells=lambda row: row)
        self._made: dict[int, Row] = {}
        self._brushes: dict[str, QBrush] = {}

    def set_rows(
        self,
        rows: Sequence[Row],
        keys: Sequence[Hashable] | None = None,
        *,
        headers: Sequence[str] | None = None,
        foregrounds: Sequence[str] | None = None,
    ) -> None:
        """Replace every row in one reset (``keys[i]`` is what row i stands for, its number by default;
        ``foregrounds[i]`` its colour). The same as set_records: the records are the row numbers, read from these
        lists."""
        shown, keyed, coloured = list(rows), list(keys) if keys is not None else None, list(foregrounds or ())
        self.set_records(range(len(shown)), Shape(cells=shown.__getitem__,
                                                  key=keyed.__getitem__ if keyed is not None else None,
                                                  foreground=coloured.__getitem__ if coloured else None),
                         headers=headers)  # fmt: skip

    def set_records(self, records: Sequence[Any], shape: Shape, *, headers: Sequence[str] | None = None) -> None:
        """Replace every row with ``records``, each shown through ``shape`` when it comes on screen (one reset)."""
        self.beginResetModel()
        if headers is not None:
            self._headers = list(headers)
        self._records, self._shape, self._made = records, shape, {}
        self.endResetModel()

    def _row(self, row: int) -> Row:
        made = self._made.get(row)
        if made is None:
            if len(self._made) >= KEPT_ROWS:
                self._made.clear()
            made = self._made[row] = self._shape.cells(self._records[row])
        return made

    def key(self, row: int) -> Hashable | None:
        """What row ``row`` stands for, or None outside the rows."""
        if not 0 <= row < len(self._records):
            return None
        return self._shape.key(self._records[row]) if self._shape.key is not None else row

    def row_of(self, key: Hashable) -> int:
        """The row standing for ``key``, or -1 (searched from the top, where the newest and the chosen usually are)."""
        if self._shape.key is None:  # each row stands for its own number
            return key if isinstance(key, int) and 0 <= key < len(self._records) else -1
        key_of = self._shape.key
        return next((i for i, record in enumerate(self._records) if key_of(record) == key), -1)

    def text(self, row: int, column: int) -> str:
        """The text shown in a cell."""
        cell = self._row(row)[column]
        return cell if isinstance(cell, str) else cell.text

    def heading(self, column: int) -> str:
        """A column's heading."""
        return self._headers[column]

    def _foreground(self, row: int) -> str:
        return self._shape.foreground(self._records[row]) if self._shape.foreground is not None else ""

    def _brush(self, colour: str) -> QBrush:
        brush = self._brushes.get(colour)
        if brush is None:
            brush = self._brushes[colour] = QBrush(QColor(colour))
        return brush

    # --- Qt model API --------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED or not index.isValid():  # (Qt asks about eight roles a cell, painting and sizing)
            return None
        row = self._row(index.row())
        if index.column() >= len(row):
            return None
        return self._answer(index.row(), index.column(), row[index.column()], role)

    def multiData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        roleDataSpan: QModelRoleDataSpan | QModelRoleData,
    ) -> None:
        """Every role Qt asks of a cell in one call (its delegate asks eight as it paints): one call into Python per
        cell instead of eight, each of which waits for the interpreter lock while a worker runs (ui/kit/pauses)."""
        if not index.isValid():
            return
        row = self._row(index.row())
        if index.column() >= len(row):
            return
        cell = row[index.column()]
        span: Any = roleDataSpan  # (PySide's stubs give the span no length nor items, which it has)
        for i in range(len(span)):
            asked = span[i]
            role = asked.role()
            if role in _ANSWERED:
                value = self._answer(index.row(), index.column(), cell, role)
                if value is not None:
                    asked.setData(value)

    def _answer(self, row_number: int, column: int, cell: str | Cell, role: int) -> Any:
        """What a cell says for one role (None for nothing)."""
        text = cell if isinstance(cell, str) else cell.text
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            if not isinstance(cell, str) and cell.tooltip:
                return cell.tooltip
            return text if len(text) > TOOLTIP_FROM or "\n" in text else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self._numbers:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.BackgroundRole and not isinstance(cell, str) and cell.background:
            return self._brush(cell.background)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not isinstance(cell, str) and cell.foreground:
                return self._brush(cell.foreground)
            colour = self._foreground(row_number)
            if colour:
                return self._brush(colour)
        return None


class ReadOnlyTable(QTableView):
    """A table nobody types into; with ``pick_rows`` one whole row at a time is chosen, to act on it.

    ``current_row_changed(row)`` fires when the person (or the screen) chooses another row; -1 when none is chosen.
    ``stretch`` names the column that takes the width left over (the last one by default); ``numbers`` the columns
    of figures, right-aligned; ``wrap`` shows long texts whole over several lines (for short tables only: every
    row is then measured).
    """

    current_row_changed = Signal(int)

    def __init__(self, headers: Sequence[str], name: str, *, pick_rows: bool = False, stretch: int = -1,
                 numbers: Sequence[int] = (), wrap: bool = False, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.rows = RowsModel(headers, self, numbers=numbers)
        self.setModel(self.rows)
        self.setAccessibleName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        if pick_rows:
            self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(wrap)
        self.verticalHeader().hide()
        if wrap:  # a short record read whole (a chronology): each row as tall as its text
            self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        else:  # one line per row, all the same height: the view then lays out 50,000 rows without measuring them
            self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)  # as the register's rows
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(MEASURED_ROWS)
        self._stretch = stretch
        self._sized_for: tuple[tuple[str, ...], bool] | None = None  # (headings, measured with rows)
        if stretch < 0:
            header.setStretchLastSection(True)
        self._size_columns()
        self.selectionModel().currentRowChanged.connect(lambda current, _previous: self._current_changed(current))
        self.rows.modelReset.connect(lambda: self.current_row_changed.emit(-1))

    def _current_changed(self, current: QModelIndex) -> None:
        self.current_row_changed.emit(current.row() if current.isValid() else -1)

    def set_rows(
        self,
        rows: Sequence[Row],
        keys: Sequence[Hashable] | None = None,
        *,
        headers: Sequence[str] | None = None,
        foregrounds: Sequence[str] | None = None,
    ) -> None:
        """Show these rows instead (one reset); columns are sized to the first rows that arrive, once per set of
        headings, so a refill never re-measures and the widths the person dragged stay."""
        self.rows.set_rows(rows, keys, headers=headers, foregrounds=foregrounds)
        self._size_columns()

    def set_records(self, records: Sequence[Any], shape: Shape, *, headers: Sequence[str] | None = None) -> None:
        """Show ``records`` through ``shape`` (rows made as they come on screen); columns sized as for set_rows."""
        self.rows.set_records(records, shape, headers=headers)
        self._size_columns()

    def _size_columns(self) -> None:
        """Fit the columns once per set of headings: to the headings while there are no rows, then once more to
        the first rows; after that a refill keeps the widths (and any the person dragged)."""
        headings = tuple(self.rows.heading(c) for c in range(self.rows.columnCount()))
        with_rows = self.rows.rowCount() > 0
        done = self._sized_for
        if done is not None and done[0] == headings and (done[1] or not with_rows):
            return
        self._sized_for = (headings, with_rows)
        header = self.horizontalHeader()
        if self.wordWrap():  # (rows as tall as their text: Qt measures them, a short table's)
            header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)
            widths = [header.sectionSize(column) for column in range(len(headings))]
        else:
            widths = self._fitted_widths(len(headings))
        stretched = self._stretch if 0 <= self._stretch < len(headings) else len(headings) - 1
        for column, width in enumerate(widths):  # a long first text must not push the rest off screen
            if column != stretched:  # (the stretched one takes what is left: its long texts end in "…", whole in
                header.resizeSection(column, min(width, 420))  # the tooltip, never past the table's right edge)
        if 0 <= self._stretch < len(headings):
            header.setSectionResizeMode(self._stretch, QHeaderView.ResizeMode.Stretch)

    def _fitted_widths(self, columns: int) -> list[int]:
        """Each column's width for its heading and its first :data:`MEASURED_ROWS` texts, measured here with the
        table's font: Qt's own fitting asks the delegate about every cell and eight roles each, 60–120 ms on the
        GUI thread for a list's first show (bench/run.py screens)."""
        metrics = self.fontMetrics()
        pad = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 2
        header = self.horizontalHeader()
        widths = [header.sectionSizeHint(column) for column in range(columns)]
        for row in range(min(self.rows.rowCount(), MEASURED_ROWS)):
            for column in range(columns):
                text = self.rows.text(row, column)
                if text:
                    widths[column] = max(widths[column], metrics.horizontalAdvance(text.split("\n", 1)[0]) + pad)
        return widths

    def row_count(self) -> int:
        """How many rows are shown."""
        return self.rows.rowCount()

    def text(self, row: int, column: int) -> str:
        """The text of a cell."""
        return self.rows.text(row, column)

    def heading(self, column: int) -> str:
        """A column's heading."""
        return self.rows.heading(column)

    def row_text(self, row: int) -> str:
        """A row's cells as one line (as a screen reader would say it)."""
        return " · ".join(self.rows.text(row, c) for c in range(self.rows.columnCount()))

    def current_row(self) -> int:
        """The chosen row, or -1."""
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def current_key(self) -> Hashable | None:
        """What the chosen row stands for, or None."""
        return self.rows.key(self.current_row())

    def choose_row(self, row: int) -> None:
        """Choose row ``row`` (as a click would), scrolled into view."""
        if 0 <= row < self.row_count():
            self.selectRow(row)
            self.scrollTo(self.rows.index(row, 0))

    def choose_key(self, key: Hashable | None) -> bool:
        """Choose the row standing for ``key``; False when no row does."""
        row = self.rows.row_of(key) if key is not None else -1
        if row < 0:
            return False
        self.choose_row(row)
        return True
