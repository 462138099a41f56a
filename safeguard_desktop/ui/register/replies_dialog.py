"""Unmatched replies: online form replies that named no pupil (or no giver) for sure, matched here by hand."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_datetime
from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.tables import read_only_table

HEADERS = ("Received", "From", "Why it waits", "The reply")


class RepliesDialog(QDialog):
    """Choose a reply, find its pupil by name, say who answered, Match — or Set aside with a reason."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Unmatched replies")
        self.resize(980, 600)
        self.table = read_only_table(HEADERS, "Replies waiting to be matched", pick_rows=True)
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
        self.aside_button.clicked.connect(lambda: self.set_aside())
        self.found: list = []
        self.reload()

    def reload(self) -> None:
        """Read the queue."""
        from safeguard_desktop.services import form_replies
        from safeguard_desktop.services.transaction import read_session

        with read_session(self.context.engine) as session:
            self.found = form_replies.waiting(session, self.context.actor)
        self.table.setRowCount(len(self.found))
        for r, reply in enumerate(self.found):
            values = (format_uk_datetime(reply.received_at), f"{reply.source}, line {reply.line}", reply.reason,
                      reply.summary)  # fmt: skip
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.status_label.setText(f"{len(self.found)} reply(ies) waiting." if self.found else
                                  "No replies are waiting.")  # fmt: skip
        if self.found:
            self.table.selectRow(0)

    def find_pupils(self, text: str) -> None:
        """Pupils whose name has every word typed (accent-blind)."""
        from safeguard_desktop.domain.pupils import search_key
        from safeguard_desktop.services import register
        from safeguard_desktop.services.transaction import read_session

        words = search_key(text).split()
        self.pupils.clear()
        if not words:
            return
        with read_session(self.context.engine) as session:
            rows = register.load_register(session, self.context.actor).rows
        for pupil in rows:
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
        from safeguard_desktop.services import contacts
        from safeguard_desktop.services.transaction import read_session

        self.contact_combo.clear()
        self.contact_combo.addItem("Someone else (name below)", None)
        item = self.pupils.currentItem()
        if item is None:
            return
        with read_session(self.context.engine) as session:
            for c in contacts.list_contacts(session, self.context.actor, int(item.data(Qt.ItemDataRole.UserRole))):
                if c.active:
                    self.contact_combo.addItem(f"{c.name} ({c.relationship or 'contact'})", c.id)

    def _chosen(self) -> int | None:
        row = self.table.currentRow()
        return self.found[row].id if 0 <= row < len(self.found) else None

    def match(self) -> bool:
        """Record the chosen reply for the chosen pupil."""
        from safeguard_desktop.services import form_replies
        from safeguard_desktop.services.transaction import write_session

        reply, item = self._chosen(), self.pupils.currentItem()
        if reply is None or item is None:
            self.error_label.setText("Choose a reply and find its pupil first.")
            return False
        try:
            with write_session(self.context.engine) as session:
                count = form_replies.match_by_hand(session, self.context.actor, reply,
                                                   int(item.data(Qt.ItemDataRole.UserRole)),
                                                   contact_id=self.contact_combo.currentData(),
                                                   given_by=self.given_by.text())  # fmt: skip
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return False
        self.error_label.setText("")
        self.search.clear()
        self.given_by.clear()
        self.reload()
        self.status_label.setText(f"Matched: {count} decision(s) recorded. " + self.status_label.text())
        self.context.publish({Topic.CONSENT})
        return True

    def set_aside(self, reason: str | None = None) -> bool:
        """Take the chosen reply out of the queue, with the reason."""
        from safeguard_desktop.services import form_replies
        from safeguard_desktop.services.transaction import write_session

        reply = self._chosen()
        if reply is None:
            self.error_label.setText("Choose a reply first.")
            return False
        if reason is None:
            reason, ok = QInputDialog.getText(self, "Set the reply aside", "Why (e.g. a test entry, sent twice):")
            if not ok:
                return False
        try:
            with write_session(self.context.engine) as session:
                form_replies.set_aside(session, self.context.actor, reply, reason)
        except ServiceError as exc:
            self.error_label.setText(str(exc))
            return False
        self.error_label.setText("")
        self.reload()
        return True
