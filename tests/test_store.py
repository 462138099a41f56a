"""The database: safe SQLite settings, migrations applied at start-up, newer files refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from safeguard_desktop.services.database import open_register
from safeguard_desktop.store import migrate
from safeguard_desktop.store.engine import make_engine, write_session
from safeguard_desktop.store.models import Pupil


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.migrations_folder()))
    script = ScriptDirectory.from_config(config)
    assert script.get_current_head() == migrate.HEAD_REVISION
    assert {r.revision for r in script.walk_revisions()} == set(migrate.KNOWN_REVISIONS)


def test_a_new_register_is_created_at_head_with_safe_pragmas(tmp_path: Path) -> None:
    reg = open_register(tmp_path)
    assert migrate.current_revision(reg.engine) == migrate.HEAD_REVISION
    with reg.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    reg.close()


def test_opening_twice_is_idempotent(tmp_path: Path) -> None:
    open_register(tmp_path).close()
    reg = open_register(tmp_path)
    assert migrate.upgrade(reg.engine) == "current"
    reg.close()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    open_register(tmp_path).close()
    db = tmp_path / "register.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(migrate.DatabaseTooNew, match="newer version"):
        open_register(tmp_path)
    assert db.read_bytes() == before


def test_backup_copy_is_a_consistent_database(tmp_path: Path) -> None:
    reg = open_register(tmp_path)
    with write_session(reg.engine) as session:
        session.add(Pupil(legal_forename="Ada", legal_surname="Lovelace", year_group="Year 5", reg_group="5A"))
    copy = migrate.backup_sqlite_file(reg.engine, tmp_path / "backups", "test")
    reg.close()
    assert copy is not None
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT legal_surname FROM pupil").fetchall() == [("Lovelace",)]
    conn.close()


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    reg = open_register(tmp_path)
    with pytest.raises(RuntimeError), write_session(reg.engine) as session:
        session.add(Pupil(legal_forename="Half", legal_surname="Written", year_group="Year 5", reg_group="5A"))
        session.flush()
        raise RuntimeError("crash in the middle")
    with reg.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pupil")).scalar() == 0
    reg.close()


def test_write_transactions_take_the_lock_at_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with write_session(engine) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    other = sqlite3.connect(tmp_path / "x.db", timeout=0.05)
    with write_session(engine) as session:
        session.execute(text("SELECT count(*) FROM t")).scalar()
        # The read of a read-modify-write already holds the write lock (BEGIN IMMEDIATE), so no other
        # writer can slip in between the read and the write.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        session.execute(text("INSERT INTO t VALUES (1)"))
    other.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    engine.dispose()


def test_migrations_build_exactly_the_schema_the_models_describe(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from safeguard_desktop.store.models import Base

    reg = open_register(tmp_path)
    with reg.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    reg.close()


def test_a_batch_migration_keeps_every_child_row(tmp_path: Path) -> None:
    """Recreating the pupil table must not cascade-delete decisions (measured trap: foreign keys must be off)."""
    from .conftest import register_at

    register_at(tmp_path, "0004_incidents")
    with sqlite3.connect(tmp_path / "register.db") as conn:
        conn.execute("INSERT INTO consent_purpose (id, code, name, description, wording_version, active, sort_order,"
                     " version) VALUES (1, 'web', 'Web', '', 1, 1, 0, 1)")  # fmt: skip
        for pid in range(1, 6):
            conn.execute("INSERT INTO pupil (id, legal_forename, legal_surname, year_group, reg_group, on_roll,"
                         " never_photograph, version) VALUES (?, 'A', 'B', 'Year 5', '5A', 1, 0, 1)", (pid,))  # fmt: skip
            conn.execute("INSERT INTO consent_decision (pupil_id, purpose_id, state, given_by_kind, given_by_name,"
                         " given_by_relationship, route, given_on, wording_version, recorded_by, recorded_at, note,"
                         " source) VALUES (?, 1, 'granted', 'parent/carer', 'P', 'Mother', 'email', '2026-10-01', 1,"
                         " 'x', '2026-10-01 10:00:00.000000', '', '')", (pid,))  # fmt: skip
    conn.close()
    reg = open_register(tmp_path)
    assert migrate.current_revision(reg.engine) == migrate.HEAD_REVISION
    with reg.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM consent_decision")).scalar() == 5
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        # The free-text giver of each earlier decision is kept (a contact of that name takes it over later).
        givers = conn.execute(text("SELECT DISTINCT given_by_name, contact_id FROM consent_decision")).all()
        assert [tuple(g) for g in givers] == [("P", None)]
    reg.close()
    assert list((tmp_path / "backups").glob("register-before-migration-*.db"))


def test_a_migration_that_recreates_a_table_keeps_its_child_rows_and_the_pool_keeps_foreign_keys(
    tmp_path: Path, dsl
) -> None:  # type: ignore[no-untyped-def]
    from safeguard_desktop.domain.incidents import Category
    from safeguard_desktop.services import incidents

    # GIVEN an incident with two people (incident_person rows: ON DELETE CASCADE from incident)
    reg = open_register(tmp_path)
    with write_session(reg.engine) as session:
        incidents.record_incident(session, dsl, incidents.IncidentInput(
            Category.PRIVACY, "Photos posted", people=[incidents.PersonInput("staff", "affected", name="A Teacher", staff_role="teacher"),
                                                       incidents.PersonInput("school", "affected")]))  # fmt: skip
    # WHEN a migration recreates the incident table in batch mode (0009's downgrade drops a column)
    migrate._run_alembic(reg.engine, "0008_pupil_photos", down=True)
    # THEN no child row was deleted by the recreation, and the connection went back with foreign keys on
    with reg.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM incident_person").scalar() == 2
        assert migrate.foreign_keys_on(conn)
    migrate._run_alembic(reg.engine)
    assert migrate.current_revision(reg.engine) == migrate.HEAD_REVISION
    reg.close()


def test_a_register_from_before_loses_its_password_hashes_when_migrated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Hashes beside the key slots were a copy to guess passwords against offline; migration 0021 blanks them."""
    import sqlite3

    from safeguard_desktop.services.database import open_register

    from .conftest import register_at

    register_at(tmp_path, "0020_incident_owner")
    with sqlite3.connect(tmp_path / "register.db") as conn:
        conn.execute("INSERT INTO user_account (username, display_name, role, password_hash, active, created_at, "
                     "version) VALUES ('a.lead', 'Ann Lead', 'dsl', '$argon2id$v=19$m=19456,t=2,p=1$abc$def', 1, "
                     "'2026-11-01 09:00:00', 1)")  # fmt: skip
    conn.close()
    reg = open_register(tmp_path)
    reg.close()
    with sqlite3.connect(tmp_path / "register.db") as conn:
        assert conn.execute("SELECT password_hash FROM user_account").fetchall() == [("",)]
    conn.close()
