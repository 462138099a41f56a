"""Who may read a case (a restricted case's named readers), and an allegation's KCSIE Part 4 details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.incidents import allegations, restricted
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.incidents.entry_dialog import IncidentChangeDialog
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.date_field import DateField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read

if TYPE_CHECKING:
    from safeguard_desktop.services.incidents import IncidentView


class ReadersDialog(Dialog):
    """Tick the leads who may read the case (yourself always among them), say why; or open it to every lead."""

    changed = Signal()

    def __init__(self, context: AppContext, incident: IncidentView, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Who may read incident {incident.id}", size=(560, 480))
        self.context = context
        self.incident_id = incident.id
        self.work_name = "the readers and the reason"
        about = QLabel(
            "A restricted case is sealed to its own key, given only to the leads ticked here (and kept for the "
            "recovery key): another lead — even with every file — reads nothing of it. Use it when a lead is "
            "the subject of a case, or close to it, and for allegations against staff."
            if not incident.restricted else
            "Only the leads ticked can read this case. Saving gives it a new key: a lead taken off keeps nothing "
            "that opens it."
        )  # fmt: skip
        about.setWordWrap(True)
        self.readers_list = QListWidget()
        self.readers_list.setAccessibleName("Leads who may read the case")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName("Why the case is restricted")
        self.reason_edit.setPlaceholderText("Why only these leads (kept, sealed to the case).")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(80)
        self.error_label = ErrorLabel()
        self.open_button = QPushButton("Let &every lead read it…")
        self.open_button.setVisible(incident.restricted)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Restrict to these leads")
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.open_to_all)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        for text, buddy, stretch in (("&Readers:", self.readers_list, 1), ("Reas&on:", self.reason_edit, 0)):
            label = QLabel(text)
            label.setBuddy(buddy)
            layout.addWidget(label)
            layout.addWidget(buddy, stretch)
        layout.addWidget(self.error_label)
        layout.addWidget(self.open_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(buttons)
        run_read(context, self, restricted.reader_choices, incident.id, on_done=self._fill)

    def _fill(self, found: tuple[list[tuple[str, str]], list[restricted.Reader]]) -> None:
        leads, now = found
        named = {r.username: r for r in now}
        me = self.context.actor.username
        for username, name in leads:
            reader = named.get(username)
            said = name if reader is None or reader.can_open else f"{name} — cannot open it now (save to give it)"
            item = QListWidgetItem(f"{said} (you)" if username == me else said)
            item.setData(Qt.ItemDataRole.UserRole, username)
            item.setCheckState(Qt.CheckState.Checked if username in named or username == me
                               else Qt.CheckState.Unchecked)  # fmt: skip
            if username == me:  # you cannot restrict a case away from yourself
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            self.readers_list.addItem(item)
        self.watch(self.readers_list, self.reason_edit)

    def chosen(self) -> list[str]:
        """The ticked leads' user names."""
        items = (self.readers_list.item(i) for i in range(self.readers_list.count()))
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in items
                if item.checkState() == Qt.CheckState.Checked]  # fmt: skip

    def show_error(self, message: str) -> None:
        """A refusal, shown in the form (nothing typed is lost)."""
        self.error_label.setText(message)

    def _done(self) -> None:
        self.changed.emit()
        self.accept()

    def on_save(self) -> None:
        """Restrict (or change the readers) through the service."""
        run_op(self.context, self, restricted.restrict, self.incident_id, self.chosen(),
               self.reason_edit.toPlainText(), title=self.windowTitle(),
               on_done=lambda _names: self._done())  # fmt: skip

    def open_to_all(self) -> None:
        """After a question: every lead reads the case again (the reason typed above is kept)."""

        def go() -> None:
            run_op(self.context, self, restricted.open_to_all_leads, self.incident_id, self.reason_edit.toPlainText(),
                   title=self.windowTitle(), on_done=lambda _none: self._done())  # fmt: skip

        steps.current().confirm(self, self.windowTitle(), "Let every safeguarding lead read this case again? Say "
                                "why in the reason first.", yes="Let every lead read it", no="Keep it restricted",
                                then=go)  # fmt: skip


class Part4Dialog(IncidentChangeDialog):
    """An allegation against staff: the case manager, whether it is about the headteacher, the pension age."""

    def __init__(self, context: AppContext, incident: IncidentView, details: allegations.Part4,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        told = ("The chronology records that the LADO was told." if details.lado_told else
                f"The LADO is to be told by {details.lado_due:%d/%m/%Y} (one working day): record it in the "
                "chronology as a referral to the LADO.")  # fmt: skip
        self.manager_edit = QLineEdit(details.case_manager)
        self.manager_edit.setAccessibleName("Case manager")
        self.manager_edit.setPlaceholderText("The headteacher (the chair of governors when it is about the head)")
        self.manager_edit.setMaxLength(100)
        self.head_check = QCheckBox("The allegation is about the &headteacher (the chair of governors manages it)")
        self.head_check.setChecked(details.about_head)
        self.pension_edit = DateField(accessible_name="Normal pension age of the member of staff", optional=True)
        if details.pension_age_on is not None:
            self.pension_edit.set_date(details.pension_age_on)
        self.pension_edit.setToolTip("The record is kept until then or for 10 years, whichever is longer.")
        super().__init__(context, incident, f"Allegation against staff — incident {incident.id}",
                         f".\nKCSIE Part 4: do not investigate or question anyone before the next steps are agreed "
                         f"with the LADO. {told}",
                         [("Case &manager", self.manager_edit), ("", self.head_check),
                          ("Normal &pension age on", self.pension_edit)], "&Save", parent)  # fmt: skip
        self.work_name = "the case manager"

    def on_save(self) -> None:
        """Save through the service (it writes the chronology's entry)."""
        if self.pension_edit.problem():
            self.show_error(str(self.pension_edit.problem()))
            return
        run_op(self.context, self, allegations.set_part4, self.incident_id, case_manager=self.manager_edit.text(),
               about_head=self.head_check.isChecked(), pension_age_on=self.pension_edit.date(),
               title=self.windowTitle(), on_done=lambda _none: self.accept())  # fmt: skip
