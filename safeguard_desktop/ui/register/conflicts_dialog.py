"""Conflicts to resolve: pupils whose givers disagree (treated as no), and a lead's decision with its reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.consent import ConsentState
from safeguard_desktop.domain.dates import format_uk_date
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.consent import consent_views
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable

HEADERS = ("Pupil", "Class", "Purpose", "What each giver said")


class ConflictsDialog(Dialog):
    """The list a lead works through; resolving one records a decision (append-only) that settles the answers
    given before it. Anyone who keeps the register sees the list; only leads resolve."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Conflicting consent to resolve", size=(900, 560))
        self.work_name = "the reason you typed"
        self.context = context
        intro = QLabel(
            "These pupils' givers disagree — one refused or withdrew, another granted. Until a safeguarding lead "
            "resolves it (after speaking to the family), the pupil is treated as not consenting everywhere."
        )
        intro.setWordWrap(True)
        self.table = ReadOnlyTable(HEADERS, "Conflicts to resolve", pick_rows=True)
        self.state_combo = QComboBox()
        self.state_combo.setAccessibleName("The lead's decision")
        self.state_combo.addItem("Refused (no images)", ConsentState.REFUSED)
        self.state_combo.addItem("Granted", ConsentState.GRANTED)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName("Reason for the decision")
        self.reason_edit.setPlaceholderText("Who was consulted and what was agreed, e.g. 'Spoke to both parents…'")
        self.reason_edit.setFixedHeight(70)
        self.resolve_button = QPushButton("Re&solve")
        self.resolve_button.setEnabled(False)
        self.error_label = ErrorLabel()
        self.status_label = QLabel("")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("&Decision", self.state_combo)
        form.addRow("&Reason", self.reason_edit)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        lead = context.actor.may(Operation.RESOLVE_CONSENT)
        if lead:
            layout.addLayout(form)
            layout.addWidget(self.resolve_button)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(close)
        self.table.current_row_changed.connect(lambda row: self.resolve_button.setEnabled(lead and row >= 0))
        self.resolve_button.clicked.connect(self.resolve)
        self.found: list[Any] = []
        self.watch(self.state_combo, self.reason_edit)
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog (nothing typed is lost)."""
        self.error_label.setText(message)

    def reload(self) -> None:
        """Read the conflicts as they stand today."""

        run_read(self.context, self, consent_views.conflicts, on_done=self._listed)

    def _listed(self, found: list[Any]) -> None:
        self.found = found
        said = ("; ".join(f"{a.giver}: {a.answer.value} ({format_uk_date(a.given_on)})" for a in c.answers)
                for c in found)  # fmt: skip
        self.table.set_rows([(c.name, c.reg_group, c.purpose, words) for c, words in zip(found, said, strict=True)])
        self.status_label.setText(f"{len(self.found)} conflict(s) to resolve." if self.found else
                                  "No conflicts: every pupil's givers agree.")  # fmt: skip

    def resolve(self) -> None:
        """Record the lead's decision for the chosen conflict."""

        index = self.table.current_row()
        if not 0 <= index < len(self.found):
            self.error_label.setText("Choose a conflict first.")
            return
        chosen = self.found[index]
        decided = ConsentState(self.state_combo.currentData())

        def resolved(_none: object) -> None:
            self.error_label.setText("")
            self.reason_edit.clear()
            self.mark_clean()
            self.reload()
            self.status_label.setText(f"Resolved for {chosen.name} ({chosen.purpose}): {decided.value}. "
                                      + self.status_label.text())  # fmt: skip

        run_op(self.context, self, consent.resolve_conflict, chosen.pupil_id, [chosen.purpose_id], decided,
               self.reason_edit.toPlainText(), title=self.windowTitle(), on_done=resolved)  # fmt: skip
