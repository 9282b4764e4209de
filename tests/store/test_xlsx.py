"""The worksheet helper: filters, frozen and printed headers, fit to width, wrapped text, real dates,
formula-looking text kept as text by the quote-prefix style — checked in the file's XML and read back
with an independent reader (calamine)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from fieldwork_tui.store.xlsx import MAX_CELL_TEXT, Column, add_sheet, sheet_title, visible

HOSTILE = ["=HYPERLINK(\"http://x.example\",\"click\")", "+1+1", "-2", "@SUM(A1:A2)", "\tTAB", "plain"]


def _book() -> bytes:
    wb = Workbook(write_only=True)
    add_sheet(wb, "Summary", [Column("Ref", 9), Column("Title", 40, wrap=True), Column("Signed on", 12),
                              Column("At", 16), Column("Count", 8)],
              [[text, "a long title " * 12, dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 9, 36, tzinfo=dt.UTC), 3]
               for text in HOSTILE])
    add_sheet(wb, "Summary", [Column(f"Column {i}", 20) for i in range(8)], [], note="Nothing to list")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def book() -> bytes:
    return _book()


def _xml(book: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(book)).read(name).decode()


def test_read_back_with_calamine_values_are_as_typed(book):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(book))
    assert wb.sheet_names == ["Summary", "Summary (2)"]
    rows = wb.get_sheet_by_name("Summary").to_python()
    assert rows[0] == ["Ref", "Title", "Signed on", "At", "Count"]
    assert [r[0] for r in rows[1:]] == HOSTILE  # no apostrophe added to the text
    assert rows[1][2] == dt.date(2026, 12, 1)  # a real date, not text
    assert rows[1][3] == dt.datetime(2026, 12, 1, 9, 36)
    assert rows[1][4] == 3


def test_formula_text_is_text_with_the_quote_prefix_style(book):
    sheet = _xml(book, "xl/worksheets/sheet1.xml")
    assert "<f>" not in sheet and "<f " not in sheet  # nothing is a formula
    styles = _xml(book, "xl/styles.xml")
    xfs = re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1])
    quoted = {i for i, xf in enumerate(xfs) if 'quotePrefix="1"' in xf}
    cell_style = dict(re.findall(r'<c r="(A\d+)" s="(\d+)"', sheet))
    for row, text in enumerate(HOSTILE, start=2):
        assert (int(cell_style[f"A{row}"]) in quoted) == (text != "plain"), text


def test_every_sheet_has_filter_frozen_header_print_titles_and_fits_the_width(book):
    workbook = _xml(book, "xl/workbook.xml")
    for i, (name, header) in enumerate([("Summary", 1), ("Summary (2)", 2)], start=1):
        sheet = _xml(book, f"xl/worksheets/sheet{i}.xml")
        assert f'<pane ySplit="{header}" topLeftCell="A{header + 1}" activePane="bottomLeft" state="frozen"' in sheet
        assert f'<autoFilter ref="A{header}:' in sheet
        assert '<pageSetUpPr fitToPage="1"' in sheet and 'fitToWidth="1"' in sheet and 'fitToHeight="0"' in sheet
        assert f"<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i - 1}\">'{name}'!${header}:${header}" in workbook
    assert 'orientation="landscape"' in _xml(book, "xl/worksheets/sheet2.xml")  # 160 characters wide
    assert 'orientation="portrait"' in _xml(book, "xl/worksheets/sheet1.xml")


def test_long_text_wraps_and_aligns_top(book):
    styles = _xml(book, "xl/styles.xml")
    sheet = _xml(book, "xl/worksheets/sheet1.xml")
    xfs = re.findall(r"<xf [^>]*>(?:<alignment [^>]*/>)?", styles.split("<cellXfs")[1])
    title_style = int(re.search(r'<c r="B2" s="(\d+)"', sheet).group(1))
    assert 'wrapText="1"' in xfs[title_style] and 'vertical="top"' in xfs[title_style]


def test_unstorable_characters_become_visible_and_long_text_is_cut():
    assert visible("a\x1b[2Jb\x00") == "a\u241b[2Jb\u2400"
    assert visible("tab\tand\nline") == "tab\tand\nline"
    cut = visible("x" * (MAX_CELL_TEXT + 10))
    assert len(cut) == MAX_CELL_TEXT and cut.endswith("longer than a spreadsheet cell holds]")


def test_sheet_titles_excel_accepts():
    assert sheet_title("Testing CM-01: changes [peer review]?") == "Testing CM-01- changes -peer re"
    assert len(sheet_title("x" * 50)) == 31
    assert sheet_title("Summary", ["summary"]) == "Summary (2)"
    assert sheet_title("") == "Sheet"
