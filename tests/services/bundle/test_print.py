"""The bundle prints as a workpaper (issue 21 part 3): headless Chromium prints the index and sampled and
re-performed workpapers on Letter and A4; measured on the rendered page images, no page before a
document's last is more than half empty. The print stylesheet drops the dark bar and backgrounds,
repeats table headers and runs a page header with client, period, W/P ref and page number.

Needs Chromium and pdftoppm: `.ci/run` installs them when missing and sets FIELDWORK_REQUIRE_PRINT=1, so
in CI this test fails rather than skips without them."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest

from fieldwork_tui.services.bundle.export import export_bundle

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("print_bundle", ROOT / "scripts" / "print_bundle.py")
pb = sys.modules.setdefault("print_bundle", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(pb)


@pytest.fixture
def bundle(demo, tmp_path, request):
    if pb.tools() is None:
        if os.environ.get("FIELDWORK_REQUIRE_PRINT"):
            pytest.fail("printing needs chromium and pdftoppm (.ci/run installs them)")
        pytest.skip("chromium or pdftoppm not installed")
    out = request.getfixturevalue("demo_export")
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(folder)
    return folder


def test_the_half_empty_rule_reads_the_page_image():
    blank = pb.PageImage(10, 100, 1, bytes([255]) * 1000)
    top_third = pb.PageImage(10, 100, 1, bytes([0]) * 10 * 35 + bytes([255]) * 10 * 65)
    assert pb.fill(blank) == 0.0 and 0.3 < pb.fill(top_third) < 0.4
    assert pb.half_empty_pages([1.0, 0.3, 0.9, 0.1]) == [2]


@pytest.mark.parametrize("page", [
    "workpapers/CM-01.html",  # sampled: inputs, strata, 40 items
    pytest.param("index.html", marks=pytest.mark.slow),
    pytest.param("workpapers/AC-01.html", marks=pytest.mark.slow),  # re-performed: difference tables
])
def test_no_page_before_the_last_is_more_than_half_empty(bundle, tmp_path, page):
    for size in pb.SIZES:
        pdf = tmp_path / f"{size}.pdf"
        pb.print_pdf(bundle / page, pdf, size, tmp_path / "profile")
        fills = [pb.fill(i) for i in pb.rasterize(pdf, tmp_path)]
        assert len(fills) >= 2, (page, size, fills)
        assert pb.half_empty_pages(fills) == [], f"{page} on {size}: pages filled {fills}"


def test_the_print_stylesheet_is_a_workpaper(bundle):
    page = (bundle / "workpapers" / "CM-01.html").read_text()
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    rule = css[css.index("@page"):]
    assert '@top-left { content: "Lumen Ledger, Inc. · period 2025-10-01 to 2026-09-30"' in rule
    assert '@top-right { content: "W/P CM-01"' in rule
    assert 'counter(page) " of " counter(pages)' in rule
    printing = css[css.index("@media print"):]
    assert "header.top { background: none" in printing and "break-inside: auto" in printing
    assert "thead { display: table-header-group; }" in printing
    assert all("<thead>" in t for t in re.findall(r"<table[^>]*>.*?</table>", page, re.S))


def test_page_header_text_cannot_break_out_of_the_stylesheet(engagement, tmp_path):
    from sqlmodel import select

    from fieldwork_tui.store.models import Engagement

    hostile = 'Evil"; } body { display:none } </style><script>x</script>\\ & Co\'s'
    with engagement.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.service_organization = hostile
        s.add(eng)
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    index = zipfile.ZipFile(out).read("index.html").decode()
    css = re.search(r"<style>(.*?)</style>", index, re.S).group(1)
    top = re.search(r'@top-left \{ content: "((?:[^"\\]|\\.)*)"', css).group(1)
    assert "<" not in top and "&" not in top and "<script" not in index.lower()
    assert re.sub(r"\\([0-9a-f]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), top).startswith(hostile + " · period")
