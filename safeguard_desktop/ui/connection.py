"""The connection screen: where the school's register on a database server is (typed once, remembered)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services import server_address
from safeguard_desktop.services.errors import ValidationError
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.dialog import Dialog


class ConnectionDialog(Dialog):
    """Server, port and database of the school's shared register, TLS required by default. Accepted: the address is
    remembered in ``folder`` and :attr:`address` holds it."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent, "The school's server — Safeguard Desktop", size=(500, 380), keep_open=True)
        self.folder = folder
        self.address: server_address.ServerAddress | None = None
        known = server_address.remembered(folder)
        self.host_edit = QLineEdit(known.host if known else "")
        self.host_edit.setPlaceholderText("e.g. sg-server.school.local or 10.0.0.12")
        self.host_edit.setAccessibleName("Server")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(known.port if known else server_address.DEFAULT_PORT)
        self.port_spin.setAccessibleName("Port")
        self.database_edit = QLineEdit(known.database if known else "safeguard")
        self.database_edit.setAccessibleName("Database")
        self.school_edit = QLineEdit(known.school if known else "")
        self.school_edit.setPlaceholderText("only on a trust's server with several schools, e.g. oakfield")
        self.school_edit.setAccessibleName("School's code")
        self.school_edit.setToolTip("A trust keeps each of its schools apart in one database: your IT support gives "
                                    "each school its code. Leave it empty for a school's own server.")  # fmt: skip
        self.trust_box = QCheckBox("Sign in for the &trust (its safeguarding lead: every school's figures)")
        self.trust_box.setChecked(known.trust if known else False)
        self.trust_box.setAccessibleName("Sign in for the trust")
        self.trust_box.toggled.connect(self._trust_toggled)
        self._trust_toggled(self.trust_box.isChecked())
        self.tls_box = QCheckBox("Require an &encrypted connection (TLS)")
        self.tls_box.setChecked(known.tls if known else True)
        self.tls_box.setToolTip(
            "Pupils' records and your password never cross the network in the clear. Turn it "
            "off only if your IT support says the server cannot encrypt (and fix that soon)."
        )
        self.tls_box.toggled.connect(self._tls_toggled)
        self.warning = QLabel("Without encryption anyone on the school's network could read what is sent.")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #a04000;")
        self.warning.setVisible(not self.tls_box.isChecked())
        self.error_label = ErrorLabel()
        intro = QLabel("Your school keeps its register on a database server: each of you signs in with your own "
                       "account. Your IT support has these details.")  # fmt: skip
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Server", self.host_edit)
        form.addRow("&Port", self.port_spin)
        form.addRow("&Database", self.database_edit)
        form.addRow("S&chool's code", self.school_edit)
        form.addRow("", self.trust_box)
        form.addRow("", self.tls_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Use this server")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.watch(self.host_edit, self.port_spin, self.database_edit, self.school_edit, self.trust_box, self.tls_box)
        self.host_edit.setFocus()

    def _trust_toggled(self, on: bool) -> None:
        self.school_edit.setEnabled(not on)  # (the trust reads every school: no one school to name)

    def _tls_toggled(self, on: bool) -> None:
        self.warning.setVisible(not on)

    def accept(self) -> None:
        """Check what was typed; remember it, or say which field is wrong and keep the form open."""
        try:
            address = server_address.checked(self.host_edit.text(), self.port_spin.value(), self.database_edit.text(),
                                              self.tls_box.isChecked(), self.school_edit.text(),
                                              self.trust_box.isChecked())  # fmt: skip
            server_address.remember(self.folder, address)
        except ValidationError as exc:
            self.error_label.setText(str(exc))
            field = {"host": self.host_edit, "port": self.port_spin, "database": self.database_edit,
                     "school": self.school_edit}.get(
                exc.field or "")  # fmt: skip
            if field is not None:
                field.setFocus()
            return
        except OSError as exc:
            self.error_label.setText(f"The address could not be kept in {self.folder}: {exc.strerror or exc}.")
            return
        self.address = address
        self.mark_clean()
        super().accept()
