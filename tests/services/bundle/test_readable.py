"""Readable workpapers (issue 21 part 2): no Python repr on any page, differences as tables in the
lists' own names and columns, the compared lists and the populations linked, counted nouns that agree,
place names as written."""

from __future__ import annotations

import re
import zipfile

import pytest

#: What a Python repr of a dict, list or tuple of text looks like inside a page (escaped by Jinja or not).
REPR = re.compile(r"""\{\s*(?:'|&#39;|"|&#34;)|\[\s*(?:'|&#39;)|\(\s*(?:'|&#39;)[^)]*(?:'|&#39;)\s*,""")


@pytest.fixture
def pages(demo_export):
    out = demo_export
    with zipfile.ZipFile(out) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist() if n.endswith((".html", ".md"))}


def test_the_repr_pattern_finds_reprs():
    for text in ("row: {'login': 'nkhan'}", "fields: {&#39;department&#39;: {&#39;a&#39;: &#39;Support&#39;}}",
                 "['a', 'b']", "('x', 'y')"):
        assert REPR.search(text), text
    assert not REPR.search("Q2 user access review (pulled by us)")


def test_no_page_shows_a_python_repr(pages):
    assert len(pages) > 40
    for name, text in pages.items():
        found = REPR.search(text)
        assert not found, f"{name}: {text[max(found.start() - 80, 0):found.end() + 80]}"


def test_differences_read_in_the_lists_own_names_and_columns(pages):
    ac01 = pages["workpapers/AC-01.html"]
    assert "only in a" not in ac01.lower() and "only in b" not in ac01.lower()
    assert "In IdP export (pulled by us), not in Reviewed list" in ac01
    assert "Different values in IdP export (pulled by us) and Reviewed list" in ac01
    head = re.search(r'<table class="differences">\s*<thead><tr>(.*?)</tr>', ac01).group(1)
    assert "<th>login</th>" in head  # the IdP export's own column, not "Details"
    ac03 = pages["workpapers/AC-03.html"]
    assert "Outside the date window" in ac03 and "<th>Last day (HR terminations)</th>" in ac03


def test_compared_lists_and_populations_are_linked(pages):
    ac01 = pages["workpapers/AC-01.html"]
    assert re.search(r'<a href="\.\./evidence/[^"]+" data-sha256="[0-9a-f]{64}">IdP export \(pulled by us\)</a>', ac01)
    assert re.search(r'<a href="\.\./evidence/[^"]+" data-sha256="[0-9a-f]{64}">Reviewed list</a>', ac01)
    cm01 = pages["workpapers/CM-01.html"]
    assert re.search(r'<a href="\.\./reperform/populations/[^"]+\.jsonl">', cm01)


def test_counted_nouns_agree_and_place_names_keep_their_capitals(pages):
    for text in pages.values():
        assert not re.search(r"\b1 (?:evidence )?files\b|\b1 items\b|\b1 controls\b", text)
        assert ".." not in text.replace("...", "").replace("../", "")
    assert "lisbon office" not in pages["section-iv.md"] and "(Lisbon office, SRE area)" in pages["section-iv.md"]


def test_a_duplicate_key_and_the_nfc_normalisation_are_on_the_control_workpaper(engagement, tmp_path):
    """Issue 14 item 2: `alice` and `ALICE` in list A (one key after casefold) are on the exported
    workpaper as a difference needing a disposition, and the page says keys were compared after NFC."""
    import html
    import unicodedata

    from fieldwork_tui.services.bundle.export import export_bundle
    from fieldwork_tui.services.controls.catalog import add_control
    from fieldwork_tui.services.evidence import reperformance

    add_control(engagement, "AC-02", "Terminated users are removed within one day", criteria=["CC6.2"])
    a, b = tmp_path / "terminations.csv", tmp_path / "removals.csv"
    nfc, nfd = unicodedata.normalize("NFC", "josé"), unicodedata.normalize("NFD", "josé")
    a.write_text(f"user,role\nalice,admin\nALICE,admin\n{nfc},user\n", encoding="utf-8")
    b.write_text(f"user,role\nalice,admin\n{nfd},user\n", encoding="utf-8")
    reperformance.run_comparison(engagement, "AC-02", a, b, key_a="user", label_a="HR terminations",
                                 label_b="IdP removals")
    out = tmp_path / "bundle.zip"
    export_bundle(engagement, out)
    with zipfile.ZipFile(out) as zf:
        page = zf.read("workpapers/AC-02.html").decode()
    section = page[page.index('<h3 id="reperformance">'):page.index('<h3 id="sampling">')]
    text = html.unescape(section)
    assert "Keys compared after Unicode NFC, trimmed, inner spaces collapsed, case-insensitive." in text
    counts = re.search(r'<table class="counts">.*?<tbody><tr>(.*?)</tr>', section, re.S).group(1)
    # only in A, only in B, differing, date window, keys listed more than once, without a disposition:
    # NFC and NFD "josé" matched; the duplicate is counted and still open
    assert re.findall(r"<td[^>]*>(.*?)</td>", counts) == ["0", "0", "0", "0", "1", "1"], counts
    assert "Keys listed more than once (in HR terminations or IdP removals) (1)" in text
    dup = re.search(r"<h4>Keys listed more than once.*?<tbody>\s*<tr>(.*?)</tr>", section, re.S).group(1)
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", dup)]
    assert cells[:3] == ["alice", "HR terminations", "2"], cells
    assert "alice" in cells[3] and "ALICE" in cells[3], cells
    assert 'class="bad"' in dup  # no disposition yet
