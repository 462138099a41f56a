"""One pupil's contacts: who may give consent (parental responsibility), who lives with them, how to reach them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.consent import contacts
from safeguard_desktop.services.consent.contacts import ContactInput
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable
from safeguard_desktop.ui.register.consent_dialog import RELATIONSHIPS

HEADERS = ("Name", "Relationship", "Parental responsibility", "Lives with the pupil", "Email", "Phone", "Priority")


if TYPE_CHECKING:
    from safeguard_desktop.services.consent.contacts import ContactInput


class ContactsDialog(Dialog):
    """Choose a contact to change it, or fill the form and Add. A yes from someone without parental
    responsibility does not count; changing it is audited."""

    def __init__(self, context: AppContext, pupil_id: int, pupil_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Contacts — {pupil_name}", size=(820, 520))
        self.work_name = "the contact's details you typed"
        self.context = context
        self.pupil_id = pupil_id
        self.table = ReadOnlyTable(HEADERS, "Contacts", pick_rows=True)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Contact's name")
        self.relationship_combo = QComboBox()
        self.relationship_combo.setEditable(True)
        self.relationship_combo.addItems(RELATIONSHIPS)
        self.relationship_combo.setAccessibleName("Relationship to the pupil")
        self.pr_check = QCheckBox("Has &parental responsibility (their yes can grant consent)")
        self.pr_check.setChecked(True)
        self.lives_check = QCheckBox("&Lives with the pupil")
        self.lives_check.setChecked(True)
        self.email_edit = QLineEdit()
        self.email_edit.setAccessibleName("Email")
        self.phone_edit = QLineEdit()
        self.phone_edit.setAccessibleName("Phone")
        self.priority_spin = QSpinBox()
        self.priority_spin.setRange(1, 99)
        self.priority_spin.setAccessibleName("Priority (1 = first contact)")
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Relationship", self.relationship_combo)
        form.addRow("", self.pr_check)
        form.addRow("", self.lives_check)
        form.addRow("&Email", self.email_edit)
        form.addRow("P&hone", self.phone_edit)
        form.addRow("Pr&iority", self.priority_spin)
        self.add_button = QPushButton("&Add as a new contact")
        self.save_button = QPushButton("&Save changes")
        self.save_button.setEnabled(False)
        editable = context.actor.may(Operation.EDIT_CONSENT)
        self.add_button.setEnabled(editable)
        self.error_label = ErrorLabel()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_button)
        row.addWidget(self.save_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addWidget(close)
        self.table.current_row_changed.connect(lambda _row: self.on_selected())
        self.add_button.clicked.connect(self.add)
        self.save_button.clicked.connect(self.save)
        self.found: list[Any] = []
        self.watch(self.name_edit, self.relationship_combo, self.pr_check, self.lives_check, self.email_edit,
                   self.phone_edit, self.priority_spin)  # fmt: skip
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog (nothing typed is lost)."""
        self.error_label.setText(message)

    def reload(self) -> None:
        """Read the pupil's contacts."""

        run_read(self.context, self, contacts.list_contacts, self.pupil_id, on_done=self._listed)

    def _listed(self, found: list[Any]) -> None:
        self.found = [c for c in found if c.active]
        self.table.set_rows([(c.name, c.relationship, "yes" if c.parental_responsibility else "NO",
                              "yes" if c.lives_with_pupil else "no (lives apart)", c.email, c.phone, str(c.priority))
                             for c in self.found])  # fmt: skip

    def on_selected(self) -> None:
        """Show the chosen contact in the form."""
        row = self.table.current_row()
        if not 0 <= row < len(self.found):
            self.save_button.setEnabled(False)
            return
        c = self.found[row]
        self.name_edit.setText(c.name)
        self.relationship_combo.setCurrentText(c.relationship)
        self.pr_check.setChecked(c.parental_responsibility)
        self.lives_check.setChecked(c.lives_with_pupil)
        self.email_edit.setText(c.email)
        self.phone_edit.setText(c.phone)
        self.priority_spin.setValue(c.priority)
        self.save_button.setEnabled(self.context.actor.may(Operation.EDIT_CONSENT))

    def _input(self) -> ContactInput:
        return ContactInput(self.name_edit.text(), self.relationship_combo.currentText(), self.pr_check.isChecked(),
                            self.lives_check.isChecked(), self.email_edit.text(), self.phone_edit.text(), "",
                            self.priority_spin.value())  # fmt: skip

    def _saved(self, _result: object = None) -> None:
        self.error_label.setText("")
        self.mark_clean()
        self.reload()

    def add(self) -> None:
        """Add the form as a new contact (earlier decisions under that name become theirs)."""

        run_op(self.context, self, contacts.add_contact, self.pupil_id, self._input(), title=self.windowTitle(),
               on_done=self._saved)  # fmt: skip

    def save(self) -> None:
        """Save the chosen contact's changes."""

        row = self.table.current_row()
        if not 0 <= row < len(self.found):
            return
        run_op(self.context, self, contacts.update_contact, self.found[row].id, self._input(),
               title=self.windowTitle(), on_done=self._saved)  # fmt: skip
