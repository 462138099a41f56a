"""``python -m safeguard_desktop`` starts the GUI."""

from safeguard_desktop.ui.app import main

raise SystemExit(main())
