"""Settings ▸ School details: name, address, logo, headteacher, DSL and the age for a pupil's own consent."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.settings import SchoolDetails, get_school, read_logo, update_school
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read


class SchoolDialog(Dialog):
    """Edits the school's details through the settings service."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "School details", size=(560, 440))
        self.work_name = "the changes to the school's details"
        self.context = context
        self.logo: bytes | None = None
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("School name")
        self.address_edit = QPlainTextEdit()
        self.address_edit.setAccessibleName("School address")
        self.address_edit.setMaximumHeight(90)
        self.address_edit.setTabChangesFocus(True)
        self.head_edit = QLineEdit()
        self.head_edit.setAccessibleName("Headteacher")
        self.dsl_edit = QLineEdit()
        self.dsl_edit.setAccessibleName("Designated safeguarding lead")
        self.age_spin = QSpinBox()
        self.age_spin.setRange(8, 18)
        self.age_spin.setSuffix(" years")
        self.age_spin.setAccessibleName("Age from which a pupil's own consent is sought")
        self.age_spin.setToolTip("UK GDPR sets 13 for online services; Scotland presumes competence at 12.")
        self.logo_label = QLabel("No logo")
        self.logo_label.setFixedHeight(64)
        self.logo_label.setAccessibleName("Logo preview")
        logo_button = QPushButton("Choose &logo…")
        logo_button.clicked.connect(self.on_logo_button_clicked)
        clear_logo = QPushButton("Remove logo")
        clear_logo.clicked.connect(self.remove_logo)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_label, 1)
        logo_row.addWidget(logo_button)
        logo_row.addWidget(clear_logo)
        form = QFormLayout()
        form.addRow("School &name", self.name_edit)
        form.addRow("&Address", self.address_edit)
        form.addRow("&Headteacher", self.head_edit)
        form.addRow("&DSL", self.dsl_edit)
        form.addRow("Pupil's own consent from", self.age_spin)
        form.addRow("Logo (PNG)", logo_row)
        self.error_label = ErrorLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.watch(self.name_edit, self.address_edit, self.head_edit, self.dsl_edit, self.age_spin)
        run_read(context, self, lambda session, _actor: get_school(session), on_done=self._read)

    def _read(self, details: SchoolDetails) -> None:
        self.name_edit.setText(details.name)
        self.address_edit.setPlainText(details.address)
        self.head_edit.setText(details.headteacher)
        self.dsl_edit.setText(details.dsl_name)
        self.age_spin.setValue(details.self_consent_age)
        self._set_logo(details.logo_png)

    def show_error(self, message: str) -> None:
        """A refusal, shown in the form (nothing typed is lost)."""
        self.error_label.setText(message)

    def remove_logo(self) -> None:
        """No logo on the letters (saved with the rest)."""
        self._set_logo(None)
        self.mark_dirty()

    def _set_logo(self, data: bytes | None) -> None:
        self.logo = data
        if data:
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            self.logo_label.setPixmap(pixmap.scaledToHeight(60, Qt.TransformationMode.SmoothTransformation))
        else:
            self.logo_label.setPixmap(QPixmap())
            self.logo_label.setText("No logo")

    def on_logo_button_clicked(self) -> None:
        """Pick a PNG."""

        def chosen(path: Path) -> None:
            try:
                self._set_logo(read_logo(path))
            except ServiceError as exc:
                self.show_error(str(exc))
                return
            self.mark_dirty()

        steps.current().choose_file(self, "Choose the school logo", Path.home(), "PNG images (*.png)", chosen)

    def on_buttons_accepted(self) -> None:
        """Save; stay open with the reason if refused."""
        details = SchoolDetails(
            name=self.name_edit.text(),
            address=self.address_edit.toPlainText(),
            headteacher=self.head_edit.text(),
            dsl_name=self.dsl_edit.text(),
            self_consent_age=self.age_spin.value(),
            logo_png=self.logo,
        )
        run_op(self.context, self, update_school, details, title=self.windowTitle(), on_done=lambda _n: self.accept())
