"""Record returned reply slips quickly: scan or type the reference, tick the answers, Save, next slip."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.events import slips
from safeguard_desktop.services.events.slips import SlipLookup
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.date_field import DateField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, show_failure
from safeguard_desktop.ui.register.consent_dialog import RELATIONSHIPS


def _answer_row(name: str) -> tuple[QWidget, QButtonGroup]:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    group = QButtonGroup(row)
    for text, value in (("Yes", 1), ("No", 0), ("Not ticked", 2)):
        button = QRadioButton(text)
        button.setAccessibleName(f"{name}: {text}")
        group.addButton(button, value)
        layout.addWidget(button)
    layout.addStretch(1)
    return row, group


class SlipsDialog(Dialog):
    """One slip after another; a slip from another event or already recorded is told apart clearly."""

    def __init__(self, context: AppContext, event_id: int, event_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Returned slips — {event_name}", size=(560, 400))
        self.work_name = "the slip you were typing"
        self.context = context
        self.event_id = event_id
        self.recorded = 0
        self.reference_edit = QLineEdit()
        self.reference_edit.setPlaceholderText("Scan the QR code or type the reference, then Enter")
        self.reference_edit.setAccessibleName("Slip reference")
        self.pupil_label = QLabel("")
        self.pupil_label.setTextFormat(Qt.TextFormat.PlainText)
        self.pupil_label.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.pupil_label.setAccessibleName("Pupil on the slip")
        filming_row, self.filming = _answer_row("Filming by other parents")
        recording_row, self.recording = _answer_row("School recording")
        self.given_by_edit = QLineEdit()
        self.given_by_edit.setAccessibleName("Name written on the slip")
        self.relationship_combo = QComboBox()
        self.relationship_combo.setEditable(True)
        self.relationship_combo.addItems(RELATIONSHIPS)
        self.date_edit = DateField(accessible_name="Date on the slip", latest=date.today())
        self.date_edit.set_date(date.today())
        self.error_label = ErrorLabel()
        self.status_label = QLabel("No slips recorded yet.")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("&Reference", self.reference_edit)
        form.addRow("Pupil", self.pupil_label)
        form.addRow("Filmed by other parents", filming_row)
        form.addRow("School's own recording", recording_row)
        form.addRow("Signed by", self.given_by_edit)
        form.addRow("Relationship", self.relationship_combo)
        form.addRow("Date on the slip", self.date_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.save_button.setToolTip("Save this slip (Ctrl+Enter)")
        QShortcut(QKeySequence("Ctrl+Return"), self, self.on_save)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)
        self.reference_edit.returnPressed.connect(self.on_reference_entered)
        self._reference = ""
        self._clear_answers()
        self.date_edit.problem_found.connect(self.error_label.setText)

    def show_error(self, message: str) -> None:
        """A refusal, shown under the slip (nothing typed is lost)."""
        self.error_label.setText(message)

    def has_unsaved_work(self) -> bool:
        """A slip looked up and not yet saved."""
        return bool(self._reference)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A scanner ends every reference with Enter: that looks the slip up, and never saves or closes."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            event.accept()
            return
        super().keyPressEvent(event)

    def _clear_answers(self) -> None:
        for group in (self.filming, self.recording):
            group.button(2).setChecked(True)
        self.given_by_edit.clear()

    def on_reference_entered(self) -> None:
        """Look the slip up; the answers' fields open for it."""

        self.error_label.setText("")

        def not_found(exc: BaseException) -> None:
            self.pupil_label.setText("")
            self.save_button.setEnabled(False)
            show_failure(self, self.windowTitle(), exc)
            self.reference_edit.selectAll()

        run_op(self.context, self, slips.look_up, self.reference_edit.text(), expected_event=self.event_id,
               write=False, on_done=self._found, on_error=not_found)  # fmt: skip

    def _found(self, found: SlipLookup) -> None:
        self._reference = found.reference
        self.pupil_label.setText(f"{found.pupil_name} ({found.reg_group})")
        if found.already_recorded:
            self.error_label.setText("This slip was recorded already. Saving again records the newer answer on top.")
        self.save_button.setEnabled(True)
        self._clear_answers()
        # Only what this event's slip asks is answered: the other row is greyed out and left blank.
        for group, code in ((self.filming, "parent_filming"), (self.recording, "school_recording")):
            for button in group.buttons():
                button.setEnabled(code in found.asks)
        # A letter addressed to one holder of parental responsibility: the answer is theirs, named already.
        addressed = bool(found.contact_name)
        if addressed:
            self.given_by_edit.setText(found.contact_name)
            self.relationship_combo.setCurrentText(found.contact_relationship)
        self.given_by_edit.setEnabled(not addressed)
        self.relationship_combo.setEnabled(not addressed)
        first = self.filming if "parent_filming" in found.asks else self.recording
        first.button(1).setFocus()

    def _answer(self, group: QButtonGroup) -> bool | None:
        value = group.checkedId()
        return None if value == 2 else bool(value)

    def on_save(self) -> None:
        """Record the slip, then get ready for the next one."""

        if not self._reference:
            return
        problem = self.date_edit.problem()
        signed = self.date_edit.date()
        if problem is not None or signed is None:
            self.error_label.setText(problem or "Type the date written on the slip.")
            self.date_edit.setFocus()
            return

        def saved(found: SlipLookup) -> None:
            self.recorded += 1
            self.status_label.setText(f"Saved {found.pupil_name}. {self.recorded} slip(s) recorded in this window.")
            self.error_label.setText("")
            self.pupil_label.setText("")
            self._reference = ""
            self.save_button.setEnabled(False)
            self.reference_edit.clear()
            self.reference_edit.setFocus()

        run_op(self.context, self, slips.record_slip, self._reference, filming=self._answer(self.filming),
               recording=self._answer(self.recording), given_by=self.given_by_edit.text(),
               relationship=self.relationship_combo.currentText(), signed_on=signed, expected_event=self.event_id,
               replace=True, title=self.windowTitle(), on_done=saved)  # fmt: skip
