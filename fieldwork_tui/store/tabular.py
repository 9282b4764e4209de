"""Read the spreadsheets clients and firms export: CSV (UTF-8 with or without BOM, cp1252,
CRLF, `,` `;` or tab) and XLSX (streamed), with title lines above the header.

A workbook's hidden sheets are skipped; every visible sheet is searched for the header (the first sheet
holding it is read), unless the caller names a sheet. Messages then name the sheet: `file [sheet 'X']`.

Rows are streamed (constant memory) so a million-row population or a 1 GB CSV can be read.
Every error names the file (and row where there is one).
"""

from __future__ import annotations

import codecs
import csv
import io
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


class ReadAgain(Exception):
    """A CSV read from a one-pass stream (`open_table(stream=...)`) turned out not to be UTF-8 text part
    way through: the caller reads the file again with the encoding `detect_encoding` finds."""


def check_readable(path: Path) -> None:
    """Refuse, naming the file, a path that is missing, unreadable, not a regular file or empty."""
    _check_readable(path)


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


class _Joined:
    """`readline` over a text sample already read, then the rest of the stream it was read from."""

    def __init__(self, sample: str, rest) -> None:
        self.head: io.StringIO | None = io.StringIO(sample, newline="")
        self.rest = rest

    def readline(self, limit: int = -1) -> str:
        if self.head is not None:
            line = self.head.readline(limit)
            if line:
                return line
            self.head = None
        return self.rest.readline(limit)


