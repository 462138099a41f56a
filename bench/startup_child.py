"""Child process of the start-up benchmark: start the bare window or the real app; exit at the first paint.

Prints one line: seconds from process start to the first paint of a table with rows (or the empty bare
table), and its own peak resident memory in MiB (bench/measure.peak_mib).
"""

from __future__ import annotations

import os
import sys
import time

START = float(os.environ["BENCH_T0"])
_start = [START]


def _report_and_exit() -> None:
    elapsed = time.time() - _start[0]
    from measure import peak_mib  # bench/measure.py, beside this script

    peak = peak_mib()
    print(f"{elapsed:.4f} {peak:.1f}", flush=True)
    os._exit(0)


def main() -> None:
    mode = sys.argv[1]
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if mode == "to-signin" and event.type() == QEvent.Type.Paint and watched.inherits("QDialog"):
                _report_and_exit()  # the sign-in dialog is on screen, ready for a password
            if event.type() == QEvent.Type.Paint:
                view = watched.parent()
                is_table = isinstance(view, QAbstractItemView) and view.model() is not None
                if is_table and (mode == "bare" or view.model().rowCount() > 0) and (mode != "whole" or _whole()):
                    _report_and_exit()
            return False

    def _whole() -> bool:
        """The whole register is shown (not only its first pupils): for the peak memory of a register open."""
        for widget in app.topLevelWidgets():
            screen = getattr(widget, "register_screen", None)
            if screen is not None:
                return screen.model.total > 0 and "reading" not in screen.count_label.text()
        return False

    watcher = FirstPaint()
    app.installEventFilter(watcher)
    if mode == "bare":
        from PySide6.QtGui import QStandardItemModel
        from PySide6.QtWidgets import QMainWindow, QTableView

        window = QMainWindow()
        table = QTableView()
        table.setModel(QStandardItemModel(0, 14))
        window.setCentralWidget(table)
        window.resize(1360, 820)
        window.show()
        app.exec()
    elif mode == "signin":
        # What the app preloads while the person types their password; then the clock starts at "Sign in".
        from safeguard_desktop.ui.app import preload_store

        preload_store()
        from safeguard_desktop.services.accounts.signin import sign_in
        from safeguard_desktop.ui.context import AppContext
        from safeguard_desktop.ui.main_window import MainWindow

        _start[0] = time.time()
        reg, actor = sign_in(sys.argv[2], "dsl", "oakfield demo lead")
        window = MainWindow(AppContext(reg, actor))
        window.register_screen.load_now()
        window.show()
        app.exec()
    elif mode in ("to-signin", "whole"):
        from safeguard_desktop.ui.app import main as app_main

        app_main(["--data-dir", sys.argv[2]])
    else:
        from safeguard_desktop.ui.app import main as app_main

        app_main(["--data-dir", sys.argv[2]])


if __name__ == "__main__":
    main()
