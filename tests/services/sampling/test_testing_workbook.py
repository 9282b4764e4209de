"""The testing workbook round trip: export, fill in as a staff auditor would (openpyxl), import all
or nothing."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from fieldwork_tui.domain import testing_sheet as ts
from fieldwork_tui.domain.vocab import SampleResult
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.services.sampling import testing as at
from fieldwork_tui.services.sampling import workbook as tw

from .attribute_support import sampled, with_extract

R = SampleResult


def fill(path, edits: dict[tuple[int, str], object], out=None):
    """Set cells by (sheet row, header) as someone would in Excel, and save."""
    wb = load_workbook(path)
    ws = wb[ts.SHEET]
    header = [c.value for c in ws[1]]
    for (row, name), value in edits.items():
        ws.cell(row=row, column=header.index(name) + 1).value = value
    wb.save(out or path)
    return out or path


def test_the_export_has_validation_lists_a_frozen_header_and_a_filter(changes, tmp_path):
    sampled(changes)
    with_extract(changes)
    at.propose(changes, "CM-01")
    out = tw.export_testing(changes, "CM-01", tmp_path / "testing.xlsx")
    assert out.describe() == f"25 items × 3 attributes written to {tmp_path / 'testing.xlsx'}"
    wb = load_workbook(out.path)
    assert wb.sheetnames == [ts.SHEET, ts.ABOUT_SHEET, ts.LISTS_SHEET]
    assert wb[ts.LISTS_SHEET].sheet_state == "hidden"
    ws = wb[ts.SHEET]
    header = [c.value for c in ws[1]]
    assert header == ts.headers(["A", "B", "C"], ["Change ID", "Deployed", "Approved", "Approver", "Author", "Tested"])
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:{ts.column_letter(len(header) - 1)}26"
    validations = {dv.formula1: str(dv.sqref).split() for dv in ws.data_validations.dataValidation}
    assert validations['"pass,deviation,n/a"'] == ["F2:F26", "I2:I26", "L2:L26"]
    assert validations[f"Lists!$A$1:$A${1}"] == ["G2:G26", "J2:J26", "M2:M26"]  # no evidence linked yet
    assert {ws.cell(row=r, column=5).value for r in range(2, 27)} == {at.matrix(changes, "CM-01").population_sha256}
    first = ws.cell(row=2, column=header.index("A result") + 1)
    assert first.value is None and "Proposed by the rule of attribute A" in first.comment.text
    about = {r[0]: r[1] for r in wb[ts.ABOUT_SHEET].iter_rows(values_only=True) if r[0]}
    assert about["Control"] == "CM-01" and about["Attribute B"].startswith("Approver is not the author")


def test_a_filled_workbook_imports_back(changes, tmp_path):
    m = sampled(changes)
    path = tw.export_testing(changes, "CM-01", tmp_path / "t.xlsx").path
    fill(path, {(2, "A result"): "deviation", (2, "A note"): "approved two days after deploy",
                (2, "B result"): "pass", (2, "B basis"): ts.EXTRACT, (2, "C result"): "N/A",
                (3, "A result"): "pass", (3, "A basis"): ts.EXTRACT, (3, "B result"): "pass",
                (3, "B basis"): "seen in extract", (3, "C result"): "pass", (3, "C basis"): ts.EXTRACT})
    result = tw.import_testing(changes, "CM-01", path)
    assert (result.rows, result.changed, result.unchanged_items) == (25, 6, ())
    after = at.matrix(changes, "CM-01")
    first, second = after.items[0], after.items[1]
    assert [c.result for c in first.cells] == [R.deviation, R.passed, R.not_applicable]
    assert first.cells[0].note == "approved two days after deploy" and first.result is R.deviation
    assert second.result is R.passed and all(not c.proposed for c in second.cells)
    assert [w.text for w in after.wordings] == [
        "For 1 of 25 changes sampled, the change was deployed before it was approved."]
    assert tw.import_testing(changes, "CM-01", path).changed == 0  # importing the same file again changes nothing
    assert m.items[0].key == first.key


@pytest.mark.parametrize(("edits", "message"), [
    ({(7, "B result"): "maybe"}, r"t.xlsx: Testing!I7 \(B result\): 'maybe' is not a result"),
    ({(4, "A result"): "pass"}, r"Testing!F4 \(A result\): a pass needs its basis in A basis"),
    ({(5, "Item key"): "CHG-9999"}, r"Testing!B5 \(Item key\): item 'CHG-9999' is not in this sample"),
    ({(6, ts.POPULATION_HASH): "0" * 64}, r"Testing!E6 \(Population SHA-256\): the row is from another population"),
    ({(3, "C basis"): "#999"}, r"Testing!M3 \(C basis\): evidence #999 is not linked to this control"),
])
def test_a_bad_cell_is_named_and_nothing_is_imported(changes, tmp_path, edits, message):
    sampled(changes)
    path = tw.export_testing(changes, "CM-01", tmp_path / "t.xlsx").path
    good = {(2, "A result"): "deviation", (3, "A result"): "n/a"}
    fill(path, {**good, **edits})
    before = at.matrix(changes, "CM-01")
    with pytest.raises(InvalidInput, match=message):
        tw.import_testing(changes, "CM-01", path)
    assert at.matrix(changes, "CM-01").items == before.items  # all or nothing


def test_a_workbook_from_other_attributes_is_refused(changes, tmp_path):
    sampled(changes)
    path = tw.export_testing(changes, "CM-01", tmp_path / "t.xlsx").path
    at.set_steps(changes, "CM-01", "", at.get_steps(changes, "CM-01").spec().attributes[:2])
    with pytest.raises(InvalidInput, match=r"Testing!L1: attribute C is not among the control's attributes"):
        tw.import_testing(changes, "CM-01", path)


def test_formula_text_stays_text_both_ways(changes, tmp_path):
    m = sampled(changes)
    at.set_cell(changes, m.items[0].item_id, "A", "deviation", note="=HYPERLINK(\"http://x\",\"click\")")
    path = tw.export_testing(changes, "CM-01", tmp_path / "t.xlsx").path
    ws = load_workbook(path)[ts.SHEET]
    cell = ws.cell(row=2, column=[c.value for c in ws[1]].index("A note") + 1)
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.startswith("=HYPERLINK")
    assert tw.import_testing(changes, "CM-01", path).changed == 0
    assert at.matrix(changes, "CM-01").items[0].cells[0].note == "=HYPERLINK(\"http://x\",\"click\")"


def test_an_empty_result_keeps_a_proposal_and_clears_a_confirmed_result(changes, tmp_path):
    m = sampled(changes)
    with_extract(changes)
    at.propose(changes, "CM-01")
    at.set_cell(changes, m.items[0].item_id, "A", "deviation")
    path = tw.export_testing(changes, "CM-01", tmp_path / "t.xlsx").path
    fill(path, {(2, "A result"): None})
    tw.import_testing(changes, "CM-01", path)
    after = at.matrix(changes, "CM-01")
    assert after.items[0].cells[0].result is R.untested
    assert after.items[1].cells[0].proposed  # untouched proposals stay proposals


def test_export_and_import_refuse_bad_paths(changes, tmp_path):
    sampled(changes)
    with pytest.raises(InvalidInput, match="must end in .xlsx"):
        tw.export_testing(changes, "CM-01", tmp_path / "t.csv")
    with pytest.raises(InvalidInput, match="folder not found"):
        tw.export_testing(changes, "CM-01", tmp_path / "nope" / "t.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InvalidInput, match="not a readable XLSX workbook"):
        tw.import_testing(changes, "CM-01", bad)
    assert not list(tmp_path.glob(".tmp-*"))
