"""The bundle's workpapers.xlsx read back with an independent reader (calamine): every sheet written by
store.xlsx (filters, frozen and printed headers), labels instead of codes, sign-off names and real dates
in separate columns, formula text shown as typed (issue 21)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from fieldwork_tui.domain import flags
from fieldwork_tui.domain.labels import LABELS
from fieldwork_tui.services.bundle.export import export_bundle

from ..support import fill_control

SHEETS = ["Summary", "Samples", "Requests", "Exceptions"]


@pytest.fixture
def book(demo, tmp_path):
    fill_control(demo, "ZZ-1", "=HYPERLINK(\"http://x.example\",\"y\")")
    out = tmp_path / "b.zip"
    export_bundle(demo, out)
    return zipfile.ZipFile(out).read("workpapers.xlsx")


def _rows(book, name):
    rows = CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_every_sheet_filters_freezes_and_prints_its_header(book):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(book))
    names = wb.sheet_names  # then a Testing sheet per sampled control (attribute testing)
    assert names[:len(SHEETS)] == SHEETS and names[len(SHEETS):] and all(
        n.startswith("Testing ") for n in names[len(SHEETS):])
    z = zipfile.ZipFile(io.BytesIO(book))
    workbook = z.read("xl/workbook.xml").decode()
    for i, name in enumerate(names, start=1):
        sheet = z.read(f"xl/worksheets/sheet{i}.xml").decode()
        assert 'state="frozen"' in sheet and "<autoFilter ref=" in sheet and 'fitToWidth="1"' in sheet, name
        assert f"'{name}'!$1:$1" in workbook, name


def test_labels_not_codes_and_sign_offs_in_their_own_columns(book):
    summary = _rows(book, "Summary")
    labels = set(LABELS.values())
    for row in summary:
        assert row["Status"] in labels and row["Frequency"] in labels, row
        assert row["Conclusion"] in labels | {"Not concluded"}, row
        for f in filter(None, row["Flags"].split("; ")):
            assert f in {flags.label(x) for x in flags.SPECS}, f
    signed = [r for r in summary if r["Prepared by"]]
    assert signed, "the demo has signed workpapers"
    for r in signed:
        assert isinstance(r["Prepared on"], dt.datetime) and not re.search(r"\d", r["Prepared by"])
    assert all(r["Prepared on"] == "" for r in summary if not r["Prepared by"])
    samples = _rows(book, "Samples")
    assert {r["Result"] for r in samples} <= labels and any(isinstance(r["Date"], dt.date) for r in samples)
    assert {r["Sample"].split(" #")[0] for r in samples} >= {"Initial", "Expansion"}
    exceptions = _rows(book, "Exceptions")
    assert exceptions
    for r in exceptions:
        for column in ("Type", "Effectiveness", "Remediation"):
            assert "_" not in r[column] and r[column][:1].isupper(), (column, r[column])


def test_formula_text_reads_as_typed(book):
    (row,) = [r for r in _rows(book, "Exceptions") if r["Control"] == "ZZ-1"]
    assert row["Deviation"] == "=HYPERLINK(\"http://x.example\",\"y\") deviation"  # no apostrophe shown
    z = zipfile.ZipFile(io.BytesIO(book))
    assert all("<f>" not in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
