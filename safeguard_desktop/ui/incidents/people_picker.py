"""Who is involved in an incident: several pupils picked from the register, staff by role, the school."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.incidents import INVOLVEMENTS, PersonInput
from safeguard_desktop.services.incidents.incident_people import PupilChoice


class PeoplePicker(QWidget):
    """Type part of a name, press Enter: the pupil is added with the chosen involvement. Delete removes."""

    edited = Signal()  # someone was added or removed, or something typed

    def __init__(self, choices: list[PupilChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.people: list[tuple[PersonInput, str]] = []

        self.pupil_edit = QLineEdit()
        self.pupil_edit.setPlaceholderText("Type part of a pupil's name, then Enter")
        self.pupil_edit.setAccessibleName("Find a pupil to link")
        self.completer = QCompleter([], self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.pupil_edit.setCompleter(self.completer)
        self.set_choices(choices)
        self.pupil_involvement = self._involvement_combo("Involvement of the pupil")
        self.add_pupil_button = QPushButton("Add &pupil")
        self.staff_name_edit = QLineEdit()
        self.staff_name_edit.setPlaceholderText("Name (optional)")
        self.staff_name_edit.setAccessibleName("Name of the member of staff")
        self.staff_role_edit = QLineEdit()
        self.staff_role_edit.setPlaceholderText("Role, e.g. PE teacher")
        self.staff_role_edit.setAccessibleName("Role of the member of staff")
        self.staff_involvement = self._involvement_combo("Involvement of the member of staff")
        self.add_staff_button = QPushButton("Add &staff")
        self.school_check = QCheckBox("The school itself is affected (e.g. its name or logo misused)")
        self.list = QListWidget()
        self.list.setAccessibleName("People involved")
        self.list.setMaximumHeight(110)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(False)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #7a3e00;")
        self.message.setTextFormat(Qt.TextFormat.PlainText)

        grid = QGridLayout()
        grid.addWidget(self.pupil_edit, 0, 0, 1, 2)
        grid.addWidget(self.pupil_involvement, 0, 2)
        grid.addWidget(self.add_pupil_button, 0, 3)
        grid.addWidget(self.staff_name_edit, 1, 0)
        grid.addWidget(self.staff_role_edit, 1, 1)
        grid.addWidget(self.staff_involvement, 1, 2)
        grid.addWidget(self.add_staff_button, 1, 3)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(self.school_check)

        self.pupil_edit.returnPressed.connect(self.add_pupil)
        self.completer.activated.connect(lambda _text: self.add_pupil())
        for edit in (self.pupil_edit, self.staff_name_edit, self.staff_role_edit):
            edit.textEdited.connect(self.edited)
        self.school_check.clicked.connect(self.edited)
        self.add_pupil_button.clicked.connect(self.add_pupil)
        self.add_staff_button.clicked.connect(self.add_staff)
        self.staff_role_edit.returnPressed.connect(self.add_staff)
        self.remove_button.clicked.connect(self.remove_current)
        self.list.currentRowChanged.connect(lambda row: self.remove_button.setEnabled(row >= 0))
        self.list.installEventFilter(self)

    @staticmethod
    def _involvement_combo(name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for involvement in INVOLVEMENTS:
            combo.addItem(involvement.capitalize(), involvement)
        return combo

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Delete or Backspace in the list removes the chosen person."""
        if (
            watched is self.list
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        ):
            self.remove_current()
            return True
        return super().eventFilter(watched, event)

    def _match(self, text: str) -> PupilChoice | None:
        text = text.strip()
        if text in self._by_label:
            return self._by_label[text]
        wanted = text.casefold()
        found = [c for c in self.choices if wanted and wanted in c.label.casefold()]
        return found[0] if len(found) == 1 else None

    def add_pupil(self) -> None:
        """Link the pupil typed (or chosen from the list) with the chosen involvement."""
        text = self.pupil_edit.text()
        choice = self._match(text)
        if choice is None:
            self.message.setText(
                f"No single pupil matches {text.strip()!r}: keep typing and choose from the list."
                if text.strip()
                else "Type part of a pupil's name first."
            )
            return
        if any(p.pupil_id == choice.id for p, _ in self.people):
            self.message.setText(f"{choice.label} is linked already.")
            return
        involvement = str(self.pupil_involvement.currentData())
        self._add(PersonInput("pupil", involvement, pupil_id=choice.id), f"{choice.label} — {involvement}")
        self.pupil_edit.clear()

    def add_staff(self) -> None:
        """Add a member of staff (a role is enough; the helpline summary shows only the role)."""
        name, role = self.staff_name_edit.text().strip(), self.staff_role_edit.text().strip()
        if not role:
            self.message.setText("Give the member of staff's role (the helpline summary names staff by role).")
            return
        involvement = str(self.staff_involvement.currentData())
        who = f"{name}, {role}" if name else role
        self._add(PersonInput("staff", involvement, name=name, staff_role=role), f"Staff: {who} — {involvement}")
        self.staff_name_edit.clear()
        self.staff_role_edit.clear()

    def set_choices(self, choices: list[PupilChoice]) -> None:
        """The pupils a name may be picked from (read after the form opens)."""
        self.choices = choices
        self._by_label = {c.label: c for c in choices}
        self.completer.model().setStringList([c.label for c in choices])  # type: ignore[attr-defined]

    def _add(self, person: PersonInput, label: str) -> None:
        self.people.append((person, label))
        item = QListWidgetItem(label)
        self.list.addItem(item)
        self.message.setText("")
        self.edited.emit()

    def remove_current(self) -> None:
        """Take the chosen person off the incident form."""
        row = self.list.currentRow()
        if 0 <= row < len(self.people):
            del self.people[row]
            self.list.takeItem(row)
            self.edited.emit()

    def persons(self) -> list[PersonInput]:
        """Everyone linked, ready for the service."""
        people = [p for p, _ in self.people]
        if self.school_check.isChecked():
            people.append(PersonInput("school", "affected"))
        return people
