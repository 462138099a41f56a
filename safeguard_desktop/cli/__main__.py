"""``python -m safeguard_desktop.cli``."""

import sys

from safeguard_desktop.cli import main

sys.exit(main())
