"""Settings ▸ Retention review (leads): what is due under the school's rules, and deleting it (the DSL)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.transaction import write_session
from safeguard_desktop.ui.context import AppContext

HEADERS = ("Due on", "Kind", "Record", "How many", "Rule")


class RetentionDialog(QDialog):
    """Records are shown by number, never by name. Child-protection records are only listed for review."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Retention review")
        self.resize(900, 480)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setAccessibleName("Records due for review")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        note = QLabel(
            "Consent decisions go a year after the pupil leaves and event records after their academic year; "
            "child-protection records reach their review date at date of birth + 25 years and are never deleted "
            "here — the DSL decides. A legal hold (below) stops deletion. Each deletion leaves "
            "an audit entry saying what kind, when, by whom and under which rule, with no personal data."
        )
        note.setWordWrap(True)
        self.status_label = QLabel("")
        self.delete_button = QPushButton("&Delete what is due…")
        self.delete_button.setEnabled(context.actor.may(Operation.APPLY_RETENTION))
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.delete_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # Legal hold: a pupil (by UPN) or an incident (by number) whose records must not be deleted.
        self.hold_edit = QLineEdit()
        self.hold_edit.setPlaceholderText("A pupil's UPN, or an incident's number")
        self.hold_edit.setAccessibleName("Pupil UPN or incident number to hold")
        self.hold_button = QPushButton("Put on legal &hold")
        self.release_button = QPushButton("&Release")
        self.held_label = QLabel("")
        self.held_label.setWordWrap(True)
        self.held_label.setTextFormat(Qt.TextFormat.PlainText)
        lead = context.actor.may(Operation.APPLY_RETENTION)
        for widget in (self.hold_edit, self.hold_button, self.release_button):
            widget.setEnabled(lead)
        hold_row = QHBoxLayout()
        hold_row.addWidget(QLabel("Legal hold:"))
        hold_row.addWidget(self.hold_edit, 1)
        hold_row.addWidget(self.hold_button)
        hold_row.addWidget(self.release_button)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addLayout(hold_row)
        layout.addWidget(self.held_label)
        layout.addWidget(close)
        self.delete_button.clicked.connect(lambda: self.delete_due())
        self.hold_button.clicked.connect(lambda: self.set_hold(self.hold_edit.text(), True))
        self.release_button.clicked.connect(lambda: self.set_hold(self.hold_edit.text(), False))
        self.due: list = []
        self.reload()

    def set_hold(self, what: str, hold: bool) -> bool:
        """Put a pupil (UPN) or an incident (number) on legal hold, or release it."""
        from safeguard_desktop.services import consent, retention

        text = what.strip()
        try:
            with write_session(self.context.engine) as session:
                if text.isdigit():
                    retention.set_legal_hold(session, self.context.actor, incident_id=int(text), hold=hold)
                else:
                    pupil = consent.find_pupil_by_upn(session, text)
                    retention.set_legal_hold(session, self.context.actor, pupil_id=pupil.id, hold=hold)
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return False
        self.hold_edit.clear()
        self.reload()
        return True

    def reload(self) -> None:
        """List what is due today (reading the list is itself recorded)."""
        from safeguard_desktop.services import retention

        with write_session(self.context.engine) as session:
            self.due = retention.review(session, self.context.actor)
        self.table.setRowCount(len(self.due))
        for r, item in enumerate(self.due):
            values = (format_uk_date(item.due_on), item.kind, item.record, str(item.count), item.rule)
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        if self.context.actor.may(Operation.APPLY_RETENTION):
            from safeguard_desktop.services.transaction import read_session

            with read_session(self.context.engine) as session:
                on_hold = retention.held(session, self.context.actor)
            self.held_label.setText(
                "On legal hold: " + ", ".join(f"{kind} {number}" for kind, number in on_hold) if on_hold
                else "Nothing is on legal hold."
            )  # fmt: skip
        deletable = sum(1 for item in self.due if not item.kind.startswith("child-protection"))
        self.status_label.setText(f"{len(self.due)} item(s) due; {deletable} can be deleted here.")
        self.delete_button.setEnabled(deletable > 0 and self.context.actor.may(Operation.APPLY_RETENTION))

    def delete_due(self, confirmed: bool | None = None) -> int:
        """Delete the due consent decisions and event records after a confirmation (it cannot be undone)."""
        from safeguard_desktop.services import retention

        if confirmed is None:
            confirmed = QMessageBox.warning(
                self, "Delete records", "Delete every consent decision and event record listed as due? This "
                "cannot be undone (backups keep earlier copies until they are pruned).",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
            ) == QMessageBox.StandardButton.Yes  # fmt: skip
        if not confirmed:
            return 0
        try:
            with write_session(self.context.engine) as session:
                removed = retention.apply(session, self.context.actor)
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return 0
        self.reload()
        self.status_label.setText(f"Deleted {removed} record(s); the audit trail keeps a stub of each. "
                                  + self.status_label.text())  # fmt: skip
        return removed
