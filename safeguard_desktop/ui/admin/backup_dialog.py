"""Settings ▸ Backups: the folder (a USB stick, a network share), how often, how many to keep."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.records import backup
from safeguard_desktop.ui.background import Progress, run_in_background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read


class BackupDialog(Dialog):
    """Daily and 14 kept unless the school chooses otherwise; the app makes them while it runs."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Backups", size=(560, 340))

        self.work_name = "the changes to the schedule"
        self.context = context
        self.enabled_check = QCheckBox("Back up on a schedule while the app is open")
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName("Backup folder")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        self.every_spin = QSpinBox()
        self.every_spin.setRange(1, 31)
        self.every_spin.setSuffix(" day(s)")
        self.every_spin.setAccessibleName("Back up every")
        self.keep_spin = QSpinBox()
        self.keep_spin.setRange(1, 365)
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
        self.restore_button = buttons.addButton("&Restore a backup…", QDialogButtonBox.ButtonRole.ResetRole)
        self.restore_button.setToolTip("Replace the register with a backup; the register it replaces is kept aside")
        self.restore_button.setEnabled(context.actor.may(Operation.MANAGE_BACKUPS))
        self.restore_button.clicked.connect(self.restore)
        #: Set once a restore has replaced the register: the window closes so the next start signs in to it.
        self.restored = False
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.watch(self.enabled_check, self.folder_edit, self.every_spin, self.keep_spin)
        folder = context.register.folder
        run_read(context, self, lambda session, _actor: backup.get_schedule(session, folder), on_done=self._read)

    def _read(self, schedule: object) -> None:

        assert isinstance(schedule, backup.Schedule)
        self.enabled_check.setChecked(schedule.enabled)
        self.folder_edit.setText(schedule.folder)
        self.every_spin.setValue(schedule.every_days)
        self.keep_spin.setValue(schedule.keep)

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog."""
        self.error_label.setText(message)

    def choose_folder(self) -> None:
        """Pick the folder."""

        def chosen(folder: Path) -> None:
            self.folder_edit.setText(str(folder))
            self.mark_dirty()

        steps.current().choose_folder(self, "Back up to…", Path(self.folder_edit.text() or Path.home()), chosen)

    def save(self) -> None:
        """Save the schedule (leads only; the service says so otherwise)."""

        schedule = backup.Schedule(self.folder_edit.text(), self.every_spin.value(), self.keep_spin.value(),
                                   self.enabled_check.isChecked())  # fmt: skip
        run_op(self.context, self, backup.set_schedule, schedule, title=self.windowTitle(),
               on_done=lambda _none: self.accept())  # fmt: skip

    def restore(self) -> None:
        """Replace the register with a checked backup, after a question (off the GUI thread). Refused, naming who,
        while anyone else has the register open. Afterwards the app closes: the next start opens the restored
        register (a backup made before the keys were replaced is brought under today's keys)."""

        start = Path(self.folder_edit.text() or Path.home())
        steps.current().choose_file(self, "Restore which backup?", start, f"Backups (*{backup.BACKUP_SUFFIX})",
                                    self.restore_from)  # fmt: skip

    def restore_from(self, chosen: Path) -> None:
        """Check the chosen backup, ask, then restore it."""

        register, actor = self.context.register, self.context.actor
        key = register.keys.database_key if register.keys else None
        try:
            opening, _sealed = backup.opening_key(chosen, key, register.keys, register.folder)
            info = backup.check_backup(chosen, opening)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return

        def go() -> None:
            dialog = QProgressDialog("Restoring the backup…", "", 0, 0, self)
            dialog.setCancelButton(None)  # a restore runs to the end: half of one is never left
            dialog.setMinimumDuration(300)

            def work(_progress: Progress) -> object:
                return backup.restore(register.engine, register.folder, actor, info.path, register.presence,
                                      register.keys)  # fmt: skip

            def done(aside: object) -> None:
                dialog.reset()
                dialog.close()
                self.restored = True
                self.error_label.setText(f"Restored from {info.path.name}; the register it replaced is kept as "
                                         f"{aside}. The app closes now: start it again to sign in.")  # fmt: skip
                window = self.parent()
                if window is not None and hasattr(window, "close_after_restore"):
                    window.close_after_restore()

            def failed(exc: Exception) -> None:
                dialog.reset()
                dialog.close()
                self.error_label.setText(str(exc))

            self._job = run_in_background(work, done, failed, parent=self)

        steps.current().confirm(
            self, "Restore a backup", f"Replace the register with {info.path.name} ({info.pupils} pupils)? Everything "
            "recorded since that backup is set aside (the current register is kept beside it, renamed). The app "
            "closes afterwards; start it again to sign in.", yes="Restore it", no="Cancel", then=go,
        )  # fmt: skip
