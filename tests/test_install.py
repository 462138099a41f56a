"""Where school offices are: Windows editors and consoles, odd folder names, folder permissions, the folder chosen
on the first run, and an incomplete installation. Everything runs for real (files, subprocesses, the CLI)."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from safeguard_desktop import paths
from safeguard_desktop.cli import main
from safeguard_desktop.files import write_atomically
from safeguard_desktop.folder_access import USERS_SID, icacls_arguments
from safeguard_desktop.security import keyring
from safeguard_desktop.services.accounts.signin import create_register, sign_in
from safeguard_desktop.services.csv_export import write_safe_csv
from safeguard_desktop.services.errors import FileInUse

from .conftest import LEAD_PASSWORD, cli_register

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_password_file_saved_by_powershell_with_a_bom_signs_in(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # GIVEN a password file as PowerShell 5.1's Out-File -Encoding utf8 writes it: a BOM, then the password
    secret = tmp_path / "pw.txt"
    secret.write_bytes(codecs.BOM_UTF8 + (LEAD_PASSWORD + "\r\n").encode("utf-8"))
    data = tmp_path / "data"
    code, _, err = run(capsys, "--data-dir", str(data), "init", "--school", "Çağlayan School", "--dsl-user", "lead",
                       "--password-file", str(secret))  # fmt: skip
    assert code == 0, err
    # THEN the password is the typed one, without the BOM: it signs in when typed in the app
    sign_in(data, "lead", LEAD_PASSWORD)[0].close()
    # AND a UTF-16 file (PowerShell 5.1's ">") reads the same
    secret.write_bytes((LEAD_PASSWORD + "\r\n").encode("utf-16"))
    code, _, err = run(capsys, "--data-dir", str(data), "--user", "lead", "--password-file", str(secret), "purposes")
    assert code == 0, err


def test_a_file_in_another_encoding_or_too_big_is_refused_plainly(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    signed = cli_register(tmp_path, capsys)
    ansi = tmp_path / "wording.txt"
    ansi.write_bytes("Dear parent of {pupil}, caf\xe9".encode("cp1252"))
    code, _, err = run(capsys, *signed, "templates", "set", "letter_intro", "--file", str(ansi))
    assert code == 2 and "not UTF-8" in err and "Save as" in err and "Traceback" not in err
    huge = tmp_path / "huge.password"
    huge.write_bytes(b"x" * 100_000)
    code, _, err = run(capsys, "--data-dir", signed[1], "--user", "lead", "--password-file", str(huge), "purposes")
    assert code == 2 and "100,000 bytes" in err
    # Wording saved by Notepad as UTF-16 is accepted and kept as typed
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Dear families of {event} — Zoë’s class".encode("utf-16"))
    code, _, err = run(capsys, *signed, "templates", "set", "letter_intro", "--file", str(utf16))
    assert code == 0, err
    code, out, _ = run(capsys, *signed, "templates", "show", "letter_intro")
    assert "Zoë’s class" in out and "\ufeff" not in out


def test_the_command_line_writes_utf8_to_a_redirected_cp1252_console(tmp_path: Path) -> None:
    # GIVEN a console that Python thinks is cp1252 (a redirected Windows console) and a name that cp1252 lacks
    secret = tmp_path / "pw.txt"
    secret.write_text(LEAD_PASSWORD, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "SAFEGUARD_HOME": str(tmp_path / "data")}
    command = [sys.executable, "-m", "safeguard_desktop.cli"]
    made = subprocess.run([*command, "init", "--school", "Çağlayan Academy", "--dsl-user", "lead",
                           "--password-file", str(secret)], env=env, capture_output=True, timeout=120)  # fmt: skip
    # THEN the command succeeds and what it printed is UTF-8, "ğ" included
    assert made.returncode == 0, made.stderr.decode("utf-8", "replace")
    assert "Çağlayan Academy" in made.stdout.decode("utf-8")


def test_replacing_a_file_held_by_another_program_says_so(tmp_path: Path) -> None:
    # A target that cannot be replaced (here a folder of that name; on Windows, a CSV open in Excel)
    target = tmp_path / "log.csv"
    target.mkdir()
    (target / "inside").write_text("x")
    with pytest.raises(FileInUse, match="open in another program") as caught:
        write_safe_csv(target, ["a"], [["1"]])
    assert str(target) in str(caught.value)
    with pytest.raises(FileInUse):
        write_atomically(target, b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]  # no partial file left behind


@pytest.mark.skipif(sys.platform != "win32", reason="Windows refuses to replace a file another program holds open")
def test_replacing_a_csv_open_elsewhere_on_windows_says_so(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    target.write_text("old", encoding="utf-8")
    with target.open("rb"), pytest.raises(FileInUse, match="open in another program"):
        write_safe_csv(target, ["a"], [["1"]])
    assert target.read_text(encoding="utf-8") == "old"


def test_a_register_in_a_folder_named_with_hash_percent_and_question_mark(tmp_path: Path) -> None:
    odd = "St Mary's #2 100%20 (Year 6)" + ("" if sys.platform == "win32" else " what?")
    folder = tmp_path / odd
    reg, _actor, _ = create_register(folder, "St Mary's", "lead", "Lead", LEAD_PASSWORD)
    reg.close()
    # The file is where the folder says, and nothing was made beside it under a cut-off name
    assert (folder / "register.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [odd]
    reg, _ = sign_in(folder, "lead", LEAD_PASSWORD)
    reg.close()
    # An unencrypted register in such a folder opens by its URL too (quoted as a file: URI)
    plain = tmp_path / ("plain " + odd)
    from safeguard_desktop.services.database import open_register

    open_register(plain).close()
    url = paths.database_url(plain)
    assert paths.sqlite_file_of(url) == plain / "register.db"
    open_register(plain).close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_new_register_folder_is_closed_to_other_accounts(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    create_register(folder, "Elm", "lead", "Lead", LEAD_PASSWORD)[0].close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    create_register(shared, "Elm", "lead", "Lead", LEAD_PASSWORD, shared_folder=True)[0].close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o770


def test_the_windows_acl_removes_inheritance_and_names_accounts_by_sid() -> None:
    private = icacls_arguments(Path(r"C:\Safeguard"), "S-1-5-21-1-2-3-1001", shared=False)
    assert private[:3] == ["icacls", r"C:\Safeguard", "/inheritance:r"]
    grants = [private[i + 1] for i, arg in enumerate(private) if arg == "/grant:r"]
    assert grants == ["*S-1-5-21-1-2-3-1001:(OI)(CI)F", "*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F"]
    shared = icacls_arguments(Path(r"C:\Safeguard"), "S-1-5-21-1-2-3-1001", shared=True)
    assert f"*{USERS_SID}:(OI)(CI)M" in shared


@pytest.mark.skipif(sys.platform != "win32", reason="Windows ACLs")
def test_on_windows_the_folder_no_longer_lets_authenticated_users_in(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    create_register(folder, "Elm", "lead", "Lead", LEAD_PASSWORD)[0].close()
    acl = subprocess.run(["icacls", str(folder / keyring.SLOTS_FILE)], capture_output=True, text=True).stdout
    assert "S-1-5-11" not in acl and "Authenticated Users" not in acl
    assert "(I)" in acl  # the key file inherits the folder's own entries


def test_the_folder_chosen_on_first_run_is_remembered_per_account_or_per_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    assert paths.remembered_location() is None
    machine = tmp_path / "ProgramData register"
    written = paths.remember_location(machine, for_everyone=True)
    assert written == paths.machine_location_file()
    assert paths.data_dir() == machine and paths.remembered_location() == paths.Location(machine, True)
    # This account's own choice wins over the machine's
    mine = tmp_path / "H drive register"
    paths.remember_location(mine, for_everyone=False)
    assert paths.data_dir() == mine
    # --data-dir and SAFEGUARD_HOME win over both
    assert paths.data_dir(tmp_path / "given") == tmp_path / "given"
    # A damaged choice is ignored (the machine's applies), never a crash
    paths.user_location_file().write_bytes(b"\x00{not json")
    assert paths.data_dir() == machine
    paths.user_location_file().unlink()
    paths.machine_location_file().unlink()


def test_first_run_in_a_chosen_folder_and_reopening_one_after_a_profile_wipe(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers
) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.ui.signin import FirstRunDialog

    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    # GIVEN the first run on a school PC, the DSL choosing a folder that survives profile wipes, for everyone
    dialog = FirstRunDialog(tmp_path / "default", choosable=True)
    qtbot.addWidget(dialog)
    assert dialog.folder_button.isVisibleTo(dialog) and dialog.for_everyone.isVisibleTo(dialog)
    chosen = tmp_path / "D drive" / "Safeguarding"
    chosen.mkdir(parents=True)
    answers.answers.append(chosen)
    dialog.folder_button.click()
    assert dialog.folder_edit.text() == str(chosen)
    dialog.for_everyone.setChecked(True)
    for edit, text in ((dialog.school_edit, "Elm"), (dialog.name_edit, "Ann Lead"), (dialog.user_edit, "a.lead"),
                       (dialog.password_edit, LEAD_PASSWORD), (dialog.again_edit, LEAD_PASSWORD)):  # fmt: skip
        qtbot.keyClicks(edit, text)
    assert dialog.create(), dialog.error_label.text()
    dialog.result_[0].close()  # type: ignore[index]
    # THEN the register is there and the folder is remembered for every account on this PC
    assert keyring.is_protected(chosen)
    assert json.loads(paths.machine_location_file().read_text(encoding="utf-8")) == {"data_dir": str(chosen)}
    assert paths.data_dir() == chosen
    # WHEN the machine's choice is lost (a rebuilt PC) and the first run appears again
    paths.machine_location_file().unlink()
    again = FirstRunDialog(tmp_path / "default", choosable=True)
    qtbot.addWidget(again)
    # THEN choosing the folder that holds the register opens it for sign-in instead of making a new one
    answers.answers.append(chosen)
    again.folder_button.click()
    assert again.choice == "existing" and again.folder == chosen and again.result_ is None
    assert paths.data_dir() == chosen
    paths.user_location_file().unlink()


def _incomplete_copy(tmp_path: Path, missing: str) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(ROOT / "safeguard_desktop", copy / "safeguard_desktop",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (copy / "safeguard_desktop" / "_resources" / missing).unlink()
    return copy


@pytest.mark.parametrize("missing", ["fonts/DejaVuSans.ttf", "passwords/common.txt", "templates/notice.txt"])
def test_an_incomplete_installation_is_refused_at_start_naming_what_is_missing(tmp_path: Path, missing: str) -> None:
    copy = _incomplete_copy(tmp_path, missing)
    secret = tmp_path / "pw.txt"
    secret.write_text("qwertyuiop123", encoding="utf-8")  # on the deny-list: never accepted for want of the list
    env = {**os.environ, "PYTHONPATH": str(copy), "SAFEGUARD_HOME": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "safeguard_desktop.cli", "init", "--school", "Elm", "--dsl-user",
                           "lead", "--password-file", str(secret)], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert missing in done.stderr and "Reinstall" in done.stderr and "Traceback" not in done.stderr
    assert not keyring.is_protected(tmp_path / "data")


MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
60 27 0:50 / /mnt/school\040share rw,relatime - cifs //server/office rw,vers=3.0
61 27 0:51 / /mnt/school\040share/local rw,relatime - ext4 /dev/sdb1 rw
62 27 0:52 / /home/office rw,relatime - nfs4 nas:/home/office rw
"""


