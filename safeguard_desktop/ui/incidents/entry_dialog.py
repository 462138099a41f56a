"""Add to an incident's chronology: an action, a referral with its reference, a decision with its reason, or a
correction that points at the entry it corrects."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.error_label import ErrorLabel

KINDS = ("action", "referral", "decision", "outcome", "correction")


class EntryDialog(QDialog):
    """The fields that apply to the chosen kind are the only ones enabled."""

    def __init__(
        self,
        referral_targets: tuple[str, ...],
        entry_ids: list[int],
        save: Callable[[str, str, str, str, str, int | None], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add to the chronology")
        self.resize(560, 420)
        self._save = save
        self.kind_combo = QComboBox()
        self.kind_combo.addItems([k.capitalize() for k in KINDS])
        self.kind_combo.setAccessibleName("Kind of entry")
        self.text_edit = QPlainTextEdit()
        self.text_edit.setAccessibleName("What was done or decided")
        self.text_edit.setTabChangesFocus(True)
        self.referral_combo = QComboBox()
        self.referral_combo.addItems(list(referral_targets))
        self.referral_combo.setAccessibleName("Referred to")
        self.reference_edit = QLineEdit()
        self.reference_edit.setAccessibleName("Reference number")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(70)
        self.corrects_spin = QSpinBox()
        self.corrects_spin.setRange(min(entry_ids, default=0), max(entry_ids, default=0))
        self.corrects_spin.setAccessibleName("Entry number this corrects")
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("&Kind", self.kind_combo)
        form.addRow("&Entry", self.text_edit)
        form.addRow("Referred &to", self.referral_combo)
        form.addRow("Re&ference", self.reference_edit)
        form.addRow("&Reason", self.reason_edit)
        form.addRow("Corrects entry &no.", self.corrects_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self.on_kind_changed)
        self.on_kind_changed()

    def kind(self) -> str:
        """The chosen kind."""
        return KINDS[self.kind_combo.currentIndex()]

    def on_kind_changed(self, *_args: object) -> None:
        """Enable what the kind needs."""
        kind = self.kind()
        self.referral_combo.setEnabled(kind == "referral")
        self.corrects_spin.setEnabled(kind == "correction")

    def on_save(self) -> None:
        """Append through the service; stay open with the reason if refused."""
        kind = self.kind()
        try:
            self._save(
                kind,
                self.text_edit.toPlainText(),
                self.referral_combo.currentText() if kind == "referral" else "",
                self.reference_edit.text(),
                self.reason_edit.toPlainText(),
                self.corrects_spin.value() if kind == "correction" else None,
            )
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return
        self.accept()
