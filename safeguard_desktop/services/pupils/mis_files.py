"""Read a pupil list exported from an MIS (CSV in any usual encoding, or XLSX) into plain rows.

Nothing here interprets the data: it finds the encoding, the delimiter and the header row, and keeps each
record's line number so every problem can be reported against the line a person sees in the file.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from safeguard_desktop.services.errors import ValidationError

SAMPLE_BYTES = 256 * 1024
# Budgets, checked before anything is read whole (a trust's 100,000 pupils fit with room to spare). Measured before
# they existed: an XLSX zip bomb took 6 minutes and 473 MB; a 600 MB cell, a line of 100 million commas and a
# 20-million-column header ended in MemoryError.
MAX_FILE_BYTES = 60_000_000
MAX_UNPACKED_BYTES = 200_000_000  # an XLSX's parts, as its zip directory declares them (zipfile reads no more)
MAX_PARTS = 2_000
MAX_LINE = 100_000  # characters in one line of a CSV
MAX_COLUMNS = 400
MAX_ROWS = 300_000
_ENCODINGS_SEEN_IN_SCHOOLS = ["utf_8", "cp1252", "utf_16", "iso8859_15"]


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass
class RawTable:
    """The file's header and records, untouched but for decoding."""

    source: str
    encoding: str
    headers: list[str]
    records: list[tuple[int, list[str]]] = field(default_factory=list)


def read_pupil_file(path: str | Path) -> RawTable:
    """Read a CSV or XLSX file. Raises ImportFileError with what to do when it cannot be read."""
    p = Path(path)
    try:
        with p.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise ImportFileError(
                    f"{p.name}: {size / 1e6:,.0f} MB is more than a pupil list can be ({MAX_FILE_BYTES // 1_000_000} "
                    "MB). Check it is the right file; export only the pupils' details from the MIS."
                )
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise ImportFileError(f"{p.name}: no such file. Check the name and folder.") from exc
    except OSError as exc:
        raise ImportFileError(f"{p.name}: cannot be read ({exc.strerror}).") from exc
    if not data.strip():
        raise ImportFileError(f"{p.name}: the file is empty. Export the pupil list from your MIS again.")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(p, data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(f"{p.name}: old Excel (.xls) files are not read; save it as .xlsx or CSV.")
    return read_csv_bytes(data, p.name)


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes: a BOM or valid UTF-8 first, then charset-normalizer among the encodings schools use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (with BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{source}: the file is UTF-16 but is cut short or damaged (byte {exc.start + 1}). Export it again."
            ) from exc
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    for sample in (data[:SAMPLE_BYTES], data):
        best = from_bytes(sample, cp_isolation=_ENCODINGS_SEEN_IN_SCHOOLS).best()
        if best is None:
            continue
        try:
            return data.decode(best.encoding), _encoding_label(best.encoding)
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{source}: the text encoding is not recognised (byte {exc.start}). Save the file as CSV UTF-8."
        ) from exc


def _encoding_label(name: str) -> str:
    return {"utf_8": "UTF-8", "cp1252": "Windows-1252", "utf_16": "UTF-16", "iso8859_15": "ISO-8859-15"}.get(name, name)


def _delimiter(header_line: str) -> str:
    """The delimiter is whichever of , ; TAB | appears most in the header line (outside quotes)."""
    counts = {d: 0 for d in ",;\t|"}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_bytes(data: bytes, source: str) -> RawTable:
    """Parse CSV bytes with RFC 4180 quoting (never a guessed dialect: csv.Sniffer merged rows here)."""
    text, encoding = decode(data, source)
    first_line = text.split("\n", 1)[0][: MAX_LINE + 1]
    lines = _bounded_lines(text, source)
    reader = csv.reader(lines, delimiter=_delimiter(first_line), doublequote=True, strict=False)
    headers: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            _check_shape(source, line, len(row), len(records))
            if headers is None:
                headers = [h.strip() for h in row]
                continue
            records.append((line, row))
    except csv.Error as exc:
        raise ImportFileError(f"{source}, line {reader.line_num}: the CSV cannot be read ({exc}).") from exc
    if headers is None:
        raise ImportFileError(f"{source}: no header line found.")
    return RawTable(source, encoding, headers, records)


def _bounded_lines(text: str, source: str) -> Iterator[str]:
    """The text's lines (with their ends, as the CSV parser needs them), each checked against the budget before it
    is copied: a line of 50 million commas is refused in half a second, without a copy of the file in memory."""
    end_of_line = "\n" if "\n" in text or "\r" not in text else "\r"  # old Mac files end lines with CR alone
    start, number, size = 0, 1, len(text)
    while start < size:
        stop = text.find(end_of_line, start)
        stop = size if stop == -1 else stop + 1
        if stop - start > MAX_LINE:
            raise ImportFileError(
                f"{source}, line {number}: {stop - start:,} characters, far more than a pupil's row holds "
                f"({MAX_LINE:,} at most). Check it is the right file, or export it again."
            )
        yield text[start:stop]
        start, number = stop, number + 1


def _check_shape(source: str, line: int, columns: int, rows: int) -> None:
    if columns > MAX_COLUMNS:
        raise ImportFileError(
            f"{source}, line {line}: {columns:,} columns, more than the {MAX_COLUMNS} a pupil list can have. "
            "Export only the pupils' details from the MIS."
        )
    if rows >= MAX_ROWS:
        raise ImportFileError(
            f"{source}, line {line}: more than {MAX_ROWS:,} rows; import the file in parts, one school at a time."
        )


def _check_zip(path: Path, data: bytes) -> None:
    """An XLSX is a zip: its declared unpacked size and number of parts are checked before openpyxl reads it."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(f"{path.name}: not a readable Excel workbook ({exc}). Save it again as .xlsx.") from exc
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            f"{path.name}: the workbook unpacks to {unpacked / 1e6:,.0f} MB in {len(parts):,} parts, far more than a "
            "pupil list; it may be damaged or made to harm. Export the list from the MIS again, as CSV."
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, data: bytes) -> RawTable:
    from openpyxl import load_workbook

    _check_zip(path, data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(f"{path.name}: not a readable Excel workbook ({exc}). Save it again as .xlsx.") from exc
    try:
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        records: list[tuple[int, list[str]]] = []
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
            used = len(row)  # read-only rows are padded to max_col: only what has a value counts
            while used and row[used - 1] in (None, ""):
                used -= 1
            _check_shape(f"{path.name} (sheet {sheet.title})", number, used, len(records))
            cells = [_cell_text(v) for v in row[:used]]
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                headers = [c.strip() for c in cells]
                continue
            width = len(headers)
            extra = cells[width:]
            if any(c.strip() for c in extra):
                records.append((number, cells))
            else:
                records.append((number, cells[:width] + [""] * (width - len(cells[:width]))))
    finally:
        workbook.close()
    if headers is None:
        raise ImportFileError(f"{path.name}: the first sheet is empty.")
    return RawTable(f"{path.name} (sheet {sheet.title})", "XLSX", headers, records)
