"""The same services on a real PostgreSQL server: nothing in the register is SQLite-only.

Runs when SAFEGUARD_TEST_POSTGRES_URL names a server where it may create databases (CI starts one with
scripts/start-test-postgres.sh); skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from safeguard_desktop.domain.consent import ConsentState, GivenByKind, Route, Verdict
from safeguard_desktop.services import consent
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.consent import grid
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.pupils import mis_import
from safeguard_desktop.services.pupils.mis_files import read_pupil_file
from safeguard_desktop.store import migrate
from safeguard_desktop.store.engine import read_session, write_session
from safeguard_desktop.store.models import Pupil

from .conftest import SIMS_HEADERS, TODAY, new_postgres_database, sims_rows, write_csv

ADMIN_URL = os.environ.get("SAFEGUARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="set SAFEGUARD_TEST_POSTGRES_URL to run against PostgreSQL")


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Register]:
    assert ADMIN_URL
    with new_postgres_database(ADMIN_URL, "safeguard_test") as url:
        reg = open_register(tmp_path, url)
        yield reg
        reg.close()


def test_register_import_and_consent_on_postgresql(tmp_path: Path, pg: Register, dsl: Actor) -> None:
    assert pg.engine.dialect.name == "postgresql"
    assert migrate.current_revision(pg.engine) == migrate.HEAD_REVISION
    rows = sims_rows(5)
    rows[0][3] = "Zoë Łucja"
    table = read_pupil_file(write_csv(tmp_path / "p.csv", [SIMS_HEADERS, *rows]))
    with write_session(pg.engine) as session:
        result = mis_import.apply(session, dsl, table, today=TODAY)
    assert len(result.added) == 5
    with write_session(pg.engine) as session:
        again = mis_import.apply(session, dsl, table, today=TODAY)
    assert again.unchanged == 5
    with read_session(pg.engine) as session:
        snapshot = grid.load_register(session, dsl, on=TODAY)
        purposes = {p.code: p.id for p in snapshot.purposes}
    pupil = next(r for r in snapshot.rows if r.forename == "Zoë Łucja")
    decision = consent.DecisionInput(
        ConsentState.GRANTED, GivenByKind.PARENT, Route.EMAIL, date(2026, 10, 1), "Anna", "Mother"
    )
    with write_session(pg.engine) as session:
        consent.record_decisions(session, dsl, [pupil.id], [purposes["website"]], decision, today=TODAY)
    with read_session(pg.engine) as session:
        snapshot = grid.load_register(session, dsl, on=TODAY)
    row = next(r for r in snapshot.rows if r.id == pupil.id)
    verdicts = {p.code: v for p, v in zip(snapshot.purposes, row.verdicts, strict=True)}
    assert verdicts.pop("website") is Verdict.YES
    assert set(verdicts.values()) == {Verdict.NO_DECISION}


def test_concurrent_edits_are_detected_not_lost(pg: Register, dsl: Actor) -> None:
    with write_session(pg.engine) as session:
        session.add(Pupil(legal_forename="Ada", legal_surname="Lovelace", year_group="Year 5", reg_group="5A"))
    from sqlalchemy.orm import Session

    first, second = Session(pg.engine), Session(pg.engine)
    a = first.query(Pupil).one()
    b = second.query(Pupil).one()
    a.reg_group = "5B"
    first.commit()
    b.reg_group = "5C"
    with pytest.raises(StaleDataError):
        second.commit()
    first.close()
    second.close()
    with read_session(pg.engine) as session:
        assert session.query(Pupil).one().reg_group == "5B"


def test_a_concurrent_edit_through_a_service_is_a_conflict_not_a_lost_update(pg: Register, dsl: Actor) -> None:
    from safeguard_desktop.services.errors import ConflictError
    from safeguard_desktop.services.transaction import write_session as service_write
    from safeguard_desktop.store.models import ConsentPurpose

    with read_session(pg.engine) as session:
        purpose_id = session.query(ConsentPurpose.id).filter_by(code="website").scalar()
    with pytest.raises(ConflictError, match="Someone else changed"), service_write(pg.engine) as session:
        mine = session.get(ConsentPurpose, purpose_id)
        assert mine is not None
        _ = mine.description  # loaded at version 1
        with pg.engine.begin() as conn:  # another client saves first, in its own transaction
            conn.execute(text("UPDATE consent_purpose SET version = version + 1 WHERE id = :i"), {"i": purpose_id})
        mine.description = "Mine"
    with read_session(pg.engine) as session:
        kept = session.get(ConsentPurpose, purpose_id)
        assert kept is not None and kept.description != "Mine"
