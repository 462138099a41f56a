"""Sending a pupil's child-protection file to their new school, and the files sent with their receipts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_date, format_uk_datetime
from safeguard_desktop.services.consent.snapshot import PupilRow
from safeguard_desktop.services.records import transfers
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.date_field import DateField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import Cell, ReadOnlyTable, Shape

TRANSFER_HEADERS = ("No.", "Pupil", "Moving to", "Sent", "Due by", "Receipt")


class TransferDialog(Dialog):
    """Where the pupil is going and when they start; then the sealed file, and the passphrase to give by phone."""

    def __init__(self, context: AppContext, pupil: PupilRow, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Send the child-protection file — {pupil.name}", size=(620, 400))
        self.work_name = "the transfer"
        self.context = context
        self.pupil = pupil
        intro = QLabel(
            "KCSIE: send the file to the new school within 5 school days of the pupil starting there, apart from "
            "the main pupil file, and get their confirmation that it arrived. The file is one PDF sealed with a "
            "passphrase: send the file, then give the passphrase to their DSL by phone."
        )
        intro.setWordWrap(True)
        self.school_edit = QLineEdit()
        self.school_edit.setAccessibleName("The school the pupil is moving to")
        self.starts_edit = DateField(accessible_name="The day they start there")
        self.starts_edit.set_date(date.today())
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setReadOnly(True)
        self.passphrase_edit.setAccessibleName("Passphrase for the receiving DSL")
        self.passphrase_edit.setStyleSheet("font-family: monospace; font-size: 13pt;")
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.passphrase_edit.text()))
        passphrase = QHBoxLayout()
        passphrase.addWidget(self.passphrase_edit, 1)
        passphrase.addWidget(self.copy_button)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow(QLabel(f"Pupil: {pupil.name} ({pupil.year_group}, {pupil.reg_group})"))
        form.addRow("&Moving to", self.school_edit)
        form.addRow("&Starts there on", self.starts_edit)
        form.addRow("Passphrase", passphrase)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = self.buttons.addButton("&Write the sealed file…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.clicked.connect(self.choose_folder)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.watch(self.school_edit, self.starts_edit)

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog (nothing typed is lost)."""
        self.error_label.setText(message)

    def choose_folder(self) -> None:
        """Where to write the file (a folder the school sends files from)."""
        problem = self.starts_edit.problem()
        if problem is not None:
            self.show_error(problem)
            return
        steps.current().choose_folder(self, "Write the sealed file into…", Path.home(), self.send_to)

    def send_to(self, folder: Path) -> None:
        """Write the file into ``folder`` and record the transfer."""
        starts = self.starts_edit.date() or date.today()
        run_op(self.context, self, transfers.send_file, self.pupil.id, self.school_edit.text(), starts, folder,
               title=self.windowTitle(), progress="Writing the sealed file…", on_done=self._sent)  # fmt: skip

    def _sent(self, sent: transfers.SentFile) -> None:
        self.passphrase_edit.setText(sent.passphrase)
        self.copy_button.setEnabled(True)
        self.result_label.setText(
            f"Written: {sent.path} ({sent.incidents} incident(s)). Transfer {sent.transfer_id}, due by "
            f"{format_uk_date(sent.due_on)}. Give the passphrase to their DSL by phone — it is not kept anywhere, "
            "so note it now; record their confirmation in Child-protection file transfers."
        )
        self.send_button.setEnabled(False)
        self.school_edit.setReadOnly(True)
        self.mark_clean()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Close")


TRANSFER_LINE = Shape(
    cells=lambda line: (str(line.id), line.pupil, line.to_school, format_uk_datetime(line.sent_at),
                        format_uk_date(line.due_on),
                        f"{format_uk_date(line.received_on)}, {line.received_by}" if line.received_on else
                        Cell("AWAITING", "#fde2c8", "#7a3e00", "No confirmation from the new school yet")),
    key=lambda line: line.id,
)  # fmt: skip


class TransfersDialog(Dialog):
    """The files sent, newest first; record a receipt for the one chosen."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Child-protection file transfers", size=(900, 460))
        self.work_name = "the receipt"
        self.context = context
        self.table = ReadOnlyTable(TRANSFER_HEADERS, "Files sent", pick_rows=True, stretch=2)
        self.by_edit = QLineEdit()
        self.by_edit.setAccessibleName("Who at the new school confirmed it")
        self.on_edit = DateField(accessible_name="The day they received it")
        self.on_edit.set_date(date.today())
        self.record_button = QPushButton("&Record the receipt")
        self.record_button.setEnabled(False)
        self.error_label = ErrorLabel()
        self.status_label = QLabel("")
        form = QFormLayout()
        form.addRow("Confirmed &by", self.by_edit)
        form.addRow("Received &on", self.on_edit)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.record_button)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(close)
        self.lines: list[transfers.TransferLine] = []
        self.table.current_row_changed.connect(self._chosen)
        self.record_button.clicked.connect(self.record)
        self.watch(self.by_edit)
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog (nothing typed is lost)."""
        self.error_label.setText(message)

    def reload(self) -> None:
        """Read the files sent."""
        run_read(self.context, self, transfers.transfers, on_done=self._listed)

    def _listed(self, lines: list[transfers.TransferLine]) -> None:
        self.lines = lines
        self.table.set_records(lines, TRANSFER_LINE)
        waiting = sum(1 for line in lines if line.awaiting)
        self.status_label.setText(f"{len(lines)} file(s) sent; {waiting} awaiting confirmation." if lines else
                                  "No child-protection file has been sent.")  # fmt: skip
        self._chosen(self.table.current_row())

    def _chosen(self, row: int) -> None:
        line = self.lines[row] if 0 <= row < len(self.lines) else None
        self.record_button.setEnabled(line is not None and line.awaiting)

    def record(self) -> None:
        """Record who confirmed the chosen file arrived, and when."""
        key = self.table.current_key()
        problem = self.on_edit.problem()
        if problem is not None or not isinstance(key, int):
            self.show_error(problem or "Choose the file whose receipt was confirmed.")
            return

        def recorded(_none: object) -> None:
            self.by_edit.clear()
            self.mark_clean()
            self.reload()

        run_op(self.context, self, transfers.record_receipt, key, self.on_edit.date() or date.today(),
               self.by_edit.text(), title=self.windowTitle(), on_done=recorded)  # fmt: skip
