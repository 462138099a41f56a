"""Damaged files beside the register, edited from outside the app: each is named with the step that mends it,
nothing is created in its place, and nothing crashes after a commit. Real files and real processes throughout."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from safeguard_desktop.cli import main
from safeguard_desktop.security import keyring
from safeguard_desktop.services.accounts import FAILED_LOG, SignInFailed
from safeguard_desktop.services.accounts.signin import DEMO_ACCOUNTS, create_register, sign_in
from safeguard_desktop.services.errors import ServiceError
from safeguard_desktop.services.records import audit
from safeguard_desktop.store.engine import read_session

from .conftest import LEAD_PASSWORD, cli_register, raw_database

DEMO_OFFICE = next((user, password) for user, password, role, _ in DEMO_ACCOUNTS if role.value == "office")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def school(tmp_path: Path) -> Path:
    folder = tmp_path / "school"
    create_register(folder, "Elm Primary", "lead", "Ann Lead", LEAD_PASSWORD)[0].close()
    return folder


def _slots(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / keyring.SLOTS_FILE).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _write_slots(folder: Path, data: object) -> None:
    (folder / keyring.SLOTS_FILE).write_text(json.dumps(data), encoding="utf-8")


def _flip(text: str, at: int = 5) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return text[:at] + alphabet[(alphabet.index(text[at]) + 1) % 64] + text[at + 1 :]


DAMAGES = {
    "cut short": lambda raw, data: raw[: len(raw) // 2],
    "not json": lambda raw, data: b"\x00\xff" + raw,
    "no users": lambda raw, data: json.dumps({**data, "users": []}).encode(),
    "no public key": lambda raw, data: json.dumps(
        {k: v for k, v in data.items() if k != "safeguarding_public"}
    ).encode(),
    "huge argon2 cost": lambda raw, data: json.dumps(
        {
            **data,
            "users": {
                "lead": {**data["users"]["lead"], "argon2": {"time_cost": 2, "memory_cost": 10**6, "parallelism": 1}}
            },
        }
    ).encode(),
    "salt of the wrong length": lambda raw, data: json.dumps(
        {**data, "users": {"lead": {**data["users"]["lead"], "salt": base64.b64encode(b"x").decode()}}}
    ).encode(),
    "flipped public key": lambda raw, data: json.dumps(
        {**data, "safeguarding_public": _flip(data["safeguarding_public"])}
    ).encode(),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_key_file_is_named_and_changes_nothing(school: Path, damage: str, capsys) -> None:  # type: ignore[no-untyped-def]
    path = school / keyring.SLOTS_FILE
    damaged = DAMAGES[damage](path.read_bytes(), _slots(school))
    path.write_bytes(damaged)
    before = sorted((p.name, p.stat().st_size) for p in school.iterdir() if p.is_file())
    with pytest.raises(ServiceError) as caught:
        sign_in(school, "lead", LEAD_PASSWORD)[0].close()
    if damage == "huge argon2 cost":  # refused before deriving: 10^6 KiB per guess made sign-in hang
        assert "out of bounds" in str(caught.value)
    assert not isinstance(caught.value, SignInFailed) or damage == "no users"
    message = str(caught.value)
    if damage != "no users":
        assert keyring.SLOTS_FILE in message and ".keys.json" in message
    # Nothing was replaced or created: the damaged file is as it was, for whoever mends it
    assert path.read_bytes() == damaged
    after = sorted((p.name, p.stat().st_size) for p in school.iterdir() if p.is_file() and p.name != FAILED_LOG)
    assert [b for b in before if b[0] != FAILED_LOG] == after
    # The command line says the same, without a traceback
    secret = school.parent / "pw"
    secret.write_text(LEAD_PASSWORD, encoding="utf-8")
    code = main(["--data-dir", str(school), "--user", "lead", "--password-file", str(secret), "purposes"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err


def test_a_flipped_public_key_is_refused_before_anything_is_sealed_to_it(school: Path) -> None:
    data = _slots(school)
    data["safeguarding_public"] = _flip(data["safeguarding_public"], 10)
    _write_slots(school, data)
    with pytest.raises(keyring.DamagedKeyFile, match="does not belong to the leads"):
        sign_in(school, "lead", LEAD_PASSWORD)


def test_a_damaged_anchor_is_reported_by_the_check_and_never_fails_a_commit(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    signed = cli_register(tmp_path, capsys)
    anchor = Path(signed[1]) / audit.ANCHOR_FILE
    anchor.write_bytes(b'{"count": 3, "last_ha')
    # A command that commits still succeeds, and the damaged anchor is left for the check to report
    code = main([*signed, "terms", "set", "2026/27", "--autumn", "02/09/2026", "--spring", "05/01/2027",
                 "--summer", "19/04/2027"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert anchor.read_bytes() == b'{"count": 3, "last_ha'
    code = main([*signed, "audit", "verify"])
    out, err = capsys.readouterr()
    assert code == 2 and "anchor" in (out + err) and ".anchor.json" in (out + err) and "Traceback" not in err


def test_a_bad_byte_in_the_failed_sign_in_log_stops_nobody(school: Path) -> None:
    with pytest.raises(SignInFailed):
        sign_in(school, "lead", "not the password at all")
    log = school / FAILED_LOG
    entry = log.read_bytes().split(b"\0", 1)[0]
    log.write_bytes(entry + b'{"at": "\xff\xfe", "username": 5}\n[garbage\n')  # edited by hand, room and all
    reg, _actor = sign_in(school, "lead", LEAD_PASSWORD)
    with read_session(reg.engine) as session:
        details = [row[5] for row in audit.recent(session) if row[2] == "failed sign-in"]
    reg.close()
    assert len(details) == 3 and any("unreadable" in d for d in details)
    assert log.read_bytes().strip(b"\0") == b""  # moved into the trail; the file stays, blank, for next time


def test_an_empty_register_file_is_never_taken_for_a_new_register(school: Path) -> None:
    (school / "register.db").write_bytes(b"")
    for name in ("register.db-wal", "register.db-shm"):
        (school / name).unlink(missing_ok=True)
    with pytest.raises(ServiceError, match=r"empty \(0 bytes\).*restore"):
        sign_in(school, "lead", LEAD_PASSWORD)
    assert (school / "register.db").stat().st_size == 0
    # The same refusal again: nothing was made in its place by the first attempt
    with pytest.raises(ServiceError, match="empty"):
        sign_in(school, "lead", LEAD_PASSWORD)


WRITER = """
import sys
from safeguard_desktop.services.records import audit
from safeguard_desktop.services.accounts.signin import sign_in
from safeguard_desktop.store.engine import write_session
reg, actor = sign_in(sys.argv[1], "lead", sys.argv[2])
for n in range(15):
    with write_session(reg.engine) as session:
        audit.record(session, actor, "wrote", "test", sys.argv[3], str(n))
