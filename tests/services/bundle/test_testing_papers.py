"""Attribute testing in the bundle: each workpaper shows the test objective, the attributes and the
matrix (tickmarks and a legend) with the population file linked; workpapers.xlsx has a Testing sheet
per sampled control; a walkthrough or a test of one is shown instead of a matrix."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import load_workbook

from fieldwork_tui.domain.attributes import AttributeSpec
from fieldwork_tui.domain.vocab import Frequency, Nature
from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.services.sampling import testing as at

from ..sampling.attribute_support import write_changes

WORDING_B = ("For 1 of 40 changes sampled, the change was deployed without an approving review by someone other "
             "than its author.")


def _export(handle, tmp_path):
    out = tmp_path / "bundle.zip"
    export_bundle(handle, out)
    return _members(out)


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _matrix_rows(html: str) -> list[str]:
    table = html.split('<table class="matrix">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]


def test_the_workpaper_shows_steps_matrix_legend_and_the_exception_worded_from_the_attribute(demo, demo_export):
    files = _members(demo_export)
    wp = files["workpapers/CM-01.html"].decode()
    assert "Test steps and testing matrix" in wp
    assert "Production changes are approved in the pull request by a reviewer other than their author" in wp
    assert "<b>B</b> — Approved by a reviewer other than the author" in wp
    assert "<code>Approver != Author</code>" in wp and "<code>Approved &lt;= Deployed</code>" in wp
    rows = _matrix_rows(wp)
    assert len(rows) == 40  # 25 initial + 15 expansion, each item once
    deviating = [r for r in rows if "✗" in r]
    assert len(deviating) == 1 and deviating[0].count("✓") == 2  # A and C met, B not
    assert "admin override" in deviating[0]  # the cell's note, under its letter
    assert WORDING_B in wp  # in the matrix's results by attribute and as the exception's report wording
    assert wp.count(WORDING_B) >= 2
    assert "✓? ✗?" in wp and "not yet tested" in wp  # the legend
    # the population file is linked (it is kept in the vault, so it is in the bundle)
    link = re.search(r'<a href="(\.\./evidence/[^"]+change-log-fy26\.csv)">change-log-fy26\.csv</a>', wp)
    assert link and link.group(1).removeprefix("../") in files
    assert "412 rows against the client's count of 412" in wp
    assert "the GitHub audit log lists 412 for the period" in wp  # how it was reconciled
    # the single-result item table is not repeated for the samples the matrix covers
    assert "Tested attribute by attribute" in wp


def test_workpapers_xlsx_has_a_testing_sheet_per_sampled_control(demo, demo_export):
    files = _members(demo_export)
    wb = load_workbook(io.BytesIO(files["workpapers.xlsx"]))
    testing = [n for n in wb.sheetnames if n.startswith("Testing")]
    assert testing == ["Testing AC-02", "Testing CM-01"]
    ws = wb["Testing CM-01"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["#", "Item", "Date", "Sample"]
    assert header[4:7] == ["A — Approved in the pull request no later than the deploy date",
                           "B — Approved by a reviewer other than the author", "C — CI checks passed before deployment"]
    assert header[7:] == ["Result", "Evidence", "Notes"]
    assert ws.freeze_panes == "A2"
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=41)]
    assert len(data) == 40 and all(isinstance(r[0], int) for r in data)
    [dev] = [r for r in data if r[5] == "✗"]
    assert dev[7] == "deviation" and dev[4] == dev[6] == "✓" and dev[9].startswith("B: The extract lists")
    below = [c.value for row in ws.iter_rows(min_row=42) for c in row if c.value]
    assert any(str(v).startswith("Objective: Production changes") for v in below)
    assert WORDING_B in below


def _hostile(engagement, tmp_path):
    add_control(engagement, "CM-01", "Change management", description="Every change is approved.",
                frequency=Frequency.multiple_daily)
    populations.import_population(engagement, "CM-01", write_changes(tmp_path / "c.csv", 60), key="Change ID",
                                  date="Deployed")
    at.set_steps(engagement, "CM-01", "<script>alert(1)</script>", [
        AttributeSpec("A", "<img src=x onerror=alert(1)>", "=HYPERLINK(\"http://x\")"),
    ])
    view = sampling.take_sample(engagement, "CM-01")
    at.set_cell(engagement, view.items[0].id, "A", "deviation", note="=cmd|' /C calc'!A0")
    return engagement


def test_free_text_in_steps_and_cells_is_escaped_and_neutralised(engagement, tmp_path):
    files = _export(_hostile(engagement, tmp_path), tmp_path)
    wp = files["workpapers/CM-01.html"].decode()
    assert "<script>alert(1)</script>" not in wp and "&lt;script&gt;alert(1)&lt;/script&gt;" in wp
    assert "<img src=x" not in wp
    ws = load_workbook(io.BytesIO(files["workpapers.xlsx"]))["Testing CM-01"]
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in values)
    assert any(v.startswith("'=cmd") or v.startswith("A: =cmd") for v in values)


def test_a_type_one_walkthrough_and_an_automated_test_of_one_are_shown_instead_of_a_matrix(home, tmp_path):
    from fieldwork_tui.services.engagements import create_engagement

    handle = create_engagement(home, "Acme Type I", type=1, period="2026-01-01..2026-12-31")
    try:
        add_control(handle, "CM-01", "Change management")
        add_control(handle, "CM-02", "Emergency changes")
        at.record_single_test(handle, "CM-01", instance="CHG-1042", performed_on="2026-12-31",
                              description="Walked through the ticket, the approval and the deploy log",
                              result="untested")
        files = _export(handle, tmp_path)
    finally:
        handle.close()
    wp = files["workpapers/CM-01.html"].decode()
    assert "Walkthrough of one instance" in wp and "CHG-1042 on 2026-12-31" in wp
    assert "Walked through the ticket, the approval and the deploy log" in wp and 'class="matrix"' not in wp
    assert "Not yet recorded." in files["workpapers/CM-02.html"].decode()
    assert not [n for n in load_workbook(io.BytesIO(files["workpapers.xlsx"])).sheetnames if n.startswith("Testing")]


def test_an_automated_control_shows_the_configuration_and_the_itgc_reliance(engagement, tmp_path):
    add_control(engagement, "CM-01", "Change management", frequency=Frequency.multiple_daily)
    add_control(engagement, "IT-07", "Database backups", frequency=Frequency.continuous, nature=Nature.automated)
    at.record_single_test(engagement, "IT-07", instance="RDS production", performed_on="2026-11-02",
                          description="Inspected the parameter group", configuration="backup_retention=35",
                          itgc_refs=["CM-01"], itgc_basis="CM-01 tested without exception", result="untested")
    wp = _export(engagement, tmp_path)["workpapers/IT-07.html"].decode()
    assert "Test of one (automated control)" in wp and "backup_retention=35" in wp
    assert "CM-01 — CM-01 tested without exception" in wp
