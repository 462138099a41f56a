"""Settings ▸ Term dates: the first day of each term, per academic year (the statistics count per term)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import academic_year_start, default_term_starts
from safeguard_desktop.services.settings import set_term_dates, term_dates
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.date_field import DateField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read

TERMS = ("Autumn", "Spring", "Summer")


class TermDatesDialog(Dialog):
    """Pick the academic year, set three dates, save. Years left alone use 1 September, 1 January, 1 April."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent, "Term dates", size=(460, 320))
        self.work_name = "the dates you typed"
        self.context = context
        self.entered: dict[int, tuple[date, date, date]] = {}
        this_year = academic_year_start(today or date.today())
        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName("Academic year")
        for year in range(this_year - 3, this_year + 2):
            self.year_combo.addItem(f"{year}/{(year + 1) % 100:02d}", year)
        self.year_combo.setCurrentIndex(3)
        self.date_edits: list[DateField] = []
        form = QFormLayout()
        form.addRow("Academic &year", self.year_combo)
        for name in TERMS:
            edit = DateField(accessible_name=f"First day of the {name.lower()} term")
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
        for edit in self.date_edits:
            edit.problem_found.connect(self.error_label.setText)
        self.watch(*self.date_edits)
        self.show_year()
        run_read(context, self, lambda session, _actor: term_dates(session), on_done=self._read)

    def _read(self, entered: dict[int, tuple[date, date, date]]) -> None:
        self.entered = entered
        self.show_year()

    def show_error(self, message: str) -> None:
        """A refusal, shown under the dates."""
        self.error_label.setText(message)

    def year(self) -> int:
        """The academic year being edited (its starting calendar year)."""
        return int(self.year_combo.currentData())

    def show_year(self, *_args: object) -> None:
        """Show the year's dates: the school's own, or the default split."""
        year = self.year()
        starts = self.entered.get(year) or default_term_starts(year)
        for edit, day in zip(self.date_edits, starts, strict=True):
            edit.set_range(date(year, 9, 1), date(year + 1, 8, 31))  # checked on leaving the field, not while typing
            edit.set_date(day)
        self.mark_clean()
        self.state_label.setText("The school's own dates." if year in self.entered else "Default split (not entered).")
        self.error_label.setText("")

    def _save(self, starts: tuple[date, date, date] | None) -> None:
        year = self.year()

        def saved(_none: object) -> None:
            if starts is None:
                self.entered.pop(year, None)
            else:
                self.entered[year] = starts
            self.show_year()

        run_op(self.context, self, set_term_dates, year, starts, title=self.windowTitle(), on_done=saved)

    def save(self) -> None:
        """Save the three dates for the chosen year (a date typed wrong is named, nothing saved)."""
        for edit in self.date_edits:
            problem = edit.problem()
            if problem is not None:
                self.error_label.setText(problem)
                edit.setFocus()
                return
        a, b, c = (edit.date() for edit in self.date_edits)
        assert a is not None and b is not None and c is not None
        self._save((a, b, c))

    def use_default(self) -> None:
        """Forget the year's dates: the default split applies again."""
        self._save(None)
