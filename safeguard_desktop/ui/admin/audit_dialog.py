"""Settings ▸ Audit trail (safeguarding leads): browse and filter who did what, check the chain, export it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.services.records import audit, server_changes, trail_check
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.date_field import DateField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable

HEADERS = ("Entry", "When", "Who", "Written by", "What", "Record", "Detail")


class AuditDialog(Dialog):
    """Newest first; type to filter (every word must match), optionally between two dates."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Audit trail", size=(1100, 640))
        self.context = context
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: a name, an action (e.g. viewed incident), a record number…")
        self.filter_edit.setAccessibleName("Filter the audit trail")
        self.dates_check = QCheckBox("Between")
        self.since_edit = DateField(accessible_name="From")
        self.until_edit = DateField(accessible_name="To")
        self.since_edit.set_date(date.today() - timedelta(days=30))
        self.until_edit.set_date(date.today())
        for edit in (self.since_edit, self.until_edit):
            edit.setEnabled(False)
        self.dates_check.toggled.connect(self.since_edit.setEnabled)
        self.dates_check.toggled.connect(self.until_edit.setEnabled)
        self.table = ReadOnlyTable(HEADERS, "Audit entries", pick_rows=True)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)  # a check that names rows changed outside the app runs to a paragraph
        self.status_label.setAccessibleName("Audit trail status")
        self.verify_button = QPushButton("&Check the chain")
        self.export_button = QPushButton("&Export CSV…")
        # On a server, after a check that names changes made outside the app (records/server_changes.py).
        self.note_button = QPushButton("&Note them in the trail…")
        self.note_button.setAccessibleName("Note the changes made outside the app in the trail")
        self.note_button.setVisible(False)
        # On a server: what the server recorded as written with the chosen entry (records/server_changes.py).
        self.rows_button = QPushButton("&Rows written…")
        self.rows_button.setAccessibleName("The rows the server recorded as written with the chosen entry")
        self.rows_button.setToolTip("What the register's server recorded as written in the same transaction as the "
                                    "chosen entry, and by which login")  # fmt: skip
        self.rows_button.setVisible(context.register.engine.dialect.name == "postgresql")
        self.rows_button.setEnabled(False)
        self.table.current_row_changed.connect(lambda row: self.rows_button.setEnabled(row >= 0))
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.dates_check)
        top.addWidget(self.since_edit)
        top.addWidget(QLabel("and"))
        top.addWidget(self.until_edit)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.rows_button)
        bottom.addWidget(self.note_button)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.export_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(close)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.reload)
        self.filter_edit.textChanged.connect(self.timer.start)
        self.dates_check.toggled.connect(self.timer.start)
        for edit in (self.since_edit, self.until_edit):
            edit.line.editingFinished.connect(self.timer.start)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)
        self.note_button.clicked.connect(self.note)
        self.rows_button.clicked.connect(self.rows_written)
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal or a fault, shown where the counts are."""
        self.status_label.setText(message)

    def reload(self) -> None:
        """Read the entries that match (a date typed wrong is named, not guessed)."""

        since = until = None
        if self.dates_check.isChecked():
            for field in (self.since_edit, self.until_edit):
                problem = field.problem()
                if problem is not None:
                    self.status_label.setText(problem)
                    return
            since, until = self.since_edit.date(), self.until_edit.date()
        run_read(self.context, self, audit.browse, text=self.filter_edit.text(), since=since, until=until,
                 on_done=self._listed)  # fmt: skip

    def _listed(self, rows: list) -> None:  # type: ignore[type-arg]
        self.table.set_rows([(str(row.sequence or ""), format_uk_datetime(row.at), row.actor, row.written_by,
                              row.action, f"{row.record_kind} {row.record_id}".strip(), row.detail)
                             for row in rows])  # fmt: skip
        self.status_label.setStyleSheet("")
        self.status_label.setText(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'} shown")

    def verify(self) -> None:
        """Recompute the chain (off the GUI thread, with progress); name the first broken entry if any."""

        def recorded(result: audit.Verification) -> None:
            self.reload()
            self.status_label.setText(result.describe())
            self.status_label.setStyleSheet("" if result.intact else "color: #a4161a; font-weight: 600;")
            self.note_button.setVisible(result.outside > 0)

        def checked(result: audit.Verification) -> None:
            run_op(self.context, self, trail_check.record_check, result, on_done=recorded)

        # A read transaction: changes made meanwhile (here or on another PC) are not held up by the check.
        run_op(
            self.context,
            self,
            trail_check.check,
            self.context.register.folder,
            self.context.register.keys,
            write=False,
            title=self.windowTitle(),
            progress="Checking the audit trail…",
            on_done=checked,
        )

    def rows_written(self) -> None:
        """What the server recorded as written with the chosen entry, told in a message."""
        row = self.table.current_row()
        number = self.table.text(row, 0) if row >= 0 else ""
        if not number.isdigit():
            return

        def told(lines: list[str]) -> None:
            said = "\n".join(lines) if lines else "The server recorded no row written with this entry beyond the entry."
            steps.current().tell(self, f"Rows written with entry {number}", said)

        run_read(self.context, self, server_changes.rows_with_entry, int(number), on_done=told)

    def note(self) -> None:
        """Note in the trail the changes made outside the app that the check named (asked first)."""

        def noted(found: server_changes.Unaccounted | None) -> None:
            self.note_button.setVisible(False)
            self.reload()
            self.status_label.setStyleSheet("")
            self.status_label.setText("Nothing was left to note." if found is None
                                      else f"Noted in the trail: {found.describe()}.")  # fmt: skip

        steps.current().confirm(
            self,
            "Note the changes made outside the app",
            "The check names changes made on the server with no entry of the trail. Put right in the app what was "
            "changed, and have the password of that login changed, first.\n\nNote them in the trail now? The note "
            "keeps what they were; the check then names only changes made after it.",
            yes="Note them",
            then=lambda: run_op(self.context, self, server_changes.note, title=self.windowTitle(), on_done=noted),
        )

    def export(self) -> None:
        """The whole trail as a spreadsheet-safe CSV (the export is itself recorded)."""

        def write(target: Path) -> None:
            def exported(count: int) -> None:
                self.status_label.setText(f"Exported {count} entries to {target}")

            run_op(self.context, self, audit.export_csv, target, title=self.windowTitle(),
                   progress="Exporting the audit trail…", on_done=exported)  # fmt: skip

        steps.current().choose_save(self, "Export the audit trail", Path.home() / "audit-trail.csv", "CSV (*.csv)",
                                    write)  # fmt: skip
