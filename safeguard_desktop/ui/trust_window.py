"""The trust's window: each school's counts as its leads last published them, its audit trail, and its pupils'
names only where that school's DSL shares them (services/server_trust.py). And a school lead's side: its counts
published to the trust at sign-in, off the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.services.actors import Actor, Role
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.background import run_in_background
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.kit.table import ReadOnlyTable

if TYPE_CHECKING:
    from safeguard_desktop.services.server_trust import SchoolFigures, TrailLine, TrustDesk, TrustReport
    from safeguard_desktop.ui.context import AppContext

SCHOOL_HEADERS = ("School", "Published", "By", "Pupils on roll", "Never photograph", "Incidents", "Open",
                  "Trail entries", "Last 30 days", "Pupils' names")  # fmt: skip
CONSENT_HEADERS = ("Purpose", "Granted", "Not granted", "Givers disagree", "No decision")
TERM_HEADERS = ("Term", "Category", "Incidents", "A year earlier")
TRAIL_HEADERS = ("When", "Who", "What", "Record", "Detail")
PUPIL_HEADERS = ("Number", "Name", "Year", "Class")
LOCK_MINUTES = 10


def _count(value: Any) -> str:
    return "–" if value is None else str(value)


class TrustWindow(QMainWindow):
    """Schools above; the chosen school's consent, incidents by term, trail and (where shared) pupils below."""

    def __init__(self, desk: TrustDesk) -> None:
        super().__init__()
        self.desk = desk
        self.report: TrustReport | None = None
        self.refresh_title()
        intro = QLabel("Each school's figures as its safeguarding leads last published them (at each lead's sign-in), "
                       "and its audit trail. A school's pupils' names and the trail's details show only where "
                       "its DSL shares them with the trust.")  # fmt: skip
        intro.setWordWrap(True)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read every school's figures again (F5)")
        self.refresh_button.clicked.connect(self.reload)
        self.export_button = QPushButton("&Export as CSV…")
        self.export_button.setToolTip("Every school's figures, a row each, for a spreadsheet (no names)")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.export_button)
        top.addWidget(self.refresh_button)
        self.schools = ReadOnlyTable(SCHOOL_HEADERS, "Schools", pick_rows=True,
                                     numbers=(3, 4, 5, 6, 7, 8))  # fmt: skip
        self.problem = QLabel("")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What a school has not published")
        self.consent = ReadOnlyTable(CONSENT_HEADERS, "Consent per purpose", stretch=0, numbers=(1, 2, 3, 4))
        self.terms = ReadOnlyTable(TERM_HEADERS, "Incidents per term", stretch=1, numbers=(2, 3))
        self.trail = ReadOnlyTable(TRAIL_HEADERS, "Audit trail", stretch=4)
        self.pupils = ReadOnlyTable(PUPIL_HEADERS, "Pupils", stretch=1, numbers=(0,))
        self.details = QTabWidget()
        self.details.setAccessibleName("The school's figures")
        self.details.addTab(self.consent, "&Consent")
        self.details.addTab(self.terms, "&Incidents by term")
        self.details.addTab(self.trail, "&Audit trail")
        self.details.addTab(self.pupils, "&Pupils")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.problem)
        lower_layout.addWidget(self.details, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.schools)
        split.addWidget(lower)
        split.setSizes([220, 380])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        self.schools.current_row_changed.connect(self._school_chosen)
        self._build_menus()
        from safeguard_desktop.ui.lock import InactivityLock

        #: Locked after 10 minutes idle (Ctrl+L at once), as every other window: names may be on screen.
        self.inactivity = InactivityLock(self, desk, Actor(desk.username, Role.STAFF, desk.username), LOCK_MINUTES)
        self.resize(1180, 680)
        geometry = QSettings().value("trust_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def refresh_title(self) -> None:
        """The title: who is signed in (again after the lock)."""
        self.setWindowTitle(f"The trust's schools — {self.desk.username} — Safeguard Desktop")

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.reload)
        menu.addAction(refresh)
        lock = QAction("&Lock", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(lambda: self.inactivity.lock())
        menu.addAction(lock)
        close = QAction("Sign &out and close", self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        close.triggered.connect(self.close)
        menu.addAction(close)

    def reload(self) -> None:
        """Every school's figures, read off the GUI thread."""
        self.refresh_button.setEnabled(False)
        self.statusBar().showMessage("Reading the schools' figures…")
        run_in_background(lambda _progress: self.desk.report(), self._shown, self._failed, parent=self)

    def _shown(self, report: TrustReport) -> None:
        chosen = self._chosen()
        self.report = report
        self.refresh_button.setEnabled(True)
        rows = [self._row(school) for school in report.schools]
        self.schools.set_rows(rows, [s.code for s in report.schools])
        self.export_button.setEnabled(bool(rows))
        pupils = sum(int(s.body.get("pupils_on_roll", 0)) for s in report.schools)
        total = sum(int(s.incidents.get("total", 0)) for s in report.schools)
        still = sum(int(s.incidents.get("open", 0)) for s in report.schools)
        self.statusBar().showMessage(f"{len(rows)} school(s): {pupils:,} pupils on roll, {total:,} incidents "
                                     f"({still:,} open) as published; read at "
                                     f"{format_uk_datetime(report.read_at)}")  # fmt: skip
        if not rows:
            self.problem.setText("No school on this server shares its figures with the trust yet: the IT support "
                                 "sets each school up with its code (docs/server-setup.md).")  # fmt: skip
            return
        codes = [s.code for s in report.schools]
        self.schools.selectRow(codes.index(chosen) if chosen in codes else 0)

    def export(self) -> None:
        """Every school's figures to a CSV file the person chooses (no names in it)."""
        from pathlib import Path

        from safeguard_desktop.services import server_trust
        from safeguard_desktop.ui.kit import steps

        report = self.report
        if report is None:
            return
        suggested = Path.home() / f"trust-figures-{report.read_at:%Y-%m-%d}.csv"

        def write(path: Path) -> None:
            try:
                written = server_trust.export_csv(report, path)
            except (OSError, ServiceError) as exc:
                steps.current().tell(self, "Not exported", f"The figures could not be written to {path}: "
                                     f"{message_for(exc, None)}", warning=True)  # fmt: skip
                return
            self.statusBar().showMessage(f"{written} figures written to {path}", 10_000)

        steps.current().choose_save(self, "Export the trust's figures", suggested, "CSV files (*.csv)", write)

    def _row(self, school: SchoolFigures) -> list[str]:
        body, incidents = school.body, school.incidents
        return [school.code, format_uk_datetime(school.published_at) if school.published_at else "not yet",
                school.published_by, _count(body.get("pupils_on_roll")), _count(body.get("never_photograph")),
                _count(incidents.get("total")), _count(incidents.get("open")), str(school.trail_entries),
                str(school.trail_last_30_days), "shared" if school.names_shared else "not shared"]  # fmt: skip

    def _failed(self, exc: Exception) -> None:
        self.refresh_button.setEnabled(True)
        self.statusBar().showMessage(f"The figures could not be read: {message_for(exc, None)}")

    def _chosen(self) -> str | None:
        row = self.schools.currentIndex().row()
        if self.report is None or not 0 <= row < len(self.report.schools):
            return None
        return self.report.schools[row].code

    def _school_chosen(self, row: int) -> None:
        if self.report is None or not 0 <= row < len(self.report.schools):
            for table in (self.consent, self.terms, self.trail, self.pupils):
                table.set_rows([])
            return
        school = self.report.schools[row]
        self.problem.setText(f"{school.code}: {school.problem}" if school.problem else "")
        self.problem.setVisible(bool(school.problem))
        self.consent.set_rows([[c["purpose"], str(c["granted"]), str(c["not_granted"]), str(c["conflict"]),
                                str(c["no_decision"])] for c in school.body.get("consent", [])])  # fmt: skip
        self.terms.set_rows([[t["term"], t["category"], str(t["count"]), str(t["year_earlier"])]
                             for t in school.incidents.get("terms", [])])  # fmt: skip
        self.details.setTabText(3, "&Pupils" if school.names_shared else "&Pupils (not shared)")
        self.details.setTabEnabled(3, school.names_shared)
        code, shared = school.code, school.names_shared

        def read(_progress: object) -> tuple[str, list[TrailLine], list[tuple[int, str, str, str]]]:
            from safeguard_desktop.services import server_trust

            names = server_trust.pupils(self.desk.engine, code) if shared else []
            return code, self.desk.trail(code), names

        run_in_background(read, self._trail_shown, self._failed, parent=self)

    def _trail_shown(self, found: tuple[str, list[TrailLine], list[tuple[int, str, str, str]]]) -> None:
        code, lines, names = found
        if code != self._chosen():  # (another school was chosen meanwhile)
            return
        self.trail.set_rows([[format_uk_datetime(line.at), line.actor, line.action, line.record, line.detail]
                             for line in lines])  # fmt: skip
        self.pupils.set_rows([[str(n), name, year, group] for n, name, year, group in names])

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember where the window was."""
        QSettings().setValue("trust_window/geometry", self.saveGeometry())
        super().closeEvent(event)


def publish_to_trust(window: QMainWindow, context: AppContext) -> None:
    """A lead of a trust's school, signed in with the safeguarding key: the school's counts published to the trust,
    quietly, off the GUI thread (a failure said in the status bar: the trust's figures wait for the next)."""
    from safeguard_desktop.services import server, server_trust
    from safeguard_desktop.services.server_school import of_url
    from safeguard_desktop.ui.kit.ops import run_op

    actor, register = context.actor, context.register
    if actor.role not in (Role.DSL, Role.DEPUTY_DSL) or actor.safeguarding_key is None:
        return
    if not server.on_server(register) or not of_url(register.engine.url).code:
        return

    def done(_body: object) -> None:
        window.statusBar().showMessage("The school's counts were published to the trust (no names).", 10_000)

    def failed(exc: BaseException) -> None:
        window.statusBar().showMessage(f"The school's counts were not published to the trust: "
                                       f"{message_for(exc, None)}", 20_000)  # fmt: skip

    run_op(context, window, server_trust.publish, on_done=done, on_error=failed)
