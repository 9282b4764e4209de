"""The workpaper bundle: layout, manifest, escaping, safe names, streaming, atomic write."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.store.models import Engagement

from ..support import attach_file, fill_control, tamper

PAYLOAD = "<script>alert('x')</script>"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_demo_exports_every_part_of_the_layout(demo, tmp_path):
    attach_file(demo, "AC-01", "Q3 access review.xlsx", b"reviewed list", description="Q3 review")
    out = tmp_path / "bundle.zip"
    result = export_bundle(demo, out)
    files = _members(out)
    assert {"index.html", "workpapers.xlsx", "section-iv.md", "oscal/assessment-results.json", "journal.jsonl",
            "manifest.json", "workpapers/AC-01.html"} <= set(files)
    assert sum(1 for n in files if n.startswith("workpapers/")) == 40 == result.controls
    evidence = [n for n in files if n.startswith("evidence/")]
    assert len(evidence) == result.evidence_files >= 1
    (ours,) = [n for n in evidence if n.endswith("Q3 access review.xlsx")]
    assert files[ours] == b"reviewed list"
    index = files["index.html"].decode()
    for anchor in ('id="summary"', 'id="controls"', 'id="exceptions"', 'id="requests"', 'id="flags"'):
        assert anchor in index
    assert 'href="workpapers/AC-01.html"' in index
    wp = files["workpapers/AC-01.html"].decode()
    assert 'href="../index.html#controls"' in wp and "../evidence/" in wp
    assert hashlib.sha256(b"reviewed list").hexdigest() in wp


def test_the_layout_names_every_member_the_bundle_holds(demo, tmp_path):
    """LAYOUT (what the export screen tells the auditor the bundle holds) is what an export writes:
    every member falls under one of its entries, and every entry is in the bundle."""
    from fieldwork_tui.services.bundle import LAYOUT

    attach_file(demo, "AC-01", "q3.csv", b"id\n1\n")
    out = tmp_path / "bundle.zip"
    export_bundle(demo, out)
    names = set(_members(out))
    entries = [member for member, _what in LAYOUT]

    def entry_of(name: str) -> str | None:
        return next((e for e in entries if name == e or (e.endswith("/") and name.startswith(e))), None)

    assert {n for n in names if entry_of(n) is None} == set()
    assert {e for e in entries if not any(entry_of(n) == e for n in names)} == set()


def test_manifest_lists_every_other_file_with_its_sha256(demo, tmp_path):
    out = tmp_path / "b.zip"
    export_bundle(demo, out)
    files = _members(out)
    manifest = json.loads(files["manifest.json"])
    listed = {e["path"]: e for e in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "manifest.sig"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["size"] == len(files[name])
    assert manifest["algorithm"] == "SHA-256"
    assert manifest["journal"]["entries"] == len(files["journal.jsonl"].splitlines())


def test_html_escapes_markup_in_every_free_text_field(engagement, tmp_path):
    with engagement.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.service_organization = f"{PAYLOAD} org"
        eng.name = f"{PAYLOAD} engagement"
        s.add(eng)
    fill_control(engagement, "X-1", PAYLOAD)
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    files = _members(out)
    html = {n: b.decode() for n, b in files.items() if n.endswith(".html")}
    assert html
    for name, text in html.items():
        assert "<script" not in text.lower(), name
    page = html["workpapers/X-1.html"]
    for field in ("title", "description", "conclusion", "statement", "corroboration", "person", "interviewer",
                  "location", "observed", "observer", "file", "reperformance", "rp conclusion", "key", "detail",
                  "method", "override", "item", "item note", "instance", "planned", "deviation", "wording",
                  "root cause", "corrective", "compensating", "responder", "note", "exception note", "org"):
        assert f"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {field}" in page, field
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; request" in html["index.html"]
    md = files["section-iv.md"].decode()
    assert "<script" not in md and "&lt;script&gt;" in md


def test_file_names_inside_the_zip_are_sanitized(engagement, tmp_path):
    from fieldwork_tui.services.controls.catalog import add_control

    add_control(engagement, "../../etc/C1", "Odd ref")
    attach_file(engagement, "../../etc/C1", "../../../etc/passwd", b"one")
    attach_file(engagement, "../../etc/C1", "/abs/evil\x07name\n.txt", b"two")
    attach_file(engagement, "../../etc/C1", "C:\\Windows\\con.txt", b"three")
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    for n in names:
        assert not n.startswith("/") and ".." not in n.split("/") and "\\" not in n
        assert all(ord(ch) >= 32 for ch in n)
    assert sum(1 for n in names if n.startswith("evidence/")) == 3
    assert sum(1 for n in names if n.startswith("workpapers/")) == 1


def test_same_content_under_two_names_is_kept_under_both(engagement, tmp_path):
    from fieldwork_tui.services.controls.catalog import add_control

    add_control(engagement, "C-1", "one")
    attach_file(engagement, "C-1", "a.txt", b"same")
    attach_file(engagement, "C-1", "b.txt", b"same")
    attach_file(engagement, "C-1", "a.txt", b"same")  # attached twice: one file in the bundle
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    evidence = [n for n in _members(out) if n.startswith("evidence/")]
    assert len(evidence) == 2


def test_interrupted_export_leaves_nothing_at_the_target(demo, tmp_path):
    attach_file(demo, "AC-01", "big.bin", b"x" * 300_000)
    out = tmp_path / "bundle.zip"

    def boom(done, total, label):
        if label.startswith("workpapers/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_bundle(demo, out, progress=boom)
    assert not out.exists()
    assert list(tmp_path.glob(".tmp-*")) == []


def test_failed_export_keeps_the_previous_bundle(demo, tmp_path):
    out = tmp_path / "bundle.zip"
    out.write_bytes(b"previous")
    ef = attach_file(demo, "AC-01", "report.pdf", b"original")
    tamper(demo, ef.sha256, b"tampered")
    with pytest.raises(FieldworkError, match="report.pdf"):
        export_bundle(demo, out)
    assert out.read_bytes() == b"previous"
    assert list(tmp_path.glob(".tmp-*")) == []


def test_missing_vault_file_stops_the_export(demo, tmp_path):
    ef = attach_file(demo, "AC-01", "gone.pdf", b"soon gone")
    tamper(demo, ef.sha256)
    with pytest.raises(FieldworkError, match="gone.pdf.*missing"):
        export_bundle(demo, tmp_path / "b.zip")


@pytest.mark.parametrize("name", ["bundle.txt", "nowhere/bundle.zip"])
def test_bad_target_is_refused_with_one_line(demo, tmp_path, name):
    with pytest.raises(InvalidInput) as err:
        export_bundle(demo, tmp_path / name)
    assert "\n" not in str(err.value) and "output" in str(err.value)


def test_evidence_is_stored_and_streamed_in_chunks(demo, tmp_path):
    big = bytes(range(256)) * 12_000  # ~3 MB, several chunks
    attach_file(demo, "AC-01", "population.csv", big)
    seen = []
    out = tmp_path / "b.zip"
    export_bundle(demo, out, progress=lambda d, t, label: seen.append((d, t, label)))
    with zipfile.ZipFile(out) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("population.csv"))
        assert info.compress_type == zipfile.ZIP_STORED
        assert zf.read(info) == big
    evidence_ticks = [d for d, _t, label in seen if label == info.filename]
    assert len(evidence_ticks) >= 3  # progress while the file is copied, not only at its end
    assert seen[-1][0] == seen[-1][1]
    assert all(a <= b for a, b in zip([d for d, *_ in seen], [d for d, *_ in seen][1:], strict=False))


def test_workbook_neutralises_formula_text(engagement, tmp_path):
    from openpyxl import load_workbook

    fill_control(engagement, "F-1", "=HYPERLINK(\"http://x\",\"y\")")
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    with zipfile.ZipFile(out) as zf:
        (tmp_path / "w.xlsx").write_bytes(zf.read("workpapers.xlsx"))
    wb = load_workbook(tmp_path / "w.xlsx")
    assert wb.sheetnames == ["Summary", "Samples", "Requests", "Exceptions"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    assert wb["Summary"]["A2"].value == "F-1"
    assert wb["Exceptions"]["E2"].value.startswith("=HYPERLINK") and wb["Exceptions"]["E2"].quotePrefix
    assert wb["Requests"]["A2"].value == "PBC-900"


def test_section_iv_uses_report_wording(engagement, tmp_path):
    fill_control(engagement, "S-1", "Plain")
    out = tmp_path / "b.zip"
    export_bundle(engagement, out)
    md = _members(out)["section-iv.md"].decode()
    row = next(line for line in md.splitlines() if line.startswith("| S-1 "))
    assert "Inquired of the Plain title" in row
    assert "Inspected a sample of 2 " in row and "population of 250" in row
    assert "Re-performed the control" in row
    assert "Plain wording" in row


def test_cancelled_export_writes_nothing(demo, tmp_path):
    from fieldwork_tui.services.bundle.export import ExportCancelled

    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(ExportCancelled):
        export_bundle(demo, tmp_path / "b.zip", cancelled=cancelled)
    assert not (tmp_path / "b.zip").exists() and list(tmp_path.glob(".tmp-*")) == []
