"""Subject access: everything about one pupil, with incident content marked for review before disclosure."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from safeguard_desktop.cli import main
from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route
from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import consent, incidents
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.records.subject_access import subject_access
from safeguard_desktop.store.engine import write_session

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv


def test_subject_access_record(tmp_path: Path, reg: Register, dsl: Actor, office: Actor) -> None:
    rows = [[upn(1), "1", "Nowak", "Wiktoria", "", "01/09/2013", "Year 7", "7A"],
            [upn(2), "2", "Other", "Child", "", "01/09/2013", "Year 7", "7A"]]  # fmt: skip
    with write_session(reg.engine) as session:
        mis_import.apply(
            session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])), today=TODAY
        )
        pupil = consent.find_pupil_by_upn(session, upn(1)).id
        other = consent.find_pupil_by_upn(session, upn(2)).id
        website = consent.find_purpose(session, "website").id
        decision = consent.DecisionInput(
            ConsentState.REFUSED, GivenByKind.PARENT, Route.EMAIL, date(2026, 10, 1), "A", "Mother"
        )
        consent.record_decisions(session, dsl, [pupil], [website], decision, today=TODAY)
        incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.CYBERBULLYING, "Messages about Wiktoria.", people=[incidents.PersonInput("pupil", "affected", pupil_id=pupil)]))  # fmt: skip
        incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.SCAM, "Not about her.", people=[incidents.PersonInput("pupil", "affected", pupil_id=other)]))  # fmt: skip
        record = subject_access(session, dsl, pupil)
    assert record["pupil"]["legal_surname"] == "Nowak" and record["pupil"]["date_of_birth"] == "01/09/2013"
    assert [d["decision"] for d in record["consent_decisions"]] == ["refused"]
    assert [i["summary"] for i in record["incidents"]] == ["Messages about Wiktoria."]
    assert record["incidents"][0]["review_before_disclosing"] and "REVIEW BEFORE DISCLOSING" in record["incident_note"]
    with pytest.raises(PermissionDenied), write_session(reg.engine) as session:
        subject_access(session, office, pupil)
    out = tmp_path / "sar"
    assert main(["--data-dir", str(reg.folder), "sar", upn(1), "--out", str(out)]) == 0
    written = json.loads((out / f"sar-{upn(1)}.json").read_text(encoding="utf-8"))
    assert written["pupil"]["upn"] == upn(1) and written["incidents"]
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(out / f"sar-{upn(1)}.pdf").pages)
    assert "Wiktoria" in text and "Nowak" in text and "01/09/2013" in text and "website: refused" in text
    assert "REVIEW BEFORE DISCLOSING" in text and "Messages about Wiktoria." in text
    assert "Not about her." not in text  # another pupil's incident is not in this pupil's record


def test_subject_access_from_the_consent_menu(qtbot, tmp_path: Path, reg: Register, dsl: Actor, answers) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from safeguard_desktop.services.demo import create_demo_school
    from safeguard_desktop.ui import background
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=10)
    background.set_synchronous(True)
    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    window.register_screen.load_now()
    window.register_screen.table.selectRow(0)
    pupil = window.register_screen.model.pupil_at(0)
    (tmp_path / "sar").mkdir()
    answers.answers.append(tmp_path / "sar")
    window.sar_action.trigger()  # as the menu calls it (with its 'checked' argument)
    background.set_synchronous(False)
    assert answers.told == []
    assert "Subject access record saved" in window.statusBar().currentMessage()
    saved = str(tmp_path / "sar" / f"sar-{pupil.upn}.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(saved).pages)
    assert pupil.upn in text and (tmp_path / "sar" / f"sar-{pupil.upn}.json").exists()
