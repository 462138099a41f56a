"""Record returned reply slips quickly: scan or type the reference, tick the answers, Save, next slip."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
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


class SlipsDialog(QDialog):
    """One slip after another; a slip from another event or already recorded is told apart clearly."""

    def __init__(self, context: AppContext, event_id: int, event_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.event_id = event_id
        self.recorded = 0
        self.setWindowTitle(f"Returned slips — {event_name}")
        self.resize(560, 380)
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
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(QDate.currentDate())
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
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.on_save)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)
        self.reference_edit.returnPressed.connect(self.on_reference_entered)
        self._reference = ""
        self._clear_answers()

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
        from safeguard_desktop.services import slips
        from safeguard_desktop.services.transaction import read_session

        self.error_label.setText("")
        try:
            with read_session(self.context.engine) as session:
                found = slips.look_up(session, self.context.actor, self.reference_edit.text(),
                                      expected_event=self.event_id)  # fmt: skip
        except ServiceError as exc:
            self.pupil_label.setText("")
            self.save_button.setEnabled(False)
            self.error_label.setText(str(exc))
            self.reference_edit.selectAll()
            return
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
        from safeguard_desktop.services import slips
        from safeguard_desktop.services.transaction import write_session

        if not self._reference:
            return
        signed = self.date_edit.date()
        try:
            with write_session(self.context.engine) as session:
                found = slips.record_slip(
                    session,
                    self.context.actor,
                    self._reference,
                    filming=self._answer(self.filming),
                    recording=self._answer(self.recording),
                    given_by=self.given_by_edit.text(),
                    relationship=self.relationship_combo.currentText(),
                    signed_on=date(signed.year(), signed.month(), signed.day()),
                    expected_event=self.event_id,
                    replace=True,
                )
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return
        self.recorded += 1
        self.status_label.setText(f"Saved {found.pupil_name}. {self.recorded} slip(s) recorded in this window.")
        self.error_label.setText("")
        self.pupil_label.setText("")
        self._reference = ""
        self.save_button.setEnabled(False)
        self.reference_edit.clear()
        self.reference_edit.setFocus()
        self.context.publish({Topic.CONSENT})