reg.close()
print("done")
"""


def test_concurrent_writers_move_the_anchor_without_crashing(school: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(school), LEAD_PASSWORD, str(i)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(6)]  # fmt: skip
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in results]
    assert list(school.glob("*.tmp")) == []
    reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
    with read_session(reg.engine) as session:
        verdict = audit.verify(session, actor)
    reg.close()
    assert verdict.intact, verdict.describe()


HOLDER = """
import sys
from safeguard_desktop.services.accounts.signin import sign_in
reg, actor = sign_in(sys.argv[1], "lead", sys.argv[2])
print("open", flush=True)
sys.stdin.readline()
reg.close()
"""


def _backup(school: Path) -> Path:
    from safeguard_desktop.services.records import backup

    reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
    try:
        return backup.back_up(reg.engine, reg.folder, actor, school.parent / "copies").path
    finally:
        reg.close()


def test_restore_is_refused_while_another_process_has_the_register_open(school: Path) -> None:
    from safeguard_desktop.services.presence import RegisterInUse
    from safeguard_desktop.services.records import backup

    copy = _backup(school)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(school), LEAD_PASSWORD], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
    try:
        # WHEN a restore is tried while the other process has it open
        with pytest.raises(RegisterInUse) as caught:
            backup.restore(reg.engine, reg.folder, actor, copy, reg.presence)
        # THEN it is refused, naming who has it open, and nothing was replaced
        assert "signed in as lead" in str(caught.value) and f"process {holder.pid}" in str(caught.value)
        assert list(school.glob("register-replaced-*")) == []
        # AND once that process has gone — even killed, with no chance to tidy up — the restore goes through
        holder.kill()
        holder.wait(timeout=60)
        aside = backup.restore(reg.engine, reg.folder, actor, copy, reg.presence)
        assert aside.exists()
    finally:
        reg.close()
    reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
    with read_session(reg.engine) as session:
        assert any(row[2] == "restored the register" for row in audit.recent(session))
        assert audit.verify(session, actor).intact
    reg.close()


def test_the_command_line_restore_names_the_app_that_has_the_register_open(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    signed = cli_register(tmp_path, capsys)
    assert main([*signed, "backup", "--to", str(tmp_path / "copies")]) == 0
    (copy,) = (tmp_path / "copies").glob("*.sgbackup.db")
    capsys.readouterr()
    app, _actor = sign_in(Path(signed[1]), "lead", LEAD_PASSWORD)  # the app, signed in on this PC
    try:
        code = main([*signed, "restore", str(copy)])
        err = capsys.readouterr().err
        assert code == 2 and "open elsewhere" in err and "Close it there first" in err
    finally:
        app.close()
    assert main([*signed, "restore", str(copy)]) == 0


def test_an_upgrade_waits_for_the_register_to_be_closed_elsewhere(tmp_path: Path) -> None:
    from safeguard_desktop.services.database import open_register
    from safeguard_desktop.services.presence import RegisterInUse
    from safeguard_desktop.store import migrate

    first = open_register(tmp_path / "data")
    migrate._run_alembic(first.engine, "0008_pupil_photos", down=True)  # as if written by the previous version
    with pytest.raises(RegisterInUse, match="open elsewhere"):
        open_register(tmp_path / "data")
    assert migrate.current_revision(first.engine) == "0008_pupil_photos"  # not migrated under the other's feet
    first.close()
    second = open_register(tmp_path / "data")
    assert migrate.current_revision(second.engine) == migrate.HEAD_REVISION
    second.close()


def _as_from_before(folder: Path) -> bytes:
    """The register as a version before the chain's key was kept inside it left it: the key in audit.key beside
    it, none inside (made with sqlcipher3 and the lead's key)."""
    connection = raw_database(folder, "lead", LEAD_PASSWORD)
    try:
        (stored,) = connection.execute("SELECT chain_key FROM audit_head").fetchone()
        connection.execute("UPDATE audit_head SET chain_key = NULL")
        connection.commit()
    finally:
        connection.close()
    (folder / audit.KEY_FILE).write_bytes(bytes.fromhex(stored))
    return bytes.fromhex(stored)


def test_the_chain_key_of_a_register_from_before_is_taken_in_and_never_replaced(school: Path) -> None:
    """The chain's key lives inside the register (a register copied or restored without a file beside it checks
    out); audit.key from before is taken in and removed; a missing one of a chain begun is never made anew."""
    assert not (school / audit.KEY_FILE).exists()
    key = _as_from_before(school)
    reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
    with read_session(reg.engine) as session:
        assert audit.verify(session, actor).intact
        assert session.scalar(text("SELECT chain_key FROM audit_head")) == key.hex()
    reg.close()
    assert not (school / audit.KEY_FILE).exists()
    _as_from_before(school)
    (school / audit.KEY_FILE).unlink()  # a register from before, copied without its audit.key
    with pytest.raises(audit.AuditKeyMissing, match=r"audit\.key.*\.audit\.key"):
        sign_in(school, "lead", LEAD_PASSWORD)
    assert not (school / audit.KEY_FILE).exists()  # no new key made over the evidence
    (school / audit.KEY_FILE).write_bytes(b"short")
    with pytest.raises(audit.AuditKeyMissing, match="damaged"):
        sign_in(school, "lead", LEAD_PASSWORD)
    (school / audit.KEY_FILE).write_bytes(key)  # the one step that mends it: the backup's key copied back
    reg, actor = sign_in(school, "lead", LEAD_PASSWORD)
    with read_session(reg.engine) as session:
        assert audit.verify(session, actor).intact
    reg.close()


@pytest.mark.parametrize("damage", ["an inner page", "the first page", "the file gone"])
def test_a_damaged_register_is_named_and_restored_from_the_command_line(tmp_path: Path, capsys, damage: str) -> None:  # type: ignore[no-untyped-def]
    signed = cli_register(tmp_path, capsys, demo_pupils=200)
    folder = Path(signed[1])
    assert main([*signed, "backup", "--to", str(tmp_path / "copies")]) == 0
    (copy,) = (tmp_path / "copies").glob("*.sgbackup.db")
    capsys.readouterr()
    db = folder / "register.db"
    if damage == "the file gone":
        db.unlink()
    else:
        data = bytearray(db.read_bytes())
        offset = 200 if damage == "the first page" else 5 * 4096 + 200
        data[offset : offset + 16] = bytes(16)
        db.write_bytes(bytes(data))
    damaged = db.read_bytes() if db.exists() else b""
    # Every command says what is wrong and the one step that mends it, without a traceback
    assert main([*signed, "pupils"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("damaged" in err or "is not" in err) and "restore" in err.lower()
    # The step works although the register cannot be opened: a lead's password opens their key slot
    assert main([*signed, "restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "Restored the register" in out
    if damage != "the file gone":
        (aside,) = folder.glob("register-damaged-*.db")
        assert aside.read_bytes() == damaged  # kept exactly as it was
    assert main([*signed, "pupils"]) == 0
    assert main([*signed, "audit", "verify"]) == 0
    capsys.readouterr()
    assert main([*signed, "audit", "export", "--out", str(tmp_path / "trail.csv")]) == 0
    assert "restored the register" in (tmp_path / "trail.csv").read_text(encoding="utf-8-sig")


def test_only_a_lead_restores_over_an_unopenable_register(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    signed = cli_register(tmp_path, capsys, demo_pupils=20)
    folder = Path(signed[1])
    assert main([*signed, "backup", "--to", str(tmp_path / "copies")]) == 0
    (copy,) = (tmp_path / "copies").glob("*.sgbackup.db")
    (folder / "register.db").write_bytes(b"")
    office = tmp_path / "office.pw"
    office.write_text(DEMO_OFFICE[1], encoding="utf-8")
    capsys.readouterr()
    code = main(
        ["--data-dir", str(folder), "--user", DEMO_OFFICE[0], "--password-file", str(office), "restore", str(copy)]
    )
    assert code == 2 and "safeguarding lead" in capsys.readouterr().err
    assert (folder / "register.db").stat().st_size == 0
