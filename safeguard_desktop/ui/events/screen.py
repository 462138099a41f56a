"""Events: the list of performances, and for the chosen one who may and may not be filmed, with counts."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.consent import Verdict
from safeguard_desktop.domain.events import DOCUMENT_KINDS
from safeguard_desktop.services import events
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.events.event_documents import EventDocument, make_document
from safeguard_desktop.services.filenames import safe_filename
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.events.event_dialog import EventDialog
from safeguard_desktop.ui.events.slips_dialog import SlipsDialog
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import Cell, ReadOnlyTable, Shape
from safeguard_desktop.ui.pdf_preview import show_pdf
from safeguard_desktop.ui.register.model import VERDICT_STYLE

if TYPE_CHECKING:
    from safeguard_desktop.services.events import EventRoster, EventSummary, RosterLine

#: Participants shown before the whole roster (and its counts) is read: a whole-school event of 50,000 takes seconds.
FIRST_LINES = 300
ROSTER_HEADERS = ("Class", "Name", "Filming by parents", "School recording")
#: A needed purpose's column heading and the word for a yes in it.
ROSTER_WORDS = {
    "parent_filming": ("Filming by parents", "May be filmed"),
    "school_recording": ("School recording", "May be recorded"),
}


class EventsScreen(QWidget):
    """Loads on first show, so start-up does not wait for it."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.summaries: list[EventSummary] = []
        self.current: EventRoster | None = None
        self._loaded = False

        self.event_list = QListWidget()
        self.event_list.setAccessibleName("Events")
        manager = context.actor.may(Operation.MANAGE_EVENTS)
        self.new_button = QPushButton("&New event…")
        self.new_button.setEnabled(manager)
        self.edit_button = QPushButton("&Change…")
        self.edit_button.setAccessibleName("Change the chosen event")
        self.archive_button = QPushButton("&Archive")
        self.archive_button.setToolTip("Keep the event and its history, out of this list (Show archived brings it "
                                       "back)")  # fmt: skip
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setAccessibleName("Delete the chosen event")
        for button in (self.edit_button, self.archive_button, self.delete_button):
            button.setEnabled(False)
            button.setVisible(manager)
        self.archived_check = QCheckBox("Show arc&hived")
        self.archived_check.setVisible(manager)
        left = QVBoxLayout()
        left.addWidget(self.event_list, 1)
        left.addWidget(self.archived_check)
        changes = QGridLayout()
        changes.addWidget(self.new_button, 0, 0)
        changes.addWidget(self.edit_button, 0, 1)
        changes.addWidget(self.archive_button, 1, 0)
        changes.addWidget(self.delete_button, 1, 1)
        left.addLayout(changes)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.title = QLabel("Choose an event.")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.title.setWordWrap(True)
        self.wording = QLabel("")
        self.wording.setTextFormat(Qt.TextFormat.PlainText)
        self.wording.setWordWrap(True)
        self.wording.setAccessibleName("Filming policy as families read it")
        self.counts = QLabel("")
        self.counts.setTextFormat(Qt.TextFormat.PlainText)
        self.counts.setWordWrap(True)
        self.counts.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.counts.setAccessibleName("Who may be filmed, in numbers")
        self.only_not = QCheckBox("Show only pupils who must &not be filmed")
        self.letters_button = QPushButton("Consent &letters…")
        self.letters_button.setToolTip("One PDF of letters with reply slips, in class then surname order")
        self.letters_button.setEnabled(False)
        self.documents_button = QPushButton("Notices and &briefing ▾")
        self.documents_button.setAccessibleName("Notices, announcement, briefing and chase list")
        self.documents_button.setEnabled(False)
        menu = QMenu(self.documents_button)
        staff_only = not context.actor.may(Operation.MANAGE_EVENTS)
        for kind, label in DOCUMENT_KINDS.items():
            if kind != "letters" and (kind == "briefing" or not staff_only):
                menu.addAction(f"{label}…", partial(self.save_document, kind))
        self.documents_button.setMenu(menu)
        self.undecided_check = QCheckBox("Only families who have not answered")
        self.undecided_check.setChecked(True)
        self.roster_table = ReadOnlyTable(ROSTER_HEADERS, "Participants", stretch=1)
        actions = QHBoxLayout()
        actions.addWidget(self.only_not, 1)
        actions.addWidget(self.undecided_check)
        self.per_holder_check = QCheckBox("One per &parent")
        self.per_holder_check.setToolTip("A letter to each holder of parental responsibility, addressed to them, with "
                                         "their own slip (for households apart)")  # fmt: skip
        self.per_holder_check.setAccessibleName("A letter to each holder of parental responsibility")
        actions.addWidget(self.per_holder_check)
        self.slips_button = QPushButton("Returned &slips…")
        self.slips_button.setEnabled(False)
        self.slips_button.clicked.connect(self.on_slips_button_clicked)
        actions.addWidget(self.slips_button)
        actions.addWidget(self.letters_button)
        actions.addWidget(self.documents_button)
        right = QVBoxLayout()
        for w in (self.title, self.wording, self.counts):
            right.addWidget(w)
        right.addLayout(actions)
        right.addWidget(self.roster_table, 1)
        right_widget = QWidget()
        right_widget.setLayout(right)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(1, 3)
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

        self.event_list.currentRowChanged.connect(self.on_event_list_current_row_changed)
        self.only_not.toggled.connect(lambda _on: self._fill_roster())
        self.new_button.clicked.connect(self.on_new_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.archive_button.clicked.connect(self.on_archive_button_clicked)
        self.delete_button.clicked.connect(self.on_delete_button_clicked)
        self.archived_check.toggled.connect(lambda _on: self.reload(self.chosen_id()))
        self.letters_button.clicked.connect(lambda: self.print_letters())
        context.published.connect(self.on_context_changed)

    def showEvent(self, event: QShowEvent) -> None:
        """Load the first time the screen is shown."""
        if not self._loaded:
            self._loaded = True
            self.reload()
        super().showEvent(event)

    def chosen_id(self) -> int | None:
        """The id of the event chosen in the list."""
        row = self.event_list.currentRow()
        return self.summaries[row].id if 0 <= row < len(self.summaries) else None

    def chosen(self) -> EventSummary | None:
        """The event chosen in the list."""
        row = self.event_list.currentRow()
        return self.summaries[row] if 0 <= row < len(self.summaries) else None

    def reload(self, select_id: int | None = None) -> None:
        """Read the list of events (off the GUI thread), then show the chosen one's roster once."""

        run_read(self.context, self, events.list_events, archived=self.archived_check.isChecked(),
                 on_done=lambda found: self._listed(found, select_id))  # fmt: skip

    def _listed(self, summaries: list[EventSummary], select_id: int | None) -> None:
        self.summaries = summaries
        self.event_list.blockSignals(True)
        self.event_list.clear()
        for e in self.summaries:
            archived = "  (archived)" if e.archived else ""
            item = QListWidgetItem(f"{e.starts_at:%d/%m/%Y %H:%M}  {e.name}{archived}")
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            self.event_list.addItem(item)
        ids = [e.id for e in self.summaries]
        if ids:
            self.event_list.setCurrentRow(ids.index(select_id) if select_id in ids else 0)
        self.event_list.blockSignals(False)
        if ids:
            self.on_event_list_current_row_changed(self.event_list.currentRow())
        else:
            self._show_nothing()

    def _show_nothing(self) -> None:
        self.current = None
        self.title.setText("No events yet: New event… makes one." if not self.archived_check.isChecked()
                           else "No events.")  # fmt: skip
        self.wording.setText("")
        self.counts.setText("")
        self.roster_table.set_rows([])
        for button in (self.letters_button, self.documents_button, self.slips_button, self.edit_button,
                       self.archive_button, self.delete_button):  # fmt: skip
            button.setEnabled(False)

    def on_event_list_current_row_changed(self, row: int) -> None:
        """Show the chosen event's roster (read off the GUI thread)."""
        if not 0 <= row < len(self.summaries):
            return

        summary = self.summaries[row]
        manager = self.context.actor.may(Operation.MANAGE_EVENTS)
        for button in (self.edit_button, self.archive_button, self.delete_button):
            button.setEnabled(manager)
        self.archive_button.setText("Un&archive" if summary.archived else "&Archive")
        if not manager:  # staff: no roster; the briefing is what they need
            self.current = None
            self.title.setText(summary.name)
            self.roster_table.set_rows([])
            self.counts.setText(
                "Open the confidential staff briefing to see who must not be filmed or photographed at this "
                "event (Notices and briefing ▸ Confidential staff briefing)."
            )
            self.documents_button.setEnabled(self.context.actor.may(Operation.VIEW_BRIEFING))
            return

        def failed(error: BaseException) -> None:
            self.current = None
            self.title.setText(summary.name)
            self.roster_table.set_rows([])
            self.counts.setText(str(error) if isinstance(error, ServiceError) else "The roster could not be read.")

        def first_shown(roster: EventRoster) -> None:
            self._show_roster(roster)
            if not roster.complete:
                run_op(self.context, self, events.roster, summary.id, write=False, on_done=whole, on_error=failed)

        def whole(roster: EventRoster) -> None:
            if self.chosen_id() == roster.event.id:  # still the event chosen
                self._show_roster(roster)

        # The first participants in class order at once, then the whole roster with its counts.
        run_op(self.context, self, events.roster, summary.id, write=False, first=FIRST_LINES, on_done=first_shown,
               on_error=failed)  # fmt: skip

    def _show_roster(self, roster: EventRoster) -> None:
        self.current = roster
        e = roster.event
        groups = ", ".join((*e.year_groups, *e.classes)) + (f" and {e.picked} chosen pupil(s)" if e.picked else "")
        self.title.setText(f"{e.name} — {e.starts_at:%d/%m/%Y %H:%M}, {e.venue or 'venue not set'}")
        self.wording.setText(f"Taking part: {groups}.\nWhat families are told: {e.wording}")
        self.counts.setText(roster.describe() if roster.complete else
                            f"Reading the roster: the first {len(roster.lines):,} of {roster.total:,} taking part "
                            "are shown; the counts follow…")  # fmt: skip
        self._fill_roster()
        self.letters_button.setEnabled(self.context.actor.may(Operation.MANAGE_EVENTS))
        self.documents_button.setEnabled(True)
        self.slips_button.setEnabled(self.context.actor.may(Operation.EDIT_CONSENT))

    def _fill_roster(self) -> None:
        if self.current is None:
            return
        lines = self.current.must_not_be_filmed if self.only_not.isChecked() else self.current.lines
        purposes = self.current.purposes  # only what the event's policy needs: one column each
        headers = ["Class", "Name", *(ROSTER_WORDS.get(p.code, (p.name, ""))[0] for p in purposes)]
        yes_words = [ROSTER_WORDS.get(p.code, ("", "May appear"))[1] for p in purposes]
        made: dict[tuple[str, Verdict], Cell] = {}  # one Cell per word and verdict, shared by every row

        def cell(yes: str, verdict: Verdict) -> Cell:
            found = made.get((yes, verdict))
            if found is None:
                bg, fg, word = VERDICT_STYLE[verdict]
                found = made[(yes, verdict)] = Cell(yes if verdict.allowed else f"NOT — {verdict.value}", bg, fg, word)
            return found

        def cells(line: RosterLine) -> list[str | Cell]:
            return [line.pupil.reg_group, line.pupil.name,
                    *(cell(yes, verdict) for yes, verdict in zip(yes_words, line.verdicts, strict=False))]  # fmt: skip

        # Rows are made as they come on screen: a whole-school event of 50,000 costs the GUI thread one reset.
        self.roster_table.set_records(lines, Shape(cells, key=lambda line: line.pupil.id), headers=headers)

    def print_letters(self) -> None:
        """Consent letters with reply slips (see save_document)."""
        self.save_document("letters")

    def current_event(self) -> tuple[int, str] | None:
        """(id, name) of the chosen event, also for staff, who see no roster."""
        row = self.event_list.currentRow()
        if self.current is not None:
            return self.current.event.id, self.current.event.name
        if 0 <= row < len(self.summaries):
            return self.summaries[row].id, self.summaries[row].name
        return None

    def save_document(self, kind: str) -> None:
        """Make one of the event's PDFs off the GUI thread (progress, Cancel), then preview it in the app to print
        or save."""
        chosen = self.current_event()
        if chosen is None:
            return

        event_id, event_name = chosen
        title = DOCUMENT_KINDS[kind]
        suggested_name = safe_filename(f"{title} - {event_name}", ".pdf")

        def made(document: EventDocument) -> None:

            self.counts.setText(f"{document.summary} ready: print or save from the preview.")
            self.preview = show_pdf(self.context, self, document.pdf, title, suggested_name, kind="event",
                                    record_id=event_id, note=document.summary)  # fmt: skip

        self.document_job = run_op(
            self.context, self, make_document, event_id, kind, only_undecided=self.undecided_check.isChecked(),
            per_holder=self.per_holder_check.isChecked(), title=title, progress=f"Making the {title.lower()}…",
            on_done=made,
        )  # fmt: skip

    #: The last document preview opened (print or save from there).
    preview: QWidget | None = None

    def on_slips_button_clicked(self) -> QWidget | None:
        """Record returned slips for the chosen event."""
        if self.current is None:
            return None

        dialog = SlipsDialog(self.context, self.current.event.id, self.current.event.name, self)
        dialog.open()
        return dialog

    def on_new_button_clicked(self) -> QWidget:
        """Open the new-event dialog."""

        dialog = EventDialog(self.context, self)
        dialog.created.connect(self._select_after_reload)
        dialog.open()
        return dialog

    def on_edit_button_clicked(self) -> QWidget | None:
        """Change the chosen event (letters already sent keep what they said)."""
        summary = self.chosen()
        if summary is None:
            return None

        dialog = EventDialog(self.context, self, event=summary)
        dialog.created.connect(self._select_after_reload)
        dialog.open()
        return dialog

    def on_archive_button_clicked(self) -> None:
        """Archive the chosen event, or bring an archived one back."""
        summary = self.chosen()
        if summary is None:
            return

        run_op(self.context, self, events.archive_event, summary.id, version=summary.version,
               archived=not summary.archived, title="Archive event")  # fmt: skip

    def on_delete_button_clicked(self) -> None:
        """Delete the chosen event, after saying what stays and what goes."""
        summary = self.chosen()
        if summary is None:
            return

        def delete() -> None:
            run_op(self.context, self, events.delete_event, summary.id, version=summary.version,
                   title="Delete event")  # fmt: skip

        steps.current().confirm(
            self, "Delete event",
            f"Delete {summary.name} ({summary.starts_at:%d/%m/%Y})?\n\nAnswers already recorded from its reply "
            "slips stay in the register, and the audit trail keeps the event and every document made for it. A slip "
            "returned later will not be recognised. To keep the event but take it out of the list, Archive it "
            "instead.", yes="Delete event", no="Keep it", then=delete,
        )  # fmt: skip

    #: The event to show after the next reload (the one just made or changed).
    _select_next: int | None = None

    def _select_after_reload(self, event_id: int) -> None:
        self._select_next = event_id

    def on_context_changed(self, topics: frozenset[Topic]) -> None:
        """Consent changes change who may be filmed; one reload whatever changed."""
        if topics & {Topic.PUPILS, Topic.CONSENT, Topic.PURPOSES, Topic.EVENTS} and (
            self._loaded or self._select_next is not None
        ):
            self._loaded = True
            chosen, self._select_next = self._select_next, None
            self.reload(chosen or self.chosen_id())
