"""Every location the app uses, from platformdirs, with one override for tests, demos and portable use."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "SafeguardDesktop"
APP_AUTHOR = "SafeguardDesktop"
HOME_ENV = "SAFEGUARD_HOME"
DATABASE_ENV = "SAFEGUARD_DATABASE_URL"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the register; ``--data-dir`` or ``SAFEGUARD_HOME`` wins over the platform default."""
    chosen = override or os.environ.get(HOME_ENV)
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
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


def backup_dir(base: Path) -> Path:
    """Automatic backups taken before migrations."""
    path = base / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(base: Path, url: str | None = None) -> str:
    """The SQLAlchemy URL: ``--database``, then ``SAFEGUARD_DATABASE_URL``, then the embedded file."""
    return url or os.environ.get(DATABASE_ENV) or f"sqlite:///{database_file(base)}"
