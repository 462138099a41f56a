"""Settings ▸ Retention review (leads): what is due under the school's rules, and deleting it (the DSL)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.records import retention
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op
from safeguard_desktop.ui.kit.table import ReadOnlyTable

HEADERS = ("Due on", "Kind", "Record", "How many", "Rule")


class RetentionDialog(Dialog):
    """Records are shown by number, never by name. Child-protection records are only listed for review."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Retention review", size=(900, 520))
        self.context = context
        self.table = ReadOnlyTable(HEADERS, "Records due for review")
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
        self.delete_button.clicked.connect(self.delete_due)
        self.hold_button.clicked.connect(lambda: self.set_hold(self.hold_edit.text(), True))
        self.release_button.clicked.connect(lambda: self.set_hold(self.hold_edit.text(), False))
        self.due: list[Any] = []
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown beside the buttons."""
        self.status_label.setText(message)

    def set_hold(self, what: str, hold: bool) -> None:
        """Put a pupil (UPN) or an incident (number) on legal hold, or release it."""

        def done(_none: object) -> None:
            self.hold_edit.clear()
            self.reload()

        run_op(self.context, self, retention.hold_by_reference, what, hold, title=self.windowTitle(), on_done=done)

    def reload(self) -> None:
        """List what is due today (reading the list is itself recorded)."""

        run_op(self.context, self, retention.review_and_holds, title=self.windowTitle(), on_done=self._listed)

    def _listed(self, found: tuple[list[Any], list[tuple[str, int]] | None]) -> None:
        self.due, on_hold = found
        self.table.set_rows([(format_uk_date(item.due_on), item.kind, item.record, str(item.count), item.rule)
                             for item in self.due])  # fmt: skip
        if on_hold is not None:
            self.held_label.setText(
                "On legal hold: " + ", ".join(f"{kind} {number}" for kind, number in on_hold) if on_hold
                else "Nothing is on legal hold."
            )  # fmt: skip
        deletable = sum(1 for item in self.due if not item.kind.startswith("child-protection"))
        self.status_label.setText(f"{len(self.due)} item(s) due; {deletable} can be deleted here.")
        self.delete_button.setEnabled(deletable > 0 and self.context.actor.may(Operation.APPLY_RETENTION))

    def delete_due(self) -> None:
        """Delete the due consent decisions and event records after a confirmation (it cannot be undone)."""

        def deleted(removed: int) -> None:
            self.reload()
            self.status_label.setText(f"Deleted {removed} record(s); the audit trail keeps a stub of each. "
                                      + self.status_label.text())  # fmt: skip

        def delete() -> None:
            run_op(self.context, self, retention.apply, title=self.windowTitle(), on_done=deleted)

        steps.current().confirm(
            self, "Delete records", "Delete every consent decision and event record listed as due? This cannot be "
            "undone (backups keep earlier copies until they are pruned).", yes="Delete them", no="Keep them",
            then=delete,
        )  # fmt: skip
