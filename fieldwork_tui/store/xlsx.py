"""Writing a worksheet the way Excel users expect, in one place for every workbook the app writes
(the bundle's `workpapers.xlsx`, request exports, testing sheets).

Every sheet gets: a bold, wrapped header row that is frozen, an autofilter over the data, the header
repeated on every printed page, fit to one page wide (landscape when wide), column widths, wrapped
long text with top alignment, real dates with a date format, and text that a spreadsheet would run as
a formula (`=…`, `+…`, `-…`, `@…`) stored as text with the cell's quote-prefix style — Excel and
LibreOffice show it as typed, with no visible apostrophe, and never evaluate it. Characters an XLSX
file cannot hold (control characters) are shown as visible symbols (␀…␟). openpyxl's write-only mode
keeps memory flat on long sheets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

#: Text a spreadsheet would take as a formula (or a DDE payload) when it starts a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Excel's limit for one cell's text.
MAX_CELL_TEXT = 32767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E8EDF3")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class Column:
    """One column: its header, width in characters and whether long text wraps."""

    title: str
    width: float = 14
    wrap: bool = False


def visible(text: str) -> str:
    """Text an XLSX cell can hold: control characters other than tab and line breaks become their
    visible Unicode symbols (U+2400 + code), and overlong text is cut with a note."""
    text = _ILLEGAL.sub(lambda m: chr(0x2400 + ord(m.group())), text)
    if len(text) > MAX_CELL_TEXT:
        note = " … [cut: longer than a spreadsheet cell holds]"
        text = text[: MAX_CELL_TEXT - len(note)] + note
    return text


def needs_quote_prefix(text: str) -> bool:
    return text.startswith(FORMULA_START)


def plain(value: Any) -> Any:
    """A value as stored: dates and numbers as themselves (aware times as UTC without a zone, which
    spreadsheets cannot hold), None as empty, anything else as visible text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, dt.date):
        return value
    return visible(str(value))


def sheet_title(text: str, used: Iterable[str] = ()) -> str:
    """A worksheet name Excel accepts (≤ 31 characters, none of []:*?/\\, not blank, unique
    case-insensitively among `used`)."""
    base = _SHEET_BAD.sub("-", visible(str(text or ""))).strip("' ") or "Sheet"
    base = base[:31]
    taken = {u.lower() for u in used}
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    return name


def make_cell(ws, value: Any, *, wrap: bool = False) -> WriteOnlyCell:
    """A write-only cell holding `value` as described in the module docstring."""
    v = plain(value)
    cell = WriteOnlyCell(ws, value=v)
    if isinstance(v, str):
        cell.data_type = "s"  # never a formula, whatever the text
        if needs_quote_prefix(v):
            cell.quotePrefix = True
    elif isinstance(v, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(v, dt.date):
        cell.number_format = DATE_FORMAT
    cell.alignment = _WRAP if wrap else _TOP
    return cell


def add_sheet(wb, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
              landscape: bool | None = None, note: str | None = None):
    """Append one sheet to a write-only workbook and stream `rows` into it. `note` (optional) is a line
    above the header (e.g. what the sheet lists); the header is then row 2. Returns the sheet."""
    ws = wb.create_sheet(sheet_title(title, wb.sheetnames))
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)  # written with the sheet's header
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    header_row = 2 if note else 1
    ws.freeze_panes = f"A{header_row + 1}"  # write-only: views are written with the first row
    if note:
        c = WriteOnlyCell(ws, value=visible(note))
        c.font = Font(italic=True)
        ws.append([c])
    head = []
    for col in columns:
        c = make_cell(ws, col.title, wrap=True)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
        head.append(c)
    ws.append(head)
    count = 0
    wraps = [c.wrap for c in columns]
    for row in rows:
        ws.append([make_cell(ws, v, wrap=wraps[i] if i < len(wraps) else False) for i, v in enumerate(row)])
        count += 1
    last = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(count, 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    wide = sum(c.width for c in columns) > 110
    ws.page_setup.orientation = "landscape" if (wide if landscape is None else landscape) else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.gridLines = False
    return ws
