"""Add to an incident's chronology (an action, a referral with its reference, a decision with its reason, or a
correction that points at the entry it corrects), and close an incident with its outcome and reason."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.incidents import FINDINGS, Category, EntryKind
from safeguard_desktop.services import incidents
from safeguard_desktop.services.incidents import REFERRAL_TO, restricted
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit.date_field import DateField, DateTimeField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read

if TYPE_CHECKING:
    from safeguard_desktop.services.incidents import IncidentView

#: What a person adds by hand (a status change is made by the incident's own controls); "done" completes an action.
KINDS = (*(kind.value for kind in EntryKind if kind is not EntryKind.STATUS), "done")
KIND_LABELS = {"done": "Action done (one still to do)"}


class EntryDialog(Dialog):
    """The fields that apply to the chosen kind are the only ones enabled."""

    def __init__(
        self,
        context: AppContext,
        incident_id: int,
        entry_ids: list[int],
        parent: QWidget | None = None,
        actions: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(parent, "Add to the chronology", size=(600, 520))

        self.work_name = "the entry"
        self.context = context
        self.incident_id = incident_id
        self.kind_combo = QComboBox()
        self.kind_combo.addItems([KIND_LABELS.get(k, k.capitalize()) for k in KINDS])
        self.kind_combo.setAccessibleName("Kind of entry")
        self.text_edit = QPlainTextEdit()
        self.text_edit.setAccessibleName("What was done or decided")
        self.text_edit.setTabChangesFocus(True)
        self.referral_combo = QComboBox()
        self.referral_combo.addItems(list(REFERRAL_TO))
        self.referral_combo.setAccessibleName("Referred to")
        self.reference_edit = QLineEdit()
        self.reference_edit.setAccessibleName("Reference number")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(70)
        self.corrects_spin = QSpinBox()
        self.corrects_spin.setRange(min(entry_ids, default=0), max(entry_ids, default=0))
        self.corrects_spin.setAccessibleName("Entry number this corrects")
        self.earlier_check = QCheckBox("It happened earlier than now")
        self.earlier_check.setToolTip("For something done before it is written up here (a call at 15:00, recorded "
                                      "the next morning): the chronology keeps both times.")  # fmt: skip
        self.happened_edit = DateTimeField(accessible_name="When it happened")
        self.happened_edit.set_value(datetime.now().replace(second=0, microsecond=0))
        self.happened_edit.setEnabled(False)
        self.earlier_check.toggled.connect(self.happened_edit.setEnabled)
        # An action still to do: when it is due and which lead it is for (it counts in their caseload until done).
        self.due_edit = DateField(accessible_name="Action due by", optional=True, earliest=date.today())
        self.due_edit.setToolTip("Leave empty for something already done. With a date it counts as one of the "
                                 "chosen lead's actions until an 'Action done' entry completes it.")  # fmt: skip
        self.for_combo = QComboBox()
        self.for_combo.setAccessibleName("Whose action it is")
        self.for_combo.addItem("Me", context.actor.username)
        self.open_actions = list(actions or [])
        self.done_combo = QComboBox()
        self.done_combo.setAccessibleName("The action now done")
        for action in self.open_actions:
            due = date.fromisoformat(str(action["due_on"]))
            self.done_combo.addItem(f"[{action['entry']}] due {due:%d/%m/%Y}: {action['what']}", action["entry"])
        run_read(context, self, restricted.lead_choices, on_done=self._leads)
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("&Kind", self.kind_combo)
        form.addRow("&Entry", self.text_edit)
        form.addRow("Referred &to", self.referral_combo)
        form.addRow("Re&ference", self.reference_edit)
        form.addRow("&Reason", self.reason_edit)
        form.addRow("Corrects entry &no.", self.corrects_spin)
        form.addRow(self.earlier_check)
        form.addRow("When it &happened", self.happened_edit)
        form.addRow("To do &by", self.due_edit)
        form.addRow("F&or", self.for_combo)
        form.addRow("Action &done", self.done_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self.on_kind_changed)
        self.on_kind_changed()
        self.watch(self.kind_combo, self.text_edit, self.referral_combo, self.reference_edit, self.reason_edit,
                   self.corrects_spin)  # fmt: skip

    def show_error(self, message: str) -> None:
        """A refusal, shown in the form (nothing typed is lost)."""
        self.error_label.setText(message)

    def kind(self) -> str:
        """The chosen kind."""
        return KINDS[self.kind_combo.currentIndex()]

    def on_kind_changed(self, *_args: object) -> None:
        """Enable what the kind needs."""
        kind = self.kind()
        self.referral_combo.setEnabled(kind == "referral")
        self.corrects_spin.setEnabled(kind == "correction")
        self.due_edit.setEnabled(kind == "action")
        self.for_combo.setEnabled(kind == "action")
        self.done_combo.setEnabled(kind == "done" and bool(self.open_actions))

    def _leads(self, leads: list[tuple[str, str]]) -> None:
        for username, name in leads:
            if username != self.context.actor.username:
                self.for_combo.addItem(name, username)

    def on_save(self) -> None:
        """Append through the service; stay open with the reason if refused."""

        kind = self.kind()
        happened = None
        due = self.due_edit.date() if kind == "action" else None
        if kind == "action" and self.due_edit.problem():
            self.show_error(str(self.due_edit.problem()))
            return
        completes = None
        if kind == "done":
            if not self.open_actions:
                self.show_error("This incident has no action still to do.")
                return
            completes = int(self.done_combo.currentData())
        if self.earlier_check.isChecked():
            self.happened_edit.latest = datetime.now()
            problem = self.happened_edit.problem()
            if problem is not None:
                self.show_error(problem)
                self.happened_edit.setFocus()
                return
            happened = self.happened_edit.value()
        run_op(
            self.context, self, incidents.add_entry, self.incident_id,
            incidents.EntryKind("action" if kind == "done" else kind),
            self.text_edit.toPlainText(), title=self.windowTitle(), on_done=lambda _id: self.accept(),
            referral_to=self.referral_combo.currentText() if kind == "referral" else "",
            reference=self.reference_edit.text(), reason=self.reason_edit.toPlainText(),
            corrects=self.corrects_spin.value() if kind == "correction" else None, happened_at=happened,
            due_on=due, assignee=str(self.for_combo.currentData() or "") if due else None, completes=completes,
        )  # fmt: skip


def _text_field(name: str, placeholder: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    return edit


class IncidentChangeDialog(Dialog):
    """A change to one incident (closing, reopening, its Part 4 details): the incident shown above, the fields the
    change needs, one button."""

    def __init__(self, context: AppContext, incident: IncidentView, title: str, about: str,
                 fields: list[tuple[str, QWidget]], save: str, parent: QWidget | None) -> None:  # fmt: skip
        super().__init__(parent, title, size=(560, 420))
        self.context = context
        self.incident_id = incident.id
        shown = QLabel(f"Incident {incident.id}: {incident.category.value}, reported {incident.reported_at:%d/%m/%Y}"
                       f"{about}")  # fmt: skip
        shown.setTextFormat(Qt.TextFormat.PlainText)
        shown.setWordWrap(True)
        self.error_label = ErrorLabel()
        form = QFormLayout()
        for label, edit in fields:
            form.addRow(label, edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(save)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(shown)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.watch(*(edit for _label, edit in fields))

    def show_error(self, message: str) -> None:
        """A refusal, shown in the form (nothing typed is lost)."""
        self.error_label.setText(message)

    def on_save(self) -> None:
        """Make the change through the service (subclasses)."""
        raise NotImplementedError


class CloseIncidentDialog(IncidentChangeDialog):
    """Closing an incident: what it is, then the outcome and the reason for closing (both recorded)."""

    def __init__(self, context: AppContext, incident: IncidentView, parent: QWidget | None = None) -> None:
        self.outcome_edit = _text_field("Outcome", "What happened in the end (e.g. the post was removed; parents met).")
        self.reason_edit = _text_field("Reason for closing", "Why nothing more needs doing now.")
        fields: list[tuple[str, QWidget]] = [("&Outcome", self.outcome_edit), ("&Reason", self.reason_edit)]
        #: An allegation against staff closes with its finding, as agreed with the LADO (KCSIE Part 4).
        self.finding_combo: QComboBox | None = None
        if incident.category is Category.ALLEGATION:
            self.finding_combo = QComboBox()
            self.finding_combo.addItems(["Choose the finding…", *FINDINGS])
            self.finding_combo.setAccessibleName("Finding, as agreed with the LADO")
            self.finding_combo.setToolTip("Malicious: the record is removed at the retention review. Any other: kept "
                                          "to the member of staff's normal pension age or for 10 years.")  # fmt: skip
            fields.insert(0, ("&Finding", self.finding_combo))
        super().__init__(context, incident, f"Close incident {incident.id}", f".\n{incident.summary[:300]}",
                         fields, "&Close the incident", parent)  # fmt: skip
        self.work_name = "the outcome and reason"

    def on_save(self) -> None:
        """Close through the service (which needs both)."""

        finding = ""
        if self.finding_combo is not None and self.finding_combo.currentIndex() > 0:
            finding = self.finding_combo.currentText()
        run_op(self.context, self, incidents.set_status, self.incident_id, incidents.Status.CLOSED,
               outcome=self.outcome_edit.toPlainText(), reason=self.reason_edit.toPlainText(), finding=finding,
               title=self.windowTitle(), on_done=lambda _none: self.accept())  # fmt: skip


class ReopenIncidentDialog(IncidentChangeDialog):
    """Reopening a closed incident: what it is and how it ended, then why it is reopened (recorded)."""

    def __init__(self, context: AppContext, incident: IncidentView, parent: QWidget | None = None) -> None:
        outcomes = [e.text for e in incident.entries if e.kind == "outcome"]
        self.reason_edit = _text_field("Why it is reopened",
                                       "What has happened since it was closed (e.g. the account is back).")  # fmt: skip
        super().__init__(context, incident, f"Reopen incident {incident.id}",
                         f", closed.\nOutcome: {outcomes[-1][:300] if outcomes else 'not recorded'}",
                         [("&Why", self.reason_edit)], "&Reopen", parent)  # fmt: skip
        self.work_name = "the reason"

    def on_save(self) -> None:
        """Reopen through the service (which needs the reason)."""

        run_op(self.context, self, incidents.set_status, self.incident_id, incidents.Status.OPEN,
               reason=self.reason_edit.toPlainText(), title=self.windowTitle(),
               on_done=lambda _none: self.accept())  # fmt: skip
