"""Sign-in and first run (create the register and its DSL, show the recovery key once); the lock is in lock.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog

if TYPE_CHECKING:  # SQLAlchemy loads only once a register is opened, after the first paint
    from safeguard_desktop.services.accounts.staff_room import StaffDesk
    from safeguard_desktop.services.actors import Actor
    from safeguard_desktop.services.database import Register
    from safeguard_desktop.services.server_trust import TrustDesk

log = logging.getLogger(__name__)


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor for the second or so that key derivation and opening the register take."""
    from PySide6.QtWidgets import QApplication

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def password_and_code() -> tuple[QLineEdit, QLineEdit]:
    """The password and two-step code fields, the same on the sign-in and the lock screen."""
    password = QLineEdit()
    password.setEchoMode(QLineEdit.EchoMode.Password)
    password.setAccessibleName("Password")
    code = QLineEdit()
    code.setPlaceholderText("only if you turned on two-step sign-in")
    code.setAccessibleName("Six-digit code")
    code.setMaxLength(8)
    return password, code


class SignInDialog(Dialog):
    """Name and password (and the 6-digit code for accounts with two-step sign-in). A demo register lists its
    accounts; a real one never does."""

    #: What exec() returns when the person chose the other register (the school's server, or this computer's).
    SWITCHED = 2

    def __init__(self, folder: Path, parent: QWidget | None = None, *, server_url: str | None = None,
                 switch_in: Path | None = None, trust: bool = False) -> None:  # fmt: skip
        super().__init__(parent, "Sign in — Safeguard Desktop", size=(460, 260), keep_open=True)
        from safeguard_desktop.security import keyring

        self.folder = folder
        #: The data folder where the school's server is remembered, when the person may switch (None: not offered).
        self.switch_in = switch_in
        #: The register's server (postgresql+psycopg://HOST/DATABASE): each account signs in with its own login.
        self.server_url = server_url
        #: The trust's safeguarding lead signs in (services/server_trust.py), to every school's figures.
        self.trust = trust and server_url is not None
        self.result_: tuple[Register | StaffDesk | TrustDesk, Actor] | None = None
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.password_edit, self.code_edit = password_and_code()
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("&Name", self.user_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("&Code", self.code_edit)
        layout = QVBoxLayout(self)
        title = QLabel("Sign in for the trust" if self.trust else
                       "Sign in to your school's register" + (" on its server" if server_url else ""))  # fmt: skip
        title.setStyleSheet("font-size: 14pt; font-weight: 600;")
        layout.addWidget(title)
        if server_url is not None:  # where it connects (never a password that the address may carry)
            from sqlalchemy.engine import make_url

            from safeguard_desktop.services.server_school import of_url

            address = make_url(server_url)
            school = of_url(server_url).code
            where = QLabel(f"Server {address.host or 'on this computer'}, database {address.database or '(default)'}"
                           + (f", school {school}" if school else ""))  # fmt: skip
            where.setTextFormat(Qt.TextFormat.PlainText)
            where.setAccessibleName("Server")
            layout.addWidget(where)
        demo = keyring.demo_accounts(folder) if server_url is None else []
        if demo:
            lines = "\n".join(f"{user:8}  {password:22} ({role})" for user, password, role in demo)
            note = QLabel(f"Demo school (fictional pupils). Try each role:\n{lines}")
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setFont(QFont("DejaVu Sans Mono", 9))
            note.setStyleSheet("background: #fff7e0; padding: 8px;")
            note.setAccessibleName("Demo accounts")
            layout.addWidget(note)
            self.user_edit.setText(demo[0][0])
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        self.recovery_button = QPushButton("Forgotten the password? Use the &recovery key…")
        self.recovery_button.setFlat(True)
        layout.addWidget(self.recovery_button)
        self.status = QLabel("Signing in…")  # beside the buttons: the form keeps its place
        self.status.setAccessibleName("Sign-in progress")
        self.status.setToolTip("Checking the password, opening the register and checking its audit trail")
        self.status.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign &in")
        buttons.accepted.connect(self.sign_in)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.status)
        row.addWidget(buttons, 1)
        layout.addLayout(row)
        self.recovery_button.clicked.connect(self.use_recovery_key)
        self.switch_button = QPushButton("Use this &computer's register instead" if server_url is not None
                                         else "Sign in to the school's &server instead…")  # fmt: skip
        self.copy_button = QPushButton()
        self.copy_button.setToolTip("Read the register as it was when you last signed in here; nothing can be "
                                    "changed in it")  # fmt: skip
        self.copy_button.setVisible(False)
        self.copy_button.clicked.connect(self.open_copy)
        self.switch_button.setFlat(True)
        self.switch_button.setVisible(switch_in is not None)
        self.switch_button.clicked.connect(self.switch)
        layout.insertWidget(layout.indexOf(self.recovery_button) + 1, self.switch_button)
        layout.insertWidget(layout.indexOf(self.error_label) + 1, self.copy_button)
        if server_url is not None:  # a lost password on a server is its IT administrator's to reset
            self.recovery_button.hide()
            if self.trust:
                self.code_edit.setPlaceholderText("not used for the trust's sign-in")
                self.code_edit.setEnabled(False)
        self._signing_in = self._abandoned = False
        (self.password_edit if demo else self.user_edit).setFocus()

    def switch(self) -> None:
        """To the school's server (its address asked for, and remembered) or back to this computer's register."""
        from safeguard_desktop.services import server_address

        assert self.switch_in is not None
        if self.server_url is None:
            from safeguard_desktop.ui.connection import ConnectionDialog

            asked = ConnectionDialog(self.switch_in, self)
            asked.accepted.connect(lambda: self.done(self.SWITCHED))
            asked.finished.connect(asked.deleteLater)  # (one left to the interpreter's exit crashed Python 3.12)
            asked.open()
            return
        server_address.forget(self.switch_in)
        self.done(self.SWITCHED)

    def sign_in(self) -> bool:
        """Open the register as the named account, off the GUI thread (the key derivation, the register's checks and
        a lead's intake of staff reports: a second or more at a trust's size); the window stays live and says what
        it is doing, the form waits. A wrong name, password or code gets one plain message. True once signed in
        (at once where work runs inline, as in tests)."""
        from safeguard_desktop.services.accounts.signin import sign_in
        from safeguard_desktop.ui.background import Progress, run_in_background

        if self._signing_in:
            return False
        user, password, code = self.user_edit.text(), self.password_edit.text(), self.code_edit.text()

        def work(_progress: Progress) -> tuple[Register | StaffDesk | TrustDesk, Actor]:
            if self.trust and self.server_url is not None:
                from safeguard_desktop.services import server_trust
                from safeguard_desktop.services.actors import Actor, Role

                desk = server_trust.sign_in(self.server_url, user, password)
                return desk, Actor(f"the trust's login {desk.username}", Role.STAFF, desk.username)
            if self.server_url is not None:
                from safeguard_desktop.services import server

                return server.sign_in(self.folder, self.server_url, user, password, code)
            return sign_in(self.folder, user, password, code, rows_later=True)

        self._waiting(True)
        run_in_background(work, lambda opened: self._signed_in(opened, password), self._refused, parent=self)
        return self.result_ is not None

    def _waiting(self, waiting: bool) -> None:
        self._signing_in = waiting
        for widget in (self.user_edit, self.password_edit, self.code_edit, self.recovery_button, self.ok_button):
            widget.setEnabled(not waiting and not (widget is self.code_edit and self.trust))
        if waiting:
            self.error_label.setText("")
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()
        self.status.setVisible(waiting)

    def _signed_in(self, opened: tuple[Register | StaffDesk | TrustDesk, Actor], password: str) -> None:
        self._waiting(False)
        if self._abandoned:  # Cancel was pressed while it ran: nothing is left open
            opened[0].close()
            return
        from safeguard_desktop.services.server_trust import TrustDesk  # (loaded by now: the sign-in ran)

        self.result_ = opened
        register, actor = opened
        if isinstance(register, TrustDesk):  # (no register: nothing to bind, vouch for or copy)
            self.accept()
            return
        bind_later(register, password)
        vouch_rows_later(register, actor)
        if self.server_url is not None and getattr(opened[0], "copy_made_at", 0) is None:  # (not a copy again)
            from safeguard_desktop.ui.offline_copy import keep_copy_later

            keep_copy_later(opened[0], opened[1], password, self._server_folder())  # type: ignore[arg-type]
        self.accept()

    def _server_folder(self) -> Path:
        from safeguard_desktop.services import server

        assert self.server_url is not None
        return server.local_folder(self.folder, self.server_url)

    def open_copy(self) -> None:
        """The server cannot be reached: open this computer's copy of its register, read-only, with the password."""
        from safeguard_desktop.services import server_copy
        from safeguard_desktop.ui.background import Progress, run_in_background

        user, password = self.user_edit.text().strip().lower(), self.password_edit.text()

        def work(_progress: Progress) -> tuple[Register, Actor]:
            register, actor, _made = server_copy.open_copy(self._server_folder(), user, password)
            return register, actor

        self._waiting(True)
        self.copy_button.setVisible(False)
        run_in_background(work, lambda opened: self._signed_in(opened, password), self._refused, parent=self)

    def _refused(self, exc: Exception) -> None:
        self._waiting(False)
        if self._abandoned:
            return
        self.error_label.setText(str(exc) if isinstance(exc, ServiceError) else
                                 f"The register could not be opened ({type(exc).__name__}: {exc}).")  # fmt: skip
        self._offer_copy(exc)
        self.password_edit.setEnabled(True)
        self.password_edit.selectAll()
        self.password_edit.setFocus()

    def _offer_copy(self, exc: Exception) -> None:
        """Out of reach, and this computer holds the account's copy: offered, saying how old it is."""
        from safeguard_desktop.services import server_copy
        from safeguard_desktop.services.database import RegisterLocked

        made = None
        if self.server_url is not None and isinstance(exc, RegisterLocked) and "cannot be reached" in str(exc):
            made = server_copy.made_at(self._server_folder(), self.user_edit.text().strip().lower())
        if made is not None:
            self.copy_button.setText(f"Open my &copy of {made:%d/%m/%Y at %H:%M} (read-only)")
        self.copy_button.setVisible(made is not None)

    def reject(self) -> None:
        """Cancel: while a sign-in runs, what it opens is closed again when it ends."""
        if self._signing_in:
            self._abandoned = True
        super().reject()

    def use_recovery_key(self) -> None:
        """Open with the recovery key and set a new password for the named account (both asked for)."""
        from safeguard_desktop.services.accounts.signin import reset_with_recovery_key

        user = self.user_edit.text().strip().lower()
        if not user:
            self.error_label.setText("Type the name of the account whose password is forgotten first.")
            return

        def with_password(key: str, new_password: str) -> None:
            try:
                reset_with_recovery_key(self.folder, key, user, new_password)
            except ServiceError as exc:
                self.error_label.setText(str(exc))
                return
            self.password_edit.setText(new_password)
            self.error_label.setText("")
            self.sign_in()

        def with_key(key: str) -> None:
            steps.current().ask_text(self, "New password", f"New password for {user} (12 characters or more):",
                                     lambda password: with_password(key, password), secret=True)  # fmt: skip

        steps.current().ask_text(self, "Recovery key", "Type the recovery key (groups of five):", with_key)


