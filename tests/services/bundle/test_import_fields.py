"""The bundle shows what an import kept: the control type and the matrix's own columns (issue 22)."""

from __future__ import annotations

import zipfile

from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.controls.catalog import import_controls


def test_workpaper_shows_control_type_and_extra_fields_escaped(engagement, tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("Control ID,Title,Control Type,testing_method\n"
                 "AC-01,Access review,Entity-Level,<b>Reperform</b> two quarters\n", encoding="utf-8")
    import_controls(engagement, f)
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    with zipfile.ZipFile(out) as zf:
        page = next(zf.read(n).decode() for n in zf.namelist() if n.startswith("workpapers/") and n.endswith(".html"))
    assert "<dt>Control type</dt><dd>entity level</dd>" in page
    assert "<dt>testing_method</dt><dd class=\"pre\">&lt;b&gt;Reperform&lt;/b&gt; two quarters</dd>" in page


def test_the_requests_sheet_keeps_the_trackers_own_columns_as_text(engagement, tmp_path):
    """A PBC tracker's columns the app has no field for are kept on each request; the bundle's Requests
    sheet shows them (a formula-looking value stays text)."""
    import io

    import openpyxl

    from fieldwork_tui.services.bundle.layout import WORKBOOK
    from fieldwork_tui.services.requests.importer import import_requests

    f = tmp_path / "pbc.csv"
    f.write_text("Request ID,Description,System/Tool,Notes\n"
                 "R-001,Terminated users list,Workday,=HYPERLINK(\"http://x\")\n", encoding="utf-8")
    import_requests(engagement, f)
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    with zipfile.ZipFile(out) as zf:
        sheet = openpyxl.load_workbook(io.BytesIO(zf.read(WORKBOOK)))["Requests"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "Request" in r)
    col = header.index("Other columns of the request list")
    row = next(r for r in rows if r[0] == "R-001")
    assert "System/Tool: Workday" in row[col] and "Notes:" in row[col]
    assert not any(c.data_type == "f" for line in sheet.iter_rows() for c in line)
