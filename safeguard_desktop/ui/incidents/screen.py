"""Incidents: leads see every incident and its chronology; staff see the status of their own reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.domain.incidents import Category, Urgency
from safeguard_desktop.services import incidents
from safeguard_desktop.services.accounts import staff_reports
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.incidents import allegations, caseload
from safeguard_desktop.services.incidents.incident_exports import export_log
from safeguard_desktop.services.incidents.incident_people import open_incident
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.incidents.case_dialogs import Part4Dialog, ReadersDialog
from safeguard_desktop.ui.incidents.entry_dialog import CloseIncidentDialog, EntryDialog, ReopenIncidentDialog
from safeguard_desktop.ui.incidents.helpline_dialog import HelplineDialog
from safeguard_desktop.ui.incidents.log_dialog import LogIncidentDialog
from safeguard_desktop.ui.incidents.statistics_dialog import StatisticsDialog
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import Cell, ReadOnlyTable, Shape

if TYPE_CHECKING:
    from safeguard_desktop.services.incidents import IncidentLine, IncidentView

CHRONOLOGY_HEADERS = ("No.", "When", "Who", "Kind", "Entry", "Reason")
LEAD_HEADERS = ("No.", "Reported", "Category", "Urgency", "Status")
#: The urgency cells that must stand out (colour, and the word itself).
URGENCY_CELLS = {
    "high": Cell("high", "#fde2c8", "#7a3e00"),
    "immediate danger": Cell("IMMEDIATE", "#a4161a", "#ffffff", "Immediate danger: act now"),
}
#: How long after sign-in a lead's caseload is counted for the tab's badge.
BADGE_AFTER_MS = 3_000
#: How often a lead's screen takes in what staff sent (and alerts on anything urgent), while signed in.
TAKE_IN_EVERY_MS = 120_000
STAFF_HEADERS = ("No.", "Reported", "Status", "Your summary")
#: A lead's line: number, date (the time in its tooltip), category, urgency (coloured when high or immediate),
#: status (red, and said in words, when the follow-up is overdue).
RESTRICTED_CELL = Cell("Restricted case", tooltip="Only its named readers can read it")
DAMAGED_CELL = Cell("unreadable · check it", tooltip="Its category, urgency or status is not one the app writes: it "
                    "was written outside the app (the audit trail's check names who). Shown as open.")  # fmt: skip
LEAD_LINE = Shape(
    cells=lambda line: (str(line.id),
                        Cell(f"{line.reported_at:%d/%m/%Y}", tooltip=format_uk_datetime(line.reported_at)),
                        RESTRICTED_CELL if not line.readable else
                        DAMAGED_CELL if line.damaged else
                        Cell(f"{line.category.value} · restricted", tooltip="Restricted: its named readers only")
                        if line.restricted else line.category.value,
                        "—" if not line.readable else URGENCY_CELLS.get(line.urgency.value, line.urgency.value),
                        "—" if not line.readable else
                        Cell(f"OVERDUE · {line.status.value}", tooltip=f"Follow-up was due on "
                             f"{line.follow_up_on:%d/%m/%Y}; the incident is {line.status.value}")
                        if line.overdue else line.status.value),
    key=lambda line: line.id,
    foreground=lambda line: "#a4161a" if line.overdue else "#555555" if not line.readable else "",
)  # fmt: skip
#: A member of staff's line: their report's number, date, status and their own summary.
STAFF_LINE = Shape(
    cells=lambda report: (str(report.id), format_uk_datetime(report.reported_at), report.status.value,
                          report.summary[:200]),
    key=lambda report: report.id,
)  # fmt: skip
#: Lines shown before the whole list is read (a trust's 50,000 take seconds to open; the newest are what is needed).
FIRST_LINES = 300


class IncidentsScreen(QWidget):
    """Loads on first show, so start-up never waits for it; a lead's caseload is counted soon after sign-in (for
    the tab's badge: urgent, overdue)."""

    #: The caseload's badge for the tab ("2 urgent · 1 overdue", or "").
    caseload_changed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.is_lead = context.actor.may(Operation.READ_INCIDENTS)
        self.current: IncidentView | None = None
        self._loaded = False
        self.list = ReadOnlyTable(LEAD_HEADERS if self.is_lead else STAFF_HEADERS,
                                  "Incidents" if self.is_lead else "Your reports", pick_rows=True)  # fmt: skip
        self.log_button = QPushButton("&Log an incident…")
        self.log_button.setEnabled(context.actor.may(Operation.LOG_INCIDENT))
        self.all_lines: list[IncidentLine] = []
        self.counted: caseload.Caseload | None = None  # the whole list's caseload, counted where it was read
        #: Urgent reports from staff taken in while signed in and not yet opened.
        self.urgent_unread: set[int] = set()
        #: The newest incident number the list has shown since sign-in (numbers only grow): a newer one marked
        #: urgent, logged elsewhere (a teacher on the register's server), is flagged and the window flashes, as for
        #: a staff report taken in.
        self._newest_listed: int | None = None
        self.caseload_label = QLabel("")
        self.caseload_label.setWordWrap(True)
        self.caseload_label.setStyleSheet("font-weight: 600;")
        self.caseload_label.setAccessibleName("Your caseload")
        self.view_combo = QComboBox()
        self.view_combo.addItems(list(caseload.FILTERS))
        self.view_combo.setAccessibleName("Which incidents to show")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Number, category, urgency or status")
        self.search_edit.setAccessibleName("Find an incident")
        self.search_edit.setClearButtonEnabled(True)
        views = QHBoxLayout()
        views.addWidget(self.view_combo)
        views.addWidget(self.search_edit, 1)
        left = QVBoxLayout()
        left.addWidget(QLabel("Incidents, newest first" if self.is_lead else "Your reports and their status"))
        if self.is_lead:
            left.addWidget(self.caseload_label)
            left.addLayout(views)
        left.addWidget(self.list, 1)
        left.addWidget(self.log_button)
        self.statistics_button = QPushButton("S&tatistics…")
        self.export_button = QPushButton("&Export the log…")
        lead_row = QHBoxLayout()
        lead_row.addWidget(self.statistics_button)
        lead_row.addWidget(self.export_button)
        for button in (self.statistics_button, self.export_button):
            button.setVisible(self.is_lead)
        left.addLayout(lead_row)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.title = QLabel("")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.title.setWordWrap(True)
        self.facts = QLabel("")
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setWordWrap(True)
        self.facts.setAccessibleName("Incident details")
        self.chronology = ReadOnlyTable(CHRONOLOGY_HEADERS, "Chronology", stretch=4, wrap=True)
        self.entry_button = QPushButton("&Add to the chronology…")
        self.take_button = QPushButton("&Take this case")
        self.take_button.setToolTip("Be its case owner: it shows in My cases, and its follow-ups are yours")
        self.close_button = QPushButton("&Close the incident…")
        self.helpline_button = QPushButton("&Helpline summary…")
        self.readers_button = QPushButton("&Who reads it…")
        self.readers_button.setToolTip("Restrict the case to named leads (a lead may be its subject), or change "
                                       "who they are")  # fmt: skip
        self.part4_button = QPushButton("Part &4…")
        self.part4_button.setToolTip("An allegation against staff: the case manager and the LADO (KCSIE Part 4)")
        #: What a lead does to the incident on the right: enabled once one they may read is shown.
        self.case_buttons = (self.entry_button, self.close_button, self.helpline_button, self.take_button,
                             self.readers_button, self.part4_button)  # fmt: skip
        for button in self.case_buttons:
            button.setEnabled(False)
            button.setVisible(self.is_lead)
        self.part4_button.setVisible(False)
        actions = QHBoxLayout()
        actions.addWidget(self.helpline_button)
        actions.addWidget(self.take_button)
        actions.addWidget(self.readers_button)
        actions.addWidget(self.part4_button)
        actions.addStretch(1)
        actions.addWidget(self.entry_button)
        actions.addWidget(self.close_button)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.facts)
        right.addWidget(QLabel("Chronology (nothing is edited or deleted; corrections point at what they correct)"))
        right.addWidget(self.chronology, 1)
        right.addLayout(actions)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setVisible(self.is_lead)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([530, 830])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)
        self.list.current_row_changed.connect(self.on_list_current_row_changed)
        self.log_button.clicked.connect(self.on_log_button_clicked)
        self.entry_button.clicked.connect(self.add_entry)
        self.take_button.clicked.connect(self.take_case)
        self.readers_button.clicked.connect(lambda: self.choose_readers())
        self.part4_button.clicked.connect(self.open_part4)
        self.helpline_button.clicked.connect(self.open_helpline_summary)
        self.statistics_button.clicked.connect(self.open_statistics)
        self.export_button.clicked.connect(lambda: self.export_log())
        self.close_button.clicked.connect(lambda: self.close_or_reopen())
        self.view_combo.currentIndexChanged.connect(lambda _i: self._apply_view(self.chosen_id()))
        self.search_edit.textChanged.connect(lambda _t: self._apply_view(self.chosen_id()))
        context.published.connect(self.on_context_changed)
        self.take_in_timer = QTimer(self)
        self.take_in_timer.setInterval(TAKE_IN_EVERY_MS)
        self.take_in_timer.timeout.connect(self.take_in_quietly)
        if self.is_lead and context.register.keys is not None:
            self.take_in_timer.start()
        if self.is_lead:  # after the register's first rows, so sign-in waits for nothing
            QTimer.singleShot(BADGE_AFTER_MS, self, self.count_caseload)  # not after the screen is gone

    def showEvent(self, event: QShowEvent) -> None:
        """Load the first time the screen is shown."""
        if not self._loaded:
            self._loaded = True
            self.reload()
        super().showEvent(event)

    def count_caseload(self) -> None:
        """Count the caseload for the tab's badge before the screen is first shown (off the GUI thread)."""
        if self._loaded:
            return
        run_read(self.context, self, caseload.at_sign_in,
                 on_done=lambda counted: self.caseload_changed.emit(counted.badge()))  # fmt: skip

    def _show_caseload(self) -> None:
        """The caseload line, after an alert about urgent reports not yet opened (it stays until they are)."""
        counted = self.counted
        if counted is None:  # only the newest lines so far: the counts follow with the rest
            return
        line = counted.describe()
        if self.urgent_unread:
            numbers = ", ".join(str(n) for n in sorted(self.urgent_unread))
            line = (f"URGENT: staff reported incident(s) {numbers} as high or immediate danger — open them now.\n"
                    f"{line}")  # fmt: skip
        self.caseload_label.setText(line)
        self.caseload_changed.emit(counted.badge())
        self.caseload_label.setStyleSheet("font-weight: 600;" + (" color: #a4161a;" if self.urgent_unread else ""))

    def reload(self, select_id: int | None = None) -> None:
        """Take in what staff sent (leads), then read the list: every incident for leads, one's own for staff."""
        keys = self.context.register.keys if self.is_lead else None
        if keys is None:
            self._read_list(select_id)
            return

        def taken(done: staff_reports.TakenIn) -> None:
            self._took_in(done)
            self._read_list(select_id)

        def not_taken(error: BaseException) -> None:
            self.title.setText(f"Reports from staff could not be taken in: {message_for(error, None)}")
            self._read_list(select_id)

        run_op(self.context, self, staff_reports.take_in, keys, self.context.register.folder, on_done=taken,
               on_error=not_taken)  # fmt: skip

    def _read_list(self, select_id: int | None) -> None:
        """Read the list; for leads the newest :data:`FIRST_LINES` are shown first and the rest, with the caseload,
        follow when read (the list stays usable meanwhile)."""
        if not self.is_lead:
            run_read(self.context, self, incidents.my_reports, on_done=lambda found: self._show_list(found, None))
            return

        def rest(whole: caseload.Listed) -> None:
            self._show_list(whole.lines, self.chosen_id(), reopen=False, counted=whole.caseload)

        def first(newest: caseload.Listed) -> None:
            self._show_list(newest.lines, select_id, counted=newest.caseload)
            if newest.caseload is None:
                run_read(self.context, self, caseload.listed, on_done=rest)

        run_read(self.context, self, caseload.listed, limit=FIRST_LINES, on_done=first)

    def _took_in(self, done: staff_reports.TakenIn) -> None:
        """Say what a pass over the staff reports did; reports marked high or immediate danger flash the window and
        stay flagged above the caseload until opened."""
        if done.urgent:
            self._flag_urgent(set(done.urgent), done.summary())
        elif done.summary():
            self._say(done.summary(), 15_000)

    def _flag_urgent(self, numbers: set[int], said: str) -> None:
        """Urgent incidents flagged above the caseload until opened; the taskbar entry flashes where the window is
        behind others, and the status bar says why."""
        self.urgent_unread |= numbers
        QApplication.alert(self.window())
        self._say(said, 30_000)

    def _say(self, said: str, milliseconds: int) -> None:
        status = getattr(self.window(), "statusBar", None)
        if callable(status):
            status().showMessage(said, milliseconds)

    def _note_arrivals(self, found: list[IncidentLine], select_id: int | None) -> None:
        """Urgent incidents the list shows for the first time since sign-in (not the one this lead just logged)."""
        newest = max((line.id for line in found), default=0)
        if self._newest_listed is None:  # the first list: what was there before is the sign-in's caseload
            self._newest_listed = newest
            return
        urgent = {line.id for line in found if line.id > self._newest_listed and line.id != select_id
                  and line.urgency in (Urgency.HIGH, Urgency.IMMEDIATE)}  # fmt: skip
        self._newest_listed = max(self._newest_listed, newest)
        if urgent:
            numbers = ", ".join(str(n) for n in sorted(urgent))
            self._flag_urgent(urgent, f"New urgent incident(s) logged elsewhere: {numbers}.")

    def chosen_id(self) -> int | None:
        """The number of the incident chosen in the list."""
        key = self.list.current_key()
        return key if isinstance(key, int) else None

    def _show_list(self, found: list[Any], select_id: int | None, *, reopen: bool = True,
                   counted: caseload.Caseload | None = None) -> None:  # fmt: skip
        if self.is_lead:
            self._note_arrivals(found, select_id)
            self.all_lines = found
            if counted is not None:
                self.counted = counted
            self._show_caseload()
            self._apply_view(select_id, reopen=reopen)
            return
        self.list.set_records(found, STAFF_LINE)

    def _apply_view(self, select_id: int | None, *, reopen: bool = False) -> None:
        """Show the lines the chosen view and the words typed keep, the chosen incident still chosen where it is
        among them — and still open on the right where it is not (it was just closed, say)."""
        lines = caseload.shown(self.all_lines, self.view_combo.currentText(), self.search_edit.text(),
                               self.counted.since if self.counted else None, self.context.actor.username)  # fmt: skip
        self.list.blockSignals(True)
        self.list.set_records(lines, LEAD_LINE)
        if lines and not self.list.choose_key(select_id) and select_id is None:
            self.list.choose_row(0)
        self.list.blockSignals(False)
        chosen = self.chosen_id() or (select_id if any(line.id == select_id for line in self.all_lines) else None)
        if chosen is not None and not self._readable(chosen):
            self._show_restricted(chosen)
        elif chosen is not None and (reopen or self.current is None or self.current.id != chosen):
            run_op(self.context, self, open_incident, chosen, on_done=self._show_incident)

    def _readable(self, number: int) -> bool:
        return next((line.readable for line in self.all_lines if line.id == number), True)

    def _show_restricted(self, number: int) -> None:
        """A case restricted to other leads: that it exists, and nothing of it (not even who may read it)."""
        self.current = None
        self.title.setText(f"Incident {number}: restricted case")
        self.facts.setText("Only its named readers can read this case: nothing of it is shown here.")
        self.chronology.set_rows([])
        for button in self.case_buttons:
            button.setEnabled(False)
        self.part4_button.setVisible(False)

    def on_list_current_row_changed(self, row: int) -> None:
        """Open the chosen incident (audited as a view); choosing the one already open opens nothing again."""
        key = self.list.rows.key(row)
        if not self.is_lead or not isinstance(key, int) or (self.current is not None and self.current.id == key):
            return
        if not self._readable(key):
            self._show_restricted(key)
            return
        run_op(self.context, self, open_incident, key, on_done=self._show_incident)

    def _show_incident(self, opened: tuple[IncidentView, list[str]]) -> None:
        view, named = opened
        people = "; ".join(named)
        self.current = view
        if view.id in self.urgent_unread and self.isVisible():  # opened where the lead sees it
            self.urgent_unread.discard(view.id)
            self._show_caseload()
        restricted = " — restricted to its named readers" if view.restricted else ""
        self.title.setText(f"Incident {view.id}: {view.category.value} — {view.status.value}{restricted}")
        follow = f"  ·  follow up by {view.follow_up_on:%d/%m/%Y}" if view.follow_up_on else ""
        happened = format_uk_datetime(view.occurred_at) or "unknown"
        owner = f"  ·  case owner {view.owner_name}" if view.owner else "  ·  nobody's case yet"
        reported = f"reported {format_uk_datetime(view.reported_at)} by {view.reported_by}{follow}{owner}"
        platforms = ", ".join(view.platforms) or "not recorded"
        links = f"\nLinks kept (not opened from here): {', '.join(view.evidence_links)}" if view.evidence_links else ""
        self.facts.setText(
            f"{view.four_cs.value} · urgency {view.urgency.value} · happened {happened} · {reported}\n"
            f"Platforms: {platforms}\nPeople: {people or 'not recorded'}{links}\n\n{view.summary}"
        )
        rows = []
        to_do = {a["entry"]: a for a in view.actions}
        for e in view.entries:
            kind = e.kind + (f" → {e.referral_to} {e.reference}".rstrip() if e.referral_to else "")
            kind += f" (corrects {e.corrects})" if e.corrects else ""
            if e.id in to_do:
                action = to_do[e.id]
                kind += f" · to do by {date.fromisoformat(action['due_on']):%d/%m/%Y}" + (
                    f" ({action['for']})" if action.get("for") else ""
                )
            when = (f"{format_uk_datetime(e.happened_at)} (written {e.at:%d/%m %H:%M})" if e.happened_at
                    else format_uk_datetime(e.at))  # fmt: skip
            rows.append((str(e.id), when, e.author, kind, e.text, e.reason))
        self.chronology.set_rows(rows)
        closed = view.status.value == "closed"
        follows_up = not self.context.actor.reading_copy  # (a read-only copy: read, and print the summary, only)
        self.entry_button.setEnabled(follows_up)
        self.helpline_button.setEnabled(True)
        self.close_button.setText("Re&open the incident…" if closed else "&Close the incident…")
        self.close_button.setEnabled(follows_up)
        mine = bool(self.context.actor.username) and view.owner == self.context.actor.username
        self.take_button.setEnabled(follows_up and not closed and not mine and bool(self.context.actor.username))
        self.take_button.setText("Your case ✓" if mine else "&Take this case")
        self.readers_button.setEnabled(follows_up and bool(self.context.actor.username)
                                       and self.context.register.keys is not None)  # fmt: skip
        allegation = view.category is Category.ALLEGATION
        self.part4_button.setVisible(allegation)
        self.part4_button.setEnabled(follows_up and allegation)

    def on_log_button_clicked(self) -> QWidget:
        """Open the form with its guidance."""

        dialog = LogIncidentDialog(self.context, self)
        dialog.logged.connect(self._select_after_reload)
        dialog.open()
        return dialog

    def open_helpline_summary(self) -> QWidget | None:
        """The chosen incident's summary for the helpline (anonymised by default)."""
        if self.current is None:
            return None

        dialog = HelplineDialog(self.context, self.current.id, self)
        dialog.open()
        return dialog

    def open_statistics(self) -> QWidget:
        """Incidents per category per term or quarter, as a chart and a table."""

        dialog = StatisticsDialog(self.context, self)
        dialog.open()
        return dialog

    def export_log(self) -> None:
        """Ask where, then save the incident log as a spreadsheet-safe CSV or a PDF report with the chart."""

        steps.current().choose_save(self, "Export the incident log", Path.home() / "Incident log.pdf",
                                    "PDF report (*.pdf);;Spreadsheet (CSV) (*.csv)", self.export_log_to)  # fmt: skip

    def export_log_to(self, target: Path) -> None:
        """Write the log at ``target`` (a .csv is a spreadsheet; anything else a PDF report)."""

        fmt = "csv" if target.suffix.lower() == ".csv" else "pdf"
        if target.suffix.lower() not in (".csv", ".pdf"):
            target = target.with_name(target.name + ".pdf")
        run_op(self.context, self, export_log, target, fmt, title="Export the incident log",
               progress="Exporting the incident log…",
               on_done=lambda count: self.title.setText(f"Exported {count} incident(s) to {target}"))  # fmt: skip

    def add_entry(self) -> QWidget | None:
        """Open the chronology dialog for the chosen incident."""
        if self.current is None:
            return None

        dialog = EntryDialog(self.context, self.current.id, [e.id for e in self.current.entries], self,
                             self.current.actions)  # fmt: skip
        dialog.open()
        return dialog

    def choose_readers(self) -> QWidget | None:
        """Restrict the chosen case to named leads, or change who they are."""
        if self.current is None:
            return None
        dialog = ReadersDialog(self.context, self.current, self)
        dialog.open()
        return dialog

    def open_part4(self) -> None:
        """The chosen allegation's case manager and LADO details."""
        current = self.current
        if current is None:
            return

        def show(details: allegations.Part4 | None) -> None:
            if details is not None and self.current is not None and self.current.id == current.id:
                self._part4 = Part4Dialog(self.context, current, details, self)
                self._part4.open()

        run_read(self.context, self, allegations.part4, current.id, on_done=show)

    def take_case(self) -> None:
        """Make the signed-in lead the chosen incident's case owner (recorded in its chronology)."""
        if self.current is None:
            return
        run_op(self.context, self, incidents.take_case, self.current.id)

    def close_or_reopen(self) -> QWidget | None:
        """Close the chosen incident, or reopen it when it is closed."""
        if self.current is not None and self.current.status.value == "closed":
            return self.reopen_incident()
        return self.close_incident()

    def reopen_incident(self) -> QWidget | None:
        """Reopen the chosen (closed) incident with the reason, its outcome shown above it."""
        if self.current is None:
            return None

        dialog = ReopenIncidentDialog(self.context, self.current, self)
        dialog.open()
        return dialog

    def take_in_quietly(self) -> None:
        """What staff sent since the last look, taken in while the lead is signed in; urgent ones alert."""
        keys = self.context.register.keys
        if keys is None or not self.isEnabled():
            return

        def taken(done: staff_reports.TakenIn) -> None:
            self._took_in(done)
            if done.received:  # the list again (not a second pass over the reports, as reload would make)
                self._read_list(self.chosen_id())

        run_op(self.context, self, staff_reports.take_in, keys, self.context.register.folder, on_done=taken,
               on_error=lambda _error: None)  # fmt: skip

    def close_incident(self) -> QWidget | None:
        """Close the chosen incident with its outcome and the reason, the incident shown above them."""
        if self.current is None:
            return None

        dialog = CloseIncidentDialog(self.context, self.current, self)
        dialog.open()
        return dialog

    def _select_after_reload(self, number: int) -> None:
        self._select_next = number

    #: The incident to show after the next reload (the one just logged).
    _select_next: int | None = None

    def on_context_changed(self, topics: frozenset[Topic]) -> None:
        """An incident was logged or changed (here or elsewhere): one reload, the new one chosen."""
        if Topic.INCIDENTS in topics and (self._loaded or self._select_next is not None):
            self._loaded = True
            chosen, self._select_next = self._select_next, None
            self.reload(chosen or (self.current.id if self.current else None))
