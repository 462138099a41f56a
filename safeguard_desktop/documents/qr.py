"""QR codes drawn straight onto the canvas: one path of filled squares, not a graphics Drawing per code.

reportlab's QrCodeWidget builds a shape tree and scores all eight mask patterns for every code (35 ms a
letter here); any mask is valid for a reader, so one fixed mask and one path do the same job in a fraction.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportlab.graphics.barcode import qrencoder

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def _cache_generator_polynomials() -> None:
    """reportlab rebuilds the Reed-Solomon generator polynomial (a pure function of its length) for every code:
    ~40% of encoding a slip reference. Keep each one once built; the encoder never mutates it."""
    util = getattr(qrencoder, "QRUtil", None)
    build = getattr(util, "getErrorCorrectPolynomial", None)
    if build is not None and not hasattr(build, "cache_info"):
        util.getErrorCorrectPolynomial = staticmethod(functools.lru_cache(maxsize=64)(build))  # type: ignore[union-attr]


_cache_generator_polynomials()


def qr_modules(text: str) -> list[list[bool]]:
    """The dark/light modules of a QR code for ``text`` (error correction level M)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return [list(row) for row in code.modules]


@dataclass(frozen=True)
class QrPath:
    """An encoded code as PDF path operators in module units: ``size`` modules square, ``body`` its rectangles."""

    size: int
    body: str


def qr_path(text: str) -> QrPath:
    """Encode ``text`` and turn its dark modules into rectangles, one per run of dark modules in a row.

    Only numbers we compute go into the operators, never text from data. Done where the code is encoded (in
    the worker processes for big batches), so the process drawing the pages only pastes it in.
    """
    modules = qr_modules(text)
    count = len(modules)
    ops = []
    for row_index, row in enumerate(modules):
        bottom = count - 1 - row_index
        col = 0
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                ops.append(f"{start} {bottom} {col - start} 1 re")
            else:
                col += 1
    return QrPath(count, "\n".join(ops))


#: Below this many codes, starting a worker process costs more than it saves.
PARALLEL_FROM = 200


def worker_command() -> list[str]:
    """How to start the encoding worker: the packaged app answers ``--qr-worker`` itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--qr-worker"]
    return [sys.executable, "-m", "safeguard_desktop.documents.qr_worker"]


class QrBatch:
    """Codes for many texts, in order, encoded by a worker process while the caller draws.

    A worker that cannot start or stops early is not an error: what is left is encoded here, more slowly.
    ``close()`` (or finishing the iteration) ends the worker.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.done = 0
        self.process: subprocess.Popen[str] | None = None
        if len(texts) >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2:
            try:
                self.process = subprocess.Popen(
                    worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                    text=True, encoding="utf-8", bufsize=1 << 16,
                )  # fmt: skip
            except OSError:
                self.process = None
            else:
                threading.Thread(target=self._feed, daemon=True).start()

    def _feed(self) -> None:
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write("".join(json.dumps(t) + "\n" for t in self.texts))
            self.process.stdin.close()
        except (OSError, ValueError):
            pass  # the worker went away; __next__ notices and encodes here

    def __iter__(self) -> QrBatch:
        return self

    def __next__(self) -> QrPath:
        if self.done >= len(self.texts):
            self.close()
            raise StopIteration
        text = self.texts[self.done]
        code = None
        if self.process is not None and self.process.stdout is not None:
            line = self.process.stdout.readline()
            try:
                size, body = json.loads(line)
                code = QrPath(int(size), str(body))
            except (ValueError, TypeError):
                self.close()
        self.done += 1
        return code if code is not None else qr_path(text)

    def close(self) -> None:
        """Stop the worker (if any)."""
        if self.process is not None:
            process, self.process = self.process, None
            process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


def qr_paths(texts: Sequence[str]) -> QrBatch:
    """Encode many codes, in order; big batches in a worker process that starts now (see QrBatch)."""
    return QrBatch(texts)


def draw_qr(canvas: Canvas, code: QrPath, x: float, y: float, size: float) -> None:
    """Draw an encoded code, in black, with its quiet zone inside the square (x, y, size)."""
    cell = size / (code.size + 2 * QUIET_ZONE)
    offset = QUIET_ZONE * cell
    canvas.addLiteral(f"q {cell:.4f} 0 0 {cell:.4f} {x + offset:.3f} {y + offset:.3f} cm 0 g\n{code.body}\nf Q")
