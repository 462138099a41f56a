"""Importing what families said from other systems: the MIS contacts export, the MIS's consent states, and an
online form's replies. Each is previewed (nothing written), the names in the file that are not yet one of the
school's purposes are mapped here, then applied in one transaction — off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.services.changes import Topic
from safeguard_desktop.services.consent.consent_files import KINDS, import_file, school_purposes
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read


def describe(kind: str, result: Any) -> str:
    """The outcome in words."""
    problems = "".join(f"\nLine {r.line}: {r.field}: {r.reason}" for r in result.rejected[:30])
    if kind == "contacts":
        verb = "Added" if result.applied else "Would add"
        text = (f"{verb} {result.added} contact(s), update {result.updated}, leave {result.unchanged} unchanged; "
                f"{len(result.rejected)} row(s) refused.")  # fmt: skip
    elif kind == "mis_consent":
        verb = "Recorded" if result.applied else "Would record"
        text = (f"{verb} {result.recorded} decision(s) (route 'MIS import'); {result.kept_ours} MIS grant(s) left out "
                f"because a decision made here is as recent; {result.duplicates} imported before.")  # fmt: skip
    else:
        verb = "Recorded" if result.applied else "Would record"
        text = (f"{verb} {result.decisions} decision(s) from {result.matched} reply(ies); {result.unmatched} to "
                f"match by hand (Consent ▸ Unmatched replies); {result.duplicates} imported before.")  # fmt: skip
    return text + problems


class ConsentFileImport(Dialog):
    """Choose a file, see what would happen, map what needs mapping, then import."""

    def __init__(self, context: AppContext, kind: str, parent: QWidget | None = None) -> None:
        title, what = KINDS[kind]
        super().__init__(parent, title, size=(760, 520))
        self.context = context
        self.kind = kind
        self.path: Path | None = None
        self.intro = QLabel(f"Choose {what}. Nothing is written until you press Import.")
        self.intro.setWordWrap(True)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("What the import would do")
        self.mapping_label = QLabel("Names in the file that are not yet one of the school's purposes:")
        self.mapping = QTableWidget(0, 2)
        self.mapping.setHorizontalHeaderLabels(("In the file", "The school's purpose"))
        self.mapping.setAccessibleName("Map the file's names to purposes")
        self.mapping.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping.verticalHeader().hide()
        self.error_label = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.choose_button = self.buttons.addButton("&Choose file…", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.choose_button.clicked.connect(self.choose_file)
        self.import_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.mapping_label)
        layout.addWidget(self.mapping)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.mapping_label.setVisible(kind != "contacts")
        self.mapping.setVisible(kind != "contacts")
        self.result: Any = None

    def show_error(self, message: str) -> None:
        """A refusal or a file that cannot be read, said in the dialog."""
        self.error_label.setText(message)

    def choose_file(self) -> None:
        """Pick the file and preview it."""
        steps.current().choose_file(self, KINDS[self.kind][0], Path.home(), "CSV or Excel (*.csv *.xlsx)", self.load)

    def load(self, path: Path) -> None:
        """Preview ``path`` (nothing is written)."""
        self.path = path
        self._work(apply=False, done=self._previewed)

    def chosen_mapping(self) -> dict[str, str]:
        """{name in the file: purpose code} as chosen in the table."""
        chosen = {}
        for row in range(self.mapping.rowCount()):
            cell = self.mapping.item(row, 0)
            name = cell.text() if cell is not None else ""
            combo = self.mapping.cellWidget(row, 1)
            if isinstance(combo, QComboBox) and combo.currentData():
                chosen[name] = str(combo.currentData())
        return chosen

    def _fill_mapping(self, names: list[str]) -> None:
        run_read(self.context, self, school_purposes, on_done=lambda purposes: self._mapping_for(names, purposes))

    def _mapping_for(self, names: list[str], purposes: list[Any]) -> None:
        keep = self.chosen_mapping()
        self.mapping.setRowCount(len(names))
        for row, name in enumerate(names):
            item = QTableWidgetItem(name)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(row, 0, item)
            combo = QComboBox()
            combo.setAccessibleName(f"Purpose for {name}")
            combo.addItem("(not a consent question: leave out)", None)
            for purpose in purposes:
                combo.addItem(purpose.name, purpose.code)
            if name in keep:
                combo.setCurrentIndex(max(0, combo.findData(keep[name])))
            combo.currentIndexChanged.connect(lambda _i: self._work(apply=False, done=self._previewed))
            self.mapping.setCellWidget(row, 1, combo)

    def _work(self, *, apply: bool, done: Callable[[Any], None]) -> None:
        if self.path is None:
            return
        self.import_button.setEnabled(False)
        run_op(self.context, self, import_file, self.kind, self.path, self.chosen_mapping(), apply=apply,
               title=self.windowTitle(), also_changes=(Topic.CONSENT,) if apply else (),
               progress="Importing…" if apply else "Reading the file…", on_done=done)  # fmt: skip

    def _previewed(self, result: Any) -> None:
        self.result = result
        self.error_label.setText("")
        self.summary.setPlainText(describe(self.kind, result))
        if self.kind in ("mis_consent", "replies"):
            self._fill_mapping(sorted(result.unmapped))
        blocked = bool(result.rejected)
        self.import_button.setEnabled(not blocked)
        if blocked:
            self.error_label.setText("Some rows cannot be read: correct them in the file, then choose it again.")

    def apply(self) -> None:
        """Import for real, in one transaction."""
        if not self.path:
            return
        self._work(apply=True, done=self._applied)

    def _applied(self, result: Any) -> None:
        self.result = result
        self.summary.setPlainText(describe(self.kind, result))
        self.import_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
