"""``python -m safeguard_desktop`` starts the GUI."""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()  # letter rendering uses worker processes, also in a PyInstaller bundle

    from safeguard_desktop.ui.app import main

    raise SystemExit(main())
