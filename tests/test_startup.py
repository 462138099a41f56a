"""Start-up: one path from the arguments to a painted window, for every kind of register."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from safeguard_desktop.services.actors import Actor
from safeguard_desktop.services.database import open_register
from safeguard_desktop.services.demo import create_demo_school
from safeguard_desktop.store.engine import write_session

ROOT = Path(__file__).resolve().parent.parent


def test_an_unencrypted_register_from_an_earlier_version_opens_by_the_one_path(tmp_path: Path, dsl: Actor) -> None:
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
                        seen["first"] = view.model().rowCount()
                        QTimer.singleShot(0, check)
                return False

        def check():
            window = next(w for w in app.topLevelWidgets() if w.inherits("QMainWindow"))
            print(seen["first"], "DEMO" in window.windowTitle())
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
    # THEN the register's pupils are painted, under the school's name (read off the GUI thread too)
    assert proc.stdout.split() == ["80", "True"], proc.stderr
