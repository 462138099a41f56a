"""A date typed as typed: dd/mm/yyyy shown, checked when the person leaves the field, never changed silently.

Qt's ``QDateEdit`` corrects while you type (a maximum of today turns 28/11 into today's date half-way through) and
reads an American date section by section into another year. This field keeps the text, reads it with
:func:`safeguard_desktop.domain.dates.read_typed_date` on leaving, and says what is wrong instead.
"""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QTimeEdit,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from safeguard_desktop.domain.dates import format_uk_date, read_typed_date

_BAD = "QLineEdit { border: 2px solid #b3261e; }"


class DateField(QWidget):
    """A line for a UK date with a calendar button. ``date()`` is the date typed, or None when empty or wrong."""

    edited = Signal()  # the person typed or picked (not set_date)
    problem_found = Signal(str)  # "" when the text is a good date again

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        earliest: date | None = None,
        latest: date | None = None,
        accessible_name: str = "Date",
        optional: bool = False,
    ) -> None:
        super().__init__(parent)
        self.earliest, self.latest, self.optional = earliest, latest, optional
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("dd/mm/yyyy")
        self.line.setAccessibleName(accessible_name)
        self.line.setAccessibleDescription("Day/month/year, for example 28/11/2026")
        self.line.setMaxLength(20)
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("00/00/00000") + 24)
        self.calendar_button = QToolButton(self)
        self.calendar_button.setText("▾")
        self.calendar_button.setToolTip("Choose from a calendar")
        self.calendar_button.setAccessibleName(f"{accessible_name}: choose from a calendar")
        self.calendar_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.calendar = QCalendarWidget()
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setGridVisible(True)
        menu = QMenu(self.calendar_button)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._ready_calendar)
        self.calendar_button.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line)
        layout.addWidget(self.calendar_button)
        layout.addStretch(1)
        self.setFocusProxy(self.line)
        self.line.textEdited.connect(lambda _t: self.edited.emit())
        self.line.editingFinished.connect(self.check)

    def set_range(self, earliest: date | None, latest: date | None) -> None:
        """The dates allowed (checked on leaving the field and on save, never while typing)."""
        self.earliest, self.latest = earliest, latest

    def set_date(self, value: date | None) -> None:
        """Show ``value`` (None: empty)."""
        self.line.setText(format_uk_date(value))
        self._show_problem("")

    def text(self) -> str:
        """What is in the field, as typed."""
        return self.line.text()

    def problem(self) -> str | None:
        """Why the text is not an allowed date, or None when it is (or when it is empty and optional)."""
        text = self.line.text().strip()
        if not text:
            return None if self.optional else "Type a date (dd/mm/yyyy)."
        try:
            read_typed_date(text, earliest=self.earliest, latest=self.latest)
        except ValueError as exc:
            return str(exc)
        return None

    def date(self) -> date | None:
        """The date typed, or None when the field is empty or not an allowed date."""
        if self.problem() is not None or not self.line.text().strip():
            return None
        return read_typed_date(self.line.text(), earliest=self.earliest, latest=self.latest)

    def check(self) -> bool:
        """On leaving the field: a good date is shown as dd/mm/yyyy, a wrong one stays as typed and is named."""
        problem = self.problem()
        if problem is None:
            value = self.date()
            if value is not None:
                self.line.setText(format_uk_date(value))
        self._show_problem(problem or "")
        return problem is None

    def _show_problem(self, problem: str) -> None:
        self.line.setStyleSheet(_BAD if problem else "")
        self.line.setToolTip(problem)
        self.line.setAccessibleDescription(problem or "Day/month/year, for example 28/11/2026")
        self.problem_found.emit(problem)

    def _ready_calendar(self) -> None:
        shown = self.date() or date.today()
        low = self.earliest or date(1900, 1, 1)
        high = self.latest or date(2200, 12, 31)
        self.calendar.setDateRange(QDate(low.year, low.month, low.day), QDate(high.year, high.month, high.day))
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))

    def _picked(self, chosen: QDate) -> None:
        self.set_date(date(chosen.year(), chosen.month(), chosen.day()))
        self.calendar_button.menu().hide()
        self.edited.emit()


class DateTimeField(QWidget):
    """A :class:`DateField` and a 24-hour time beside it."""

    edited = Signal()
    problem_found = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        earliest: datetime | None = None,
        latest: datetime | None = None,
        accessible_name: str = "Date and time",
    ) -> None:
        super().__init__(parent)
        self.earliest, self.latest = earliest, latest
        self.day = DateField(self, accessible_name=f"{accessible_name}: date")
        self.time_edit = QTimeEdit(self)
        self.time_edit.setDisplayFormat("HH:mm")
        self.time_edit.setAccessibleName(f"{accessible_name}: time")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.day)
        layout.addWidget(self.time_edit)
        layout.addStretch(1)
        self.setFocusProxy(self.day)
        self.day.edited.connect(self.edited)
        self.time_edit.timeChanged.connect(lambda _t: self.edited.emit() if self.time_edit.hasFocus() else None)
        self.day.problem_found.connect(self.problem_found)
        self.time_edit.editingFinished.connect(lambda: self.problem_found.emit(self.problem() or ""))

    def set_value(self, value: datetime) -> None:
        """Show ``value``."""
        self.day.set_date(value.date())
        self.time_edit.setTime(QTime(value.hour, value.minute))

    def problem(self) -> str | None:
        """Why the date and time are not allowed, or None."""
        problem = self.day.problem()
        if problem is not None:
            return problem
        value = self.value()
        assert value is not None
        if self.latest is not None and value > self.latest:
            return f"{value:%d/%m/%Y %H:%M} is later than now ({self.latest:%d/%m/%Y %H:%M})."
        if self.earliest is not None and value < self.earliest:
            return f"{value:%d/%m/%Y %H:%M} is before {self.earliest:%d/%m/%Y %H:%M}."
        return None

    def value(self) -> datetime | None:
        """The date and time typed (None when the date is empty or wrong)."""
        day = self.day.date()
        if day is None:
            return None
        chosen = self.time_edit.time()
        return datetime.combine(day, time(chosen.hour(), chosen.minute()))
