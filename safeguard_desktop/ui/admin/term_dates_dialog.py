"""Settings ▸ Term dates: the first day of each term, per academic year (the statistics count per term)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import academic_year_start, default_term_starts
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.settings import set_term_dates, term_dates
from safeguard_desktop.services.transaction import read_session, write_session
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel

TERMS = ("Autumn", "Spring", "Summer")


class TermDatesDialog(QDialog):
    """Pick the academic year, set three dates, save. Years left alone use 1 September, 1 January, 1 April."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Term dates")
        with read_session(context.engine) as session:
            self.entered = term_dates(session)
        this_year = academic_year_start(today or date.today())
        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName("Academic year")
        for year in range(this_year - 3, this_year + 2):
            self.year_combo.addItem(f"{year}/{(year + 1) % 100:02d}", year)
        self.year_combo.setCurrentIndex(3)
        self.date_edits = []
        form = QFormLayout()
        form.addRow("Academic &year", self.year_combo)
        for name in TERMS:
            edit = QDateEdit()
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(f"First day of the {name.lower()} term")
            self.date_edits.append(edit)
            form.addRow(f"{name} term starts", edit)
        self.state_label = QLabel("")
        self.error_label = ErrorLabel()
        self.default_button = QPushButton("Use the &default split")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Holidays count with the term before them."))
        layout.addLayout(form)
        layout.addWidget(self.state_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.default_button)
        layout.addWidget(buttons)
        self.year_combo.currentIndexChanged.connect(self.show_year)
        self.default_button.clicked.connect(self.use_default)
        self.show_year()

    def year(self) -> int:
        """The academic year being edited (its starting calendar year)."""
        return int(self.year_combo.currentData())

    def show_year(self, *_args: object) -> None:
        """Show the year's dates: the school's own, or the default split."""
        year = self.year()
        starts = self.entered.get(year) or default_term_starts(year)
        for edit, day in zip(self.date_edits, starts, strict=True):
            edit.setDateRange(QDate(year, 9, 1), QDate(year + 1, 8, 31))
            edit.setDate(QDate(day.year, day.month, day.day))
        self.state_label.setText("The school's own dates." if year in self.entered else "Default split (not entered).")
        self.error_label.setText("")

    def _save(self, starts: tuple[date, date, date] | None) -> bool:
        try:
            with write_session(self.context.engine) as session:
                set_term_dates(session, self.context.actor, self.year(), starts)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return False
        if starts is None:
            self.entered.pop(self.year(), None)
        else:
            self.entered[self.year()] = starts
        self.context.publish({Topic.TERMS})
        self.show_year()
        return True

    def save(self) -> bool:
        """Save the three dates for the chosen year."""
        a, b, c = (edit.date().toPython() for edit in self.date_edits)
        return self._save((a, b, c))

    def use_default(self) -> bool:
        """Forget the year's dates: the default split applies again."""
        return self._save(None)
