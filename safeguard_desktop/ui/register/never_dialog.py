"""Set or clear a pupil's never-photograph flag, with the reason only safeguarding leads see."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.pupils import NEVER_PHOTOGRAPH_REASONS
from safeguard_desktop.services import consent
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.consent.grid import PupilDetail
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op


class NeverPhotographDialog(Dialog):
    """The flag overrides every consent and never appears on anything parents see."""

    def __init__(self, context: AppContext, pupil_id: int, pupil_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Never photograph", size=(520, 300))
        self.work_name = "the change to the flag"
        self.context = context
        self.pupil_id = pupil_id
        intro = QLabel(
            "A pupil flagged <b>never photograph</b> (adopted, under a court order, relocated after domestic "
            "abuse…) is left out of every photo and film whatever their family's consent says. The reason is "
            "seen only by safeguarding leads and never printed on anything families see."
        )
        intro.setWordWrap(True)
        name = QLabel(pupil_name)
        name.setTextFormat(Qt.TextFormat.PlainText)
        name.setStyleSheet("font-weight: 600;")
        self.flag_check = QCheckBox("&Never photograph or film this pupil")
        self.reason_combo = QComboBox()
        self.reason_combo.setEditable(True)
        self.reason_combo.addItems(NEVER_PHOTOGRAPH_REASONS)
        self.reason_combo.setCurrentText("")
        self.reason_combo.setAccessibleName("Reason (safeguarding leads only)")
        self.reason_combo.setEnabled(False)
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("Pupil", name)
        form.addRow("", self.flag_check)
        form.addRow("&Reason", self.reason_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)  # until the flag is read
        self.flag_check.toggled.connect(self.reason_combo.setEnabled)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.watch(self.flag_check, self.reason_combo)

        run_op(context, self, grid.pupil_detail, pupil_id, title=self.windowTitle(), on_done=self._read)

    def _read(self, detail: PupilDetail) -> None:
        self.flag_check.setChecked(detail.row.never_photograph)
        self.reason_combo.setCurrentText(detail.never_photograph_reason or "")
        self.reason_combo.setEnabled(detail.row.never_photograph)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog."""
        self.error_label.setText(message)

    def on_buttons_accepted(self) -> None:
        """Save through the service; stay open with the message if it refuses."""

        flag, reason = self.flag_check.isChecked(), self.reason_combo.currentText()
        run_op(self.context, self, consent.set_never_photograph, self.pupil_id, flag, reason,
               title=self.windowTitle(), on_done=lambda _none: self.accept())  # fmt: skip
