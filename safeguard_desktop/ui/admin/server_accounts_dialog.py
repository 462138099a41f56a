"""Settings ▸ Accounts on a register's server (the DSL): each account is a login of its own on the server, added,
given a new password or role, or disabled from here (services/server.py: the server makes the logins)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from safeguard_desktop.services import server, server_keys, server_trust
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.server_school import of_url
from safeguard_desktop.ui.admin.accounts_dialog import ROLE_NAMES, AccountForm
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable

HEADERS = ("User name", "Name", "Role", "State")


class ServerAccountsDialog(Dialog):
    """The accounts of a server register: their logins are the server's, made through the DSL's functions."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Accounts on the register's server", size=(760, 440))
        self.context = context
        self.accounts: list[Any] = []
        self.table = ReadOnlyTable(HEADERS, "Accounts", pick_rows=True, stretch=1)
        self.error_label = ErrorLabel()
        self.status_label = QLabel("")
        note = QLabel("Each account signs in with a login of its own on the server, which gives it its role's "
                      "privileges. A password set here reaches the server only as its verifier.")  # fmt: skip
        note.setWordWrap(True)
        self.add_button = QPushButton("&Add…")
        self.password_button = QPushButton("New &password or role…")
        self.disable_button = QPushButton("&Disable…")
        manage = context.actor.may(Operation.MANAGE_ACCOUNTS)
        row = QHBoxLayout()
        for button in (self.add_button, self.password_button, self.disable_button):
            button.setEnabled(manage)
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        #: One of a trust's schools: whether the trust's safeguarding lead sees pupils' names (the DSL's to say).
        self.names_box = QCheckBox("The &trust may see our pupils' names and the trail's details")
        self.names_box.setToolTip("The trust's safeguarding lead always sees this school's counts and its audit "
                                  "trail without details; names only while this is ticked.")  # fmt: skip
        self.names_box.setVisible(manage and bool(of_url(context.register.engine.url).code))
        self.names_box.setEnabled(False)  # (until the server says how it stands)
        self.names_box.clicked.connect(self._names_clicked)
        layout.addWidget(self.names_box)
        self.reads_label = QLabel("")  # when the trust last read them (noted by the server itself)
        self.reads_label.setAccessibleName("The trust's readings of our pupils' names")
        self.reads_label.setWordWrap(True)
        self.reads_label.setVisible(self.names_box.isVisibleTo(self))
        layout.addWidget(self.reads_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(close)
        self.add_button.clicked.connect(self.add)
        self.password_button.clicked.connect(self.change)
        self.disable_button.clicked.connect(self.disable)
        self.reload()

    def show_error(self, message: str) -> None:
        """A refusal, shown under the buttons."""
        self.error_label.setText(message)

    def reload(self) -> None:
        """Read the accounts (the DSL's list)."""
        if not self.context.actor.may(Operation.MANAGE_ACCOUNTS):
            self.table.set_rows([])
            self.status_label.setText("Only the DSL manages the accounts.")
            return
        run_read(self.context, self, server.accounts_with_logins, on_done=self._listed)
        if self.names_box.isVisibleTo(self):
            run_read(self.context, self, server_trust.names_shared, on_done=self._names_read)
            run_read(self.context, self, server_trust.trust_reads, on_done=self._reads_listed)

    def _reads_listed(self, reads: list[server_trust.TrustRead]) -> None:
        from safeguard_desktop.domain.dates import format_uk_datetime

        if not reads:
            self.reads_label.setText("The trust has not read our pupils' names or the trail's details.")
            return
        newest = reads[0]
        self.reads_label.setText(f"The trust read our pupils' names or the trail's details {len(reads)} time(s), as "
                                 f"the server noted; the last: {newest.what}, by {newest.login} on "
                                 f"{format_uk_datetime(newest.at)}.")  # fmt: skip

    def _names_read(self, shared: bool) -> None:
        self.names_box.setChecked(shared)
        self.names_box.setEnabled(True)

    def _names_clicked(self, allow: bool) -> None:
        """Share pupils' names with the trust after a question, or take them back at once."""
        self.names_box.setChecked(not allow)  # (as it stands until the server has done it)

        def share() -> None:
            def done(_result: object) -> None:
                self.names_box.setChecked(allow)
                self.status_label.setText("The trust now sees our pupils' names and the trail's details." if allow
                                          else "The trust no longer sees our pupils' names.")  # fmt: skip

            run_op(self.context, self, server_trust.share_names, allow, title=self.windowTitle(), on_done=done)

        if not allow:
            share()
            return
        steps.current().confirm(
            self, self.windowTitle(), "Let the trust's safeguarding lead see every pupil's name, year and class, and "
            "the details of this school's audit trail? You can take it back at any time; what was read meanwhile "
            "cannot be.", yes="Share the names", then=share,
        )  # fmt: skip

    def _listed(self, found: list[tuple[Any, bool]]) -> None:
        self.accounts = [account for account, _login in found]
        self.table.set_rows([(a.username, a.display_name, ROLE_NAMES[a.role], _state(a.active, login))
                             for a, login in found],
                            foregrounds=["" if a.active and login else "#777777" for a, login in found])  # fmt: skip
        waiting = [a.username for a, login in found if a.active and not login]
        if waiting:
            self.status_label.setText(f"No login yet (choose the account, then New password or role…, to give it one): "
                                      f"{', '.join(waiting)}.")  # fmt: skip

    def selected(self) -> Any | None:
        """The chosen account."""
        row = self.table.current_row()
        return self.accounts[row] if 0 <= row < len(self.accounts) else None

    def _ask(self, form: AccountForm, username: str | None) -> AccountForm:
        """Open ``form``; Save (both passwords the same) makes or changes the login, the form staying open on a
        refusal (a weak password, say) with what to mend."""

        def save() -> None:
            if form.password_edit.text() != form.again_edit.text():
                form.error_label.setText("The two passwords are not the same; type them again.")
                return
            user, name, role, password = form.values()
            user = username or user

            def done(action: str) -> None:
                form.accept()
                self.error_label.setText("")
                self.status_label.setText(f"{user}: {action.replace('an account', 'the account')}.")
                self.reload()
                self.replace_key()  # (a lead no longer a lead: the key it held is replaced)

            run_op(self.context, form, server.set_account, user, name, role, password, title=self.windowTitle(),
                   on_done=done)  # fmt: skip

        form.check = save  # type: ignore[method-assign]
        form.open()
        return form

    def add(self) -> AccountForm:
        """Add an account: its login on the server, with its role's privileges."""
        return self._ask(AccountForm("Add an account", self, new=True), None)

    def change(self) -> AccountForm | None:
        """Give the chosen account a new password, and its role if changed (its login's group)."""
        chosen = self.selected()
        if chosen is None:
            self.error_label.setText("Choose an account first.")
            return None
        form = AccountForm(f"New password or role for {chosen.username}", self, new=False, role=chosen.role)
        form.name_edit.setText(chosen.display_name)
        return self._ask(form, chosen.username)

    def disable(self) -> None:
        """Disable the chosen account after a question: its login is refused at once and its open sessions end."""
        chosen = self.selected()
        if chosen is None:
            self.error_label.setText("Choose an account first.")
            return
        user = chosen.username

        def done(ended: int) -> None:
            self.status_label.setText(f"{user} disabled: its login is refused ({ended} open session(s) ended).")
            self.reload()
            self.replace_key()

        steps.current().confirm(
            self, self.windowTitle(), f"Disable {user}? Their login stops working at once, on every computer.",
            yes="Disable", then=lambda: run_op(self.context, self, server.disable_account, user,
                                                title=self.windowTitle(), on_done=done),
        )  # fmt: skip

    def replace_key(self) -> None:
        """Where a lead's keys were just taken away, replace the register's safeguarding key now (off the GUI
        thread, with progress): what is sealed is sealed again, and every other account takes its share of the new
        key at its next sign-in. Otherwise the DSL's next sign-in does it."""
        context = self.context

        def replaced(done: server_keys.Replacement) -> None:
            context.actor = server_keys.adopt(context.register.engine, context.actor, done)
            self.status_label.setText(f"{self.status_label.text()} {done.summary()}".strip())
            self.status_label.setWordWrap(True)

        def failed(exc: BaseException) -> None:
            self.error_label.setText(f"The register's key is not replaced yet: {exc} It is done at your next "
                                     "sign-in.")  # fmt: skip

        def owed(found: list[str]) -> None:
            if found:
                run_op(context, self, server_keys.replace, title="Replacing the register's key",
                       progress="Sealing every sealed record again to a new key…", on_done=replaced,
                       on_error=failed)  # fmt: skip

        run_read(context, self, lambda session, _actor: server_keys.owed(session), on_done=owed)


def _state(active: bool, login: bool) -> str:
    if not active:
        return "disabled"
    return "active" if login else "no login yet: give it a password"
