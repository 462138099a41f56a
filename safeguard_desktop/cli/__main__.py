"""``python -m safeguard_desktop.cli``."""

from safeguard_desktop.cli import run

run()
