"""Settings ▸ Consent purposes: add, rename, reword (raising the wording version) and retire purposes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services import settings
from safeguard_desktop.services.consent.grid import PurposeInfo
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read

#: The list's last line while a new purpose is being written (nothing is saved until Save).
DRAFT = "New purpose (not saved yet)"


class PurposesDialog(Dialog):
    """A list on the left, the chosen purpose's editor on the right. Add purpose starts a draft: the register gains
    a column only when it is saved."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Consent purposes", size=(760, 460))
        self.work_name = "the changes to this purpose"
        self.context = context
        self.purposes: tuple[PurposeInfo, ...] = ()
        self.drafting = False
        self.list = QListWidget()
        self.list.setAccessibleName("Consent purposes")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Purpose name")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setAccessibleName("Wording families are shown")
        self.description_edit.setTabChangesFocus(True)
        self.active_check = QCheckBox("&In use (untick to retire; its history is kept)")
        self.basis_combo = QComboBox()
        self.basis_combo.setAccessibleName("Lawful basis")
        self.basis_combo.addItem("Consent (families may say no and withdraw it)", "consent")
        self.basis_combo.addItem("Public task (the school decides; families may object)", "public task")
        self.years_spin = QSpinBox()
        self.years_spin.setAccessibleName("Years the evidence is kept after a pupil leaves")
        self.years_spin.setRange(-1, 50)
        self.years_spin.setSpecialValueText("the usual (1 year)")
        self.years_spin.setSuffix(" year(s) after leaving")
        self.years_spin.setToolTip("Keep the evidence while images made under it may still be in use (a prospectus)")
        self.version_label = QLabel("")
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Wording", self.description_edit)
        form.addRow("", self.version_label)
        form.addRow("", self.active_check)
        form.addRow("Lawful &basis", self.basis_combo)
        form.addRow("&Evidence kept", self.years_spin)
        self.error_label = ErrorLabel()
        self.save_button = QPushButton("&Save changes")
        self.add_button = QPushButton("&Add purpose")
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.add_button.clicked.connect(self.on_add_button_clicked)
        editor = QVBoxLayout()
        editor.addLayout(form)
        editor.addWidget(self.error_label)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        editor.addLayout(row)
        body = QHBoxLayout()
        body.addWidget(self.list, 2)
        body.addLayout(editor, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel("Changing a purpose's wording raises its version: each decision records the version seen.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(body)
        layout.addWidget(close)
        self.list.currentRowChanged.connect(self.on_list_current_row_changed)
        self.watch(self.name_edit, self.description_edit, self.active_check, self.basis_combo, self.years_spin)
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown beside the editor (nothing typed is lost)."""
        self.error_label.setText(message)

    def reload(self, select_id: int | None = None) -> None:
        """Read the purposes again (off the GUI thread)."""
        run_read(self.context, self, settings.purposes_to_edit, on_done=lambda found: self._listed(found, select_id))

    def _listed(self, purposes: tuple[PurposeInfo, ...], select_id: int | None) -> None:
        self.purposes = purposes
        self.drafting = False
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.purposes:
            item = QListWidgetItem(p.name if p.active else f"{p.name} (retired)")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.list.addItem(item)
        ids = [p.id for p in self.purposes]
        self.list.setCurrentRow(ids.index(select_id) if select_id in ids else 0)
        self.list.blockSignals(False)
        self.on_list_current_row_changed(self.list.currentRow())

    def current(self) -> PurposeInfo | None:
        """The purpose being edited (None while a new one is drafted)."""
        row = self.list.currentRow()
        return self.purposes[row] if 0 <= row < len(self.purposes) else None

    def on_list_current_row_changed(self, row: int) -> None:
        """Show the chosen purpose (leaving a draft that was never typed in drops it)."""
        if self.drafting and row != len(self.purposes):
            self.drafting = False
            self.list.takeItem(len(self.purposes))
        p = self.current()
        self.error_label.setText("")
        if p is None:
            return
        self.name_edit.setText(p.name)
        self.description_edit.setPlainText(p.description)
        self.active_check.setChecked(p.active)
        self.basis_combo.setCurrentIndex(max(0, self.basis_combo.findData(p.lawful_basis)))
        self.years_spin.setValue(-1 if p.evidence_years is None else p.evidence_years)
        self.version_label.setText(f"Wording version {p.wording_version} · code {p.code}")

    def on_save_button_clicked(self) -> None:
        """Save the edited purpose, or create the drafted one."""
        p = self.current()
        if p is None and not self.drafting:
            return
        years = self.years_spin.value()
        data = settings.PurposeInput(
            name=self.name_edit.text(),
            description=self.description_edit.toPlainText(),
            active=self.active_check.isChecked(),
            lawful_basis=str(self.basis_combo.currentData()),
            evidence_years=None if years < 0 else years,
        )

        def saved(purpose_id: int) -> None:
            self.mark_clean()
            self.reload(purpose_id)

        run_op(self.context, self, settings.save_purpose, None if p is None else p.id, data,
               title=self.windowTitle(), on_done=saved)  # fmt: skip

    def on_add_button_clicked(self) -> None:
        """Start a new purpose in the editor; it becomes a column of the register only when saved."""
        if self.drafting:
            self.name_edit.setFocus()
            return
        base = "New purpose"
        names = {p.name for p in self.purposes}
        name, n = base, 2
        while name in names:
            name, n = f"{base} {n}", n + 1
        self.drafting = True
        self.list.blockSignals(True)
        self.list.addItem(DRAFT)
        self.list.setCurrentRow(len(self.purposes))
        self.list.blockSignals(False)
        self.name_edit.setText(name)
        self.description_edit.setPlainText("")
        self.active_check.setChecked(True)
        self.basis_combo.setCurrentIndex(0)
        self.years_spin.setValue(-1)
        self.version_label.setText("Not saved yet: Save adds it to the register.")
        self.error_label.setText("")
        self.mark_dirty()
        self.name_edit.setFocus()
        self.name_edit.selectAll()