class RecoveryKeyDialog(Dialog):
    """Shown once, at first run: the key that opens the register if every password is lost."""

    def __init__(self, recovery_key: str, school: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Your recovery key", size=(560, 320), keep_open=True)
        self.key = recovery_key
        self.school = school
        text = QLabel(
            "This key opens the register if every password is forgotten. It is shown only now.\n"
            "Print it or write it down, and lock it away (the school safe, with the DSL's records)."
        )
        text.setWordWrap(True)
        key = QLabel(recovery_key)
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key.setFont(QFont("DejaVu Sans Mono", 14, QFont.Weight.Bold))
        key.setAccessibleName("Recovery key")
        key.setStyleSheet("padding: 12px; background: #f3f6f9; border: 1px solid #b8c4d0;")
        self.confirm = QCheckBox("I have printed or written down the recovery key and will lock it away")
        self.print_button = QPushButton("&Print…")
        self.continue_button = QPushButton("&Continue")
        self.continue_button.setEnabled(False)
        self.confirm.toggled.connect(self.continue_button.setEnabled)
        self.print_button.clicked.connect(self.print_key)
        self.continue_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (text, key, self.confirm, self.print_button, self.continue_button):
            layout.addWidget(widget)

    def reject(self) -> None:
        """The key must be acknowledged: Esc does not skip it."""
        if self.confirm.isChecked():
            super().reject()

    def print_key(self) -> None:
        """The key as a sheet to lock away (school, date, what it opens, where to keep it), shown to print."""
        from safeguard_desktop.documents.layout import LetterSchool
        from safeguard_desktop.documents.recovery import render_recovery_sheet
        from safeguard_desktop.ui.pdf_preview import PdfPreviewDialog

        pdf = render_recovery_sheet(LetterSchool(self.school or "Our school", "", ""), self.key)
        preview = PdfPreviewDialog(pdf, "Recovery key", "Recovery key.pdf", self)
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.open()
        self._printing = preview  # kept alive while it is open


class FirstRunDialog(Dialog):
    """No register yet: create the school's (with its DSL), or look around the demo school."""

    def __init__(self, folder: Path, parent: QWidget | None = None, *, choosable: bool = False) -> None:
        super().__init__(parent, "Welcome to Safeguard Desktop", size=(620, 520), keep_open=True)
        self.folder = folder
        self.suggested = folder
        self.choice = ""
        self.result_: tuple[Register, Actor, str] | None = None
        self.remember_note = ""
        self.choosable = choosable
        # Where the register lives: managed school PCs wipe profiles and %LOCALAPPDATA% does not roam, so the
        # school chooses, and the choice is remembered for this account or for everyone on this computer.
        self.folder_edit = QLineEdit(str(folder))
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setAccessibleName("Folder of the register")
        self.folder_edit.setToolTip(
            "Where the encrypted register and its key file are kept. If this PC wipes profiles when you sign out, "
            "choose a folder outside your profile (for example on D:)."
        )
        self.folder_button = QPushButton("Ch&oose…")
        self.folder_button.setAccessibleName("Choose the folder of the register")
        self.for_everyone = QCheckBox("Everyone who signs in to this &computer uses this register")
        self.for_everyone.setToolTip(
            "Remembers the folder for every account on this PC (kept outside the profiles, so it survives their "
            "wiping) and lets this computer's users open its files. Leave it off to keep the folder to yourself."
        )
        for widget in (self.folder_button, self.for_everyone):
            widget.setVisible(choosable)
        self.folder_button.clicked.connect(lambda: self.choose_folder())
        self.for_everyone.toggled.connect(self.on_for_everyone_toggled)
        self.school_edit = QLineEdit()
        self.school_edit.setAccessibleName("School name")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Your name")
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("e.g. h.carter")
        self.user_edit.setAccessibleName("Your user name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("12 characters or more; three random words work well")
        self.password_edit.setAccessibleName("Password")
        self.again_edit = QLineEdit()
        self.again_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_edit.setAccessibleName("Password again")
        self.error_label = ErrorLabel()
        intro = QLabel(
            "Create your school's register. You will be its Designated Safeguarding Lead account; you add the "
            "other accounts afterwards. Everything is encrypted on this computer."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&School", self.school_edit)
        form.addRow("Your &name", self.name_edit)
        form.addRow("&User name", self.user_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("Password &again", self.again_edit)
        where = QHBoxLayout()
        where.addWidget(self.folder_edit, 1)
        where.addWidget(self.folder_button)
        where_label = QLabel("&Keep it in")
        where_label.setBuddy(self.folder_button if choosable else self.folder_edit)
        form.addRow(where_label, where)
        form.addRow("", self.for_everyone)
        self.create_button = QPushButton("&Create the register")
        self.create_button.setDefault(True)
        self.demo_button = QPushButton("Try the &demo school instead")
        self.server_button = QPushButton("My school's register is on its &server…")
        self.server_button.setToolTip("Sign in to the register your school keeps on a database server (your IT "
                                      "support has its address)")  # fmt: skip
        self.server_button.clicked.connect(self.choose_server)
        self.settings_folder = folder
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.create_button)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.server_button)
        self.create_button.clicked.connect(self.create)
        self.demo_button.clicked.connect(self.choose_demo)

    def choose_server(self) -> None:
        """The school's register is on a server: its address asked for (and remembered), then its sign-in."""
        from safeguard_desktop.ui.connection import ConnectionDialog

        asked = ConnectionDialog(self.settings_folder, self)
        asked.accepted.connect(self._server_chosen)
        asked.finished.connect(asked.deleteLater)  # (one left to the interpreter's exit crashed Python 3.12)
        asked.open()

    def _server_chosen(self) -> None:
        self.choice = "server"
        self.mark_clean()
        self.accept()

    def choose_demo(self) -> None:
        """Open the demo school (created on first use)."""
        self.choice = "demo"
        self.accept()

    def on_for_everyone_toggled(self, checked: bool) -> None:
        """A register for everyone on the PC cannot stay in one person's profile: offer the machine's folder
        (where the platform has one) while the folder shown is still the suggested one."""
        from safeguard_desktop import paths

        shared = paths.machine_data_dir()
        if shared is None:
            return
        if checked and self.folder == self.suggested:
            self._show_folder(shared)
        elif not checked and self.folder == shared:
            self._show_folder(self.suggested)

    def _show_folder(self, folder: Path) -> None:
        self.folder = folder
        self.folder_edit.setText(str(folder))

    def choose_folder(self) -> None:
        """Pick the register's folder. A folder that already holds a register (e.g. after a profile was wiped)
        is remembered and opened for sign-in instead of making a new one."""
        steps.current().choose_folder(self, "Folder for the register", self.folder, self.use_folder)

    def use_folder(self, folder: Path) -> None:
        """The folder chosen: shown, and opened for sign-in when it holds a register already."""
        from safeguard_desktop.security import keyring

        self._show_folder(folder)
        if keyring.is_protected(folder) and self._remember():
            self.choice = "existing"
            self.accept()

    def _remember(self) -> bool:
        """Keep the chosen folder for next time; a machine-wide choice that cannot be written falls back to this
        account's, said plainly."""
        from safeguard_desktop import paths

        if not self.choosable:
            return True  # the folder was given by --data-dir or SAFEGUARD_HOME: nothing to remember
        everyone = self.for_everyone.isChecked()
        try:
            paths.remember_location(self.folder, for_everyone=everyone)
        except OSError as exc:
            if not everyone:
                self.error_label.setText(f"The folder could not be remembered ({exc.strerror or exc}).")
                return False
            try:
                paths.remember_location(self.folder, for_everyone=False)
            except OSError as again:
                self.error_label.setText(f"The folder could not be remembered ({again.strerror or again}).")
                return False
            self.remember_note = (
                f"The folder could not be remembered for everyone on this computer ({exc.strerror or exc}); it is "
                "remembered for you. Ask IT support to make the same choice for the others."
            )
        return True

    def create(self) -> bool:  # type: ignore[override]  # (QWidget.create makes a native window; never called here)
        """Create the encrypted register and its DSL account."""
        from safeguard_desktop.services.accounts.signin import create_register

        if self.password_edit.text() != self.again_edit.text():
            self.error_label.setText("The two passwords are not the same; type them again.")
            return False
        if not self._remember():  # remembered first: a folder that cannot be remembered makes nothing
            return False
        try:
            with busy():
                self.result_ = create_register(
                    self.folder,
                    self.school_edit.text(),
                    self.user_edit.text(),
                    self.name_edit.text(),
                    self.password_edit.text(),
                    shared_folder=self.for_everyone.isChecked(),
                )
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return False
        self.choice = "created"
        self.accept()
        return True


BIND_AFTER_MS = 4_000  # after the first paint: loading the credential store takes ~0.2 s


def bind_later(opened: Register | StaffDesk, password: str) -> None:
    """A few seconds after an interactive sign-in, off the GUI thread: bind the account's key slot to this
    computer's credential store (services/device_binding.py), so its password alone no longer opens it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from safeguard_desktop.ui.background import Progress, run_in_background

    def bind(_progress: Progress) -> str:
        from safeguard_desktop.services.accounts.signin import bind_keys

        return bind_keys(opened, password)

    def failed(exc: Exception) -> None:
        log.warning("the key slot was not bound to this computer: %s", exc.__class__.__name__)

    app = QApplication.instance()
    if app is not None:
        QTimer.singleShot(BIND_AFTER_MS, app, lambda: run_in_background(bind, lambda _done: None, failed))


def vouch_rows_later(opened: Register | StaffDesk, actor: Actor) -> None:
    """Once the window is open, off the GUI thread: a lead's sign-in vouches for every row of the register if that is
    owed (once per register, or after a restore: 7 s at a trust's size; services/accounts/signin.py)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from safeguard_desktop.services.database import Register
    from safeguard_desktop.ui.background import Progress, run_in_background

    if not isinstance(opened, Register) or actor.safeguarding_key is None:
        return

    def vouch(_progress: Progress) -> None:
        from safeguard_desktop.services.accounts.signin import vouch_rows_if_owed

        vouch_rows_if_owed(opened, actor)

    def failed(exc: Exception) -> None:
        log.warning("the register's rows were not vouched for: %s", exc.__class__.__name__)

    app = QApplication.instance()
    if app is not None:
        QTimer.singleShot(0, app, lambda: run_in_background(vouch, lambda _done: None, failed))
