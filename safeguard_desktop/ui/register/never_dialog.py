"""Set or clear a pupil's never-photograph flag, with the reason only safeguarding leads see."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.pupils import NEVER_PHOTOGRAPH_REASONS
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.error_label import ErrorLabel


class NeverPhotographDialog(QDialog):
    """The flag overrides every consent and never appears on anything parents see."""

    def __init__(
        self,
        pupil_name: str,
        flagged: bool,
        reason: str,
        save: Callable[[bool, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Never photograph")
        self._save = save
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
        self.flag_check.setChecked(flagged)
        self.reason_combo = QComboBox()
        self.reason_combo.setEditable(True)
        self.reason_combo.addItems(NEVER_PHOTOGRAPH_REASONS)
        self.reason_combo.setCurrentText(reason or "")
        self.reason_combo.setAccessibleName("Reason (safeguarding leads only)")
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("Pupil", name)
        form.addRow("", self.flag_check)
        form.addRow("&Reason", self.reason_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.flag_check.toggled.connect(self.reason_combo.setEnabled)
        self.reason_combo.setEnabled(flagged)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def on_buttons_accepted(self) -> None:
        """Save through the service; stay open with the message if it refuses."""
        try:
            self._save(self.flag_check.isChecked(), self.reason_combo.currentText())
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return
        self.accept()
