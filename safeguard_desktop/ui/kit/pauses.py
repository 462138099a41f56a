"""Python's garbage collector and its interpreter lock, kept from freezing the window.

A full collection walks every object that can hold others, holding the interpreter lock: with a trust's register
loaded, each took 100-140 ms, and a roster of 50,000 built off the GUI thread set off eight of them — the window
stood still for 260 ms at a time although no screen did any work (bench/ screens, measured with gc.callbacks).
Two settings, applied once the window is built:

* what exists by then (modules, classes, the window and its widgets: about 200,000 objects) is moved out of the
  collector's sight with ``gc.freeze()``; it lives as long as the app, and is still freed by reference counting;
* collections start after 50,000 new objects instead of 700, so a bulk read runs one or two, not dozens.

Measured on a whole-school event of 50,000 pupils: 8 passes of ~130 ms before, 2 of 40-75 ms after.

And the interpreter lock is handed on every millisecond instead of every five: while a worker runs Python (a roster
of 50,000 built, a list of 10,000 incidents opened), each call Qt makes into Python on the GUI thread — a cell's
text, the idle lock's look at an event, a timer — waited up to 5 ms for the lock, so one paint stood still 16-25 ms
at a time, dozens of times over (bench/ screens, sampled: the GUI thread inside Qt, the worker in Python).
"""

from __future__ import annotations

import gc
import sys

#: New objects before a collection of the youngest generation, and how often the older ones follow.
THRESHOLDS = (50_000, 20, 20)
#: How long a thread holding the interpreter lock keeps it when another asks (Python's default: 5 ms).
SWITCH_INTERVAL = 0.001


def settle() -> None:
    """Apply the policy (once the window is up: what exists then lasts as long as the app)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL)
