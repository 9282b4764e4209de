"""Reading the testing workbook back: all or nothing, every bad value named by its cell."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain import testing_sheet as ts
from fieldwork_tui.domain.attributes import Cell, tickmark
from fieldwork_tui.domain.vocab import SampleResult as R

SHA = "ab" * 32
EXPECT = ts.Expectation(("A", "B"), {"CHG-1": 11, "CHG-2": 12, "CHG-3": 13}, SHA, {4: "ticket.pdf", 7: "log.csv"})
HEADER = ts.headers(["A", "B"], ["Change", "Approver"])


def row(key="CHG-1", sha=SHA, a=("pass", "#4", ""), b=("deviation", "", "approved by author"), extra=()):
    return [1, key, "2026-03-01", "initial", sha, *a, *b, "deviation", *extra]


def test_the_header_row():
    assert HEADER == ["#", "Item key", "Date", "Sample", "Population SHA-256", "A result", "A basis", "A note",
                      "B result", "B basis", "B note", "Item result", "Change", "Approver"]


def test_a_good_sheet_reads_every_cell():
    read = ts.parse_sheet(HEADER, [(2, row()), (3, row("CHG-2", a=("n/a", "", ""), b=("PASS", "seen in extract", "")))],
                          EXPECT)
    assert read.rows == 2 and read.missing == ("CHG-3",)
    got = [(u.item_id, u.letter, u.result, u.evidence_id, u.seen_in_extract, u.note) for u in read.updates]
    assert got == [(11, "A", R.passed, 4, False, ""), (11, "B", R.deviation, None, False, "approved by author"),
                   (12, "A", R.not_applicable, None, False, ""), (12, "B", R.passed, None, True, "")]


def test_blank_rows_are_skipped_and_short_rows_are_padded():
    read = ts.parse_sheet(HEADER, [(2, [None] * 5), (3, ["", "CHG-3", "", "", SHA])], EXPECT)
    assert read.rows == 1
    assert {u.result for u in read.updates} == {R.untested}


@pytest.mark.parametrize(("rows", "message"), [
    ([(2, row(key="CHG-9"))], "Testing!B2 (Item key): item 'CHG-9' is not in this sample"),
    ([(2, row(key=""))], "Testing!B2 (Item key): the item key is empty"),
    ([(2, row()), (5, row())], "Testing!B5 (Item key): item 'CHG-1' is listed twice (also row 2)"),
    ([(2, row(sha="cd" * 32))], "Testing!E2 (Population SHA-256): the row is from another population"),
    ([(7, row(b=("maybe", "", "")))], "Testing!I7 (B result): 'maybe' is not a result"),
    ([(2, row(a=("pass", "", "")))], "Testing!F2 (A result): a pass needs its basis in A basis"),
    ([(2, row(a=("pass", "#5", "")))], "Testing!G2 (A basis): evidence #5 is not linked to this control"),
    ([(2, row(a=("pass", "my eyes", "")))], "Testing!G2 (A basis): 'my eyes' is not a basis"),
    ([(2, row(b=("\x1b]0;x\x07", "", "")))], "Testing!I2 (B result): '\\x1b]0;x\\x07' is not a result"),
])
def test_bad_values_are_refused_naming_the_cell(rows, message):
    with pytest.raises(ts.SheetError) as info:
        ts.parse_sheet(HEADER, rows, EXPECT)
    assert str(info.value).startswith(message)


def test_a_header_from_other_attributes_is_refused():
    with pytest.raises(ts.SheetError, match=r"Testing, row 1: no column 'B result'"):
        ts.parse_sheet(ts.headers(["A"], []), [], EXPECT)
    with pytest.raises(ts.SheetError, match=r"Testing!L1: attribute C is not among"):
        ts.parse_sheet(ts.headers(["A", "B", "C"], []), [], EXPECT)


def test_column_letters():
    assert [ts.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_tickmarks():
    assert tickmark(Cell(R.passed)) == "✓"
    assert tickmark(Cell(R.deviation, proposed=True)) == "✗?"
    assert tickmark(Cell()) == "·"
