"""Settings ▸ Backups: the folder (a USB stick, a network share), how often, how many to keep."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.transaction import read_session, write_session
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel


class BackupDialog(QDialog):
    """Daily and 14 kept unless the school chooses otherwise; the app makes them while it runs."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from safeguard_desktop.services import backup

        self.context = context
        self.setWindowTitle("Backups")
        with read_session(context.engine) as session:
            schedule = backup.get_schedule(session, context.register.folder)
        self.enabled_check = QCheckBox("Back up on a schedule while the app is open")
        self.enabled_check.setChecked(schedule.enabled)
        self.folder_edit = QLineEdit(schedule.folder)
        self.folder_edit.setAccessibleName("Backup folder")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        self.every_spin = QSpinBox()
        self.every_spin.setRange(1, 31)
        self.every_spin.setValue(schedule.every_days)
        self.every_spin.setSuffix(" day(s)")
        self.every_spin.setAccessibleName("Back up every")
        self.keep_spin = QSpinBox()
        self.keep_spin.setRange(1, 365)
        self.keep_spin.setValue(schedule.keep)
        self.keep_spin.setAccessibleName("Backups to keep")
        form = QFormLayout()
        form.addRow(self.enabled_check)
        form.addRow("&Folder", folder_row)
        form.addRow("&Every", self.every_spin)
        form.addRow("&Keep the newest", self.keep_spin)
        note = QLabel(
            "Backups are encrypted with the register's key and verified after writing. Keep a second copy "
            "away from school (the DfE standards: three copies, two devices, one off site)."
        )
        note.setWordWrap(True)
        self.error_label = ErrorLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def choose_folder(self) -> None:
        """Pick the folder."""
        folder = QFileDialog.getExistingDirectory(self, "Back up to…", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def save(self) -> bool:
        """Save the schedule (leads only; the service says so otherwise)."""
        from safeguard_desktop.services import backup

        schedule = backup.Schedule(self.folder_edit.text(), self.every_spin.value(), self.keep_spin.value(),
                                   self.enabled_check.isChecked())  # fmt: skip
        try:
            with write_session(self.context.engine) as session:
                backup.set_schedule(session, self.context.actor, schedule)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return False
        self.accept()
        return True
