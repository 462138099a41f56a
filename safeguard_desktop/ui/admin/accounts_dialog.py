"""Settings ▸ Accounts (the DSL): add, disable, reset a password, change a role; two-step sign-in for oneself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
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

from safeguard_desktop.documents.qr import qr_modules
from safeguard_desktop.services import accounts
from safeguard_desktop.services.accounts import rotation
from safeguard_desktop.services.actors import Operation, Role
from safeguard_desktop.services.settings import get_school, lock_minutes, read_setting, set_lock_minutes
from safeguard_desktop.ui.background import Progress, run_in_background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable
from safeguard_desktop.ui.signin import RecoveryKeyDialog

ROLE_NAMES = {Role.DSL: "DSL", Role.DEPUTY_DSL: "Deputy DSL", Role.OFFICE: "Office", Role.STAFF: "Staff"}
HEADERS = ("User name", "Name", "Role", "State", "Two-step")


def _password_pair(form: QFormLayout, label: str) -> tuple[QLineEdit, QLineEdit]:
    first, again = QLineEdit(), QLineEdit()
    for edit, name in ((first, label), (again, f"{label} again")):
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        form.addRow(name, edit)
    first.setPlaceholderText("12 characters or more; three random words work well")
    return first, again


class AccountForm(Dialog):
    """Add an account, or give one a new password and (optionally) a new role. ``accepted`` when both passwords
    agree; the caller then asks the service."""

    def __init__(
        self, title: str, parent: QWidget | None = None, *, new: bool, role: Role = Role.STAFF, role_fixed: bool = False
    ) -> None:
        super().__init__(parent, title, size=(480, 260))
        self.work_name = "what you typed"
        form = QFormLayout()
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Role")
        for r, text in ROLE_NAMES.items():
            self.role_combo.addItem(text, r.value)
        self.role_combo.setCurrentIndex(list(ROLE_NAMES).index(role))
        if new:
            form.addRow("&User name", self.user_edit)
            form.addRow("&Name", self.name_edit)
        form.addRow("&Role", self.role_combo)
        self.password_edit, self.again_edit = _password_pair(form, "New password")
        self.error_label = ErrorLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.role_combo.setEnabled(not role_fixed)
        self.watch(self.user_edit, self.name_edit, self.role_combo, self.password_edit, self.again_edit)

    def show_error(self, message: str) -> None:
        """A refusal (a weak password, a name taken), shown in the form, which stays open."""
        self.error_label.setText(message)

    def values(self) -> tuple[str, str, Role, str]:
        """User name, name, role and password as typed."""
        return (self.user_edit.text(), self.name_edit.text(), Role(self.role_combo.currentData()),
                self.password_edit.text())  # fmt: skip

    def check(self) -> None:
        """Both passwords the same before the service judges the rest."""
        if self.password_edit.text() != self.again_edit.text():
            self.error_label.setText("The two passwords are not the same; type them again.")
            return
        self.accept()


class AccountsDialog(Dialog):
    """Every change goes through the accounts service (DSL only) and rewraps one key slot."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Accounts", size=(820, 480))
        self.context = context
        self.form: AccountForm | None = None
        self.table = ReadOnlyTable(HEADERS, "Accounts", pick_rows=True, stretch=1)
        self.error_label = ErrorLabel()
        self.status_label = QLabel("")
        self.add_button = QPushButton("&Add…")
        self.password_button = QPushButton("New &password…")
        self.role_button = QPushButton("Change &role…")
        self.disable_button = QPushButton("&Disable")
        self.totp_button = QPushButton("My &two-step sign-in…")
        self.own_password_button = QPushButton("Change &my password…")
        self.recovery_button = QPushButton("New r&ecovery key…")
        self.recovery_button.setToolTip("Make a new recovery key (the old one stops working); it is shown once")
        self.lock_spin = QSpinBox()
        self.lock_spin.setRange(1, 60)
        self.lock_spin.setSuffix(" minutes")
        self.lock_spin.setAccessibleName("Lock after this long without use")
        self.lock_spin.setEnabled(context.actor.may(Operation.EDIT_SCHOOL))

        self.two_step_check = QCheckBox("Safeguarding leads must use two-step sign-in")
        self.two_step_check.setToolTip("Asked of every lead as they sign in, until they have set it up (not in the "
                                       "demo school)")  # fmt: skip
        self.two_step_check.setEnabled(context.actor.may(Operation.MANAGE_ACCOUNTS))
        run_read(context, self, lambda session, _actor: lock_minutes(session), on_done=self.lock_spin.setValue)
        run_read(context, self, lambda session, _actor: bool(read_setting(session, accounts.LEADS_TWO_STEP, True)),
                 on_done=self._two_step_rule_read)  # fmt: skip
        self.lock_spin.editingFinished.connect(lambda: self.set_lock(self.lock_spin.value()))
        manage = context.actor.may(Operation.MANAGE_ACCOUNTS)
        for button in (self.add_button, self.password_button, self.role_button, self.disable_button,
                       self.recovery_button):  # fmt: skip
            button.setEnabled(manage)
        row = QHBoxLayout()
        for button in (self.add_button, self.password_button, self.role_button, self.disable_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.own_password_button)
        row.addWidget(self.totp_button)
        lock_row = QHBoxLayout()
        lock_row.addWidget(self.recovery_button)
        lock_row.addSpacing(12)
        lock_row.addWidget(QLabel("Lock the window after"))
        lock_row.addWidget(self.lock_spin)
        lock_row.addWidget(QLabel("without use (everyone; Ctrl+L locks at once)"))
        lock_row.addStretch(1)
        lock_row.addWidget(self.two_step_check)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addLayout(lock_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(close)
        self.add_button.clicked.connect(self.add)
        self.password_button.clicked.connect(self.new_password)
        self.role_button.clicked.connect(self.change_role)
        self.disable_button.clicked.connect(self.toggle_active)
        self.totp_button.clicked.connect(self.two_step)
        self.own_password_button.clicked.connect(self.change_own_password)
        self.recovery_button.clicked.connect(self.new_recovery_key)
        self.accounts: list[Any] = []
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown under the buttons."""
        self.error_label.setText(message)

    def _two_step_rule_read(self, required: bool) -> None:
        self.two_step_check.blockSignals(True)
        self.two_step_check.setChecked(required)
        self.two_step_check.blockSignals(False)
        self.two_step_check.toggled.connect(self.set_two_step_rule)

    def set_two_step_rule(self, required: bool) -> None:
        """The DSL turns the school's rule on or off (audited)."""
        run_op(self.context, self, accounts.set_leads_two_step, required, title=self.windowTitle())

    def reload(self) -> None:
        """Read the accounts (the DSL's list)."""

        if not self.context.actor.may(Operation.MANAGE_ACCOUNTS):
            self.table.set_rows([])
            self.status_label.setText("Only the DSL manages accounts; you can turn on two-step sign-in for yourself.")
            return
        run_read(self.context, self, accounts.list_accounts, on_done=self._listed)

    def _listed(self, found: list[Any]) -> None:
        self.accounts = found
        self.table.set_rows([(a.username, a.display_name, ROLE_NAMES[a.role], "active" if a.active else "disabled",
                              "on" if a.second_factor else "") for a in found],
                            foregrounds=["" if a.active else "#777777" for a in found])  # fmt: skip

    def selected(self) -> str | None:
        """The chosen account's user name."""
        row = self.table.current_row()
        return self.accounts[row].username if 0 <= row < len(self.accounts) else None

    def _change(self, call: Callable[..., object], *args: object, done: str, form: AccountForm | None = None) -> None:
        """Run an account change (``call(session, actor, folder, keys, *args)``); a refusal is shown in the form
        it came from (which stays open), success closes it and replaces the keys the change took away."""
        keys = self.context.register.keys
        if keys is None:
            self.error_label.setText("This register has no accounts (it is not encrypted).")
            return

        def changed(_result: object) -> None:
            if form is not None:
                form.accept()
            self.error_label.setText("")
            self.status_label.setText(done)
            self.reload()
            self.replace_keys(done)

        run_op(self.context, form or self, call, self.context.register.folder, keys, *args, title=self.windowTitle(),
               on_done=changed)  # fmt: skip

    def _ask(self, form: AccountForm, then: Callable[[AccountForm], None]) -> AccountForm:
        """Open ``form``; ``then`` runs when its passwords agree and Save is pressed (it stays open till done)."""
        form.check = lambda: (  # type: ignore[method-assign]
            form.error_label.setText("The two passwords are not the same; type them again.")
            if form.password_edit.text() != form.again_edit.text()
            else then(form)
        )
        self.form = form
        form.open()
        return form

    def replace_keys(self, done: str = "") -> None:
        """Replace the keys an account change took away (off the GUI thread, with progress): the old slot then
        opens only the backups made before. Said plainly, with what still opens what."""

        register, actor = self.context.register, self.context.actor
        if register.keys is None or rotation.owed(register.folder) is None:
            return
        dialog = QProgressDialog("Replacing the register's keys…", "", 0, 0, self)
        dialog.setCancelButton(None)  # half a replacement is never left: it runs to the end
        dialog.setWindowTitle("Replacing the keys")
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)

        def work(progress: Progress) -> object:
            return rotation.replace_keys(register, actor, progress=progress.update)

        def on_progress(number: int, total: int, message: str) -> None:
            dialog.setMaximum(total)
            dialog.setValue(number)
            dialog.setLabelText(message)

        def finished() -> None:
            dialog.reset()
            dialog.close()
            dialog.deleteLater()

        def on_done(result: object) -> None:
            finished()
            if isinstance(result, rotation.Replaced):
                self.context.actor = result.actor
                self.status_label.setText(f"{done} {result.summary()}".strip())
                self.status_label.setWordWrap(True)

        def on_error(exc: Exception) -> None:
            finished()
            self.error_label.setText(f"The old keys are not replaced yet: {exc} It is done at the next safeguarding "
                                     "lead's sign-in.")  # fmt: skip

        self._replacing = run_in_background(work, on_done, on_error, on_progress, self)

    def add(self) -> AccountForm:
        """Add an account (leads also receive the safeguarding key)."""

        def save(form: AccountForm) -> None:
            user, name, role, password = form.values()
            self._change(accounts.add_account, accounts.NewAccount(user, name, role, password), done=f"Added {user}.",
                         form=form)  # fmt: skip

        return self._ask(AccountForm("Add an account", self, new=True), save)

    def new_password(self) -> AccountForm | None:
        """Give the chosen account a new password (tell the person; they can keep it or change it)."""

        user = self.selected()
        if user is None:
            self.error_label.setText("Choose an account first.")
            return None

        def save(form: AccountForm) -> None:
            self._change(accounts.reset_password, user, form.password_edit.text(), done=f"{user}: new password set.",
                         form=form)  # fmt: skip

        return self._ask(AccountForm(f"New password for {user}", self, new=False, role_fixed=True), save)

    def change_role(self) -> AccountForm | None:
        """A new role comes with a new password (its key slot is made again, with or without the safeguarding
        key)."""

        user = self.selected()
        if user is None:
            self.error_label.setText("Choose an account first.")
            return None
        current = next(a.role for a in self.accounts if a.username == user)

        def save(form: AccountForm) -> None:
            role = Role(form.role_combo.currentData())
            self._change(accounts.change_role, user, role, form.password_edit.text(),
                         done=f"{user} is now {ROLE_NAMES[role]}.", form=form)  # fmt: skip

        return self._ask(AccountForm(f"Change the role of {user}", self, new=False, role=current), save)

    def toggle_active(self) -> AccountForm | None:
        """Disable the chosen account (its password stops opening the register), or enable it with a new one."""

        user = self.selected()
        if user is None:
            self.error_label.setText("Choose an account first.")
            return None
        if next(a.active for a in self.accounts if a.username == user):
            self._change(accounts.set_active, user, False,
                         done=f"{user} disabled: that password no longer opens the register.")  # fmt: skip
            return None

        def save(form: AccountForm) -> None:
            self._change(accounts.enable_with_password, user, form.password_edit.text(), done=f"{user} enabled.",
                         form=form)  # fmt: skip

        return self._ask(AccountForm(f"Enable {user} with a new password", self, new=False, role_fixed=True), save)

    def new_recovery_key(self) -> None:
        """Make a new recovery key after a question, and show it once (to print and lock away)."""

        keys = self.context.register.keys
        if keys is None:
            return

        def made(recovery: str) -> None:
            self.status_label.setText("A new recovery key was made: the old one no longer opens the register.")

            def show(school: str) -> None:
                shown = RecoveryKeyDialog(recovery, school, self)
                shown.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                shown.open()
                self._recovery_dialog = shown

            run_read(self.context, self, lambda session, _actor: get_school(session).name, on_done=show)

        def make() -> None:
            run_op(self.context, self, accounts.new_recovery_key, self.context.register.folder, keys,
                   title="New recovery key", on_done=made)  # fmt: skip

        steps.current().confirm(self, "New recovery key", "Make a new recovery key? The old one stops opening the "
                                "register.", yes="Make a new key", no="Keep the old one", then=make)  # fmt: skip

    def set_lock(self, minutes: int) -> None:
        """How long the app may sit unused before it locks."""

        run_op(self.context, self, set_lock_minutes, minutes, title=self.windowTitle(),
               on_done=lambda _none: self.status_label.setText(
                   f"The window locks after {minutes} minutes without use (from the next sign-in)."))  # fmt: skip

    def change_own_password(self) -> AccountForm:
        """Anyone changes their own password; their key slot is rewrapped and their own key kept."""

        def save(form: AccountForm) -> None:
            self._change(accounts.reset_password, self.context.actor.username, form.password_edit.text(),
                         done="Your password is changed.", form=form)  # fmt: skip

        return self._ask(AccountForm("Change my password", self, new=False, role_fixed=True), save)

    def two_step(self) -> QWidget:
        """Turn on two-step sign-in for oneself: scan the code, type the first 6 digits."""
        dialog = TwoStepDialog(self.context, self)
        dialog.open()
        return dialog


