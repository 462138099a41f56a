"""A growing wait after failed sign-ins, per account name, so guessing online is slow (measured before: 38 wrong
passwords and 16 codes a second, with no limit at all).

The first few failures cost nothing; then each one doubles the wait before the next attempt is even tried
(5 s, 10 s, 20 s … up to 15 minutes). The wait is kept beside the register (``.open/throttle.json``), so every
process — the app, the command line, a second copy — applies it; a successful sign-in clears that name's count.
It does not slow an attacker who has copied the files (that is what the key derivation's cost is for), but it
stops guessing through the app.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from safeguard_desktop.services import presence
from safeguard_desktop.services.errors import ServiceError

FILE = "throttle.json"
FREE_ATTEMPTS = 4
FIRST_WAIT = 5.0
LONGEST_WAIT = 15 * 60.0
WINDOW = 3600.0  # failures older than an hour are forgotten


class TooManyAttempts(ServiceError):
    """Sign-in refused before the password is even tried; the message says how long to wait."""


def _path(folder: Path) -> Path:
    return folder / presence.FOLDER / FILE


def _read(folder: Path, now: float) -> dict[str, list[float]]:
    try:
        data = json.loads(_path(folder).read_bytes()[:1_000_000].decode("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    kept: dict[str, list[float]] = {}
    for name, stamps in data.items():
        if isinstance(name, str) and isinstance(stamps, list):
            recent = [float(t) for t in stamps if isinstance(t, int | float) and now - float(t) < WINDOW]
            if recent:
                kept[name[:80]] = recent[-64:]
    return kept


def _write(folder: Path, data: dict[str, list[float]]) -> None:
    from safeguard_desktop.files import write_atomically

    write_atomically(_path(folder), json.dumps(data).encode("utf-8"), private=True)


def wait_needed(failures: list[float], now: float) -> float:
    """Seconds still to wait before the next attempt, given the times of the recent failures."""
    if len(failures) < FREE_ATTEMPTS:
        return 0.0
    wait = min(FIRST_WAIT * 2.0 ** (len(failures) - FREE_ATTEMPTS), LONGEST_WAIT)
    return float(max(0.0, failures[-1] + wait - now))


def check(folder: Path, username: str) -> None:
    """TooManyAttempts when ``username`` must wait before trying again."""
    now = time.time()
    wait = wait_needed(_read(folder, now).get(username, []), now)
    if wait > 0:
        raise TooManyAttempts(
            f"Too many attempts to sign in as this name. Wait {max(1, round(wait))} seconds, then try again "
            "(each further wrong attempt doubles the wait; the attempts are recorded)."
        )


def failed(folder: Path, username: str) -> None:
    """Count a failure for ``username``."""
    try:
        with presence.folder_lock(folder, "throttle"):
            now = time.time()
            data = _read(folder, now)
            data.setdefault(username[:80], []).append(now)
            _write(folder, data)
    except (OSError, ServiceError):  # a full disk: the failure is still noted in the failed sign-in log
        return


def succeeded(folder: Path, username: str) -> None:
    """A correct sign-in clears ``username``'s count."""
    try:
        with presence.folder_lock(folder, "throttle"):
            data = _read(folder, time.time())
            if data.pop(username[:80], None) is not None:
                _write(folder, data)
    except (OSError, ServiceError):
        return
