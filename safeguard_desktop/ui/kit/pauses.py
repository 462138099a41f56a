"""Python's garbage collector, kept from freezing the window.

A full collection walks every object that can hold others, holding the interpreter lock: with a trust's register
loaded, each took 100-140 ms, and a roster of 50,000 built off the GUI thread set off eight of them — the window
stood still for 260 ms at a time although no screen did any work (bench/ screens, measured with gc.callbacks).
Two settings, applied once the window is built:

* what exists by then (modules, classes, the window and its widgets: about 200,000 objects) is moved out of the
  collector's sight with ``gc.freeze()``; it lives as long as the app, and is still freed by reference counting;
* collections start after 50,000 new objects instead of 700, so a bulk read runs one or two, not dozens.

Measured on a whole-school event of 50,000 pupils: 8 passes of ~130 ms before, 2 of 40-75 ms after.
"""

from __future__ import annotations

import gc

#: New objects before a collection of the youngest generation, and how often the older ones follow.
THRESHOLDS = (50_000, 20, 20)


def settle() -> None:
    """Apply the policy (once the window is up: what exists then lasts as long as the app)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
