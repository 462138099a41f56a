"""The register screen: filters, the pupils × purposes table and the pupil's detail panel."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.consent import contacts, grid, register_view
from safeguard_desktop.services.consent.snapshot import PupilRow, RegisterSnapshot
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.excepthook import message_for
from safeguard_desktop.ui.kit.ops import run_op, run_read, show_failure
from safeguard_desktop.ui.register.conflicts_dialog import ConflictsDialog
from safeguard_desktop.ui.register.consent_dialog import ConsentDialog
from safeguard_desktop.ui.register.contacts_dialog import ContactsDialog
from safeguard_desktop.ui.register.detail_panel import DetailPanel
from safeguard_desktop.ui.register.model import (
    COL_NAME,
    FIXED_COLUMNS,
    STATE_FILTERS,
    RegisterFilter,
    RegisterTableModel,
)
from safeguard_desktop.ui.register.never_dialog import NeverPhotographDialog

if TYPE_CHECKING:
    from safeguard_desktop.services.consent import DecisionInput
    from safeguard_desktop.services.consent.grid import PupilDetail
    from safeguard_desktop.ui.background import BackgroundJob
    from safeguard_desktop.ui.register.consent_dialog import ConsentDialog
    from safeguard_desktop.ui.register.never_dialog import NeverPhotographDialog

# The services below import SQLAlchemy; they are imported where used so the first paint does not wait for them.

ALL_YEARS = "All year groups"
ALL_CLASSES = "All classes"
ANY_PURPOSE = "in any purpose"


#: Pupils shown at the first load before the rest are read (a trust's 50,000 take seconds to decide).
FIRST_PUPILS = 400


class RegisterScreen(QWidget):
    """The consent register."""

    first_painted = Signal()  # the table has drawn its rows once (start-up finishes its work after this)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.snapshot: RegisterSnapshot | None = None
        self._loading: BackgroundJob | None = None
        self.model = RegisterTableModel(self)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name, UPN or class…  (Ctrl+F)")
        self.filter_edit.setAccessibleName("Filter pupils")
        self.filter_edit.setClearButtonEnabled(True)
        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName("Year group filter")
        self.reg_combo = QComboBox()
        self.reg_combo.setAccessibleName("Class filter")
        self.state_combo = QComboBox()
        self.state_combo.setAccessibleName("Consent state filter")
        self.state_combo.addItems(list(STATE_FILTERS))
        self.purpose_combo = QComboBox()
        self.purpose_combo.setAccessibleName("Purpose the state filter applies to")
        self.left_check = QCheckBox("Show leavers")
        self.left_check.setAccessibleName("Include pupils who have left")
        self.count_label = QLabel("")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAccessibleName("Pupils shown")

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 3)
        for w in (self.year_combo, self.reg_combo, self.state_combo, self.purpose_combo, self.left_check):
            bar.addWidget(w)

        self.table = QTableView()
        self.table.setAccessibleName("Consent register")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(96)
        self.table.setWordWrap(False)

        self.detail = DetailPanel()
        self.record_button = QPushButton("&Record decision…")
        self.record_button.setToolTip("Record a consent decision for the selected pupils (Ctrl+R)")
        self.record_button.setAccessibleName("Record consent decision")
        self.never_button = QPushButton("&Never photograph…")
        self.never_button.setToolTip("Set or clear the never-photograph flag (safeguarding leads)")
        self.never_button.setAccessibleName("Never-photograph flag")
        self.never_button.setVisible(context.actor.may(Operation.SET_NEVER_PHOTOGRAPH))
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        self.conflicts_button = QPushButton("&Conflicts…")
        self.conflicts_button.setToolTip(
            "Pupils whose parents or carers disagree: treated as no until a lead resolves it"
        )
        self.conflicts_button.setAccessibleName("Conflicting consent to resolve")
        self.contacts_button = QPushButton("Con&tacts…")
        self.contacts_button.setToolTip("The selected pupil's contacts: who may give consent")
        self.contacts_button.setAccessibleName("Pupil's contacts")
        buttons.addWidget(self.contacts_button)
        buttons.addWidget(self.conflicts_button)
        buttons.addWidget(self.never_button)
        buttons.addWidget(self.record_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([960, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.filter_edit.textChanged.connect(self.on_filters_changed)
        for combo in (self.year_combo, self.reg_combo, self.state_combo, self.purpose_combo):
            combo.currentIndexChanged.connect(self.on_filters_changed)
        self.left_check.toggled.connect(lambda _on: self.reload())
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.record_button.clicked.connect(self.on_record_button_clicked)
        self.never_button.clicked.connect(self.on_never_button_clicked)
        self.conflicts_button.clicked.connect(self.on_conflicts_button_clicked)
        self.contacts_button.clicked.connect(self.on_contacts_button_clicked)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_filter)
        QShortcut(QKeySequence("Ctrl+R"), self, self.on_record_button_clicked)
        QShortcut(QKeySequence("Escape"), self.filter_edit, self.filter_edit.clear)
        context.published.connect(self.on_context_changed)
        self._update_buttons()
        self._painted = False
        self.table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Announce the first paint of the table with rows in it."""
        if not self._painted and event.type() == QEvent.Type.Paint and self.model.rowCount() > 0:
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)
        return super().eventFilter(watched, event)

    # --- loading -------------------------------------------------------------------------------------------
    def load_now(self) -> None:
        """Load the register (off the GUI thread; at once where work runs inline, as in tests)."""
        self.reload()

    def reload(self) -> None:
        """Reload off the GUI thread, keeping the selected pupil selected."""

        self.count_label.setText("Loading…")
        column, order = self.model.sort_order()

        def load(first: int | None, on_done: Callable[[register_view.Prepared], None]) -> None:
            self._loading = run_op(self.context, self, register_view.load_prepared, write=False, column=column,
                                   descending=order == Qt.SortOrder.DescendingOrder, first=first,
                                   include_left=self.left_check.isChecked(), on_done=on_done,
                                   on_error=self.on_load_failed)  # fmt: skip

        def first_shown(prepared: register_view.Prepared) -> None:
            self.set_snapshot(prepared)
            if not prepared.complete:
                self.count_label.setText(f"Showing the first {len(prepared.snapshot.rows):,} of "
                                         f"{prepared.total:,} pupils — reading the rest…")  # fmt: skip
                load(None, self.set_snapshot)

        # The first time (nothing shown yet), the first pupils by name come first, then the whole register; a
        # reload after a change replaces the rows already shown in one go.
        load(FIRST_PUPILS if self.model.total == 0 else None, first_shown)

    def on_load_failed(self, exc: BaseException) -> None:
        """Tell the person; keep showing what was there."""
        self.count_label.setText("Could not load the register.")
        show_failure(self, "Register", exc)

    def set_snapshot(self, snapshot: RegisterSnapshot | register_view.Prepared) -> None:
        """Show a freshly loaded register (prepared off the GUI thread when it comes from reload)."""
        selected = [p.id for p in self.selected_pupils()]
        self.snapshot = snapshot.snapshot if isinstance(snapshot, register_view.Prepared) else snapshot
        self.model.set_snapshot(snapshot)
        self._refill_combos()
        self._apply_filter()
        self._reselect(selected)
        header = self.table.horizontalHeader()
        header.resizeSection(COL_NAME, 220)
        for c in range(1, FIXED_COLUMNS):
            header.resizeSection(c, 90 if c != FIXED_COLUMNS - 1 else 120)

    def _refill_combos(self) -> None:
        for combo, first, items in (
            (self.year_combo, ALL_YEARS, self.model.year_groups()),
            (self.reg_combo, ALL_CLASSES, self.model.reg_groups()),
            (self.purpose_combo, ANY_PURPOSE, [f"in {p}" for p in self.model.purposes]),
        ):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first)
            combo.addItems(items)
            index = combo.findText(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _reselect(self, pupil_ids: list[int]) -> None:
        selection = self.table.selectionModel()
        first = True
        for pid in pupil_ids:
            row = self.model.row_of(pid)
            if row < 0:
                continue
            flags = QItemSelectionModel.SelectionFlag.Rows | (
                QItemSelectionModel.SelectionFlag.ClearAndSelect if first else QItemSelectionModel.SelectionFlag.Select
            )
            selection.select(self.model.index(row, 0), flags)
            if first:
                self.table.scrollTo(self.model.index(row, 0))
            first = False
        if first:
            self.detail.clear()
        else:
            self.show_detail()

    # --- filters -------------------------------------------------------------------------------------------
    def current_filter(self) -> RegisterFilter:
        """The filter the widgets describe."""
        return RegisterFilter(
            text=self.filter_edit.text(),
            year_group="" if self.year_combo.currentIndex() <= 0 else self.year_combo.currentText(),
            reg_group="" if self.reg_combo.currentIndex() <= 0 else self.reg_combo.currentText(),
            state=self.state_combo.currentText(),
            purpose_column=self.purpose_combo.currentIndex() - 1,
        )

    def _apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())
        self.count_label.setText(f"Showing {self.model.rowCount()} of {self.model.total} pupils")

    def on_filters_changed(self, *_args: object) -> None:
        """Filter as the person types or picks."""
        self._apply_filter()
        self._update_buttons()

    def focus_filter(self) -> None:
        """Ctrl+F."""
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    # --- selection and details -----------------------------------------------------------------------------
    def selected_pupils(self) -> list[PupilRow]:
        """The pupils on the selected rows."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.pupil_at(r) for r in rows]

    def _update_buttons(self) -> None:
        chosen = len(self.selected_pupils())
        self.record_button.setEnabled(chosen > 0 and self.context.actor.may(Operation.EDIT_CONSENT))
        self.never_button.setEnabled(chosen == 1)
        self.contacts_button.setEnabled(chosen == 1)

    def on_table_selection_changed(self, *_args: object) -> None:
        """Show the chosen pupil's history."""
        self._update_buttons()
        QTimer.singleShot(0, self.show_detail)

    def show_detail(self) -> None:
        """Load the detail of the first selected pupil."""

        if not isValid(self) or not isValid(self.table):  # the window closed before the deferred call ran
            return
        pupils = self.selected_pupils()
        if not pupils:
            self.detail.clear()
            return

        def failed(error: BaseException) -> None:
            self.detail.clear()
            self.count_label.setText(message_for(error, None))

        def read(detail: PupilDetail) -> None:
            chosen = self.selected_pupils()
            if chosen and chosen[0].id == detail.row.id:  # a quicker later choice may have moved on
                self.detail.show_detail(detail, self.model.purposes)

        run_op(self.context, self, grid.pupil_detail, pupils[0].id, title="Register", on_done=read,
               on_error=failed)  # fmt: skip

    def on_table_double_clicked(self, index: object) -> None:
        """Double-click a purpose cell: record a decision for that purpose."""
        column = getattr(index, "column", lambda: 0)()
        self.record_decision(preselected_column=column - FIXED_COLUMNS if column >= FIXED_COLUMNS else None)

    def on_record_button_clicked(self) -> None:
        """Record a decision for the selection."""
        self.record_decision()

    def record_decision(self, preselected_column: int | None = None) -> ConsentDialog | None:
        """Open the consent dialog for the selected pupils."""
        pupils = self.selected_pupils()
        if not pupils or self.snapshot is None:
            return None

        purposes = self.snapshot.purposes
        preselected = purposes[preselected_column].id if preselected_column is not None else None
        ids = [p.id for p in pupils]

        def save(purpose_ids: list[int], decision: DecisionInput) -> None:
            run_op(self.context, dialog, consent.record_decisions, ids, purpose_ids, decision,
                   title="Record decision", on_done=lambda _count: dialog.saved())  # fmt: skip

        dialog = ConsentDialog([p.name for p in pupils], purposes, save, preselected_purpose=preselected, parent=self)
        dialog.open()
        if len(ids) == 1:  # one pupil: their contacts to choose the giver from
            run_read(self.context, self, contacts.list_contacts, ids[0],
                     on_done=lambda known: dialog.set_contacts([c for c in known if c.active]))  # fmt: skip
        return dialog

    def on_contacts_button_clicked(self) -> QWidget | None:
        """The selected pupil's contacts, to add or change."""
        pupils = self.selected_pupils()
        if len(pupils) != 1:
            return None

        dialog = ContactsDialog(self.context, pupils[0].id, pupils[0].name, self)
        dialog.open()
        return dialog

    def on_conflicts_button_clicked(self) -> QWidget:
        """The conflicts to resolve (leads resolve them; office see them)."""

        dialog = ConflictsDialog(self.context, self)
        dialog.open()
        return dialog

    def on_never_button_clicked(self) -> NeverPhotographDialog | None:
        """Set or clear the never-photograph flag of one pupil."""
        pupils = self.selected_pupils()
        if len(pupils) != 1:
            return None

        dialog = NeverPhotographDialog(self.context, pupils[0].id, pupils[0].name, self)
        dialog.open()
        return dialog

    def on_context_changed(self, topics: frozenset[Topic]) -> None:
        """Reload (once) when pupils, consent or purposes change."""
        if topics & {Topic.PUPILS, Topic.CONSENT, Topic.PURPOSES}:
            self.reload()