def _csv_rows(path: Path, stream: io.BufferedIOBase | None = None, encoding: str | None = None) -> Iterator[list[str]]:
    """The rows of a CSV file. With `stream` (a buffered binary stream over the file, read once and
    not rewound) and no `encoding`, the text is read as UTF-8 (or UTF-16 after its byte order mark)
    without a first pass over the whole file; should it turn out not to be UTF-8, `ReadAgain`."""
    probing = False
    if stream is None:
        encoding = encoding or detect_encoding(path)
        fh = open(path, encoding=encoding, newline="")
    else:
        if encoding is None:
            encoding = "utf-16" if stream.peek(2)[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
            probing = encoding == "utf-8-sig"
        fh = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        try:
            sample = fh.read(64 * 1024)
            if stream is not None:
                lines_from = _Joined(sample + fh.readline(MAX_LINE_CHARS), fh)  # the sample's last line, whole
        except UnicodeDecodeError:
            if probing:
                raise ReadAgain(str(path)) from None
            raise InvalidInput(f"{path}: not valid {encoding} text") from None
        if "\x00" in sample:
            raise InvalidInput(f"{path}: binary data, not a CSV file")
        if stream is None:
            fh.seek(0)
            lines_from = fh
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            delimiter = dialect.delimiter
        except csv.Error:
            # title lines above the header defeat the sniffer: take the separator the rows use most
            counts = {d: sample.count(d) for d in ",;\t|"}
            best = max(counts, key=counts.get)
            delimiter = best if counts[best] else ("\t" if path.suffix.lower() == ".tsv" else ",")
        reader = csv.reader(_bounded_lines(lines_from, path), delimiter=delimiter)
        try:
            strip = str.strip
            for row in reader:
                yield list(map(strip, row))
        except csv.Error as exc:
            raise InvalidInput(f"{path}: row {reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            if probing:
                raise ReadAgain(str(path)) from None
            raise InvalidInput(f"{path}: row {reader.line_num + 1}: not valid {encoding} text") from None
    finally:
        if stream is None:
            fh.close()
        else:
            try:
                fh.detach()  # the caller owns the stream (and what it stores)
            except ValueError:  # already closed with its stream (collected after the caller let go)
                pass


def _open_workbook(path: Path):
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
    if not wb.worksheets:
        wb.close()
        raise InvalidInput(f"{path}: the workbook has no worksheet")
    return wb


def _sheet_rows(label: str, ws) -> Iterator[list[object]]:
    number = 0
    try:
        # Streaming mode trusts the sheet's recorded size, which some tools write wrong: rows past it
        # would be dropped silently. Read to the real end of the data instead.
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        for row in ws.iter_rows(values_only=True):
            number += 1
            yield list(row)
    except (InvalidInput, MemoryError, GeneratorExit):
        raise
    except Exception as exc:  # noqa: BLE001 - see _open_workbook
        raise InvalidInput(f"{label}: row {number + 1}: unreadable workbook content ({exc.__class__.__name__})") from None


def sheet_label(path: Path, sheet: str | None) -> str:
    """How messages name a place in a file: the path, and the sheet of a workbook."""
    return f"{path} [sheet {sheet!r}]" if sheet is not None else str(path)


def is_workbook(path: Path) -> bool:
    """Read as an XLSX workbook (by its suffix, or its first bytes when the suffix says nothing)?"""
    return _is_xlsx(path)


def _is_xlsx(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return True
    if suffix in CSV_SUFFIXES or suffix == "":
        return False
    with open(path, "rb") as fh:
        return fh.read(4).startswith(b"PK")


def _visible(ws) -> bool:
    return getattr(ws, "sheet_state", "visible") == "visible"


def raw_rows(path: Path | str) -> Iterator[list[object]]:
    """Every row of a CSV file, or of a workbook's first visible sheet, as read (no header search):
    for files fieldwork wrote itself and reads back (the testing workbook)."""
    path = Path(path)
    _check_readable(path)
    if not _is_xlsx(path):
        return _csv_rows(path)
    wb = _open_workbook(path)
    ws = next((w for w in wb.worksheets if _visible(w)), None)
    if ws is None:
        wb.close()
        raise InvalidInput(f"{path}: every sheet of the workbook is hidden")

    def rows() -> Iterator[list[object]]:
        try:
            yield from _sheet_rows(sheet_label(path, ws.title), ws)
        finally:
            wb.close()

    return rows()


@dataclass
class Table:
    """A header row and the data rows below it. `row_offset` turns a data index into a file row number."""

    path: Path
    headers: list[str]
    rows: Iterator[list[object]]
    header_row: int
    columns: dict[str, int] = field(default_factory=dict)
    #: The workbook sheet the table was read from (None for CSV).
    sheet: str | None = None
    #: The sheets skipped because the workbook hides them.
    hidden_sheets: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The file (and sheet) as messages name it."""
        return sheet_label(self.path, self.sheet)

    def file_row(self, index: int) -> int:
        """1-based spreadsheet row number of data row `index` (0-based)."""
        return self.header_row + 1 + index


def _is_blank(row: list[object]) -> bool:
    return all(cell_text(c) == "" for c in row)


class _NoHeader(Exception):
    def __init__(self, empty: bool) -> None:
        self.empty = empty


def _find_header(path: Path, it: Iterator[list[object]], aliases, required, is_header, sheet: str | None,
                 overrides: dict[str, str] | None = None, else_first: bool = False) -> Table:
    """Find the header row in the first rows of `it` (raise _NoHeader), check the required columns."""
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
            m = match_columns(texts, aliases, overrides)
            if (required and all(f in m for f in required)) or (not required and len(m) >= 2):
                header_idx, mapping = i, m
                break
        if i >= MAX_HEADER_SCAN:
            break
    if header_idx is None and else_first:
        header_idx = next((i for i, row in enumerate(scanned) if not _is_blank(row)), None)
    if header_idx is None:
        raise _NoHeader(empty=not scanned or all(_is_blank(r) for r in scanned))
    headers = [cell_text(c) for c in scanned[header_idx]]
    while headers and headers[-1] == "":
        headers.pop()
    if aliases:
        missing = [f for f in required if f not in mapping]
        if missing:
            raise InvalidInput(f"{sheet_label(path, sheet)}: row {header_idx + 1}: missing column "
                               + ", ".join(f"'{aliases[f][0]}'" for f in missing))
    rest = scanned[header_idx + 1 :]

    def rows() -> Iterator[list[object]]:
        yield from rest
        yield from it

    return Table(path=path, headers=headers, rows=rows(), header_row=header_idx + 1, columns=mapping, sheet=sheet)


def _no_header_message(aliases, required) -> str:
    want = ", ".join(f"'{aliases[f][0]}'" for f in (required or list(aliases or {})[:3])) if aliases else ""
    return "no header row found" + (f" (expected columns such as {want})" if want else "")


def open_table(
    path: Path | str,
    aliases: dict[str, list[str]] | None = None,
    *,
    required: list[str] | tuple[str, ...] = (),
    is_header: Callable[[list[str]], bool] | None = None,
    sheet: str | None = None,
    overrides: dict[str, str] | None = None,
    stream: io.BufferedIOBase | None = None,
    else_first: bool = False,
) -> Table:
    """Open a spreadsheet and find its header row.

    With `aliases` ({field: [accepted header words]}), the header is the first of the first rows
    that names at least two fields (or every required one), so title lines above it are skipped,
    and `Table.columns` maps each field to its column. Without aliases the first non-blank row is
    the header (or the first `is_header` accepts).

    A workbook: its visible sheets are searched in order and the first holding the header is read;
    hidden sheets are skipped. `sheet` names the one sheet to read (hidden or not). `overrides` is
    the user's column mapping ({header: field, or "" for none}; see `match_columns`). `stream`, for a
    CSV file, is a buffered binary stream over it to read the rows from, once (see `_csv_rows`). With
    `else_first`, when no row of the first ones passes `is_header`, the first non-blank row is the header.
    """
    path = Path(path)
    _check_readable(path)
    if not _is_xlsx(path):
        if sheet is not None:
            raise InvalidInput(f"{path}: a CSV file has no sheets (--sheet {sheet!r} is for XLSX workbooks)")
        try:
            return _find_header(path, _csv_rows(path, stream), aliases, required, is_header, None, overrides,
                                else_first)
        except _NoHeader as exc:
            if exc.empty:
                raise InvalidInput(f"{path}: no rows (is the file empty?)") from None
            raise InvalidInput(f"{path}: {_no_header_message(aliases, required)}") from None
    wb = _open_workbook(path)
    try:
        hidden = tuple(ws.title for ws in wb.worksheets if not _visible(ws))
        if sheet is not None:
            chosen = [ws for ws in wb.worksheets if ws.title == sheet]
            if not chosen:
                chosen = [ws for ws in wb.worksheets if ws.title.casefold() == sheet.strip().casefold()]
            if not chosen:
                names = ", ".join(repr(ws.title) for ws in wb.worksheets)
                raise InvalidInput(f"{path}: no sheet named {sheet!r} (the workbook has {names})")
        else:
            chosen = [ws for ws in wb.worksheets if _visible(ws)]
            if not chosen:
                raise InvalidInput(f"{path}: every sheet of the workbook is hidden; name one with --sheet")
        searched: list[str] = []
        all_empty = True
        for ws in chosen:
            label = sheet_label(path, ws.title)
            it = _sheet_rows(label, ws)
            try:
                table = _find_header(path, it, aliases, required, is_header, ws.title, overrides, else_first)
            except _NoHeader as exc:
                all_empty = all_empty and exc.empty
                searched.append(ws.title)
                it.close()
                continue
            table.hidden_sheets = hidden
            inner = table.rows

            def rows(inner=inner) -> Iterator[list[object]]:
                try:
                    yield from inner
                finally:
                    wb.close()

            table.rows = rows()
            return table
    except BaseException:
        wb.close()
        raise
    wb.close()
    where = f"{path} [sheet {searched[0]!r}]" if len(searched) == 1 else f"{path}"
    if all_empty:
        raise InvalidInput(f"{where}: no rows (is the file empty?)")
    skipped = f"; hidden sheets skipped: {', '.join(repr(h) for h in hidden)}" if hidden and sheet is None else ""
    in_sheets = "" if len(searched) == 1 else f" in sheets {', '.join(repr(n) for n in searched)}"
    raise InvalidInput(f"{where}: {_no_header_message(aliases, required)}{in_sheets}{skipped}")


def match_columns(headers: list[str], aliases: dict[str, list[str]],
                  overrides: dict[str, str] | None = None) -> dict[str, int]:
    """Map each field to the first column whose header matches one of its aliases. `overrides`
    ({header: field, or "" to keep the column unmapped}) is the user's mapping: it wins over the aliases."""
    normed = [norm_header(h) for h in headers]
    out: dict[str, int] = {}
    taken: set[int] = set()
    for header, fieldname in (overrides or {}).items():
        nh = norm_header(header)
        if nh in normed:
            idx = normed.index(nh)
            taken.add(idx)
            if fieldname and fieldname not in out:
                out[fieldname] = idx
    for fieldname, words in aliases.items():
        if fieldname in out:
            continue
        for w in words:
            nw = norm_header(w)
            if nw in normed:
                idx = normed.index(nw)
                if idx not in taken and idx not in out.values():
                    out[fieldname] = idx
                    break
    return out
