"""Incidents: leads see every incident and its chronology; staff see the status of their own reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.context import AppContext

if TYPE_CHECKING:
    from safeguard_desktop.services.incidents import IncidentView

CHRONOLOGY_HEADERS = ("No.", "When", "Who", "Kind", "Entry", "Reason")


class IncidentsScreen(QWidget):
    """Loads on first show, so start-up never waits for it."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.is_lead = context.actor.may(Operation.READ_INCIDENTS)
        self.views: list[IncidentView] = []
        self.current: IncidentView | None = None
        self._loaded = False
        self.list = QListWidget()
        self.list.setAccessibleName("Incidents" if self.is_lead else "Your reports")
        self.log_button = QPushButton("&Log an incident…")
        self.log_button.setEnabled(context.actor.may(Operation.LOG_INCIDENT))
        left = QVBoxLayout()
        left.addWidget(QLabel("Incidents, newest first" if self.is_lead else "Your reports and their status"))
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
        self.chronology = QTableWidget(0, len(CHRONOLOGY_HEADERS))
        self.chronology.setHorizontalHeaderLabels(CHRONOLOGY_HEADERS)
        self.chronology.setAccessibleName("Chronology")
        self.chronology.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.chronology.verticalHeader().hide()
        self.chronology.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.chronology.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.entry_button = QPushButton("&Add to the chronology…")
        self.close_button = QPushButton("&Close the incident…")
        self.helpline_button = QPushButton("&Helpline summary…")
        for button in (self.entry_button, self.close_button, self.helpline_button):
            button.setEnabled(False)
            button.setVisible(self.is_lead)
        actions = QHBoxLayout()
        actions.addWidget(self.helpline_button)
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
        splitter.setSizes([380, 980])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)
        self.list.currentRowChanged.connect(self.on_list_current_row_changed)
        self.log_button.clicked.connect(self.on_log_button_clicked)
        self.entry_button.clicked.connect(self.add_entry)
        self.helpline_button.clicked.connect(self.open_helpline_summary)
        self.statistics_button.clicked.connect(self.open_statistics)
        self.export_button.clicked.connect(lambda: self.export_log())
        self.close_button.clicked.connect(lambda: self.close_incident())
        context.published.connect(self.on_context_changed)

    def showEvent(self, event: QShowEvent) -> None:
        """Load the first time the screen is shown."""
        if not self._loaded:
            self._loaded = True
            self.reload()
        super().showEvent(event)

    def reload(self, select_id: int | None = None) -> None:
        """Read the list: every incident for leads, one's own statuses for staff."""
        from safeguard_desktop.services import incidents
        from safeguard_desktop.services.transaction import read_session

        self.list.clear()
        self._take_in_reports()
        with read_session(self.context.engine) as session:
            if self.is_lead:
                self.views = incidents.list_incidents(session, self.context.actor)
                for view in self.views:
                    overdue = "  — follow-up OVERDUE" if view.overdue else ""
                    item = QListWidgetItem(
                        f"{view.id}. {format_uk_datetime(view.reported_at)}  {view.category.value} · "
                        f"{view.status.value}{overdue}"
                    )
                    item.setData(Qt.ItemDataRole.UserRole, view.id)
                    if view.overdue:
                        item.setForeground(QBrush(QColor("#a4161a")))
                    self.list.addItem(item)
            else:
                for report in incidents.my_reports(session, self.context.actor):
                    mine = f": {report.summary[:70]}" if report.summary else ""
                    self.list.addItem(
                        f"{report.id}. {format_uk_datetime(report.reported_at)} — {report.status.value}{mine}"
                    )
        ids = [v.id for v in self.views]
        if self.is_lead and ids:
            self.list.setCurrentRow(ids.index(select_id) if select_id in ids else 0)

    def _take_in_reports(self) -> None:
        """A lead's screen takes in what staff sent through the staff room since (each once), and says so."""
        from safeguard_desktop.services import staff_reports
        from safeguard_desktop.services.transaction import write_session

        keys = self.context.register.keys
        if not self.is_lead or keys is None:
            return
        try:
            with write_session(self.context.engine) as session:
                done = staff_reports.take_in(session, self.context.actor, keys, self.context.register.folder)
        except (ServiceError, OSError) as exc:
            self.title.setText(f"Reports from staff could not be taken in: {exc}")
            return
        if done.summary():
            window = self.window()
            status = getattr(window, "statusBar", None)
            if callable(status):
                status().showMessage(done.summary(), 15_000)

    def on_list_current_row_changed(self, row: int) -> None:
        """Open the chosen incident (audited as a view)."""
        if not self.is_lead or not 0 <= row < len(self.views):
            return
        from safeguard_desktop.services import incidents
        from safeguard_desktop.services.incident_people import describe_people
        from safeguard_desktop.services.transaction import write_session

        with write_session(self.context.engine) as session:
            view = incidents.read_incident(session, self.context.actor, self.views[row].id)
            people = "; ".join(describe_people(session, self.context.actor, view))
        self.current = view
        self.title.setText(f"Incident {view.id}: {view.category.value} — {view.status.value}")
        follow = f"  ·  follow up by {view.follow_up_on:%d/%m/%Y}" if view.follow_up_on else ""
        happened = format_uk_datetime(view.occurred_at) or "unknown"
        reported = f"reported {format_uk_datetime(view.reported_at)} by {view.reported_by}{follow}"
        platforms = ", ".join(view.platforms) or "not recorded"
        self.facts.setText(
            f"{view.four_cs.value} · urgency {view.urgency.value} · happened {happened} · {reported}\n"
            f"Platforms: {platforms}\nPeople: {people or 'not recorded'}\n\n{view.summary}"
        )
        self.chronology.setRowCount(len(view.entries))
        for r, e in enumerate(view.entries):
            kind = e.kind + (f" → {e.referral_to} {e.reference}".rstrip() if e.referral_to else "")
            kind += f" (corrects {e.corrects})" if e.corrects else ""
            for c, value in enumerate((str(e.id), format_uk_datetime(e.at), e.author, kind, e.text, e.reason)):
                self.chronology.setItem(r, c, QTableWidgetItem(value))
        closed = view.status.value == "closed"
        self.entry_button.setEnabled(True)
        self.helpline_button.setEnabled(True)
        self.close_button.setEnabled(not closed)

    def on_log_button_clicked(self) -> QWidget:
        """Open the form with its guidance."""
        from safeguard_desktop.ui.incidents.log_dialog import LogIncidentDialog

        dialog = LogIncidentDialog(self.context, self)
        dialog.logged.connect(self._select_after_reload)
        dialog.open()
        return dialog

    def open_helpline_summary(self) -> QWidget | None:
        """The chosen incident's summary for the helpline (anonymised by default)."""
        if self.current is None:
            return None
        from safeguard_desktop.ui.incidents.helpline_dialog import HelplineDialog

        dialog = HelplineDialog(self.context, self.current.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_statistics(self) -> QWidget:
        """Incidents per category per term or quarter, as a chart and a table."""
        from safeguard_desktop.ui.incidents.statistics_dialog import StatisticsDialog

        dialog = StatisticsDialog(self.context, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_log(self, path: str | None = None) -> str | None:
        """Save the incident log as a spreadsheet-safe CSV or a PDF report with the statistics chart."""
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from safeguard_desktop.services.errors import ServiceError
        from safeguard_desktop.services.incident_exports import export_log
        from safeguard_desktop.services.transaction import write_session

        if path is None:
            suggested = str(Path.home() / "Incident log.pdf")
            path, _ = QFileDialog.getSaveFileName(
                self, "Export the incident log", suggested, "PDF report (*.pdf);;Spreadsheet (CSV) (*.csv)"
            )
            if not path:
                return None
        target = Path(path)
        fmt = "csv" if target.suffix.lower() == ".csv" else "pdf"
        if target.suffix.lower() not in (".csv", ".pdf"):
            target = target.with_name(target.name + ".pdf")
        try:
            with write_session(self.context.engine) as session:
                count = export_log(session, self.context.actor, target, fmt)
        except (ServiceError, OSError) as exc:
            QMessageBox.warning(self, "Export the incident log", str(exc))
            return None
        self.title.setText(f"Exported {count} incident(s) to {target}")
        return str(target)

    def add_entry(self) -> QWidget | None:
        """Open the chronology dialog for the chosen incident."""
        if self.current is None:
            return None
        from safeguard_desktop.services import incidents
        from safeguard_desktop.services.transaction import write_session
        from safeguard_desktop.ui.incidents.entry_dialog import EntryDialog

        incident_id = self.current.id

        def save(kind: str, text: str, referral_to: str, reference: str, reason: str, corrects: int | None) -> None:
            with write_session(self.context.engine) as session:
                incidents.add_entry(session, self.context.actor, incident_id, incidents.EntryKind(kind), text,
                                    referral_to=referral_to, reference=reference, reason=reason,
                                    corrects=corrects)  # fmt: skip
            self.reload(incident_id)

        dialog = EntryDialog(incidents.REFERRAL_TO, [e.id for e in self.current.entries], save, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def close_incident(self, outcome: str | None = None, reason: str | None = None) -> None:
        """Close with the outcome and the reason."""
        if self.current is None:
            return
        if outcome is None:
            outcome, ok = QInputDialog.getMultiLineText(self, "Close the incident", "Outcome:")
            if not ok:
                return
        if reason is None:
            reason, ok = QInputDialog.getMultiLineText(self, "Close the incident", "Reason for closing:")
            if not ok:
                return
        from safeguard_desktop.services import incidents
        from safeguard_desktop.services.transaction import write_session

        try:
            with write_session(self.context.engine) as session:
                incidents.set_status(session, self.context.actor, self.current.id, incidents.Status.CLOSED,
                                     outcome=outcome, reason=reason)  # fmt: skip
        except ServiceError as exc:
            self.facts.setText(f"{exc}\n\n{self.facts.text()}")
            return
        self.reload(self.current.id)

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
