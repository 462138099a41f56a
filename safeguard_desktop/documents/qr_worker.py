"""A separate process that encodes QR codes for a big batch of letters while the main process draws the pages.

Started as ``python -m safeguard_desktop.documents.qr_worker`` (or ``SafeguardDesktop --qr-worker`` in the
packaged app). It reads one JSON string per line and answers one JSON ``[size, operators]`` per line, in
order; it imports nothing but the QR encoder, so it is ready in a few tens of milliseconds.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO


def serve(source: TextIO, sink: TextIO) -> None:
    """Encode until the input ends."""
    from safeguard_desktop.documents.qr import qr_path

    for line in source:
        code = qr_path(json.loads(line))
        sink.write(json.dumps([code.size, code.body]) + "\n")
    sink.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
