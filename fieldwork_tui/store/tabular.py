"""Read the spreadsheets clients and firms export: CSV (UTF-8 with or without BOM, cp1252,
CRLF, `,` `;` or tab) and XLSX (first sheet, streamed), with title lines above the header.

Rows are streamed (constant memory) so a million-row population or a 1 GB CSV can be read.
Every error names the file (and row where there is one).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fieldwork_tui.errors import InvalidInput

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
MAX_HEADER_SCAN = 12
MAX_LINE_CHARS = 4 << 20
#: openpyxl loads an XLSX's shared strings whole, even when streaming rows: bound it before it does.
MAX_SHARED_STRINGS_BYTES = 512 << 20


def norm_header(text: object) -> str:
    """Compare headers loosely: case, spaces, punctuation."""
    return re.sub(r"[^a-z0-9#]+", " ", str(text or "").lower()).strip()


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def detect_encoding(path: Path) -> str:
    """utf-16 when the file starts with its byte order mark (Excel's "Unicode Text"), utf-8-sig when the
    whole file decodes as UTF-8, else cp1252 (else latin-1, which never fails)."""
    with open(path, "rb") as fh:
        if fh.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                chunk.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _check_readable(path: Path) -> None:
    import stat

    try:
        st = path.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: file not found") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InvalidInput(f"{path}: is a folder, not a CSV or XLSX file")
    if not stat.S_ISREG(st.st_mode):
        raise InvalidInput(f"{path}: not a regular file")
    if st.st_size == 0:
        raise InvalidInput(f"{path}: the file is empty")


def _bounded_lines(fh, path: Path) -> Iterator[str]:
    """Lines for the csv reader, refusing one longer than MAX_LINE_CHARS: a file with no line breaks
    (binary, or one huge cell) would otherwise be read whole into memory before csv's own field limit."""
    number = 0
    while line := fh.readline(MAX_LINE_CHARS):
        number += 1
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise InvalidInput(f"{path}: line {number} is longer than {MAX_LINE_CHARS >> 20} MB; not a CSV export")
        yield line


def _csv_rows(path: Path) -> Iterator[list[str]]:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        try:
            sample = fh.read(64 * 1024)
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: not valid {encoding} text") from None
        if "\x00" in sample:
            raise InvalidInput(f"{path}: binary data, not a CSV file")
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            delimiter = dialect.delimiter
        except csv.Error:
            # title lines above the header defeat the sniffer: take the separator the rows use most
            counts = {d: sample.count(d) for d in ",;\t|"}
            best = max(counts, key=counts.get)
            delimiter = best if counts[best] else ("\t" if path.suffix.lower() == ".tsv" else ",")
        reader = csv.reader(_bounded_lines(fh, path), delimiter=delimiter)
        try:
            for row in reader:
                yield [c.strip() for c in row]
        except csv.Error as exc:
            raise InvalidInput(f"{path}: row {reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: row {reader.line_num + 1}: not valid {encoding} text") from None


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    # A damaged or hostile workbook can make openpyxl raise almost anything (zip, zlib, XML, type
    # errors); each of them means the same to the auditor: this file is not a readable workbook.
    try:
        with zipfile.ZipFile(path) as zf:
            shared = next((i for i in zf.infolist() if i.filename.lower().endswith("sharedstrings.xml")), None)
        if shared is not None and shared.file_size > MAX_SHARED_STRINGS_BYTES:
            raise InvalidInput(f"{path}: the workbook's text table unpacks to {shared.file_size >> 20} MB "
                               f"(more than {MAX_SHARED_STRINGS_BYTES >> 20} MB); save it as CSV and import that")
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidInput, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - see above
        raise InvalidInput(f"{path}: not a readable XLSX workbook ({exc.__class__.__name__})") from None
    number = 0
    try:
        if not wb.worksheets:
            raise InvalidInput(f"{path}: the workbook has no worksheet")
        ws = wb.worksheets[0]
        # Streaming mode trusts the sheet's recorded size, which some tools write wrong: rows past it
        # would be dropped silently. Read to the real end of the data instead.
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        for row in ws.iter_rows(values_only=True):
            number += 1
            yield list(row)
    except (InvalidInput, MemoryError, GeneratorExit):
        raise
    except Exception as exc:  # noqa: BLE001 - see above
        raise InvalidInput(f"{path}: row {number + 1}: unreadable workbook content ({exc.__class__.__name__})") from None
    finally:
        wb.close()


def raw_rows(path: Path | str) -> Iterator[list[object]]:
    path = Path(path)
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _xlsx_rows(path)
    if suffix in CSV_SUFFIXES or suffix == "":
        return _csv_rows(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK"):
        return _xlsx_rows(path)
    return _csv_rows(path)


@dataclass
class Table:
    """A header row and the data rows below it. `row_offset` turns a data index into a file row number."""

    path: Path
    headers: list[str]
    rows: Iterator[list[object]]
    header_row: int
    columns: dict[str, int] = field(default_factory=dict)

    def file_row(self, index: int) -> int:
        """1-based spreadsheet row number of data row `index` (0-based)."""
        return self.header_row + 1 + index


def _is_blank(row: list[object]) -> bool:
    return all(cell_text(c) == "" for c in row)


def open_table(
    path: Path | str,
    aliases: dict[str, list[str]] | None = None,
    *,
    required: list[str] | tuple[str, ...] = (),
    is_header: Callable[[list[str]], bool] | None = None,
) -> Table:
    """Open a spreadsheet and find its header row.

    With `aliases` ({field: [accepted header words]}), the header is the first of the first rows
    that names at least two fields (or every required one), so title lines above it are skipped,
    and `Table.columns` maps each field to its column. Without aliases the first non-blank row is
    the header.
    """
    path = Path(path)
    it = raw_rows(path)
    scanned: list[list[object]] = []
    header_idx = None
    mapping: dict[str, int] = {}
    for i, row in enumerate(it):
        scanned.append(row)
        if _is_blank(row):
            if i >= MAX_HEADER_SCAN:
                break
            continue
        texts = [cell_text(c) for c in row]
        if aliases is None:
            if is_header is None or is_header(texts):
                header_idx = i
                break
        else:
            m = match_columns(texts, aliases)
            if (required and all(f in m for f in required)) or (not required and len(m) >= 2):
                header_idx, mapping = i, m
                break
        if i >= MAX_HEADER_SCAN:
            break
    if header_idx is None:
        if not scanned or all(_is_blank(r) for r in scanned):
            raise InvalidInput(f"{path}: no rows (is the file empty?)")
        want = ", ".join(f"'{aliases[f][0]}'" for f in (required or list(aliases or {})[:3])) if aliases else ""
        raise InvalidInput(f"{path}: no header row found" + (f" (expected columns such as {want})" if want else ""))
    headers = [cell_text(c) for c in scanned[header_idx]]
    while headers and headers[-1] == "":
        headers.pop()
    if aliases:
        missing = [f for f in required if f not in mapping]
        if missing:
            raise InvalidInput(
                f"{path}: row {header_idx + 1}: missing column " + ", ".join(f"'{aliases[f][0]}'" for f in missing)
            )
    rest = scanned[header_idx + 1 :]

    def rows() -> Iterator[list[object]]:
        yield from rest
        yield from it

    return Table(path=path, headers=headers, rows=rows(), header_row=header_idx + 1, columns=mapping)


def match_columns(headers: list[str], aliases: dict[str, list[str]]) -> dict[str, int]:
    """Map each field to the first column whose header matches one of its aliases."""
    normed = [norm_header(h) for h in headers]
    out: dict[str, int] = {}
    for fieldname, words in aliases.items():
        for w in words:
            nw = norm_header(w)
            if nw in normed:
                idx = normed.index(nw)
                if idx not in out.values():
                    out[fieldname] = idx
                    break
    return out