def test_a_register_on_a_network_drive_is_recognised_from_the_mount_table() -> None:
    assert paths.mounted_filesystem(Path("/mnt/school share/Safeguarding"), MOUNTINFO) == "cifs"
    assert paths.mounted_filesystem(Path("/mnt/school share/local/reg"), MOUNTINFO) == "ext4"  # the longest mount
    assert paths.mounted_filesystem(Path("/home/office/.local/share/SafeguardDesktop"), MOUNTINFO) == "nfs4"
    assert paths.mounted_filesystem(Path("/home/officer"), MOUNTINFO) == "ext4"  # not inside /home/office
    assert {"cifs", "nfs4"} <= paths.NETWORK_FILESYSTEMS
    assert paths.network_drive(Path.cwd()) is None  # this machine's own disk


MACOS_MOUNT = """/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse, protect)
//office@nas.school.local/Safeguarding on /Volumes/Safeguarding (smbfs, nodev, nosuid, mounted by office)
nas:/export/home on /Volumes/Safeguarding/home (nfs, nodev, nosuid, mounted by office)
/dev/disk4s1 on /Volumes/USB (msdos, local, nodev, nosuid, noowners)
"""


def test_a_register_on_a_macos_network_volume_is_recognised_from_mount() -> None:
    assert paths.macos_filesystem(Path("/Volumes/Safeguarding/register"), MACOS_MOUNT) == "smbfs"
    assert paths.macos_filesystem(Path("/Volumes/Safeguarding/home/reg"), MACOS_MOUNT) == "nfs"  # the longest
    assert paths.macos_filesystem(Path("/Users/office/Library/Application Support"), MACOS_MOUNT) == "apfs"
    assert paths.macos_filesystem(Path("/Volumes/USB/copy"), MACOS_MOUNT) == "msdos"
    assert paths.macos_filesystem(Path("/Volumes/Safeguardingx"), MACOS_MOUNT) == "apfs"  # not inside the share
    assert {"smbfs", "nfs", "afpfs", "webdav"} <= paths.MACOS_NETWORK_FILESYSTEMS | paths.NETWORK_FILESYSTEMS


