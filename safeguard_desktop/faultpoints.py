"""Named points where the fault-injection tests stop the process dead, as a power cut or a kill would.

Set ``SAFEGUARD_FAULT_AT`` to a point's name and the process ends there with ``os._exit`` (no clean-up, no
flush, no ``finally``). Unset — always, outside tests — each point is one string comparison.
"""

from __future__ import annotations

import os

ENV = "SAFEGUARD_FAULT_AT"
KILLED = 137  # the exit status a shell shows for SIGKILL

#: Every point, so the tests can prove they visit each one.
POINTS = (
    "backup:after-copy",
    "backup:after-sides",
    "restore:after-aside",
    "restore:after-anchor",
    "restore:after-database",
    "write:after-partial",
    "anchor:after-temp",
    "presence:after-enter",
    "signin:after-unlock",
    "slots:after-pending",
    "slots:after-commit",
    "rotation:after-pending",
    "rotation:after-commit",
    "rotation:after-rekey",
    "move:before-commit",
    "move:after-commit",
)
#: Points on the way of a register moved to a database server (tests/test_server_move.py visits them).
SERVER_POINTS = ("move:before-commit", "move:after-commit")


def reach(name: str) -> None:
    """Stop the process here when the tests ask for it."""
    if os.environ.get(ENV) == name:
        os._exit(KILLED)
