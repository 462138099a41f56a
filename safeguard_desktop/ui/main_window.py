"""The main window: menus, the register screen, and the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from safeguard_desktop import __version__
from safeguard_desktop.services import server
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.records import backup
from safeguard_desktop.services.records.subject_access import write_subject_access
from safeguard_desktop.services.settings import SchoolDetails, get_school, lock_minutes
from safeguard_desktop.ui.admin.accounts_dialog import AccountsDialog
from safeguard_desktop.ui.admin.audit_dialog import AuditDialog
from safeguard_desktop.ui.admin.backup_dialog import BackupDialog
from safeguard_desktop.ui.admin.purposes_dialog import PurposesDialog
from safeguard_desktop.ui.admin.retention_dialog import RetentionDialog
from safeguard_desktop.ui.admin.school_dialog import SchoolDialog
from safeguard_desktop.ui.admin.templates_dialog import TemplatesDialog
from safeguard_desktop.ui.admin.term_dates_dialog import TermDatesDialog
from safeguard_desktop.ui.background import run_in_background
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.elsewhere import ChangesElsewhere
from safeguard_desktop.ui.events.screen import EventsScreen
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.importer.consent_files import ConsentFileImport
from safeguard_desktop.ui.importer.import_dialog import ImportDialog
from safeguard_desktop.ui.importer.photos_import import PhotoImportFlow
from safeguard_desktop.ui.incidents.screen import IncidentsScreen
from safeguard_desktop.ui.incidents.transfer_dialog import TransferDialog, TransfersDialog
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.lock import InactivityLock
from safeguard_desktop.ui.register.replies_dialog import RepliesDialog
from safeguard_desktop.ui.register.screen import RegisterScreen
from safeguard_desktop.ui.staff.publishing import StaffPublisher, may_publish, publish_to_staff


class MainWindow(QMainWindow):
    """Safeguard Desktop's main window."""

    #: True while a scheduled backup is being made (one at a time).
    _backup_running: bool = False

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.register_screen = RegisterScreen(context, self)
        self.events_screen = EventsScreen(context, self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Screens")
        if context.actor.may(Operation.VIEW_REGISTER):
            self.tabs.addTab(self.register_screen, "&Consent register")
        else:  # staff: no register; their tabs are the events (for the briefing) and their incident reports
            self.register_screen.hide()
        self.tabs.addTab(self.events_screen, "&Events")
        self.incidents_screen: IncidentsScreen | None = None
        if context.actor.may(Operation.LOG_INCIDENT) or context.actor.may(Operation.READ_INCIDENTS):
            self.incidents_screen = IncidentsScreen(context, self)
            self.tabs.addTab(self.incidents_screen, "&Incidents")
            self.incidents_screen.caseload_changed.connect(self._show_badge)
        self.setCentralWidget(self.tabs)
        self.school_label = QLabel("")
        self.school_label.setTextFormat(Qt.TextFormat.PlainText)
        self.school_label.setAccessibleName("School")
        self.statusBar().addPermanentWidget(self.school_label)
        self._build_menus()
        self._start_lock()
        self.elsewhere = ChangesElsewhere(self.context, self)  # changes made on other computers, shown here too
        self.reach_label = QLabel("")
        self.reach_label.setStyleSheet("color: #a4161a; font-weight: 600;")
        self.reach_label.setAccessibleName("Server connection")
        self.reach_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.reach_label)
        self.elsewhere.reach.connect(self._show_reach)
        self.elsewhere.outside.connect(self._show_outside)
        self._start_backup_schedule()
        self.refresh_title()
        context.published.connect(self.on_context_changed)
        self.resize(1360, 820)
        geometry = QSettings().value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _show_badge(self, badge: str) -> None:
        """The Incidents tab with what needs acting on beside its name ("Incidents · 2 urgent · 1 overdue")."""
        if self.incidents_screen is not None:
            index = self.tabs.indexOf(self.incidents_screen)
            self.tabs.setTabText(index, "&Incidents" + (f" · {badge}" if badge else ""))
            self.tabs.setTabToolTip(index, "Urgent and not closed; follow-ups overdue" if badge else "")

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        actor = self.context.actor
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = self._action(
            "&Import pupils from MIS…", self.on_import_action, "Ctrl+I", "Import a CSV or Excel pupil list"
        )
        self.import_action.setEnabled(actor.may(Operation.IMPORT_PUPILS))
        file_menu.addAction(self.import_action)
        self.photos_action = self._action("Import pupil &photos…", self.on_photos_action)
        self.photos_action.setEnabled(actor.may(Operation.IMPORT_PUPILS))
        file_menu.addAction(self.photos_action)
        self.backup_action = self._action(
            "&Back up now…", self.on_backup_action, "Ctrl+B", "Copy the register to a folder (a USB stick, a share)"
        )
        self.backup_action.setEnabled(actor.may(Operation.MANAGE_BACKUPS))
        file_menu.addAction(self.backup_action)

        self.staff_publisher = StaffPublisher(self, self.context)

        self.publish_action = self._action("&Publish to staff", lambda: publish_to_staff(self, self.context), None,
                                           "Send staff the pupils' names and the coming events' briefings")  # fmt: skip
        self.publish_action.setEnabled(may_publish(self.context))
        file_menu.addAction(self.publish_action)
        file_menu.addSeparator()
        self.lock_action = self._action("&Lock", self.lock_now, "Ctrl+L", "Hide everything until your password")
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))
        consent_menu = self.menuBar().addMenu("&Consent")
        record = self._action(
            "&Record decision…", self.register_screen.on_record_button_clicked, None, "For the selected pupils"
        )
        record.setShortcut(QKeySequence("Ctrl+R"))
        record.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        consent_menu.addAction(record)
        consent_menu.addAction(self._action("&Find pupil", self.register_screen.focus_filter, None))
        consent_menu.addSeparator()
        keeper = actor.may(Operation.EDIT_CONSENT)
        imports = (("Import &contacts from MIS…", "contacts", Operation.IMPORT_PUPILS),
                   ("Import consent from &MIS…", "mis_consent", Operation.IMPORT_PUPILS),
                   ("Import online form &replies…", "replies", Operation.EDIT_CONSENT))  # fmt: skip
        for label, kind, permission in imports:
            action = self._action(label, lambda _checked=False, k=kind: self.on_consent_file_action(k))
            action.setEnabled(actor.may(permission))
            consent_menu.addAction(action)
        self.unmatched_action = self._action("&Unmatched replies…", self.on_unmatched_action)
        self.unmatched_action.setEnabled(keeper)
        consent_menu.addAction(self.unmatched_action)
        conflicts = self._action("Con&flicts to resolve…", self.register_screen.on_conflicts_button_clicked)
        consent_menu.addAction(conflicts)
        consent_menu.addSeparator()
        self.sar_action = self._action("&Subject access export…", self.on_sar_action, None,
                                       "Everything held about the selected pupil, as PDF and JSON")  # fmt: skip
        self.sar_action.setEnabled(actor.may(Operation.READ_INCIDENTS))
        consent_menu.addAction(self.sar_action)
        self.transfer_action = self._action("Send the child-&protection file…", self.on_transfer_action, None,
                                            "To the selected pupil's new school, sealed")  # fmt: skip
        self.transfers_action = self._action("Child-protection file &transfers…", self.on_transfers_action, None,
                                             "The files sent and their receipts")  # fmt: skip
        for action in (self.transfer_action, self.transfers_action):
            action.setEnabled(actor.may(Operation.READ_INCIDENTS))
            consent_menu.addAction(action)
        consent_menu.addAction(
            self._action("Re&load register", self.register_screen.reload, QKeySequence.StandardKey.Refresh)
        )
        consent_menu.menuAction().setVisible(actor.may(Operation.VIEW_REGISTER))
        settings_menu = self.menuBar().addMenu("&Settings")
        self.school_action = self._action("&School details…", self.on_school_action)
        self.school_action.setEnabled(actor.may(Operation.EDIT_SCHOOL))
        self.purposes_action = self._action("Consent &purposes…", self.on_purposes_action)
        self.purposes_action.setEnabled(actor.may(Operation.MANAGE_PURPOSES))
        settings_menu.addAction(self.school_action)
        settings_menu.addAction(self.purposes_action)
        self.wording_action = self._action("&Wording of letters and notices…", self.on_wording_action)
        self.wording_action.setEnabled(actor.may(Operation.EDIT_TEMPLATES))
        settings_menu.addAction(self.wording_action)
        self.terms_action = self._action("&Term dates…", self.on_terms_action)
        self.terms_action.setEnabled(actor.may(Operation.EDIT_SCHOOL))
        settings_menu.addAction(self.terms_action)
        settings_menu.addSeparator()
        self.backups_action = self._action("&Backups…", self.on_backups_action)
        self.backups_action.setEnabled(actor.may(Operation.MANAGE_BACKUPS))
        settings_menu.addAction(self.backups_action)
        self.accounts_action = self._action("A&ccounts…", self.on_accounts_action)
        self.accounts_action.setEnabled(
            self.context.is_open and (self.context.register.protected or server.on_server(self.context.register))
        )
        settings_menu.addAction(self.accounts_action)
        self.retention_action = self._action("&Retention review…", self.on_retention_action)
        self.retention_action.setEnabled(actor.may(Operation.READ_INCIDENTS))
        settings_menu.addAction(self.retention_action)
        self.audit_action = self._action("&Audit trail…", self.on_audit_action)
        self.audit_action.setEnabled(actor.may(Operation.VIEW_AUDIT))
        settings_menu.addAction(self.audit_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&About Safeguard Desktop", self.on_about_action))

    def _show_outside(self, said: str) -> None:
        """A change made on the server outside the app, found while a lead works: told at once (the check, and
        each lead's next sign-in, record it in the trail)."""
        from safeguard_desktop.services.records import server_changes

        steps.current().tell(self, "Changed outside the app", server_changes.told(said), warning=True)

    def _show_reach(self, said: str) -> None:
        """The server out of reach, said in the status bar until it is back."""
        self.reach_label.setText(said)
        self.reach_label.setVisible(bool(said))

    def _start_lock(self) -> None:
        """On an encrypted register, lock after the school's idle time (default 10 minutes) and on Ctrl+L."""
        self.inactivity = None
        register = self.context.register if self.context.is_open else None
        if register is None or not (register.protected or server.on_server(register)
                                    or register.copy_made_at is not None):  # fmt: skip
            self.lock_action.setEnabled(False)
            return

        def start(minutes: int) -> None:
            self.inactivity = InactivityLock(self, self.context.register, self.context.actor, minutes)

        run_read(self.context, self, lambda session, _actor: lock_minutes(session), on_done=start)

    def lock_now(self, *, prompt: bool = True) -> None:
        """File ▸ Lock (Ctrl+L)."""
        if self.inactivity is not None:
            self.inactivity.lock(prompt=prompt)

    def refresh_title(self, school: tuple[str, bool] | None = None) -> None:
        """Window title and status bar carry the school's name (and DEMO when it is the demo)."""
        if school is None:

            def read(details: SchoolDetails) -> None:
                self.refresh_title((details.name, details.is_demo))

            run_read(self.context, self, lambda session, _actor: get_school(session), on_done=read)
            return
        name = school[0] or "New register"
        demo = "  [DEMO — fictional pupils]" if school[1] else ""
        self.setWindowTitle(f"{name}{demo} — Safeguard Desktop")
        self.school_label.setText(f"{name}{demo}  ·  {self.context.actor.name} ({self.context.actor.role.value})")

    def on_context_changed(self, topics: frozenset[Topic]) -> None:
        """Keep the title current."""
        if Topic.SCHOOL in topics:
            self.refresh_title()

    def on_import_action(self) -> None:
        """File ▸ Import pupils."""

        dialog = ImportDialog(self.context, self)
        dialog.open()
        dialog.choose_file()

    def on_consent_file_action(self, kind: str) -> QWidget:
        """Consent ▸ Import contacts / consent from the MIS / online form replies (the file is asked for first)."""

        dialog = ConsentFileImport(self.context, kind, self)
        dialog.open()
        dialog.choose_file()
        return dialog

    def on_unmatched_action(self) -> QWidget:
        """Consent ▸ Unmatched replies."""

        dialog = RepliesDialog(self.context, self)
        dialog.open()
        return dialog

    def on_school_action(self) -> None:
        """Settings ▸ School details."""

        dialog = SchoolDialog(self.context, self)
        dialog.open()

    def on_purposes_action(self) -> None:
        """Settings ▸ Consent purposes."""

        dialog = PurposesDialog(self.context, self)
        dialog.open()

    def on_photos_action(self, _checked: bool = False) -> object:
        """File ▸ Import pupil photos (for the staff briefing): the folder is asked for first."""

        self._photo_flow = PhotoImportFlow(self.context, self)
        self._photo_flow.start()
        return self._photo_flow

    def on_sar_action(self, _checked: bool = False) -> None:
        """Consent ▸ Subject access export: the selected pupil's record as PDF and JSON, for the DSL to review."""

        chosen = self.register_screen.selected_pupils()
        if len(chosen) != 1:
            steps.current().tell(self, "Subject access", "Select one pupil in the register first.")
            return

        def saved(files: object) -> None:
            self.statusBar().showMessage(f"Subject access record saved: {getattr(files, 'pdf', '')} (and .json). "
                                         "Review incident content before disclosing.", 20_000)  # fmt: skip

        def write(folder: Path) -> None:
            run_op(self.context, self, write_subject_access, chosen[0].id, folder, title="Subject access",
                   progress="Writing the subject access record…", on_done=saved)  # fmt: skip

        steps.current().choose_folder(self, "Save the subject access record in…", Path.home(), write)

    def on_transfer_action(self, _checked: bool = False) -> QWidget | None:
        """Consent ▸ Send the child-protection file: the selected pupil's, to their new school."""
        chosen = self.register_screen.selected_pupils()
        if len(chosen) != 1:
            steps.current().tell(self, "Child-protection file", "Select one pupil in the register first.")
            return None
        dialog = TransferDialog(self.context, chosen[0], self)
        dialog.open()
        return dialog

    def on_transfers_action(self, _checked: bool = False) -> QWidget:
        """Consent ▸ Child-protection file transfers: the files sent, and their receipts."""
        dialog = TransfersDialog(self.context, self)
        dialog.open()
        return dialog

    def on_retention_action(self) -> QWidget:
        """Settings ▸ Retention review."""

        dialog = RetentionDialog(self.context, self)
        dialog.open()
        return dialog

    def on_backups_action(self) -> QWidget:
        """Settings ▸ Backups."""

        dialog = BackupDialog(self.context, self)
        dialog.open()
        return dialog

    def run_scheduled_backup(self) -> None:
        """Make the scheduled backup in the background when one is due (checked at start and every hour)."""
        if not self.context.is_open or self._backup_running:
            return

        engine, folder, actor = self.context.engine, self.context.register.folder, self.context.actor
        self._backup_running = True

        def done(info: backup.BackupInfo | None) -> None:
            self._backup_running = False
            if info is not None:
                self.statusBar().showMessage(f"Scheduled backup made and verified: {info.path}", 15_000)

        def failed(exc: Exception) -> None:
            self._backup_running = False
            self.statusBar().showMessage(f"The scheduled backup could not be made: {exc}", 60_000)

        self._backup_job = run_in_background(lambda _p: backup.scheduled_backup(engine, folder, actor), done, failed,
                                             parent=self)  # fmt: skip

    def _start_backup_schedule(self) -> None:

        self._backup_running = False
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(3_600_000)
        self.backup_timer.timeout.connect(self.run_scheduled_backup)
        if self.context.is_open and self.context.register.protected:
            self.backup_timer.start()
            QTimer.singleShot(20_000, self.run_scheduled_backup)

    def on_accounts_action(self) -> QWidget:
        """Settings ▸ Accounts (the DSL manages them; anyone turns on their own two-step sign-in)."""

        if server.on_server(self.context.register):
            from safeguard_desktop.ui.admin.server_accounts_dialog import ServerAccountsDialog

            on_server = ServerAccountsDialog(self.context, self)
            on_server.open()
            return on_server
        dialog = AccountsDialog(self.context, self)
        dialog.open()
        return dialog

    def on_wording_action(self) -> QWidget:
        """Settings ▸ Wording of letters and notices."""

        dialog = TemplatesDialog(self.context, self)
        dialog.open()
        return dialog

    def on_terms_action(self) -> QWidget:
        """Settings ▸ Term dates."""

        dialog = TermDatesDialog(self.context, self)
        dialog.open()
        return dialog

    def on_backup_action(self, _checked: bool = False) -> None:
        """File ▸ Back up now: choose a folder, copy off the GUI thread, report."""

        engine, home, actor = self.context.engine, self.context.register.folder, self.context.actor

        def back_up(folder: Path) -> None:
            self.statusBar().showMessage("Backing up…")

            def done(info: backup.BackupInfo) -> None:
                self.statusBar().showMessage(f"Backed up and verified: {info.path}", 15_000)

            def failed(exc: Exception) -> None:
                self.statusBar().clearMessage()
                steps.current().tell(self, "Back up", f"The backup was not made: {message_for(exc, None)}",
                                     warning=True)  # fmt: skip

            run_in_background(lambda _p: backup.back_up(engine, home, actor, folder), done, failed, parent=self)

        steps.current().choose_folder(self, "Back up the register to…", home / "backups", back_up)

    def on_audit_action(self) -> QWidget:
        """Settings ▸ Audit trail: browse, filter, check the chain, export."""

        dialog = AuditDialog(self.context, self)
        dialog.open()
        return dialog

    def on_about_action(self) -> None:
        """Help ▸ About."""
        QMessageBox.about(
            self,
            "About Safeguard Desktop",
            f"Safeguard Desktop {__version__}\n\nPhoto and video consent, performance notices and "
            "online-safety records for UK schools. Your data stays on this computer.",
        )

    def close_after_restore(self) -> None:
        """The register was replaced by a backup: nothing more is read or written through the old connection; the
        window says so and closes, and the next start signs in to the restored register."""

        central = self.centralWidget()
        if central is not None:
            central.setEnabled(False)
        self.menuBar().setEnabled(False)
        self.statusBar().showMessage("The register was restored from a backup. Safeguard Desktop closes now; "
                                     "start it again to sign in.")  # fmt: skip
        QTimer.singleShot(4000, self.close)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the window's place."""
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        super().closeEvent(event)
