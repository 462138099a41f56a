"""The dialog that records one consent decision for one pupil or a selection (form: forms/consent_dialog.ui)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QListWidgetItem, QWidget

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.dates import end_of_academic_year
from safeguard_desktop.services.consent import DecisionInput
from safeguard_desktop.services.consent.contacts import ContactView
from safeguard_desktop.services.consent.grid import PurposeInfo
from safeguard_desktop.ui.forms.ui_consent_dialog import Ui_ConsentDialog
from safeguard_desktop.ui.kit.dialog import Dialog

STATE_LABELS = {
    ConsentState.GRANTED: "Granted",
    ConsentState.REFUSED: "Refused",
    ConsentState.WITHDRAWN: "Withdrawn",
    ConsentState.REQUESTED: "Requested (no answer yet)",
}
RELATIONSHIPS = ("Mother", "Father", "Carer", "Step-parent", "Grandparent", "Guardian", "Foster carer", "Social worker")


class ConsentDialog(Dialog):
    """Collects a :class:`DecisionInput` and the chosen purposes; ``save`` starts saving them through the service
    and calls :meth:`saved` when it is done (a refusal comes back through :meth:`show_error`, the dialog open).

    For a run of phone calls or emails the route used last is kept, the pupil's first contact is chosen and the
    decision has the focus: Ctrl+R, then G (granted) or R (refused), then Enter records an answer.
    """

    #: The route of the last decision saved in this session (phone calls come in runs).
    last_route: Route | None = None

    def __init__(
        self,
        pupil_names: list[str],
        purposes: tuple[PurposeInfo, ...],
        save: Callable[[list[int], DecisionInput], None],
        *,
        preselected_purpose: int | None = None,
        today: date | None = None,
        contacts: Sequence[ContactView] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, "Record consent decision", size=(560, 560))
        self.work_name = "the decision"
        self.ui = Ui_ConsentDialog()
        self.ui.setupUi(self)
        self._today = today or date.today()
        self._purposes = purposes
        self._save = save
        shown = ", ".join(pupil_names[:6]) + (f" and {len(pupil_names) - 6} more" if len(pupil_names) > 6 else "")
        self.ui.pupils_label.setTextFormat(Qt.TextFormat.RichText)
        self.ui.pupils_label.setText(f"<b>{len(pupil_names)} pupil(s):</b> {_escape(shown)}")
        for purpose in purposes:
            item = QListWidgetItem(purpose.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = purpose.id == preselected_purpose
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, purpose.id)
            item.setToolTip(f"{purpose.description} (wording v{purpose.wording_version})")
            self.ui.purposes_list.addItem(item)
        for state, label in STATE_LABELS.items():
            self.ui.state_combo.addItem(label, state)
        self.ui.relationship_combo.addItems(RELATIONSHIPS)
        # One pupil: their contacts to choose from (the decision is then theirs); "someone else" types a name.
        self.contact_combo = QComboBox()
        self.contact_combo.setAccessibleName("Contact who gave the decision")
        self.contact_combo.addItem("Someone else (type the name below)", None)
        self._contacts: dict[int, ContactView] = {}
        self.contact_combo.currentIndexChanged.connect(self.on_contact_changed)
        self.contact_combo.setVisible(False)
        self.contact_label = QLabel("&Contact")
        self.contact_label.setBuddy(self.contact_combo)
        self.contact_label.setVisible(False)
        self.ui.form_layout.insertRow(2, self.contact_label, self.contact_combo)
        # A pupil's no (or taking consent back) is recorded at any age; their yes from the school's age for it.
        self.ui.pupil_radio.setText("The p&upil")
        self.ui.pupil_radio.setToolTip("A pupil's refusal or withdrawal counts at any age; their yes from the school's "
                                       "age for their own consent")  # fmt: skip
        for route in Route:
            if route is not Route.MIS_IMPORT:
                self.ui.route_combo.addItem(route.value.capitalize(), route)
        if ConsentDialog.last_route is not None:
            self.ui.route_combo.setCurrentIndex(max(0, self.ui.route_combo.findData(ConsentDialog.last_route)))
        self.ui.given_date.set_date(self._today)
        self.ui.given_date.set_range(None, self._today)  # checked on leaving the field, never while typing
        self.ui.valid_date.set_date(end_of_academic_year(self._today))
        self.ui.valid_date.set_range(self._today, None)
        for field in (self.ui.given_date, self.ui.valid_date):
            field.problem_found.connect(self.show_error)
        self.ui.valid_check.toggled.connect(self.ui.valid_date.setEnabled)
        self.ui.pupil_radio.toggled.connect(self.on_pupil_radio_toggled)
        self.ui.state_combo.currentIndexChanged.connect(self.on_state_combo_changed)
        self.ui.button_box.accepted.connect(self.on_button_box_accepted)
        self.ui.button_box.rejected.connect(self.reject)
        self.ui.button_box.button(QDialogButtonBox.StandardButton.Save).setText("&Save decision")
        self.result_purposes: list[int] = []
        self.result_decision: DecisionInput | None = None
        self._pending: tuple[list[int], DecisionInput] | None = None
        self.watch(self.ui.state_combo, self.ui.name_edit, self.ui.relationship_combo, self.ui.route_combo,
                   self.ui.given_date, self.ui.valid_date, self.ui.valid_check, self.ui.note_edit,
                   self.ui.purposes_list, self.contact_combo, self.ui.pupil_radio)  # fmt: skip
        self.ui.state_combo.setFocus()
        self.set_contacts(contacts)

    def set_contacts(self, contacts: Sequence[ContactView]) -> None:
        """One pupil's contacts to choose the giver from (the first is chosen); read after the dialog opens."""
        if not contacts or self.has_unsaved_work():
            return  # never change what the person already chose
        for contact in contacts:
            pr = "" if contact.parental_responsibility else ", no parental responsibility"
            self.contact_combo.addItem(f"{contact.name} ({contact.relationship or 'contact'}{pr})", contact.id)
        self._contacts = {c.id: c for c in contacts}
        self.contact_label.setVisible(True)
        self.contact_combo.setVisible(True)
        self.contact_combo.setCurrentIndex(1)

    def on_pupil_radio_toggled(self, pupil: bool) -> None:
        """The pupil's own consent needs no parent name."""
        self.contact_combo.setEnabled(not pupil)
        self.on_contact_changed()

    def on_contact_changed(self, *_args: object) -> None:
        """A chosen contact's name and relationship are theirs; "someone else" types them."""
        pupil = self.ui.pupil_radio.isChecked()
        contact = self._contacts.get(self.contact_combo.currentData())
        if contact is not None and not pupil:
            self.ui.name_edit.setText(contact.name)
            self.ui.relationship_combo.setCurrentText(contact.relationship)
        elif contact is None and self.ui.name_edit.text() in {c.name for c in self._contacts.values()}:
            self.ui.name_edit.clear()  # "someone else": their name is typed, never a contact's left behind
        free = contact is None and not pupil
        self.ui.name_edit.setEnabled(free)
        self.ui.relationship_combo.setEnabled(free)

    def on_state_combo_changed(self, _index: int) -> None:
        """Only a grant lapses; refusals and withdrawals stand until changed."""
        granted = self.ui.state_combo.currentData() == ConsentState.GRANTED.value
        self.ui.valid_check.setChecked(granted)

    def checked_purposes(self) -> list[int]:
        """Ids of the ticked purposes."""
        items = (self.ui.purposes_list.item(i) for i in range(self.ui.purposes_list.count()))
        return [int(it.data(Qt.ItemDataRole.UserRole)) for it in items if it.checkState() == Qt.CheckState.Checked]

    def decision(self) -> DecisionInput:
        """What the form says."""
        pupil = self.ui.pupil_radio.isChecked()
        return DecisionInput(
            state=ConsentState(self.ui.state_combo.currentData()),
            given_by_kind=GivenByKind.PUPIL if pupil else GivenByKind.PARENT,
            route=Route(self.ui.route_combo.currentData()),
            given_on=self.ui.given_date.date() or self._today,
            given_by_name="" if pupil else self.ui.name_edit.text(),
            given_by_relationship="" if pupil else self.ui.relationship_combo.currentText(),
            valid_until=self.ui.valid_date.date() if self.ui.valid_check.isChecked() else None,
            note=self.ui.note_edit.toPlainText(),
            contact_id=None if pupil else self.contact_combo.currentData(),
        )

    def show_error(self, message: str) -> None:
        """Show a problem inside the dialog (it stays open, nothing is lost)."""
        self.ui.error_label.setText(message)

    def on_button_box_accepted(self) -> None:
        """Check the obvious before the service checks everything."""
        purposes = self.checked_purposes()
        if not purposes:
            self.show_error("Tick at least one purpose.")
            self.ui.purposes_list.setFocus()
            return
        for field, applies in ((self.ui.given_date, True), (self.ui.valid_date, self.ui.valid_check.isChecked())):
            problem = field.problem() if applies else None
            if problem is not None:
                self.show_error(problem)
                field.setFocus()
                return
        decision = self.decision()
        needs_name = decision.given_by_kind is GivenByKind.PARENT and decision.state is not ConsentState.REQUESTED
        if needs_name and not decision.given_by_name.strip():
            self.show_error("Say who gave the decision (the parent or carer's name).")
            self.ui.name_edit.setFocus()
            return
        self.show_error("")
        self._pending = (purposes, decision)
        self._save(purposes, decision)

    def saved(self) -> None:
        """The service recorded the decision: close."""
        assert self._pending is not None
        self.result_purposes, self.result_decision = self._pending
        ConsentDialog.last_route = self.result_decision.route
        self.accept()


def _escape(text: str) -> str:

    return escape(text)
