"""Hand a PDF to the system's print queue as it is, so the printer gets vectors, not page-sized bitmaps.

On Linux and macOS the queue is CUPS, whose ``lp`` takes a PDF on its standard input and lets the printer's own
filter lay it out at the printer's resolution: 420 letters are a job of the PDF's size, sent in a moment. Where
there is no ``lp`` (Windows) the app draws the pages itself (``ui/printing.py``).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from safeguard_desktop.services.errors import ServiceError

#: How long the queue may take to accept a job before we say so (it is a local spooler).
QUEUE_TIMEOUT_S = 120


@dataclass(frozen=True)
class PrintJob:
    """What the person chose in the print dialog."""

    printer: str
    title: str
    copies: int = 1
    first_page: int = 0  # 0: every page
    last_page: int = 0
    duplex: bool = False


def queue_command() -> str | None:
    """The system's ``lp``, when there is one."""
    return shutil.which("lp")


def lp_arguments(lp: str, job: PrintJob) -> list[str]:
    """The ``lp`` command for ``job`` reading the PDF from standard input."""
    args = [lp, "-d", job.printer, "-n", str(max(1, job.copies)), "-t", job.title[:120] or "Safeguard Desktop"]
    if job.first_page:
        args += ["-P", f"{job.first_page}-{job.last_page or job.first_page}"]
    if job.duplex:
        args += ["-o", "sides=two-sided-long-edge"]
    args.append("-")
    return args


def send(pdf: bytes, job: PrintJob, lp: str) -> str:
    """Give ``pdf`` to the queue; returns what the queue said (its job id line).

    Raises:
        ServiceError: the queue refused the job or did not answer, in words a person can act on.
    """
    try:
        done = subprocess.run(
            lp_arguments(lp, job), input=pdf, capture_output=True, timeout=QUEUE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise ServiceError(
            f"The print queue for {job.printer} did not answer. Check the printer and try again."
        ) from None
    except OSError as exc:
        raise ServiceError(f"The print queue could not be reached ({exc.strerror or exc}).") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason given"]
        raise ServiceError(f"The printer {job.printer} refused the job: {said[0][:200]}")
    return done.stdout.decode("utf-8", "replace").strip()
