"""Start-up: the first screen's light read agrees with the full store, and paints before SQLAlchemy loads."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from safeguard_desktop import paths
from safeguard_desktop.services import register
from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import Register, open_register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.services.first_screen import read_first_screen
from safeguard_desktop.services.snapshot import build_snapshot
from safeguard_desktop.store.engine import read_session, write_session

ROOT = Path(__file__).resolve().parent.parent


def test_light_read_gives_the_same_register_as_the_full_store(reg: Register, dsl: Actor) -> None:
    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=150)
    day = date(2026, 11, 24)
    with read_session(reg.engine) as session:
        full = register.load_register(session, dsl, on=day)
    first = read_first_screen(paths.database_url(reg.folder))
    assert first is not None
    try:
        light = build_snapshot(first.purposes, first.pupils, first.decisions, day)
    finally:
        first.close()
    assert light == full
    assert first.school_name.endswith("(demo)") and first.is_demo


def test_light_read_declines_what_it_cannot_vouch_for(tmp_path: Path) -> None:
    assert read_first_screen("postgresql://localhost/school") is None
    assert read_first_screen(f"sqlite:///{tmp_path / 'missing.db'}") is None
    reg = open_register(tmp_path / "old")
    reg.close()
    import sqlite3

    with sqlite3.connect(tmp_path / "old" / "register.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'something_else'")
    conn.close()
    assert read_first_screen(paths.database_url(tmp_path / "old")) is None


def test_the_window_paints_rows_before_sqlalchemy_loads_and_opens_the_store_after(tmp_path: Path, dsl: Actor) -> None:
    reg = open_register(tmp_path)
    with write_session(reg.engine) as session:
        create_demo_school(session, dsl, pupils=80)
    reg.close()
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QAbstractItemView, QApplication
        app = QApplication([])
        seen = {}

        class Watch(QObject):
            def eventFilter(self, obj, event):
                view = obj.parent()
                if event.type() == QEvent.Type.Paint and isinstance(view, QAbstractItemView) and "first" not in seen:
                    if view.model() is not None and view.model().rowCount() > 0:
                        heavy = any(m in sys.modules for m in ("sqlalchemy", "PySide6.QtPdf", "PySide6.QtCharts"))
                        seen["first"] = (heavy, view.model().rowCount())
                        QTimer.singleShot(0, check)
                return False

        def check(waited=0):
            # Poll (no fixed delay): the store opens once the event loop is free after the first paint.
            if "sqlalchemy" not in sys.modules and waited < 600:
                QTimer.singleShot(50, lambda: check(waited + 1))
                return
            print(seen["first"][0], seen["first"][1], "sqlalchemy" in sys.modules)
            app.quit()

        watch = Watch()
        app.installEventFilter(watch)
        from safeguard_desktop.ui.app import main
        main(["--data-dir", sys.argv[1]])
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SAFEGUARD_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert proc.stdout.split() == ["False", "80", "True"], proc.stderr
