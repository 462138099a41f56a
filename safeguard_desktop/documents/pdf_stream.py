"""A big document written to a file as reportlab formats it, not gathered in memory first.

reportlab's ``PDFDocument.format`` collects every formatted object in a list (``PDFFile``), joins the list into one
string, and the canvas writes that into its buffer, which the caller copies out again: four copies of the whole PDF
at the end of 50,000 letters (55 MB each). Here the collector of a document written on this thread with
:func:`streamed_to` writes each object to a spooled file as it is formatted — offsets kept exactly as reportlab keeps
them, so the cross-reference table is the same — and any other document (on any other thread) is made as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from reportlab.pdfbase import pdfdoc

_here = threading.local()


class _Collector(pdfdoc.PDFFile):  # type: ignore[misc]  # (reportlab has no type hints)
    """reportlab's output collector; straight to the file :func:`streamed_to` names on this thread, when it does."""

    def __init__(self, pdfVersion: Any = pdfdoc.PDF_VERSION_DEFAULT) -> None:
        super().__init__(pdfVersion)  # (its header goes to the list first)
        out: IO[bytes] | None = getattr(_here, "out", None)
        self._out = out
        if out is not None:
            header: list[bytes] = self.strings
            for chunk in header:
                out.write(chunk)
            self.strings: list[bytes] = []
            self.write = out.write

    def format(self, document: Any) -> bytes:
        """The document's bytes (none here when they went to the file)."""
        return b"" if self._out is not None else bytes(super().format(document))


if not hasattr(pdfdoc.PDFFile, "add") or not hasattr(pdfdoc.PDFFile, "format"):  # pragma: no cover (reportlab 4/5)
    raise ImportError("reportlab's PDFFile is not as expected: pin reportlab to a version this build knows")
pdfdoc.PDFFile = _Collector  # (looked up by PDFDocument.format each time it writes a document)


@contextmanager
def streamed_to(out: IO[bytes]) -> Iterator[None]:
    """While inside, a document this thread saves is written to ``out`` as it is formatted."""
    before = getattr(_here, "out", None)
    _here.out = out
    try:
        yield
    finally:
        _here.out = before
