"""Every location the app uses, from platformdirs, with one override for tests, demos and portable use."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import platformdirs

APP_NAME = "SafeguardDesktop"
APP_AUTHOR = "SafeguardDesktop"
HOME_ENV = "SAFEGUARD_HOME"
DATABASE_ENV = "SAFEGUARD_DATABASE_URL"


LOCATION_FILE = "location.json"


@dataclass(frozen=True)
class Location:
    """Where the register lives, as chosen on the first run and remembered."""

    folder: Path
    for_everyone: bool  # remembered for every account on this computer (else for this account only)


def default_data_dir() -> Path:
    """The platform's user data folder (``%LOCALAPPDATA%`` on Windows: it does not roam)."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def machine_data_dir() -> Path | None:
    """A folder for a register everyone on this computer uses, outside every profile: ``C:\\ProgramData\\…`` on
    Windows (ordinary accounts may create folders there). None elsewhere: Linux and macOS have no such place an
    ordinary account may write to, so the school picks one."""
    if sys.platform != "win32":
        return None
    return Path(platformdirs.site_data_dir(APP_NAME, APP_AUTHOR)) / "Register"


def user_location_file() -> Path:
    """Where this account's choice is kept: the roaming profile on Windows (it survives a change of PC)."""
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR, roaming=True)) / LOCATION_FILE


def user_config_file(name: str) -> Path:
    """A file (or folder) of this account's own beside its remembered choice (roaming profile on Windows)."""
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR, roaming=True)) / name


def machine_location_file() -> Path:
    """Where a choice for everyone on this computer is kept (``C:\\ProgramData\\…``, ``/etc/xdg/…``): it survives
    the wiping of profiles on managed school PCs."""
    return Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / LOCATION_FILE


