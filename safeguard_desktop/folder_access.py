"""Who the operating system lets into a register's folder: its key slots, audit key and files are secrets.

On Linux and macOS the folder is made ``0700`` (its owner only). On Windows ``chmod`` only toggles "read-only",
and a folder made under ``C:\\`` inherits "Authenticated Users: Modify" — every account on the PC and every
network logon. There the folder gets its own ACL, inheritance from the parent removed: full control for the
account that made it, SYSTEM and Administrators (backup software and IT support), and — only when the school
keeps one register for everyone who signs in to that PC — Modify for the local Users group. Files made in it
later inherit the same entries.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SYSTEM_SID = "S-1-5-18"
ADMINISTRATORS_SID = "S-1-5-32-544"
USERS_SID = "S-1-5-32-545"


class FolderNotProtected(OSError):
    """The folder's permissions could not be set; the message says what to ask IT support for."""


def current_user_sid() -> str:
    """The Windows security identifier of the account running the app (from ``whoami``, on every Windows)."""
    out = subprocess.run(
        ["whoami", "/user", "/fo", "csv", "/nh"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    sid = out.strip().rsplit(",", 1)[-1].strip().strip('"')
    if not sid.startswith("S-1-"):
        raise FolderNotProtected(f"whoami gave no security identifier ({out.strip()!r}).")
    return sid


def icacls_arguments(folder: Path, user_sid: str, *, shared: bool) -> list[str]:
    """The ``icacls`` command that gives ``folder`` its own ACL (SIDs, so it works in every Windows language)."""
    grants = [f"*{user_sid}:(OI)(CI)F", f"*{SYSTEM_SID}:(OI)(CI)F", f"*{ADMINISTRATORS_SID}:(OI)(CI)F"]
    if shared:
        grants.append(f"*{USERS_SID}:(OI)(CI)M")
    command = ["icacls", str(folder), "/inheritance:r"]
    for grant in grants:
        command += ["/grant:r", grant]
    return [*command, "/Q"]


def protect_folder(folder: Path, *, shared: bool = False) -> None:
    """Let only the owner (and, when ``shared``, this computer's users) into ``folder``. FolderNotProtected
    when the system refuses (e.g. a network drive whose permissions only its server sets)."""
    if sys.platform != "win32":
        mode = 0o770 if shared else 0o700
        try:
            os.chmod(folder, mode)
        except OSError as exc:
            raise FolderNotProtected(f"Could not limit who may open {folder}: {exc.strerror or exc}.") from exc
        return
    try:
        result = subprocess.run(
            icacls_arguments(folder, current_user_sid(), shared=shared),
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise FolderNotProtected(f"Could not limit who may open {folder}: {exc}.") from exc
    if result.returncode != 0:
        raise FolderNotProtected(
            f"Could not limit who may open {folder} ({(result.stderr or result.stdout).strip()}). Ask IT support to "
            "give it its own permissions: only you, SYSTEM and Administrators."
        )


def make_private(*files: Path) -> None:
    """Files readable by their owner alone (``0600``) on Linux and macOS; on Windows they inherit the folder's own
    ACL. A file that is not there (an optional side file) is passed over."""
    if sys.platform == "win32":
        return
    for path in files:
        try:
            os.chmod(path, 0o600)
        except FileNotFoundError:
            continue
