"""Log an online-safety incident, with the guidance for the chosen category beside the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from safeguard_desktop.domain.incidents import DEFAULT_AXIS, Category, FourCs, copy_warning, guidance_for, is_guarded
from safeguard_desktop.services import incidents
from safeguard_desktop.services.actors import Operation
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.incidents import IncidentInput, Urgency
from safeguard_desktop.services.incidents.incident_people import PupilChoice, pupil_choices
from safeguard_desktop.ui.context import AppContext
from safeguard_desktop.ui.error_label import ErrorLabel
from safeguard_desktop.ui.incidents.people_picker import PeoplePicker
from safeguard_desktop.ui.kit import steps
from safeguard_desktop.ui.kit.date_field import DateTimeField
from safeguard_desktop.ui.kit.dialog import Dialog
from safeguard_desktop.ui.kit.ops import run_op, run_read


class LogIncidentDialog(Dialog):
    """Calm and quick to fill in under pressure: the steps to take are always in view."""

    logged = Signal(int)

    def __init__(
        self,
        context: AppContext | None,
        parent: QWidget | None = None,
        *,
        choices: list[PupilChoice] | None = None,
        submit: Callable[[IncidentInput], int] | None = None,
    ) -> None:
        """On the register (``context``), or — for staff, who hold no key to it — with the pupils they were given
        (``choices``) and ``submit`` sending the form to the leads (it returns 0: there is no number yet)."""
        super().__init__(parent, "Log an online-safety incident", size=(1040, 720))

        self.work_name = "the incident you typed"
        self.context = context
        self.submit = submit
        self.category_combo = QComboBox()
        self.category_combo.setAccessibleName("Category")
        leads = submit is None and context is not None and context.actor.may(Operation.READ_INCIDENTS)
        for category in Category:  # an allegation against staff goes to the headteacher in person, not in a form
            if category is not Category.ALLEGATION or leads:
                self.category_combo.addItem(category.value.capitalize(), category.value)
        self.axis_combo = QComboBox()
        self.axis_combo.setAccessibleName("4 Cs")
        for axis in FourCs:
            self.axis_combo.addItem(axis.value.capitalize(), axis.value)
        self.urgency_combo = QComboBox()
        self.urgency_combo.setAccessibleName("Urgency")
        for urgency in Urgency:
            self.urgency_combo.addItem(urgency.value.capitalize(), urgency.value)
        self.urgency_combo.setCurrentIndex(1)
        self.when_known = QCheckBox("Known")
        self.when_known.setChecked(True)
        self.when_edit = DateTimeField(accessible_name="When it happened")
        self.when_edit.set_value(datetime.now().replace(second=0, microsecond=0))
        self.when_known.toggled.connect(self.when_edit.setEnabled)
        when = QHBoxLayout()
        when.addWidget(self.when_edit, 1)
        when.addWidget(self.when_known)
        self.platforms_edit = QLineEdit()
        self.platforms_edit.setPlaceholderText("e.g. Instagram @fake_head_account, WhatsApp 'Y6 parents' (commas)")
        self.platforms_edit.setAccessibleName("Platforms and account names")
        self.links_edit = QLineEdit()
        self.links_edit.setAccessibleName("Links to the posts")
        self.links_note = QLabel("")
        self.links_note.setWordWrap(True)
        self.links_note.setStyleSheet("color: #7a3e00;")

        self.people = PeoplePicker(choices or [])
        if choices is None:
            assert context is not None
            run_read(context, self, pupil_choices, on_done=self.people.set_choices)
        self.summary_edit = QPlainTextEdit()
        self.summary_edit.setPlaceholderText("What happened, in facts: who told you, what they saw, where and when.")
        self.summary_edit.setAccessibleName("Summary of what happened")
        self.summary_edit.setTabChangesFocus(True)
        self.error_label = ErrorLabel()
        form = QFormLayout()
        form.addRow("&Category", self.category_combo)
        form.addRow("4 &Cs", self.axis_combo)
        form.addRow("&Urgency", self.urgency_combo)
        form.addRow("When it happened", when)
        form.addRow("&Platforms, accounts", self.platforms_edit)
        form.addRow("&Links", self.links_edit)
        form.addRow("", self.links_note)
        form.addRow("People involved", self.people)
        form.addRow("&What happened", self.summary_edit)

        self.guidance = QLabel("")
        self.guidance.setWordWrap(True)
        self.guidance.setTextFormat(Qt.TextFormat.RichText)
        self.guidance.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.guidance.setAccessibleName("Guidance for this category")
        self.guidance.setStyleSheet("background: #eef4fa; padding: 12px; border-radius: 4px;")
        self.guidance.setMinimumWidth(360)

        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.error_label)
        body.addLayout(left, 3)
        body.addWidget(self.guidance, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        if submit is not None:  # staff: it goes to the leads, it is not kept here
            buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Send to the safeguarding leads")
        # Enter in a field adds a person or moves on; it never sends a half-written form. Ctrl+Enter saves.
        self.enter_saves = False
        QShortcut(QKeySequence("Ctrl+Return"), self, self.on_save)
        buttons.button(QDialogButtonBox.StandardButton.Save).setToolTip("Ctrl+Enter")
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.category_combo.currentIndexChanged.connect(self.on_category_changed)
        self.on_category_changed()
        self.when_edit.problem_found.connect(self.error_label.setText)
        self.watch(self.category_combo, self.axis_combo, self.urgency_combo, self.when_known, self.when_edit,
                   self.platforms_edit, self.links_edit, self.people, self.summary_edit)  # fmt: skip

    def show_error(self, message: str) -> None:
        """A refusal or a fault, shown in the form (nothing typed is lost)."""
        self.error_label.setText(message)

    def category(self) -> Category:
        """The chosen category."""
        return Category(self.category_combo.currentData())

    def on_category_changed(self, *_args: object) -> None:
        """Show the category's steps; for guarded categories take the links field away."""

        category = self.category()
        self.axis_combo.setCurrentIndex(list(FourCs).index(DEFAULT_AXIS[category]))
        guidance = guidance_for(category)
        steps = "".join(f"<li style='margin-bottom:6px'>{escape(step)}</li>" for step in guidance.steps)
        self.guidance.setText(f"<h3>{escape(guidance.title)}</h3><ol>{steps}</ol>")
        guarded = is_guarded(category)
        self.links_edit.setEnabled(not guarded)
        if guarded:
            self.links_edit.clear()
            self.links_note.setText("No link, image or file may be kept for this category. Record only the report.")
        else:
            self.links_note.setText("")

    def on_save(self) -> None:
        """Log it through the service; the guard is checked there too."""

        people = self.people.persons()
        when: datetime | None = None
        if self.when_known.isChecked():
            self.when_edit.latest = datetime.now()
            problem = self.when_edit.problem()
            if problem is not None:
                self.show_error(problem)
                self.when_edit.setFocus()
                return
            when = self.when_edit.value()
        data = incidents.IncidentInput(
            category=self.category(),
            summary=self.summary_edit.toPlainText(),
            urgency=incidents.Urgency(self.urgency_combo.currentData()),
            four_cs=FourCs(self.axis_combo.currentData()),
            occurred_at=when,
            platforms=[p.strip() for p in self.platforms_edit.text().split(",")],
            evidence_links=[link.strip() for link in self.links_edit.text().split()],
            people=people,
        )
        if self.submit is not None:  # staff: the report file goes to the leads
            try:
                number = self.submit(data)
            except (ServiceError, OSError) as exc:
                self.show_error(str(exc) if isinstance(exc, ServiceError) else f"Not sent: {exc.strerror or exc}")
                return
            self._logged(number, data)
            return
        assert self.context is not None
        run_op(self.context, self, incidents.record_incident, data, title=self.windowTitle(),
               on_done=lambda number: self._logged(number, data))  # fmt: skip

    def _logged(self, number: int, data: incidents.IncidentInput) -> None:
        """Logged: close, and where the words say a copy of the material was kept, say at once what to do."""
        self.logged.emit(number)
        self.accept()
        warning = copy_warning(data.category, data.summary)
        if warning is not None:
            steps.current().tell(self.parentWidget() or self, "Do not keep a copy", warning, warning=True)
