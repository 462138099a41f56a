"""Open the register: find it, migrate it (after a backup), seed purposes and the school row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from safeguard_desktop import paths
from safeguard_desktop.domain.purposes import DEFAULT_PURPOSES
from safeguard_desktop.services import audit
from safeguard_desktop.store import migrate
from safeguard_desktop.store.engine import make_engine, read_session, write_session
from safeguard_desktop.store.models import ConsentPurpose, Pupil, School


@dataclass
class Register:
    """An open register: the engine and the folder it lives in."""

    engine: Engine
    folder: Path

    def is_empty(self) -> bool:
        """True when no pupil has been imported yet."""
        with read_session(self.engine) as session:
            return not session.scalar(select(func.count()).select_from(Pupil))

    def is_demo(self) -> bool:
        """True when this register holds the fictional demo school."""
        with read_session(self.engine) as session:
            return bool(session.scalar(select(School.is_demo).limit(1)))

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()


def open_register(data_dir: str | Path | None = None, url: str | None = None) -> Register:
    """Open (creating or migrating as needed) the register in ``data_dir`` or at ``url``."""
    folder = paths.data_dir(data_dir)
    engine = make_engine(paths.database_url(folder, url))
    migrate.upgrade(engine, backup_folder=paths.backup_dir(folder))
    audit.configure(engine, folder)
    _seed(engine)
    return Register(engine=engine, folder=folder)


def _seed(engine: Engine) -> None:
    with read_session(engine) as session:
        has_school = session.scalar(select(func.count()).select_from(School))
        has_purposes = session.scalar(select(func.count()).select_from(ConsentPurpose))
    with write_session(engine) as session:
        audit.seal_pending(session)
    if has_school and has_purposes:
        return
    with write_session(engine) as session:
        if not session.scalar(select(func.count()).select_from(School)):
            session.add(School(name="", address="", headteacher="", dsl_name="", self_consent_age=13))
        if not session.scalar(select(func.count()).select_from(ConsentPurpose)):
            session.execute(
                insert(ConsentPurpose),
                [
                    {
                        "code": p.code,
                        "name": p.name,
                        "description": p.description,
                        "wording_version": 1,
                        "active": True,
                        "sort_order": i,
                        "version": 1,
                    }
                    for i, p in enumerate(DEFAULT_PURPOSES)
                ],
            )