def remembered_location() -> Location | None:
    """The folder chosen on the first run: this account's choice first, then this computer's; None if neither.

    A damaged or unreadable choice is ignored (the first run asks again) rather than stopping the app.
    """
    for file, for_everyone in ((user_location_file(), False), (machine_location_file(), True)):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            folder = data["data_dir"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(folder, str) and folder:
            return Location(Path(folder), for_everyone)
    return None


def remember_location(folder: Path, *, for_everyone: bool) -> Path:
    """Keep ``folder`` as the register's folder for this account or for everyone here; returns the file written.

    OSError (e.g. no right to write ``C:\\ProgramData``) is the caller's to say plainly.
    """
    from safeguard_desktop.files import write_atomically

    file = machine_location_file() if for_everyone else user_location_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(file, json.dumps({"data_dir": str(folder)}, indent=1).encode("utf-8"))
    return file


def is_overridden(override: str | os.PathLike[str] | None = None) -> bool:
    """True when ``--data-dir`` or ``SAFEGUARD_HOME`` names the folder (the first run then offers no choice)."""
    return bool(override or os.environ.get(HOME_ENV))


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the register: ``--data-dir``, then ``SAFEGUARD_HOME``, then the folder chosen on the
    first run, then the platform default."""
    chosen = override or os.environ.get(HOME_ENV)
    if chosen:
        path = Path(chosen)
    else:
        remembered = remembered_location()
        path = remembered.folder if remembered is not None else default_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir(base: Path | None = None) -> Path:
    """Where the rotating log goes (under the data folder when it was overridden)."""
    if base is not None and (os.environ.get(HOME_ENV) or base != data_dir()):
        path = base / "logs"
    else:
        path = Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_file(base: Path) -> Path:
    """The embedded register's SQLite file."""
    return base / "register.db"


def viewing_dir(base: Path) -> Path:
    """Copies of documents handed to the system's PDF viewer: inside the register's folder (closed to others),
    emptied at every start, never the system's temporary folder."""
    return base / "viewing"


def clear_viewing(base: Path) -> int:
    """Remove what an earlier session left for the viewer; returns how many files went (held ones stay)."""
    folder = viewing_dir(base)
    removed = 0
    if folder.is_dir():
        for path in folder.iterdir():
            try:
                path.unlink()
                removed += 1
            except OSError:
                continue
    return removed


def backup_dir(base: Path) -> Path:
    """Automatic backups taken before migrations."""
    path = base / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


_SQLITE = "sqlite:///"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file, quoted as SQLAlchemy quotes it: a folder may hold ``#``, ``%`` or
    ``?`` (a raw ``sqlite:///`` + path lost everything after a ``?`` and decoded ``%20``). Kept free of SQLAlchemy,
    which the first paint does not load."""
    return _SQLITE + quote(str(path), safe=" +/:\\")


def sqlite_file_of(url: str) -> Path | None:
    """The file an ``sqlite:///`` URL names (unquoted), or None for another database or an in-memory one."""
    if not url.startswith(_SQLITE):
        return None
    database = unquote(url[len(_SQLITE) :].split("?", 1)[0])
    return Path(database) if database and database != ":memory:" else None


def read_only_uri(path: Path) -> str:
    """An SQLite ``file:`` URI opening ``path`` read-only, with the path percent-quoted (``#``, ``?``, ``%``)."""
    return path.resolve().as_uri() + "?mode=ro"


def database_url(base: Path, url: str | None = None) -> str:
    """The SQLAlchemy URL: ``--database``, then ``SAFEGUARD_DATABASE_URL``, then the embedded file."""
    return url or os.environ.get(DATABASE_ENV) or sqlite_url(database_file(base))


# File systems on which SQLite's WAL (shared memory between processes) and its locks are not safe.
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "fuse.sshfs", "davfs", "fuse.davfs2",
                       "ncpfs", "glusterfs", "ceph", "fuse.rclone", "fuse.s3fs"}  # fmt: skip


def mounted_filesystem(path: Path, mountinfo: str) -> str:
    """The type of the file system ``path`` is on, from the text of /proc/self/mountinfo (longest mount point)."""
    best, kind = "", ""
    target = str(path)
    for line in mountinfo.splitlines():
        before, sep, after = line.partition(" - ")
        fields = before.split()
        if not sep or len(fields) < 5 or not after:
            continue
        point = fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, after.split()[0]
    return kind


def network_drive(path: Path) -> str | None:
    """What kind of network drive ``path`` is on ("a network share", "nfs", …), or None for a local disk."""
    resolved = path.resolve()
    if sys.platform == "win32":
        text = str(resolved)
        if text.startswith("\\\\"):
            return "a network share"
        import ctypes

        drive_remote = 4
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        return "a mapped network drive" if kernel32.GetDriveTypeW(resolved.anchor) == drive_remote else None
    if sys.platform.startswith("linux"):
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        kind = mounted_filesystem(resolved, mountinfo)
        return kind if kind in NETWORK_FILESYSTEMS else None
    if sys.platform == "darwin":  # statfs is not in the standard library; mount(8) says each volume's type
        import subprocess

        try:
            listing = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        kind = macos_filesystem(resolved, listing)
        return kind if kind in NETWORK_FILESYSTEMS | MACOS_NETWORK_FILESYSTEMS else None
    return None


#: macOS's own names for network volumes, as mount(8) prints them.
MACOS_NETWORK_FILESYSTEMS = {"smbfs", "nfs", "afpfs", "webdav", "ftp", "osxfuse", "macfuse"}


def macos_filesystem(path: Path, listing: str) -> str:
    """The type of the file system ``path`` is on, from macOS's mount(8) output ("//u@nas/share on /Volumes/share
    (smbfs, nodev, nosuid, mounted by u)"; the longest mount point that holds the path)."""
    best, kind = "", ""
    target = str(path)
    for line in listing.splitlines():
        head, sep, options = line.rpartition(" (")
        _source, on, point = head.partition(" on ")
        if not sep or not on or not options:
            continue
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, options.split(",")[0].strip(" )")
    return kind
