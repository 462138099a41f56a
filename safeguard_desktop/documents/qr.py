"""QR codes drawn straight onto the canvas: one path of filled squares, not a graphics Drawing per code.

reportlab's QrCodeWidget builds a shape tree and scores all eight mask patterns for every code (35 ms a
letter here); any mask is valid for a reader, so one fixed mask and one path do the same job in a fraction.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from reportlab.graphics.barcode import qrencoder

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_modules(text: str) -> list[list[bool]]:
    """The dark/light modules of a QR code for ``text`` (error correction level M)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return [list(row) for row in code.modules]


#: Below this many codes, starting worker processes costs more than it saves.
PARALLEL_FROM = 200


def qr_matrices(texts: Sequence[str]) -> Iterator[list[list[bool]]]:
    """Encode many codes, in order. Large batches are encoded in worker processes while the caller draws.

    Encoding is most of a letter's cost (Reed-Solomon in pure Python); "spawn" workers are safe to start from
    the GUI's background thread, unlike fork.
    """
    if len(texts) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from map(qr_modules, texts)
        return
    pool = ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=multiprocessing.get_context("spawn"))
    done = 0
    try:
        for modules in pool.map(qr_modules, texts, chunksize=64):
            yield modules
            done += 1
    except BrokenProcessPool:
        # Workers could not start (an unusual __main__, a locked-down machine): finish here, more slowly.
        yield from map(qr_modules, texts[done:])
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def draw_qr(canvas: Canvas, modules: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw an encoded code with its quiet zone inside the square (x, y, size).

    Drawn in module units (integers, so the numbers in the page stream are short), one rectangle per run of
    dark modules in a row, all in one filled path.
    """
    count = len(modules)
    cell = size / (count + 2 * QUIET_ZONE)
    canvas.saveState()
    canvas.transform(cell, 0, 0, cell, x + QUIET_ZONE * cell, y + QUIET_ZONE * cell)
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        bottom = count - 1 - row_index
        col = 0
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                path.rect(start, bottom, col - start, 1)
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
