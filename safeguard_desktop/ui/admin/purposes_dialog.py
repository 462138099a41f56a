"""Settings ▸ Consent purposes: add, rename, reword (raising the wording version) and retire purposes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
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
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.register import PurposeInfo, list_purposes
from safeguard_desktop.services.transaction import read_session, write_session
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel


class PurposesDialog(QDialog):
    """A list on the left, the chosen purpose's editor on the right."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Consent purposes")
        self.resize(760, 440)
        self.purposes: tuple[PurposeInfo, ...] = ()
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
        close.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        note = QLabel("Changing a purpose's wording raises its version: each decision records the version seen.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(body)
        layout.addWidget(close)
        self.list.currentRowChanged.connect(self.on_list_current_row_changed)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        """Read the purposes again."""
        with read_session(self.context.engine) as session:
            self.purposes = list_purposes(session, include_retired=True)
        self.list.clear()
        for p in self.purposes:
            item = QListWidgetItem(p.name if p.active else f"{p.name} (retired)")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.list.addItem(item)
        ids = [p.id for p in self.purposes]
        self.list.setCurrentRow(ids.index(select_id) if select_id in ids else 0)

    def current(self) -> PurposeInfo | None:
        """The purpose being edited."""
        row = self.list.currentRow()
        return self.purposes[row] if 0 <= row < len(self.purposes) else None

    def on_list_current_row_changed(self, _row: int) -> None:
        """Show the chosen purpose."""
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
        """Save the edited purpose."""
        p = self.current()
        if p is None:
            return
        try:
            with write_session(self.context.engine) as session:
                settings.update_purpose(
                    session,
                    self.context.actor,
                    p.id,
                    name=self.name_edit.text(),
                    description=self.description_edit.toPlainText(),
                    active=self.active_check.isChecked(),
                )
                years = self.years_spin.value()
                basis = str(self.basis_combo.currentData())
                settings.set_purpose_basis(session, self.context.actor, p.id, lawful_basis=basis,
                                           evidence_years=None if years < 0 else years)  # fmt: skip
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return
        self.reload(p.id)
        self.context.changed.emit("purposes")

    def on_add_button_clicked(self) -> None:
        """Add a new purpose named from the editor (or 'New purpose')."""
        base = "New purpose"
        names = {p.name for p in self.purposes}
        name, n = base, 2
        while name in names:
            name, n = f"{base} {n}", n + 1
        try:
            with write_session(self.context.engine) as session:
                new_id = settings.add_purpose(session, self.context.actor, name, "")
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return
        self.reload(new_id)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self.context.changed.emit("purposes")
