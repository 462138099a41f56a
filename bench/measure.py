"""What the benchmarks measure inside one process: its own peak memory, and the longest stall of its GUI thread.

Peak memory: ``ru_maxrss`` of a child is not its own on Linux — it keeps the parent's high-water mark through
vfork+exec (a bare ``python -c`` child reported 411 MiB with the parent at 411). The kernel's per-process
``VmHWM`` (/proc/self/status) starts afresh at exec; Windows has ``PeakWorkingSetSize``; macOS's ``ru_maxrss`` is
the process's own.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable
from pathlib import Path


def peak_mib() -> float:
    """This process's peak resident memory since it started, in MiB (0 where it cannot be read)."""
    status = Path("/proc/self/status")
    if status.exists():  # Linux
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    if sys.platform == "win32":
        from ctypes import wintypes

        class Counters(ctypes.Structure):
            _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                        ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                        ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]  # fmt: skip

        counters = Counters()
        counters.cb = ctypes.sizeof(Counters)
        process = ctypes.windll.kernel32.GetCurrentProcess()  # type: ignore[attr-defined]
        if ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):  # type: ignore[attr-defined]
            return counters.PeakWorkingSetSize / 2**20
        return 0.0
    try:
        import resource  # posix-only: guarded (macOS: ru_maxrss in bytes, the process's own)
    except ImportError:
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class StallWatch:
    """The longest time the GUI thread went without running its event loop, while ``run`` waits for ``done``.

    A timer asks to run every ``tick`` ms; the gap between two runs beyond the tick is time the thread spent on
    something else (a model fill, a decryption, a layout). What a person sees as a frozen window.
    """

    def __init__(self, tick_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.tick = tick_ms / 1000
        self.longest = 0.0
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last - self.tick)
        self._last = now

    def run(self, start: Callable[[], object], done: Callable[[], bool], timeout: float = 600) -> float:
        """Call ``start`` with the watch running, turn the event loop until ``done()``; the seconds it took."""
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert app is not None
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer.start()
        began = time.perf_counter()
        start()
        while not done():
            app.processEvents()
            time.sleep(0.001)
            if time.perf_counter() - began > timeout:
                raise TimeoutError("the screen did not finish loading")
        took = time.perf_counter() - began
        app.processEvents()
        self._timer.stop()
        return took
