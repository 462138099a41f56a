"""The MIS import dialog: choose a file, check the column mapping, preview every change, then apply."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import RawTable, read_pupil_file
from safeguard_desktop.ui.background import BackgroundJob, Cancelled, run_in_background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op
from safeguard_desktop.ui.kit.table import ReadOnlyTable

NOT_IN_FILE = "(not in this file)"
PAGE_MAPPING, PAGE_PREVIEW, PAGE_DONE = range(3)


def _fill(table: ReadOnlyTable, rows: list[tuple[object, ...]]) -> None:
    table.set_rows([tuple(str(value) for value in values) for values in rows])


class ImportDialog(Dialog):
    """Nothing is written until the person presses Import, and then in one transaction."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Import pupils from your MIS", size=(900, 620))
        self.context = context
        self.table: RawTable | None = None
        self.preview: mis_import.ImportPreview | None = None
        self.job: BackgroundJob | None = None

        self.file_label = QLabel("No file chosen.")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setWordWrap(True)
        self.file_label.setAccessibleName("Chosen file")
        choose = QPushButton("&Choose file…")
        choose.clicked.connect(self.choose_file)
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(choose)

        # Page 0: mapping
        mapping_page = QWidget()
        mapping_layout = QVBoxLayout(mapping_page)
        self.mapping_intro = QLabel(
            "Which column of the file holds each detail? Recognised columns are already chosen."
        )
        self.mapping_intro.setWordWrap(True)
        mapping_layout.addWidget(self.mapping_intro)
        form = QFormLayout()
        self.mapping_combos: dict[str, QComboBox] = {}
        for spec in mis_import.FIELDS:
            combo = QComboBox()
            combo.setAccessibleName(f"Column for {spec.label}")
            combo.currentIndexChanged.connect(self.on_mapping_changed)
            self.mapping_combos[spec.key] = combo
            form.addRow(f"{spec.label}{' *' if spec.required else ''}", combo)
        mapping_layout.addLayout(form)
        self.mapping_problem = ErrorLabel()
        mapping_layout.addWidget(self.mapping_problem)
        mapping_layout.addStretch(1)

        # Page 1: preview
        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.summary_label.setAccessibleName("Import summary")
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning_label.setStyleSheet("background: #fff3cd; color: #665200; padding: 6px;")
        self.warning_label.hide()
        self.tabs = QTabWidget()
        self.added_table = ReadOnlyTable(("Line", "Name", "UPN", "Born", "Year", "Class"), "Pupils to add")
        self.updated_table = ReadOnlyTable(("Line", "Name", "UPN", "What changes"), "Pupils to update")
        self.left_table = ReadOnlyTable(("Name",), "Pupils to mark as left")
        self.rejected_table = ReadOnlyTable(("Line", "Field", "Problem"), "Rejected rows")
        for table, title in (
            (self.rejected_table, "Problems"),
            (self.added_table, "New"),
            (self.updated_table, "Changed"),
            (self.left_table, "Leaving"),
        ):
            self.tabs.addTab(table, title)
        self.skip_check = QCheckBox("Import the valid rows and &skip the rejected ones")
        self.skip_check.toggled.connect(self._update_buttons)
        preview_layout.addWidget(self.summary_label)
        preview_layout.addWidget(self.warning_label)
        preview_layout.addWidget(self.tabs, 1)
        preview_layout.addWidget(self.skip_check)

        # Page 2: done
        done_page = QWidget()
        done_layout = QVBoxLayout(done_page)
        self.done_label = QLabel("")
        self.done_label.setWordWrap(True)
        self.done_label.setTextFormat(Qt.TextFormat.PlainText)
        self.done_label.setStyleSheet("font-size: 12pt;")
        done_layout.addWidget(self.done_label)
        done_layout.addStretch(1)

        self.pages = QStackedWidget()
        for page in (mapping_page, preview_page, done_page):
            self.pages.addWidget(page)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Progress")
        self.progress.hide()
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.back_button = QPushButton("&Back")
        self.preview_button = QPushButton("&Preview")
        self.apply_button = QPushButton("&Import")
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("Close")
        self.back_button.clicked.connect(lambda: self._show_page(PAGE_MAPPING))
        self.preview_button.clicked.connect(self.on_preview_button_clicked)
        self.apply_button.clicked.connect(self.on_apply_button_clicked)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.progress)
        for b in (self.back_button, self.preview_button, self.apply_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self._show_page(PAGE_MAPPING)

    # --- steps ---------------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        """Ask for a file (CSV or Excel)."""
        steps.current().choose_file(self, "Choose the pupil list exported from your MIS", Path.home(),
                                    "Pupil lists (*.csv *.txt *.xlsx);;All files (*)", self.load_file)  # fmt: skip

    def load_file(self, path: str | Path) -> None:
        """Read the file off the GUI thread, then go straight to the preview when every column is recognised."""
        self.file_label.setText(str(path))
        self._busy("Reading the file…")

        def work(_progress: object) -> RawTable:
            return read_pupil_file(path)

        self.job = run_in_background(work, self.on_file_read, self.on_failed, parent=self)

    def on_file_read(self, table: RawTable) -> None:
        """Fill the mapping combos with the file's headers."""
        self._idle()
        self.table = table
        self.file_label.setText(f"{table.source} · {table.encoding} · {len(table.records)} rows")
        suggested = mis_import.suggest_mapping(table.headers)
        for key, combo in self.mapping_combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IN_FILE, -1)
            for i, header in enumerate(table.headers):
                combo.addItem(header or f"(column {i + 1})", i)
            combo.setCurrentIndex(suggested.get(key, -1) + 1)
            combo.blockSignals(False)
        if mis_import.missing_fields(suggested):
            self._show_page(PAGE_MAPPING)
            self.on_mapping_changed()
        else:
            self.on_preview_button_clicked()

    def mapping(self) -> dict[str, int]:
        """The columns chosen."""
        result = {}
        for key, combo in self.mapping_combos.items():
            index = combo.currentData()
            if index is not None and index >= 0:
                result[key] = int(index)
        return result

    def on_mapping_changed(self, *_args: object) -> None:
        """Say what is still missing; a column may feed only one field."""
        mapping = self.mapping()
        missing = mis_import.missing_fields(mapping)
        used = list(mapping.values())
        duplicated = len(used) != len(set(used))
        if missing:
            self.mapping_problem.setText(f"Still needed: {', '.join(missing)}.")
        elif duplicated:
            self.mapping_problem.setText("One column is chosen for two details; choose each column once.")
        else:
            self.mapping_problem.setText("")
        self._update_buttons()

    def on_preview_button_clicked(self) -> None:
        """Validate every row and compare with the register, off the GUI thread. Writes nothing."""
        if self.table is None:
            return
        table, mapping = self.table, self.mapping()
        self._busy("Checking every row…")

        self.job = run_op(self.context, self, mis_import.preview, table, mapping, write=False,
                          on_done=self.on_preview_ready, on_error=self.on_failed)  # fmt: skip

    def on_preview_ready(self, result: mis_import.ImportPreview) -> None:
        """Show what would happen."""
        self._idle()
        self.preview = result
        self.summary_label.setText(
            f"{len(result.added)} new, {len(result.updated)} changed, {result.unchanged} unchanged, "
            f"{len(result.left)} to mark as left, {len(result.rejected)} problem(s). Nothing has been written yet."
        )
        if result.warnings:
            self.warning_label.setText("\n".join(result.warnings))
            self.warning_label.show()
        else:
            self.warning_label.hide()
        _fill(self.rejected_table, [(r.line, r.field, r.reason) for r in result.rejected])
        _fill(
            self.added_table,
            [
                (
                    r.line,
                    r.name,
                    r.values.get("upn") or "",
                    format_uk_date(r.values.get("date_of_birth")),  # type: ignore[arg-type]
                    r.values.get("year_group") or "",
                    r.values.get("reg_group") or "",
                )
                for r in result.added
            ],
        )
        _fill(
            self.updated_table,
            [
                (u.record.line, u.record.name, u.record.values.get("upn") or "", ", ".join(u.changes))
                for u in result.updated
            ],
        )
        _fill(self.left_table, [(name,) for _pid, name in result.left])
        for i, count in enumerate((len(result.rejected), len(result.added), len(result.updated), len(result.left))):
            base = self.tabs.tabText(i).split(" (")[0]
            self.tabs.setTabText(i, f"{base} ({count})")
        self.tabs.setCurrentIndex(0 if result.rejected else 1)
        self.skip_check.setChecked(False)
        self.skip_check.setEnabled(bool(result.rejected))
        self._show_page(PAGE_PREVIEW)

    def on_apply_button_clicked(self) -> None:
        """Apply in one transaction, validating again against the register as it is now."""
        if self.table is None:
            return
        table, mapping, skip = self.table, self.mapping(), self.skip_check.isChecked()
        self._busy("Importing…")

        self.job = run_op(self.context, self, mis_import.apply, table, mapping, skip_invalid=skip,
                          on_done=self.on_applied, on_error=self.on_failed)  # fmt: skip

    def on_applied(self, result: mis_import.ImportPreview) -> None:
        """Report and refresh the register."""
        self._idle()
        self.done_label.setText(
            f"Imported from {result.source}:\n\n{len(result.added)} pupils added\n{len(result.updated)} updated\n"
            f"{result.unchanged} unchanged\n{len(result.left)} marked as left (their records are kept)\n"
            f"{len(result.rejected)} rows skipped"
        )
        self._show_page(PAGE_DONE)

    def on_failed(self, exc: BaseException) -> None:
        """Show the reason in the dialog; nothing was written."""
        self._idle()
        if isinstance(exc, Cancelled):
            self.status_label.setText("Cancelled; nothing was written.")
        else:
            self.status_label.setText(message_for(exc, None))
        self._update_buttons()

    def on_cancel_button_clicked(self) -> None:
        """Stop running work, or close."""
        if self.job is not None and self.progress.isVisible():
            self.job.cancel()
        self.reject()

    # --- state ---------------------------------------------------------------------------------------------
    def _show_page(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self._update_buttons()

    def _busy(self, message: str) -> None:
        self.status_label.setText(message)
        self.progress.show()
        for b in (self.back_button, self.preview_button, self.apply_button):
            b.setEnabled(False)

    def _idle(self) -> None:
        self.status_label.setText("")
        self.progress.hide()
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        page = self.pages.currentIndex()
        mapping = self.mapping()
        ok_mapping = not mis_import.missing_fields(mapping) and len(set(mapping.values())) == len(mapping)
        self.back_button.setVisible(page == PAGE_PREVIEW)
        self.back_button.setEnabled(not self.progress.isVisible())
        self.preview_button.setVisible(page == PAGE_MAPPING)
        self.preview_button.setEnabled(self.table is not None and ok_mapping)
        self.apply_button.setVisible(page == PAGE_PREVIEW)
        can_apply = self.preview is not None and (not self.preview.rejected or self.skip_check.isChecked())
        self.apply_button.setEnabled(bool(can_apply))
        if self.preview is not None and self.preview.rejected and not self.skip_check.isChecked():
            self.apply_button.setToolTip("Correct the problems, or tick 'skip the rejected ones'.")
        else:
            self.apply_button.setToolTip("")
        self.cancel_button.setVisible(page != PAGE_DONE)
        self.close_button.setVisible(page == PAGE_DONE)
