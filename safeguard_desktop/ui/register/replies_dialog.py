"""Unmatched replies: online form replies that named no pupil (or no giver) for sure, matched here by hand."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.domain.pupils import search_key
from safeguard_desktop.services.consent import contacts, form_replies, grid
from safeguard_desktop.services.consent.snapshot import PupilRow, RegisterSnapshot
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read
from safeguard_desktop.ui.kit.table import ReadOnlyTable

HEADERS = ("Received", "From", "Why it waits", "The reply")


class RepliesDialog(Dialog):
    """Choose a reply, find its pupil by name, say who answered, Match — or Set aside with a reason."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Unmatched replies", size=(980, 600))
        self.context = context
        self.rows: tuple[PupilRow, ...] = ()
        self.table = ReadOnlyTable(HEADERS, "Replies waiting to be matched", pick_rows=True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type the child's name to find them")
        self.search.setAccessibleName("Find the pupil")
        self.pupils = QListWidget()
        self.pupils.setAccessibleName("Pupils found")
        self.pupils.setMaximumHeight(110)
        self.contact_combo = QComboBox()
        self.contact_combo.setAccessibleName("Who answered")
        self.given_by = QLineEdit()
        self.given_by.setAccessibleName("Name of who answered, when not a contact")
        self.match_button = QPushButton("&Match")
        self.aside_button = QPushButton("Set &aside…")
        self.error_label = ErrorLabel()
        self.status_label = QLabel("")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("&Pupil", self.search)
        form.addRow("", self.pupils)
        form.addRow("&Answered by", self.contact_combo)
        form.addRow("&Name (not a contact)", self.given_by)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.aside_button)
        row.addWidget(self.match_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(close)
        self.search.textChanged.connect(self.find_pupils)
        self.pupils.currentItemChanged.connect(lambda *_: self.fill_contacts())
        self.match_button.clicked.connect(lambda: self.match())
        self.aside_button.clicked.connect(self.set_aside)
        self.found: list[Any] = []
        self.reload()

        run_read(context, self, grid.load_register, on_done=self._pupils_read)

    def _pupils_read(self, snapshot: RegisterSnapshot) -> None:
        self.rows = snapshot.rows
        if self.search.text():
            self.find_pupils(self.search.text())

    def show_error(self, message: str) -> None:
        """A refusal, shown in the dialog."""
        self.error_label.setText(message)

    def reload(self) -> None:
        """Read the queue."""

        run_read(self.context, self, form_replies.waiting, on_done=self._listed)

    def _listed(self, found: list[Any]) -> None:
        self.found = found
        self.table.set_rows([(format_uk_datetime(reply.received_at), f"{reply.source}, line {reply.line}", reply.reason,
                              reply.summary) for reply in found])  # fmt: skip
        self.status_label.setText(f"{len(self.found)} reply(ies) waiting." if self.found else
                                  "No replies are waiting.")  # fmt: skip
        if self.found:
            self.table.selectRow(0)

    def find_pupils(self, text: str) -> None:
        """Pupils whose name has every word typed (accent-blind)."""

        words = search_key(text).split()
        self.pupils.clear()
        if not words:
            return
        for pupil in self.rows:
            name = search_key(pupil.name, pupil.forename, pupil.reg_group)
            if all(w in name for w in words):
                item = QListWidgetItem(f"{pupil.name} ({pupil.reg_group}, {pupil.year_group})")
                item.setData(Qt.ItemDataRole.UserRole, pupil.id)
                self.pupils.addItem(item)
                if self.pupils.count() >= 30:
                    break
        if self.pupils.count():
            self.pupils.setCurrentRow(0)

    def fill_contacts(self) -> None:
        """The chosen pupil's contacts (or someone else, named below)."""

        self.contact_combo.clear()
        self.contact_combo.addItem("Someone else (name below)", None)
        item = self.pupils.currentItem()
        if item is None:
            return
        pupil_id = int(item.data(Qt.ItemDataRole.UserRole))

        def listed(known: list[contacts.ContactView]) -> None:
            current = self.pupils.currentItem()
            if current is None or int(current.data(Qt.ItemDataRole.UserRole)) != pupil_id:
                return  # another pupil was chosen meanwhile
            for c in known:
                if c.active:
                    self.contact_combo.addItem(f"{c.name} ({c.relationship or 'contact'})", c.id)

        run_read(self.context, self, contacts.list_contacts, pupil_id, on_done=listed)

    def _chosen(self) -> int | None:
        row = self.table.current_row()
        return self.found[row].id if 0 <= row < len(self.found) else None

    def match(self) -> None:
        """Record the chosen reply for the chosen pupil."""

        reply, item = self._chosen(), self.pupils.currentItem()
        if reply is None or item is None:
            self.error_label.setText("Choose a reply and find its pupil first.")
            return

        def matched(count: int) -> None:
            self.error_label.setText("")
            self.search.clear()
            self.given_by.clear()
            self.reload()
            self.status_label.setText(f"Matched: {count} decision(s) recorded. " + self.status_label.text())

        run_op(self.context, self, form_replies.match_by_hand, reply, int(item.data(Qt.ItemDataRole.UserRole)),
               contact_id=self.contact_combo.currentData(), given_by=self.given_by.text(), title=self.windowTitle(),
               on_done=matched)  # fmt: skip

    def set_aside(self) -> None:
        """Take the chosen reply out of the queue, with the reason (asked for)."""

        reply = self._chosen()
        if reply is None:
            self.error_label.setText("Choose a reply first.")
            return

        def aside(reason: str) -> None:
            def done(_none: None) -> None:
                self.error_label.setText("")
                self.reload()

            run_op(self.context, self, form_replies.set_aside, reply, reason, title=self.windowTitle(), on_done=done)

        steps.current().ask_text(self, "Set the reply aside", "Why (e.g. a test entry, sent twice):", aside)
