"""A pupil's child-protection file sent to their new school: sealed, complete, recorded, its receipt chased."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from safeguard_desktop.domain.incidents import Category
from safeguard_desktop.services import consent, incidents
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register
from safeguard_desktop.services.errors import PermissionDenied, ValidationError
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.services.records import transfers
from safeguard_desktop.store.engine import read_session, write_session

from .conftest import SIMS_HEADERS, TODAY, upn, write_csv


def test_five_school_days_skip_the_weekend() -> None:
    assert transfers.school_days_after(date(2026, 12, 3), 5) == date(2026, 12, 10)  # Thursday → next Thursday
    assert transfers.school_days_after(date(2026, 12, 5), 5) == date(2026, 12, 11)  # Saturday → Friday


@pytest.fixture
def pupil(tmp_path: Path, reg: Register, dsl: Actor) -> int:
    rows = [[upn(1), "1", "Kowalczyk", "Wiktoria", "", "01/09/2013", "Year 7", "7A"]]
    with write_session(reg.engine) as session:
        mis_import.apply(session, dsl, read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows])),
                         today=TODAY)  # fmt: skip
        pid = consent.find_pupil_by_upn(session, upn(1)).id
        consent.set_never_photograph(session, dsl, pid, True, "Court order (Family Court, 2026)")
        number = incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.GROOMING, "An adult messaged Wiktoria asking to meet",
            people=[incidents.PersonInput("pupil", "affected", pupil_id=pid)]))  # fmt: skip
        incidents.add_entry(session, dsl, number, incidents.EntryKind.REFERRAL, "Reported to CEOP",
                            referral_to="CEOP", reference="CEOP-1")  # fmt: skip
        incidents.record_incident(session, dsl, incidents.IncidentInput(Category.SCAM, "Not about her"))
    return pid


def test_the_file_is_sealed_complete_and_its_receipt_recorded(tmp_path: Path, reg: Register, dsl: Actor,
                                                               office: Actor, pupil: int) -> None:  # fmt: skip
    starts = date.today()
    with write_session(reg.engine) as session:
        with pytest.raises(PermissionDenied):
            transfers.send_file(session, office, pupil, "Elm Academy", starts, tmp_path / "out")
        with pytest.raises(ValidationError, match="Name the school"):
            transfers.send_file(session, dsl, pupil, "  ", starts, tmp_path / "out")
        sent = transfers.send_file(session, dsl, pupil, "Elm Academy", starts, tmp_path / "out")
    assert sent.incidents == 1 and sent.due_on == transfers.school_days_after(starts, 5)
    assert sent.path.name == f"child-protection-file-transfer-{sent.transfer_id}.pdf"  # no name on the outside
    data = sent.path.read_bytes()
    assert b"Wiktoria" not in data and b"CEOP" not in data  # sealed
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted and not reader.decrypt("wrong words")
    assert reader.decrypt(sent.passphrase)
    text = "".join(page.extract_text() for page in reader.pages)
    for shown in ("Wiktoria Kowalczyk", "NEVER PHOTOGRAPH", "Family Court", "contact / grooming",
                  "An adult messaged Wiktoria", "CEOP CEOP-1", "Elm Academy"):  # fmt: skip
        assert shown in text, shown
    assert "Not about her" not in text  # only the incidents linked to this pupil
    record = json.loads(reader.attachments["child-protection-file.json"][0])
    assert record["format"] == transfers.FORMAT and record["pupil"]["upn"] == upn(1)
    assert record["incidents"][0]["chronology"][0]["reference"] == "CEOP-1"
    with read_session(reg.engine) as session:
        (line,) = transfers.transfers(session, dsl, awaiting_only=True)
    assert line.awaiting and line.to_school == "Elm Academy" and line.pupil == "Kowalczyk, Wiktoria"
    with write_session(reg.engine) as session:
        with pytest.raises(ValidationError, match="future"):
            transfers.record_receipt(session, dsl, sent.transfer_id, date.today() + timedelta(days=1), "Ms Elm")
        transfers.record_receipt(session, dsl, sent.transfer_id, date.today(), "Ms Okoro (DSL, Elm Academy)")
    with read_session(reg.engine) as session:
        assert transfers.transfers(session, dsl, awaiting_only=True) == []
        (done,) = transfers.transfers(session, dsl)
    assert done.received_by == "Ms Okoro (DSL, Elm Academy)"


def test_the_command_line_sends_lists_and_records_the_receipt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguard_desktop.cli import main

    from .conftest import cli_register

    signed = cli_register(tmp_path, capsys, demo_pupils=20)
    assert main([*signed, "pupils", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]["upn"]
    assert main([*signed, "transfer", "send", first, "--to", "Elm Academy", "--starts", "07/12/2026", "--out",
                 str(tmp_path / "out")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    passphrase = out.rsplit(": ", 1)[1].strip()
    assert "due by 14/12/2026" in out and len(passphrase) == 24
    (written,) = (tmp_path / "out").glob("*.pdf")
    assert PdfReader(written).decrypt(passphrase)
    assert main([*signed, "transfer", "list"]) == 0 and "AWAITING RECEIPT (due 14/12/2026)" in capsys.readouterr().out
    assert main([*signed, "transfer", "receipt", "1", "--by", "Ms Okoro"]) == 0
    capsys.readouterr()
    assert main([*signed, "transfer", "list"]) == 0 and "(Ms Okoro)" in capsys.readouterr().out


def test_sending_and_confirming_from_the_window(qtbot, tmp_path: Path, reg: Register, dsl: Actor, pupil: int,  # type: ignore[no-untyped-def]
                                                answers) -> None:  # fmt: skip
    from safeguard_desktop.ui.context import AppContext
    from safeguard_desktop.ui.main_window import MainWindow

    window = MainWindow(AppContext(reg, dsl))
    qtbot.addWidget(window)
    window.register_screen.load_now()
    window.register_screen.table.selectRow(0)
    dialog = window.on_transfer_action()
    assert dialog is not None
    # GIVEN no school named: refused in the dialog, nothing written
    answers.answers.append(tmp_path / "out")
    dialog.send_button.click()
    assert "Name the school" in dialog.error_label.text() and not (tmp_path / "out").exists()
    # WHEN the school is named THEN the sealed file is written and the passphrase is shown to give by phone
    qtbot.keyClicks(dialog.school_edit, "Elm Academy")
    answers.answers.append(tmp_path / "out")
    dialog.send_button.click()
    passphrase = dialog.passphrase_edit.text()
    (written,) = (tmp_path / "out").glob("*.pdf")
    assert len(passphrase) == 24 and PdfReader(written).decrypt(passphrase) and "due by" in dialog.result_label.text()
    dialog.reject()
    # THEN the incidents screen chases the receipt, and the transfers dialog records it
    screen = window.incidents_screen
    assert screen is not None
    screen.reload()
    assert "1 child-protection file(s) awaiting the new school's receipt" in screen.caseload_label.text()
    listing = window.on_transfers_action()
    assert listing.table.row_count() == 1 and "AWAITING" in listing.table.row_text(0)
    listing.table.choose_row(0)
    qtbot.keyClicks(listing.by_edit, "Ms Okoro (DSL)")
    listing.record_button.click()
    assert "Ms Okoro (DSL)" in listing.table.row_text(0) and not listing.record_button.isEnabled()
    screen.reload()
    assert "awaiting" not in screen.caseload_label.text()