@pytest.mark.skipif(sys.platform != "win32", reason="Windows UNC paths")
def test_a_register_on_a_unc_share_is_refused(tmp_path: Path) -> None:
    from safeguard_desktop.services.database import RegisterLocked, refuse_network_drive

    with pytest.raises(RegisterLocked, match="network"):
        refuse_network_drive(Path(r"\\localhost\c$") / str(tmp_path)[3:])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_every_file_of_a_register_and_its_backup_is_its_owners_alone(tmp_path: Path) -> None:
    from safeguard_desktop.services.accounts import SignInFailed
    from safeguard_desktop.services.records import backup

    os.umask(0o022)  # the usual umask: files would be world-readable by default
    folder = tmp_path / "register"
    reg, actor, _ = create_register(folder, "Elm", "lead", "Lead", LEAD_PASSWORD)
    copy = backup.back_up(reg.engine, reg.folder, actor, folder / "backups").path
    backup.restore(reg.engine, reg.folder, actor, copy, reg.presence)  # keeps the replaced register aside
    reg.close()
    with pytest.raises(SignInFailed):
        sign_in(folder, "lead", "not the right password")
    reg, _ = sign_in(folder, "lead", LEAD_PASSWORD)  # holds .open/ marks and -wal/-shm while open
    try:
        loose = [
            f"{p.relative_to(folder)} {stat.S_IMODE(p.stat().st_mode):o}"
            for p in folder.rglob("*")
            if p.is_file() and stat.S_IMODE(p.stat().st_mode) & 0o077
        ]
    finally:
        reg.close()
    assert loose == []
