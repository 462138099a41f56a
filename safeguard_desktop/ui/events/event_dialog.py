"""New event: name, date and time, venue, who takes part, the filming policy and the footage offer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
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
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.snapshot import PupilRow
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel

POLICY_LABELS = {
    FilmingPolicy.PERSONAL_USE: "Filming for personal use only — no social media",
    FilmingPolicy.NO_FILMING: "No filming by parents (the school records)",
    FilmingPolicy.PHOTO_MOMENT: "A photo moment at the end only",
    FilmingPolicy.CUSTOM: "The school's own wording",
}


def _checklist(items: list[str], name: str) -> QListWidget:
    widget = QListWidget()
    widget.setAccessibleName(name)
    for text in items:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def _checked(widget: QListWidget) -> list[str]:
    items = (widget.item(i) for i in range(widget.count()))
    return [it.text() for it in items if it.checkState() == Qt.CheckState.Checked]


class EventDialog(QDialog):
    """Creates the event through the events service; stays open with the reason when refused."""

    created = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("New event")
        self.resize(640, 600)
        snapshot = self._snapshot()
        years = sorted({r.year_group for r in snapshot}, key=year_group_order)
        classes = sorted({r.reg_group for r in snapshot if r.reg_group})
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Reception nativity")
        self.name_edit.setAccessibleName("Event name")
        self.when_edit = QDateTimeEdit()
        self.when_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when_edit.setCalendarPopup(True)
        start = datetime.combine(date.today() + timedelta(days=14), datetime.min.time()).replace(hour=14)
        self.when_edit.setDateTime(QDateTime(start))
        self.when_edit.setAccessibleName("Date and time")
        self.venue_edit = QLineEdit()
        self.venue_edit.setAccessibleName("Venue")
        self.years_list = _checklist(years, "Year groups taking part")
        self.classes_list = _checklist(classes, "Classes taking part")
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
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        for signal in (self.policy_combo.currentIndexChanged, self.footage_check.toggled, self.custom_edit.textChanged):
            signal.connect(self.on_policy_changed)
        self.on_policy_changed()

    def _snapshot(self) -> tuple[PupilRow, ...]:
        from safeguard_desktop.services import register
        from safeguard_desktop.services.transaction import read_session

        with read_session(self.context.engine) as session:
            return register.load_register(session, self.context.actor).rows

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
        """Create the event."""
        from safeguard_desktop.services import events
        from safeguard_desktop.services.transaction import write_session

        when = self.when_edit.dateTime().toPython()
        data = events.EventInput(
            name=self.name_edit.text(),
            starts_at=when,
            venue=self.venue_edit.text(),
            policy=self.policy(),
            policy_text=self.custom_edit.toPlainText(),
            footage_offered=self.footage_check.isChecked(),
            year_groups=_checked(self.years_list),
            classes=_checked(self.classes_list),
        )
        try:
            with write_session(self.context.engine) as session:
                event_id = events.create_event(session, self.context.actor, data)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return
        self.created.emit(event_id)
        self.context.changed.emit("events")
        self.accept()
