"""The ``safeguard`` command as office automation uses it: exit codes, JSON, refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safeguard_desktop.cli import main

from .conftest import SIMS_HEADERS, cli_register, sims_rows, upn, write_csv


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = cli_register(tmp_path, capsys)
    good = write_csv(tmp_path / "good.csv", [SIMS_HEADERS, *sims_rows(5)])
    code, out, _ = run(capsys, *signed, "import-pupils", str(good), "--json")
    assert code == 0
    result = json.loads(out)
    assert {k: result[k] for k in ("added", "updated", "unchanged", "left", "rejected")} == {
        "added": 5,
        "updated": 0,
        "unchanged": 0,
        "left": 0,
        "rejected": [],
    }
    code, out, _ = run(capsys, *signed, "import-pupils", str(good), "--json")
    assert (code, json.loads(out)["unchanged"]) == (0, 5)


def test_invalid_rows_refuse_the_file_unless_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = cli_register(tmp_path, capsys)
    rows = sims_rows(3)
    rows[1][5] = "30/02/2015"
    path = write_csv(tmp_path / "bad.csv", [SIMS_HEADERS, *rows])
    code, out, _ = run(capsys, *signed, "import-pupils", str(path), "--json")
    assert code == 2
    assert json.loads(out)["rejected"] == [
        {
            "line": 3,
            "field": "Date of birth",
            "reason": "'30/02/2015' is not a real date (day is out of range for month)",
        }
    ]
    code, out, _ = run(capsys, *signed, "pupils", "--json")
    assert json.loads(out) == []
    code, out, err = run(capsys, *signed, "import-pupils", str(path))
    assert code == 2 and "line 3: Date of birth" in out and "nothing imported" in err
    code, out, _ = run(capsys, *signed, "import-pupils", str(path), "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["added"] == 2


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = cli_register(tmp_path, capsys)
    path = write_csv(tmp_path / "good.csv", [SIMS_HEADERS, *sims_rows(4)])
    code, out, _ = run(capsys, *signed, "import-pupils", str(path), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["added"] == 4
    _, out, _ = run(capsys, *signed, "pupils", "--json")
    assert json.loads(out) == []


def test_mapping_option_for_unusual_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = cli_register(tmp_path, capsys)
    path = write_csv(
        tmp_path / "odd.csv", [["Ref", "Fam", "Giv", "Born", "Yr"], [upn(1), "Ali", "Sara", "01/09/2015", "5"]]
    )
    code, _, err = run(capsys, *signed, "import-pupils", str(path))
    assert code == 2 and "No column found" in err
    args = [
        "--map",
        "upn=Ref",
        "--map",
        "legal_surname=Fam",
        "--map",
        "legal_forename=Giv",
        "--map",
        "date_of_birth=Born",
    ]
    code, _, _ = run(capsys, *signed, "import-pupils", str(path), *args, "--map", "year_group=Yr")
    assert code == 0


def test_consent_set_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = cli_register(tmp_path, capsys)
    run(capsys, *signed, "import-pupils", str(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *sims_rows(2)])))
    code, out, _ = run(
        capsys, *signed, "consent", "set", upn(1), "website", "granted",
        "--given-by", "Anna Surname1", "--relationship", "Mother", "--route", "email", "--date", "01/10/2026",
    )  # fmt: skip
    assert code == 0 and "Recorded granted" in out
    code, out, _ = run(capsys, *signed, "consent", "show", upn(1), "--json")
    shown = json.loads(out)
    assert shown["history"][0]["given_by"] == "Anna Surname1" and shown["history"][0]["route"] == "email"
    code, _, err = run(capsys, *signed, "consent", "set", "X" * 13, "website", "granted", "--route", "email")
    assert code == 2 and "No pupil with UPN" in err
    code, _, err = run(
        capsys,
        *signed,
        "consent",
        "set",
        upn(1),
        "nonsense",
        "granted",
        "--given-by",
        "A",
        "--route",
        "email",
    )
    assert code == 2 and "Known codes" in err


def test_demo_then_pupils(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no register: commands say how to make one, and write nothing
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "data"), "pupils")
    assert code == 2 and "There is no register" in err and "safeguard init" in err
    assert not (tmp_path / "data" / "register.db").exists()
    # WHEN the demo is made THEN it is encrypted, with an account per role shown once
    signed = cli_register(tmp_path, demo_pupils=60)
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "data"), "pupils")
    assert code == 2 and "encrypted" in err and "--user" in err
    _, out, _ = run(capsys, *signed, "pupils", "--json")
    assert len(json.loads(out)) == 60
    code, _, err = run(capsys, *signed, "demo")
    assert code == 2 and "already holds pupils" in err


def test_installed_command_runs(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("five orange tigers dancing\n", encoding="utf-8")
    base = [sys.executable, "-m", "safeguard_desktop.cli", "--data-dir", str(tmp_path / "d")]
    init = subprocess.run([*base, "init", "--school", "Elm School", "--dsl-user", "e.lead", "--password-file",
                           str(secret)], capture_output=True, text=True, check=False)  # fmt: skip
    assert init.returncode == 0 and "RECOVERY KEY" in init.stdout, init.stderr
    proc = subprocess.run(
        [*base, "--user", "e.lead", "--password-file", str(secret), "purposes"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "parent_filming" in proc.stdout
    wrong = subprocess.run([*base, "--user", "e.lead", "--password-file", str(tmp_path / "nope"), "purposes"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert wrong.returncode == 2 and "cannot read it" in wrong.stderr and "Traceback" not in wrong.stderr
    # a reader that stops after the first line (| head -1): the command ends quietly, not "Broken pipe", exit 2
    demo = subprocess.run([*base, "--user", "e.lead", "--password-file", str(secret), "demo"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    listing = subprocess.Popen([*base, "--user", "e.lead", "--password-file", str(secret), "pupils"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert listing.stdout is not None and listing.stderr is not None
    first = listing.stdout.readline()
    listing.stdout.close()  # what head does after its line
    err = listing.stderr.read()
    assert listing.wait(timeout=60) == 0 and first.strip() and err == b"", err
