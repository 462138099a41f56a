"""The panel beside the register: one pupil's current consent and full history."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.dates import format_uk_date, format_uk_datetime
from safeguard_desktop.ui.kit.table import ReadOnlyTable
from safeguard_desktop.ui.register.model import VERDICT_STYLE

if TYPE_CHECKING:
    from safeguard_desktop.services.consent.grid import PupilDetail

HISTORY_HEADERS = ("Given", "Purpose", "Decision", "Given by", "Route", "Valid until", "Wording", "Recorded by", "Note")


class DetailPanel(QWidget):
    """Shows a :class:`PupilDetail`. Text from data is shown as plain text, never as markup."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Pupil details")
        layout = QVBoxLayout(self)
        self.title = QLabel("Choose a pupil to see their consent history.")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.title.setAccessibleName("Pupil name")
        self.facts = QLabel("")
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setWordWrap(True)
        self.facts.setAccessibleName("Pupil facts")
        self.flag = QLabel("")
        self.flag.setTextFormat(Qt.TextFormat.PlainText)
        self.flag.setWordWrap(True)
        self.flag.setAccessibleName("Never-photograph flag")
        self.flag.setStyleSheet(
            "background: #5a0f14; color: white; padding: 6px; font-weight: bold; border-radius: 3px;"
        )
        self.flag.hide()
        self.current = QLabel("")
        self.current.setTextFormat(Qt.TextFormat.RichText)
        self.current.setWordWrap(True)
        self.current.setAccessibleName("Current consent by purpose")
        self.contacts = QLabel("")
        self.contacts.setTextFormat(Qt.TextFormat.PlainText)
        self.contacts.setWordWrap(True)
        self.contacts.setAccessibleName("Contacts who may give consent")
        history_title = QLabel("History (newest first; nothing is ever overwritten)")
        history_title.setStyleSheet("font-weight: 600; margin-top: 8px;")
        self.history = ReadOnlyTable(HISTORY_HEADERS, "Consent history")
        for widget in (self.title, self.facts, self.flag, self.current, self.contacts, history_title):
            layout.addWidget(widget)
        layout.addWidget(self.history, 1)

    def clear(self) -> None:
        """Nothing selected."""
        self.title.setText("Choose a pupil to see their consent history.")
        self.facts.setText("")
        self.flag.hide()
        self.current.setText("")
        self.contacts.setText("")
        self.history.set_rows([])

    def show_detail(self, detail: PupilDetail, purpose_names: list[str]) -> None:
        """Fill the panel."""
        row = detail.row
        self.title.setText(row.name)
        bits = [
            f"UPN {row.upn}" if row.upn else "",
            f"Adm. no. {row.admission_number}" if row.admission_number else "",
            f"Born {format_uk_date(row.date_of_birth)}" if row.date_of_birth else "",
            f"{row.year_group} · {row.reg_group}",
            "On roll" if row.on_roll else f"Left {format_uk_date(detail.left_on)}",
        ]
        self.facts.setText("   ".join(b for b in bits if b))
        if row.never_photograph:
            reason = (
                f"Reason: {detail.never_photograph_reason}"
                if detail.never_photograph_reason
                else "The reason is visible to safeguarding leads only."
            )
            self.flag.setText(f"NEVER PHOTOGRAPH — overrides every consent. {reason}")
            self.flag.show()
        else:
            self.flag.hide()
        cells = []
        givers = detail.givers or tuple(() for _ in purpose_names)
        for name, verdict, answers in zip(purpose_names, row.verdicts, givers, strict=False):
            bg, fg, word = VERDICT_STYLE[verdict]
            # Each giver's standing answer beside the verdict: a conflict shows who disagrees.
            who = "<br>".join(escape(a) for a in answers) if len(answers) > 1 or verdict.value == "conflict" else ""
            cells.append(
                f'<tr><td>{escape(name)}</td><td style="background:{bg}; color:{fg}; padding:1px 6px;">'
                f'{escape(word)}</td><td style="color:#444;">{who}</td></tr>'
            )
        self.current.setText(f"<table cellspacing='2'>{''.join(cells)}</table>")
        self.contacts.setText("Contacts: " + " · ".join(detail.contacts) if detail.contacts else
                              "No contacts yet (import the MIS contacts export, or add them).")  # fmt: skip
        rows = []
        for h in detail.history:
            giver = h.given_by_name if h.given_by_kind != "pupil" else "The pupil"
            if h.given_by_relationship and h.given_by_kind != "pupil":
                giver += f" ({h.given_by_relationship})"
            rows.append((
                format_uk_date(h.given_on),
                h.purpose,
                h.state.capitalize(),
                giver,
                h.route,
                format_uk_date(h.valid_until),
                f"v{h.wording_version}",
                f"{h.recorded_by}, {format_uk_datetime(h.recorded_at)}",
                h.note,
            ))  # fmt: skip
        self.history.set_rows(rows)
