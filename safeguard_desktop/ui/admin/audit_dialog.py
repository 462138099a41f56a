"""Settings ▸ Audit trail (safeguarding leads): browse and filter who did what, check the chain, export it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.services.transaction import read_session, write_session
from safeguard_desktop.ui.context import AppContext

HEADERS = ("Entry", "When", "Who", "What", "Record", "Detail")


class AuditDialog(QDialog):
    """Newest first; type to filter (every word must match), optionally between two dates."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Audit trail")
        self.resize(1100, 640)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: a name, an action (e.g. viewed incident), a record number…")
        self.filter_edit.setAccessibleName("Filter the audit trail")
        self.dates_check = QCheckBox("Between")
        self.since_edit = QDateEdit(QDate.currentDate().addDays(-30))
        self.until_edit = QDateEdit(QDate.currentDate())
        for edit, name in ((self.since_edit, "From"), (self.until_edit, "To")):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
            edit.setEnabled(False)
        self.dates_check.toggled.connect(self.since_edit.setEnabled)
        self.dates_check.toggled.connect(self.until_edit.setEnabled)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setAccessibleName("Audit entries")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status_label = QLabel("")
        self.verify_button = QPushButton("&Check the chain")
        self.export_button = QPushButton("&Export CSV…")
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.dates_check)
        top.addWidget(self.since_edit)
        top.addWidget(QLabel("and"))
        top.addWidget(self.until_edit)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
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
        for signal in (self.dates_check.toggled, self.since_edit.dateChanged, self.until_edit.dateChanged):
            signal.connect(self.timer.start)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(lambda: self.export())
        self.reload()

    def reload(self) -> None:
        """Read the entries that match."""
        from safeguard_desktop.services import audit

        since = self.since_edit.date().toPython() if self.dates_check.isChecked() else None
        until = self.until_edit.date().toPython() if self.dates_check.isChecked() else None
        with read_session(self.context.engine) as session:
            rows = audit.browse(session, self.context.actor, text=self.filter_edit.text(), since=since, until=until)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            record = f"{row.record_kind} {row.record_id}".strip()
            values = (str(row.sequence or ""), format_uk_datetime(row.at), row.actor, row.action, record, row.detail)
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.status_label.setText(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'} shown")

    def verify(self) -> bool:
        """Recompute the chain; name the first broken entry if any."""
        from safeguard_desktop.services import trail_check

        with write_session(self.context.engine) as session:
            result = trail_check.check(
                session, self.context.actor, self.context.register.folder, self.context.register.keys
            )
        self.reload()
        self.status_label.setText(result.describe())
        self.status_label.setStyleSheet("" if result.intact else "color: #a4161a; font-weight: 600;")
        return result.intact

    def export(self, path: str | None = None) -> int:
        """The whole trail as a spreadsheet-safe CSV (the export is itself recorded)."""
        from safeguard_desktop.services import audit

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the audit trail", str(Path.home() / "audit-trail.csv"),
                                                  "CSV (*.csv)")  # fmt: skip
            if not path:
                return 0
        with write_session(self.context.engine) as session:
            count = audit.export_csv(session, self.context.actor, Path(path))
        self.status_label.setText(f"Exported {count} entries to {path}")
        return count
