"""`fieldwork verify`: intact bundles pass; one changed byte, a removed or an added file is named."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldwork_tui.cli import app
from fieldwork_tui.services.bundle.export import export_bundle
from fieldwork_tui.services.bundle.verify import verify_bundle
from tests.support import DEMO_CONFIG, built_once, frozen_identity

from ..support import attach_file


@pytest.fixture(scope="session")
def _bundle_template(_demo_template, tmp_path_factory, worker_id) -> Path:
    """The demo with two evidence files, exported once per run; every test reads its own copy."""
    from fieldwork_tui.services.demo import DEMO_SLUG
    from fieldwork_tui.services.engagements import open_path

    def build(work: Path) -> None:
        shutil.copytree(_demo_template, work / "home")
        shutil.copytree(_demo_template / DEMO_CONFIG, work / "config")  # the exporter's key is made there
        with frozen_identity(config=work / "config"):
            demo = open_path(work / "home" / DEMO_SLUG)
            try:
                attach_file(demo, "AC-01", "Q3 access review.xlsx", b"reviewed list " * 100)
                attach_file(demo, "AC-03", "terminations.csv", b"user,date\nbob,2026-03-01\n")
                export_bundle(demo, work / "bundle.zip")
            finally:
                demo.close()

    return built_once(tmp_path_factory, worker_id, "bundle-template", build) / "bundle.zip"


@pytest.fixture
def bundle(_bundle_template, tmp_path) -> Path:
    shutil.copytree(_bundle_template.parent / "config", tmp_path / "config", dirs_exist_ok=True)  # the exporter
    return Path(shutil.copy2(_bundle_template, tmp_path / "bundle.zip"))


def _rewrite(src: Path, dst: Path, *, change=None, drop=None, add=None) -> None:
    """Copy a zip member by member, changing one byte of `change`, leaving out `drop`, adding `add`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename == drop:
                continue
            data = zin.read(info)
            if info.filename == change:
                data = bytes([data[0] ^ 0x01]) + data[1:]
            zout.writestr(info, data)
        if add:
            zout.writestr(add, b"slipped in later")


def _evidence(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return next(n for n in zf.namelist() if n.startswith("evidence/"))


def test_fresh_export_verifies(bundle):
    report = verify_bundle(bundle)
    assert report.ok, report.lines()
    assert report.checked > 40


def test_one_changed_byte_of_one_evidence_file_is_named(bundle, tmp_path):
    target = _evidence(bundle)
    bad = tmp_path / "bad.zip"
    _rewrite(bundle, bad, change=target)
    report = verify_bundle(bad)
    assert not report.ok
    assert report.altered == [target]
    assert report.missing == [] and report.extra == []


def test_a_byte_flipped_inside_the_zip_file_is_named(bundle, tmp_path):
    """Tampering the .zip in place (no re-zipping): the stored evidence bytes no longer match."""
    target = _evidence(bundle)
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo(target)
    # local header: 30 bytes + name + extra, then the stored data
    header = raw[info.header_offset: info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    raw[start + 3] ^= 0xFF
    bad = tmp_path / "flipped.zip"
    bad.write_bytes(bytes(raw))
    report = verify_bundle(bad)
    assert report.altered == [target]


def test_a_stored_member_with_a_broken_local_header_is_named_not_a_crash(bundle, tmp_path):
    """Stored members are hashed straight from the zip file: a local header that is not one is damage."""
    target = _evidence(bundle)
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo(target)
    assert info.compress_type == zipfile.ZIP_STORED
    raw[info.header_offset] ^= 0xFF  # the "PK\3\4" signature
    bad = tmp_path / "header.zip"
    bad.write_bytes(bytes(raw))
    report = verify_bundle(bad)
    assert report.altered == [target]


def test_progress_counts_every_byte_hashed(bundle):
    seen: list[tuple[int, int]] = []
    assert verify_bundle(bundle, progress=lambda done, total, _what: seen.append((done, total))).ok
    assert seen and seen[-1][0] == seen[-1][1]
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_removed_file_is_named(bundle, tmp_path):
    target = _evidence(bundle)
    bad = tmp_path / "bad.zip"
    _rewrite(bundle, bad, drop=target)
    report = verify_bundle(bad)
    assert report.missing == [target] and report.altered == [] and report.extra == []


def test_added_file_is_named(bundle, tmp_path):
    bad = tmp_path / "bad.zip"
    _rewrite(bundle, bad, add="evidence/extra.pdf")
    report = verify_bundle(bad)
    assert report.extra == ["evidence/extra.pdf"] and report.altered == [] and report.missing == []


def test_changed_workpaper_html_is_named(bundle, tmp_path):
    bad = tmp_path / "bad.zip"
    _rewrite(bundle, bad, change="workpapers/AC-01.html")
    assert verify_bundle(bad).altered == ["workpapers/AC-01.html"]


def test_extracted_folder_verifies_and_names_an_edit(bundle, tmp_path):
    folder = tmp_path / "x"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(folder)
    assert verify_bundle(folder).ok
    target = _evidence(bundle)
    p = folder / target
    p.write_bytes(b"Z" + p.read_bytes()[1:])
    (folder / "notes.txt").write_text("mine")
    report = verify_bundle(folder)
    assert report.altered == [target] and report.extra == ["notes.txt"]


def test_journal_rewritten_with_its_manifest_entry_still_fails_the_chain(bundle, tmp_path):
    """Someone edits a journal line and fixes its hash in the manifest: the chain gives it away."""
    import hashlib

    with zipfile.ZipFile(bundle) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    lines = members["journal.jsonl"].decode().splitlines()
    entry = json.loads(lines[3])
    entry["actor"] = "mallory"
    lines[3] = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    members["journal.jsonl"] = ("\n".join(lines) + "\n").encode()
    manifest = json.loads(members["manifest.json"])
    for e in manifest["files"]:
        if e["path"] == "journal.jsonl":
            e["sha256"] = hashlib.sha256(members["journal.jsonl"]).hexdigest()
            e["size"] = len(members["journal.jsonl"])
    members["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    report = verify_bundle(bad)
    assert report.altered == []
    assert any(f"journal entry {entry['id']}" in p for p in report.problems)


def test_missing_manifest_and_not_a_zip(bundle, tmp_path):
    bad = tmp_path / "bad.zip"
    _rewrite(bundle, bad, drop="manifest.json")
    assert any("manifest.json: missing" in p for p in verify_bundle(bad).problems)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    from fieldwork_tui.services.errors import FieldworkError

    with pytest.raises(FieldworkError, match="junk.zip"):
        verify_bundle(junk)


def test_cli_verify_exit_codes(bundle, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(bundle)])
    assert ok.exit_code == 0 and "intact" in ok.output
    target = _evidence(bundle)
    bad = tmp_path / "bad.zip"
    _rewrite(bundle, bad, change=target, drop="workpapers/AC-02.html", add="evil.html")
    res = runner.invoke(app, ["verify", str(bad)])
    assert res.exit_code == 1
    assert f"altered: {target}" in res.output
    assert "missing: workpapers/AC-02.html" in res.output
    assert "extra: evil.html" in res.output
    missing = runner.invoke(app, ["verify", str(tmp_path / "none.zip")])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_cli_export_then_verify(demo_home, tmp_path):
    out = tmp_path / "cli.zip"
    res = CliRunner().invoke(app, ["export", "demo", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "verify: intact" in res.output and out.is_file()
