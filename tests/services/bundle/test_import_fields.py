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
