"""``python -m safeguard_desktop`` starts the GUI (``--qr-worker`` makes it the letters' QR encoding worker)."""

if __name__ == "__main__":
    from safeguard_desktop.ui.app import main

    raise SystemExit(main())
