"""The staff window: log a concern, follow one's own reports, read the briefings published to staff.

Staff hold no key to the register. Everything here comes from the staff room (services/staff_room.py): the
pupils' names and classes and the coming events' briefings, as the office or a lead last published them, and the
staff member's own reports with the receipts the leads wrote.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.security import keyring
from safeguard_desktop.services.accounts import staff_reports, staff_room
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.incidents import IncidentInput
from safeguard_desktop.services.incidents.incident_people import PupilChoice
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.incidents.log_dialog import LogIncidentDialog
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.lock import InactivityLock
from safeguard_desktop.ui.pdf_preview import PdfPreviewDialog


class StaffWindow(QMainWindow):
    """Two tabs: "My reports" (with Log a concern…) and "Briefings"."""

    def __init__(self, desk: staff_room.StaffDesk) -> None:
        super().__init__()
        self.desk = desk
        self.published: staff_room.Published | None = None
        self.problem = ""
        self._read_published()
        self.actor: Actor = desk.actor(self.published)
        self.reports: list[staff_reports.SentReport] = []

        self.report_list = QListWidget()
        self.report_list.setAccessibleName("Your reports")
        self.report_text = QPlainTextEdit()
        self.report_text.setReadOnly(True)
        self.report_text.setAccessibleName("What you reported")
        self.log_button = QPushButton("&Log a concern…")
        self.log_button.setAccessibleName("Log a concern")
        self.log_button.setDefault(True)
        left = QVBoxLayout()
        left.addWidget(QLabel("Your reports, newest first, and where they stand"))
        left.addWidget(self.report_list, 1)
        left.addWidget(self.log_button)
        left_widget = QWidget()
        left_widget.setLayout(left)
        reports_split = QSplitter()
        reports_split.addWidget(left_widget)
        reports_split.addWidget(self.report_text)
        reports_split.setSizes([420, 700])

        self.briefing_list = QListWidget()
        self.briefing_list.setAccessibleName("Published briefings")
        self.briefing_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.open_button = QPushButton("&Open the briefing")
        self.open_button.setEnabled(False)
        self.published_label = QLabel("")
        self.published_label.setTextFormat(Qt.TextFormat.PlainText)
        self.published_label.setWordWrap(True)
        self.published_label.setAccessibleName("What was published, and when")
        briefings = QVBoxLayout()
        briefings.addWidget(self.published_label)
        briefings.addWidget(self.briefing_list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        briefings.addLayout(row)
        briefing_widget = QWidget()
        briefing_widget.setLayout(briefings)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Screens")
        self.tabs.addTab(reports_split, "My &reports")
        self.tabs.addTab(briefing_widget, "&Briefings")
        self.setCentralWidget(self.tabs)

        self.log_button.clicked.connect(self.on_log)
        self.report_list.currentRowChanged.connect(self.on_report_chosen)
        self.briefing_list.currentRowChanged.connect(lambda row: self.open_button.setEnabled(row >= 0))
        self.briefing_list.itemActivated.connect(lambda _item: self.on_open_briefing())
        self.open_button.clicked.connect(self.on_open_briefing)
        self._build_menus()
        self._start_lock()
        self.refresh_title()
        self.refresh()
        self.resize(1180, 720)
        geometry = QSettings().value("staff_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.triggered.connect(self.on_refresh)
        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock_now)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        self.password_action = QAction("Change my &password…", self)
        self.password_action.triggered.connect(self.on_change_password)
        for action in (self.refresh_action, self.password_action, self.lock_action, quit_action):
            file_menu.addAction(action)
        new_action = QAction("&Log a concern…", self)
        new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        new_action.triggered.connect(self.on_log)
        self.menuBar().addMenu("&Concerns").addAction(new_action)

    def on_change_password(self) -> QWidget:
        """Ask for the current password and a new one (twice), in one form."""
        dialog = ChangePasswordDialog(self, self.change_password)
        dialog.changed.connect(lambda: self.statusBar().showMessage(
            "Your password is changed. Use the new one from now on.", 10_000))  # fmt: skip
        dialog.open()
        return dialog

    def change_password(self, old: str, new: str, again: str) -> str:
        """'' when changed, else what to tell the person."""
        if new != again:
            return "The two new passwords are not the same."
        try:
            self.desk.change_password(old, new)
        except ServiceError as exc:
            return "That is not your current password." if isinstance(exc, keyring.WrongPassword) else str(exc)
        except OSError as exc:
            return f"The key file could not be written: {exc.strerror or exc}"
        return ""

    def _start_lock(self) -> None:

        minutes = self.published.lock_minutes if self.published is not None else 10
        self.inactivity = InactivityLock(self, self.desk, self.actor, minutes)

    def lock_now(self) -> None:
        """Ctrl+L: hide everything until the password is given again."""
        self.inactivity.lock()

    def refresh_title(self) -> None:
        """'Oakfield Primary School — Safeguard Desktop (Chris Moore, staff)'."""
        school = self.published.school if self.published is not None else "Safeguard Desktop"
        self.setWindowTitle(f"{school} — Safeguard Desktop ({self.actor.name}, staff)")

    def _read_published(self) -> None:
        try:
            self.published = staff_room.read_published(self.desk.folder, self.desk.keys)
            self.problem = ""
        except (ServiceError, OSError) as exc:
            self.published = None
            self.problem = str(exc) if isinstance(exc, ServiceError) else f"The staff room cannot be read: {exc}"

    def on_refresh(self) -> None:
        """F5: read the staff room again."""
        self._read_published()
        self.refresh()

    def refresh(self) -> None:
        """Show what the staff room holds now."""
        self.reports = staff_reports.my_reports(self.desk.folder, self.desk.keys)
        self.report_list.clear()
        for report in self.reports:
            item = QListWidgetItem(f"{format_uk_datetime(report.sent_at)} · {report.category} — {report.short_state}")
            self.report_list.addItem(item)
        if not self.reports:
            self.report_text.setPlainText("You have not reported anything from this account yet.")
        else:
            self.report_list.setCurrentRow(0)
        self.briefing_list.clear()
        if self.problem:
            self.published_label.setText(self.problem)
            return
        if self.published is None:
            self.published_label.setText(
                "Nothing has been published to you yet. The office or a safeguarding lead publishes the briefings "
                "when they sign in (File > Publish to staff)."
            )
            return
        self.published_label.setText(
            f"Confidential: who must not be filmed or photographed at each event. Published "
            f"{format_uk_datetime(self.published.published_at)}; leave nothing printed lying about."
        )
        for briefing in self.published.briefings:
            venue = f", {briefing.venue}" if briefing.venue else ""
            self.briefing_list.addItem(f"{format_uk_datetime(briefing.starts_at)} — {briefing.name}{venue}")
        if not self.published.briefings:
            self.published_label.setText(self.published_label.text() + " No event is coming up.")
        else:
            self.briefing_list.setCurrentRow(0)

    def on_report_chosen(self, row: int) -> None:
        """Show one's own words, and where the report stands."""
        if 0 <= row < len(self.reports):
            report = self.reports[row]
            self.report_text.setPlainText(f"{report.state}\n\n{report.summary}")

    def choices(self) -> list[PupilChoice]:
        """The pupils as published to staff (names and classes only)."""
        if self.published is None:
            return []
        return [PupilChoice(p.id, p.name, p.year_group, p.reg_group) for p in self.published.directory]

    def on_log(self) -> None:
        """Log a concern: the same form as the leads', sent to them through the staff room."""

        def send(data: IncidentInput) -> int:
            staff_reports.submit(self.desk.folder, self.actor, self.desk.keys, data)
            return 0

        dialog = LogIncidentDialog(None, self, choices=self.choices(), submit=send)
        if not self.choices():
            dialog.people.message.setText("No pupil list has been published to you yet: name the pupil in the summary.")

        def sent(_number: int) -> None:
            self.refresh()
            self.tabs.setCurrentIndex(0)
            self.statusBar().showMessage("Sent to the safeguarding leads. It shows here until a lead reads it.", 8000)

        dialog.logged.connect(sent)
        dialog.open()
        self.log_dialog = dialog

    def on_open_briefing(self) -> None:
        """Show the chosen briefing (not saved anywhere unless the member of staff saves or prints it)."""

        row = self.briefing_list.currentRow()
        if self.published is None or not 0 <= row < len(self.published.briefings):
            return
        briefing = self.published.briefings[row]
        dialog = PdfPreviewDialog(briefing.pdf, f"Confidential briefing — {briefing.name}",
                                  f"briefing-{briefing.event_id}.pdf", self)  # fmt: skip
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember where the window was."""
        QSettings().setValue("staff_window/geometry", self.saveGeometry())
        self.desk.close()
        super().closeEvent(event)


def show_notices(window: StaffWindow) -> None:
    """What the sign-in found (reports sent again), said once."""
    if window.desk.notices:
        steps.current().tell(window, "Safeguard Desktop", "\n\n".join(window.desk.notices))


class ChangePasswordDialog(Dialog):
    """The current password and the new one twice; a refusal keeps the form open and says why."""

    changed = Signal()

    def __init__(self, parent: QWidget, change: Callable[[str, str, str], str]) -> None:
        super().__init__(parent, "Change my password", size=(460, 220))
        self.work_name = "what you typed"
        self.change = change
        form = QFormLayout()
        self.old_edit, self.new_edit, self.again_edit = QLineEdit(), QLineEdit(), QLineEdit()
        for edit, label in ((self.old_edit, "&Current password"), (self.new_edit, "&New password"),
                            (self.again_edit, "New password &again")):  # fmt: skip
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(label.replace("&", ""))
            form.addRow(label, edit)
        self.new_edit.setPlaceholderText("three or four words is good")
        self.error_label = ErrorLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Change password")
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.watch(self.old_edit, self.new_edit, self.again_edit)

    def on_save(self) -> None:
        """Change it, or say why not."""
        problem = self.change(self.old_edit.text(), self.new_edit.text(), self.again_edit.text())
        if problem:
            self.error_label.setText(problem)
            return
        self.changed.emit()
        self.accept()
