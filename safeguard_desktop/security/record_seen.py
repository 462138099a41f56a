"""The newest signed record of accounts each account has signed in with, kept in its own profile: an earlier copy
of the key file put back in the data folder (one in which a disabled account is still active, an added account
missing, a slot still opened by a former password) is noticed at the next sign-in of anyone who saw a newer one.

The record's signature cannot tell an old copy from the current one — both were signed by the leads — so only a
memory outside the data folder can. Non-leads are refused and told to fetch a lead; a lead is told, and signs in
(a lead holds every key already, and is the one who mends it). The note carries a mark made with a key derived
from the account's personal key, so another account sharing the computer's profile cannot lower it unseen.
"""

from __future__ import annotations

from pathlib import Path

from safeguard_desktop.security import profile_notes

KIND = "record-versions.json"


class OlderRecord(Exception):
    """The key file's signed record is older than one this account signed in with before."""

    def __init__(self, seen: int, found: int) -> None:
        self.seen, self.found = seen, found
        super().__init__(
            f"The record of accounts in this register's key file (keyslots.json) is an earlier copy: version "
            f"{found}, and you signed in with version {seen} before. Someone put an older key file back in the data "
            "folder, which can bring back a disabled account or a former password. Nothing has been opened or "
            "changed. Ask a safeguarding lead to sign in: they will be told what to do."
        )


_LABEL = b"safeguard record seen v1"


def seen(folder: Path, username: str, personal_private: bytes | None) -> int:
    """The newest version this account has signed in with (0: none kept, or the note does not carry its mark)."""
    if personal_private is None:
        return 0
    try:
        entry = profile_notes.read_marked(KIND, folder, username, personal_private, _LABEL, ("version",))
        return int(entry["version"]) if entry is not None else 0
    except (profile_notes.AlteredNote, TypeError, ValueError):
        return 0


def check(folder: Path, username: str, personal_private: bytes | None, version: int | None) -> None:
    """OlderRecord when ``version`` (the record this sign-in was checked against) is older than one seen before."""
    if version is None:
        return
    before = seen(folder, username, personal_private)
    if version < before:
        raise OlderRecord(before, version)


def remember(folder: Path, username: str, personal_private: bytes | None, version: int | None) -> None:
    """Keep ``version`` as the newest seen (never lowered). A profile that cannot be written loses only this check."""
    if personal_private is None or version is None or version <= seen(folder, username, personal_private):
        return
    profile_notes.write_marked(KIND, folder, username, personal_private, _LABEL, {"version": version})
