"""New or changed event: name, date and time, venue, who takes part, the filming policy and the footage offer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.events import FilmingPolicy, policy_text
from safeguard_desktop.domain.pupils import year_group_order
from safeguard_desktop.services import events
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.consent.snapshot import RegisterSnapshot
from safeguard_desktop.services.events import EventSummary
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.date_field import DateTimeField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read

POLICY_LABELS = {
    FilmingPolicy.PERSONAL_USE: "Filming for personal use only — no social media",
    FilmingPolicy.NO_FILMING: "No filming by parents (the school records)",
    FilmingPolicy.PHOTO_MOMENT: "A photo moment at the end only",
    FilmingPolicy.CUSTOM: "The school's own wording",
}


def _checklist(name: str) -> QListWidget:
    widget = QListWidget()
    widget.setAccessibleName(name)
    return widget


def _fill(widget: QListWidget, items: list[str], ticked: tuple[str, ...]) -> None:
    widget.clear()
    for text in dict.fromkeys([*items, *ticked]):  # a group that has since emptied stays, ticked
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if text in ticked else Qt.CheckState.Unchecked)
        widget.addItem(item)


def _checked(widget: QListWidget) -> list[str]:
    items = (widget.item(i) for i in range(widget.count()))
    return [it.text() for it in items if it.checkState() == Qt.CheckState.Checked]


class EventDialog(Dialog):
    """Creates or changes the event through the events service; stays open with the reason when refused."""

    created = Signal(int)

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, event: EventSummary | None = None
    ) -> None:
        super().__init__(parent, "Change event" if event else "New event", size=(640, 640))
        self.work_name = "the changes to the event" if event else "the new event"
        self.context = context
        self.editing = event
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Reception nativity")
        self.name_edit.setAccessibleName("Event name")
        self.when_edit = DateTimeField(accessible_name="Date and time of the event")
        start = datetime.combine(date.today() + timedelta(days=14), datetime.min.time()).replace(hour=14)
        self.when_edit.set_value(event.starts_at if event else start)
        self.venue_edit = QLineEdit()
        self.venue_edit.setAccessibleName("Venue")
        self.years_list = _checklist("Year groups taking part")
        self.classes_list = _checklist("Classes taking part")
        self.policy_combo = QComboBox()
        self.policy_combo.setAccessibleName("Filming policy")
        for policy, label in POLICY_LABELS.items():
            self.policy_combo.addItem(label, policy.value)
        self.custom_edit = QPlainTextEdit()
        self.custom_edit.setAccessibleName("The school's own wording")
        self.custom_edit.setTabChangesFocus(True)
        self.custom_edit.setMaximumHeight(80)
        self.footage_check = QCheckBox("The school offers its own &recording (password-protected)")
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("What families will be told")
        self.preview.setMaximumHeight(90)
        self.error_label = ErrorLabel()
        if event is not None:
            self.name_edit.setText(event.name)
            self.venue_edit.setText(event.venue)
            self.policy_combo.setCurrentIndex(max(0, self.policy_combo.findData(event.policy.value)))
            self.custom_edit.setPlainText(event.own_wording)
            self.footage_check.setChecked(event.footage_offered)
        who = QHBoxLayout()
        who.addWidget(self.years_list)
        who.addWidget(self.classes_list)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&When", self.when_edit)
        form.addRow("&Venue", self.venue_edit)
        form.addRow("Who takes part", who)
        form.addRow("&Filming", self.policy_combo)
        form.addRow("Own wording", self.custom_edit)
        form.addRow("", self.footage_check)
        form.addRow("Families read", self.preview)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        if event is not None:
            buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Save changes")
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        for signal in (self.policy_combo.currentIndexChanged, self.footage_check.toggled, self.custom_edit.textChanged):
            signal.connect(self.on_policy_changed)
        self.on_policy_changed()
        self.when_edit.problem_found.connect(self.error_label.setText)
        self.watch(self.name_edit, self.when_edit, self.venue_edit, self.years_list, self.classes_list,
                   self.policy_combo, self.custom_edit, self.footage_check)  # fmt: skip

        run_read(context, self, grid.load_register, on_done=self._groups_read)

    def _groups_read(self, snapshot: RegisterSnapshot) -> None:
        rows = snapshot.rows
        years = sorted({r.year_group for r in rows}, key=year_group_order)
        classes = sorted({r.reg_group for r in rows if r.reg_group})
        _fill(self.years_list, years, self.editing.year_groups if self.editing else ())
        _fill(self.classes_list, classes, self.editing.classes if self.editing else ())

    def show_error(self, message: str) -> None:
        """A refusal, shown in the form (nothing typed is lost)."""
        self.error_label.setText(message)

    def policy(self) -> FilmingPolicy:
        """The chosen policy."""
        return FilmingPolicy(self.policy_combo.currentData())

    def on_policy_changed(self, *_args: object) -> None:
        """Show the words families will read, live."""
        custom = self.policy() is FilmingPolicy.CUSTOM
        self.custom_edit.setEnabled(custom)
        self.preview.setPlainText(
            policy_text(self.policy(), self.custom_edit.toPlainText(), self.footage_check.isChecked())
        )

    def on_buttons_accepted(self) -> None:
        """Create or change the event."""

        problem = self.when_edit.problem()
        when = self.when_edit.value()
        if problem is not None or when is None:
            self.show_error(problem or "Type the date of the event (dd/mm/yyyy).")
            self.when_edit.setFocus()
            return
        data = events.EventInput(
            name=self.name_edit.text(),
            starts_at=when,
            venue=self.venue_edit.text(),
            policy=self.policy(),
            policy_text=self.custom_edit.toPlainText(),
            footage_offered=self.footage_check.isChecked(),
            year_groups=_checked(self.years_list),
            classes=_checked(self.classes_list),
            pupil_ids=self.editing.picked_ids if self.editing else (),
            purpose_codes=self.editing.own_purposes if self.editing else (),
        )
        if self.editing is None:
            run_op(self.context, self, events.create_event, data, title=self.windowTitle(), on_done=self._saved)
        else:
            event_id = self.editing.id
            run_op(self.context, self, events.update_event, event_id, data, version=self.editing.version,
                   title=self.windowTitle(), on_done=lambda _none: self._saved(event_id))  # fmt: skip

    def _saved(self, event_id: int) -> None:
        self.created.emit(event_id)
        self.accept()