def require_two_step(window: QWidget, context: AppContext) -> QWidget:
    """A safeguarding lead without two-step sign-in, where the school requires it: set it up now, or the app
    closes (the next sign-in asks again)."""
    dialog = TwoStepDialog(context, window, required=True)

    def finished(result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            steps.current().tell(window, "Two-step sign-in", "Safeguarding leads sign in with two steps here. The "
                                 "app closes now; sign in again to set it up (it takes a minute, with an "
                                 "authenticator app on your phone).", warning=True)  # fmt: skip
            window.close()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


class TwoStepDialog(Dialog):
    """Shows a new secret as a QR code for an authenticator app; a first code from the app turns it on."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, required: bool = False) -> None:
        super().__init__(parent, "Two-step sign-in", size=(420, 560))

        self.context = context
        self.secret = accounts.new_totp_secret()
        self.picture = picture = QLabel()
        picture.setAccessibleName("QR code for the authenticator app")
        picture.setMinimumSize(240, 240)
        secret = QLabel(f"Or type this key into the app: {self.secret}")
        secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_edit = QLineEdit()
        self.code_edit.setAccessibleName("Code from the app")
        self.code_edit.setPlaceholderText("the 6 digits the app shows now")
        self.error_label = ErrorLabel()
        self.on_button = QPushButton("Turn &on")
        self.off_button = QPushButton("Turn o&ff")
        layout = QVBoxLayout(self)
        if required:
            why = QLabel("Safeguarding leads here sign in with a password and a code from their phone (DfE's "
                         "cyber security standards, for accounts that reach sensitive data). Set it up now to "
                         "go on.")  # fmt: skip
            why.setWordWrap(True)
            why.setStyleSheet("font-weight: 600;")
            layout.addWidget(why)
            self.off_button.hide()
        layout.addWidget(QLabel("Scan with an authenticator app (Microsoft or Google Authenticator, Authy…):"))
        layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(secret)
        layout.addWidget(self.code_edit)
        layout.addWidget(self.error_label)
        row = QHBoxLayout()
        row.addWidget(self.off_button)
        row.addStretch(1)
        row.addWidget(self.on_button)
        layout.addLayout(row)
        self.on_button.clicked.connect(lambda: self.turn(True))
        self.off_button.clicked.connect(lambda: self.turn(False))
        run_read(context, self, lambda session, _actor: get_school(session).name, on_done=self._show_code)

    def _show_code(self, school: str) -> None:
        """The QR code names the school, so the authenticator app lists it as such."""

        modules = qr_modules(accounts.totp_uri(self.secret, self.context.actor.username, school))
        size = len(modules) + 8
        image = QImage(size, size, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        for y, row in enumerate(modules):
            for x, dark in enumerate(row):
                if dark:
                    image.setPixel(x + 4, y + 4, QColor("black").rgb())
        self.picture.setPixmap(QPixmap.fromImage(image).scaled(size * 6, size * 6))

    def show_error(self, message: str) -> None:
        """A refusal (a wrong code), shown under the code."""
        self.error_label.setText(message)

    def turn(self, on: bool) -> None:
        """Turn it on (checked against the code typed) or off."""

        run_op(self.context, self, accounts.set_second_factor, self.context.actor.username, self.secret if on else None,
               self.code_edit.text(), title=self.windowTitle(), on_done=lambda _none: self.accept())  # fmt: skip
