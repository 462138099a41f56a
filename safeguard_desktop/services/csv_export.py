"""CSV files that are safe to open in a spreadsheet: no cell can run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from safeguard_desktop.files import replace_file

# A cell starting with one of these can be run as a formula by Excel, LibreOffice or Google Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading apostrophe when it could otherwise be taken for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_safe_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write UTF-8 (with BOM, so Excel reads accents) RFC 4180 CSV. Returns the number of rows.

    Written beside the target and renamed over it at the end: a failure never leaves half a file, and a target
    held open by another program (Excel) is a FileInUse error saying so.
    """
    count = 0
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow([spreadsheet_safe(h) for h in header])
            for row in rows:
                writer.writerow([spreadsheet_safe(v) for v in row])
                count += 1
        replace_file(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count
