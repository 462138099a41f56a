"""Read what the first screen shows straight through SQLite's DB-API, before SQLAlchemy is imported.

Importing SQLAlchemy costs about as much as starting Qt (measured in bench/), so start-up paints the
register from this read and opens the full store just after. Only a local SQLite register that is already
at the current schema qualifies; anything else (a new, old or newer file, PostgreSQL) returns None and
start-up takes the ordinary path through SQLAlchemy and Alembic. The SQL is plain and read-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from safeguard_desktop.paths import read_only_uri, sqlite_file_of
from safeguard_desktop.services.snapshot import DecisionTuple, PupilTuple, PurposeInfo
from safeguard_desktop.store.schema import HEAD_REVISION


@dataclass
class FirstScreenRows:
    """Everything the register screen needs for its first paint."""

    school_name: str
    is_demo: bool
    purposes: list[PurposeInfo]
    pupils: list[PupilTuple]
    decisions: Iterator[DecisionTuple]
    connection: sqlite3.Connection

    def close(self) -> None:
        """Release the file."""
        self.connection.close()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def read_first_screen(url: str, *, include_left: bool = False) -> FirstScreenRows | None:
    """Rows for the register screen, or None when the ordinary start-up path must be taken."""
    path = sqlite_file_of(url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != HEAD_REVISION:
            conn.close()
            return None
        school = conn.execute("SELECT name, is_demo FROM school ORDER BY id LIMIT 1").fetchone() or ("", 0)
        purposes = [
            PurposeInfo(r[0], r[1], r[2], r[3], r[4], bool(r[5]))
            for r in conn.execute(
                "SELECT id, code, name, description, wording_version, active FROM consent_purpose "
                "WHERE active = 1 ORDER BY sort_order, id"
            )
        ]
        where = "" if include_left else " WHERE on_roll = 1"
        pupils: list[PupilTuple] = [
            (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _date(r[8]), bool(r[9]), bool(r[10]))
            for r in conn.execute(
                "SELECT id, upn, admission_number, legal_forename, legal_surname, preferred_forename, year_group, "
                f"reg_group, date_of_birth, on_roll, never_photograph FROM pupil{where}"
            )
        ]
    except sqlite3.Error:
        return None

    def decisions() -> Iterator[DecisionTuple]:
        cursor = conn.execute(
            "SELECT d.pupil_id, d.purpose_id, d.state, d.given_on, d.recorded_at, d.valid_until, d.id, "
            "d.given_by_kind, d.given_by_name, d.contact_id, c.parental_responsibility FROM consent_decision d "
            "LEFT JOIN contact c ON c.id = d.contact_id ORDER BY d.pupil_id, d.purpose_id"
        )
        for r in cursor:
            yield (r[0], r[1], r[2], date.fromisoformat(r[3]), datetime.fromisoformat(r[4]), _date(r[5]), r[6], r[7],
                   r[8], r[9], None if r[10] is None else bool(r[10]))  # fmt: skip

    return FirstScreenRows(school[0] or "", bool(school[1]), purposes, pupils, decisions(), conn)
