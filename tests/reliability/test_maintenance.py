"""Issue 14's maintenance items: a corrupt database is named in one line (check, backup, the app), a
restore never silently replaces a locked or a different engagement, archives that expand beyond what
they declare or the disk holds are refused, outputs holding client data are private and their
leftovers swept, a closed pipe is not an error, and `check` names vault files no record references."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest

from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.services.bundle import export_bundle
from fieldwork_tui.services.engagements import open_engagement, set_phase
from fieldwork_tui.services.maintenance import backup_engagement, check_engagement, restore_engagement
from fieldwork_tui.services.requests import export_requests

from .helpers import CLI, assert_one_line_error, cli_env, db_rows, invoke, snapshot_tree

PAGE = 4096


def corrupt_middle_page(handle, table: str | None = None) -> Path:
    """Close the engagement cleanly (stamp written), then damage one page in the middle of the file
    (with `table`: a middle leaf page of that table) and put its mtime back: the clean-close stamp
    (size, mtime, inode, first and last 64 KiB) still matches, so the next open skips its full scan."""
    handle.close()
    db = handle.db_path
    st = db.stat()
    assert st.st_size > 4 * 64 * 1024, "the demo database must be larger than the stamp's samples"
    page = st.st_size // PAGE // 2
    if table:
        edge = 64 * 1024 // PAGE
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                                                "ORDER BY pageno", (table,))]
        finally:
            conn.close()
        pages = [p for p in pages if edge < p <= st.st_size // PAGE - edge]
        page = pages[len(pages) // 2] - 1
    with open(db, "r+b") as fh:
        fh.seek(page * PAGE)
        fh.write(b"\xa5" * PAGE)
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    return db


# --- item 8: corrupt database -----------------------------------------------------------------------

def test_check_reports_a_corrupt_database_in_one_line(demo, home):
    corrupt_middle_page(demo)
    reopened = open_engagement(home, demo.slug)
    try:
        assert reopened.scanned_on_open is False  # the stamp was trusted: this is the case to catch
        report = check_engagement(reopened)
    finally:
        reopened.close()
    assert len(report.problems) == 1 and "corrupt" in report.problems[0], report.problems
    proc = invoke("check", demo.slug)
    assert proc.returncode == 1 and "unexpected error" not in proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == f"1 problem(s) in {demo.slug}:" and "corrupt" in lines[1] and "restore" in lines[1]
    # one readable line: SQLite's first finding and a count, not every finding with its newlines escaped
    assert len(lines[1]) < 400 and "\\n" not in lines[1] and "***" not in lines[1], lines[1]


def test_backup_refuses_a_corrupt_database(demo, home, tmp_path):
    corrupt_middle_page(demo)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "b.zip"
    assert_one_line_error(invoke("backup", demo.slug, "-o", out), "corrupt", "no backup was written")
    assert list(out.parent.iterdir()) == []
    assert not list((home / demo.slug).glob(".tmp-*"))


def test_a_command_meeting_a_damaged_page_says_so_in_one_line(demo, home):
    corrupt_middle_page(demo, "control")
    line = assert_one_line_error(invoke("status", demo.slug), "database is damaged", "fieldwork check")
    assert "unexpected" not in line


async def test_app_warns_of_a_damaged_database_after_a_clean_stamp_open(demo, home):
    from fieldwork_tui.tui.app import create_app

    from ..tui.support import settle

    corrupt_middle_page(demo, "journalentry")  # a page the dashboard does not read: the app runs on
    app = create_app(home, demo.slug)
    assert app.handle.scanned_on_open is False
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        warnings = [n for n in app._notifications if n.title == "Database damaged"]
        assert len(warnings) == 1 and "fieldwork check" in warnings[0].message, [(n.title, n.message) for n in app._notifications]


async def test_app_does_not_warn_on_a_sound_database(demo, home):
    from fieldwork_tui.tui.app import create_app

    from ..tui.support import settle

    demo.close()
    app = create_app(home, demo.slug)
    assert app.handle.scanned_on_open is False  # the check ran, and found nothing
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [n for n in app._notifications if n.title == "Database damaged"] == []


# --- item 9: restore --force over a locked or a different engagement --------------------------------

def test_force_refuses_a_different_engagement_unless_replace_names_it(demo, engagement, tmp_path, home):
    other = backup_engagement(engagement, tmp_path / "other.zip").path
    engagement.close()
    demo.close()
    before = snapshot_tree(demo.root)
    line = assert_one_line_error(invoke("restore", other, "--as", demo.slug, "--force"),
                                 "different engagement", f"--replace {demo.slug}")
    assert "nothing restored" in line
    assert snapshot_tree(demo.root) == before
    assert_one_line_error(invoke("restore", other, "--as", demo.slug, "--replace", "someone-else"), "--replace")
    assert snapshot_tree(demo.root) == before

    proc = invoke("restore", other, "--as", demo.slug, "--replace", demo.slug)
    assert proc.returncode == 0, proc.stderr
    assert "kept at" in proc.stdout
    (kept,) = (home / ".replaced").iterdir()
    assert kept.name.startswith(f"{demo.slug}-")
    assert snapshot_tree(kept) == before  # the replaced folder is kept whole
    assert db_rows(demo.db_path, "SELECT uid FROM engagement") == db_rows(engagement.db_path,
                                                                             "SELECT uid FROM engagement")
    assert [e["slug"] for e in json.loads(invoke("list", "--json").stdout)] == sorted([demo.slug, engagement.slug])


def test_force_refuses_a_final_report_engagement(demo, tmp_path, home):
    out = backup_engagement(demo, tmp_path / "b.zip").path
    set_phase(demo, Phase.final_report)
    demo.close()
    before = snapshot_tree(demo.root)
    assert_one_line_error(invoke("restore", out, "--force"), "final-report", f"--replace {demo.slug}")
    assert snapshot_tree(demo.root) == before
    proc = invoke("restore", out, "--replace", demo.slug)
    assert proc.returncode == 0, proc.stderr
    assert db_rows(demo.db_path, "SELECT phase FROM engagement") != [("final_report",)]


def test_force_over_the_same_engagement_keeps_the_replaced_folder(demo, tmp_path, home):
    out = backup_engagement(demo, tmp_path / "b.zip").path
    demo.close()
    before = snapshot_tree(demo.root)
    result = restore_engagement(home, out, force=True)
    assert result.replaced and result.kept is not None and result.kept.parent == home / ".replaced"
    assert snapshot_tree(result.kept) == before
    assert (result.kept.parent.stat().st_mode & 0o777) == 0o700


def test_interrupted_replace_after_the_swap_keeps_the_old_folder(demo, tmp_path, home):
    """Killed after the new folder took the name but before the old one was kept: the next restore
    moves the old one to .replaced/, it never deletes it."""
    out = backup_engagement(demo, tmp_path / "b.zip").path
    demo.close()
    import shutil

    aside = home / f".tmp-replaced-{demo.slug}-0123abcd"
    shutil.copytree(demo.root, aside)
    before = snapshot_tree(aside)
    assert invoke("restore", out, "--as", "other").returncode == 0
    (kept,) = (home / ".replaced").iterdir()
    assert snapshot_tree(kept) == before and not aside.exists()


# --- item 10: damaged archives ------------------------------------------------------------------------

def _set_version_needed(data: bytes, version: int) -> bytes:
    buf = bytearray(data)
    i = buf.find(b"PK\x01\x02")
    while i != -1:
        buf[i + 6] = version
        i = buf.find(b"PK\x01\x02", i + 4)
    return bytes(buf)


def test_bad_version_needed_field_is_a_damaged_backup(demo, tmp_path, home):
    out = backup_engagement(demo, tmp_path / "b.zip").path
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_set_version_needed(out.read_bytes(), 109))  # "zip file version 10.9"
    before = sorted(p.name for p in home.iterdir())
    line = assert_one_line_error(invoke("restore", bad, "--as", "x"), "damaged backup, nothing restored")
    assert "unexpected" not in line
    assert sorted(p.name for p in home.iterdir()) == before


# --- item 11: private outputs, leftovers swept --------------------------------------------------------

@pytest.fixture
def open_umask():
    old = os.umask(0)
    yield
    os.umask(old)


def test_outputs_holding_client_data_are_0600_whatever_the_umask(demo, tmp_path, open_umask):
    outputs = [export_bundle(demo, tmp_path / "bundle.zip").path,
               export_requests(demo, tmp_path / "requests.xlsx").path,
               export_requests(demo, tmp_path / "requests.csv").path,
               backup_engagement(demo, tmp_path / "backup.zip").path]
    assert {p.name: p.stat().st_mode & 0o777 for p in outputs} == {p.name: 0o600 for p in outputs}


@pytest.mark.parametrize("name", ["bundle.zip", "requests.xlsx", "backup.zip"])
def test_a_killed_write_is_swept_by_the_next_but_a_live_one_is_not(demo, tmp_path, name):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    dead = tmp_path / f".tmp-{name}-0123456789ab"
    dead.write_bytes(b"half an export " * 1000)
    live = tmp_path / f".tmp-{name}-ba9876543210"
    live.write_bytes(b"being written")
    unrelated = tmp_path / ".tmp-other.zip-0123456789ab"
    unrelated.write_bytes(b"another output's")
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # what a writer in another process holds while it writes
    try:
        write = {"bundle.zip": export_bundle, "requests.xlsx": export_requests, "backup.zip": backup_engagement}
        write[name](demo, tmp_path / name)
    finally:
        os.close(fd)
    assert not dead.exists() and live.exists() and unrelated.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, live.name, unrelated.name])


# --- item 17: a closed pipe -------------------------------------------------------------------------

def test_a_reader_that_went_away_is_not_an_error(demo_home, demo):
    """`fieldwork status demo | head -1`: the read end closes before the CLI writes."""
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run([*CLI, "status", demo.slug], stdout=w, stderr=subprocess.PIPE, text=True,
                              env=cli_env(FIELDWORK_HOME=str(demo_home)), timeout=120)
    finally:
        os.close(w)
    assert (proc.returncode, proc.stderr) == (0, "")


# --- item 18: expansion and strays -----------------------------------------------------------------

def _with_member(src: Path, dst: Path, name: str, data: bytes, *, declared: int | None = None) -> Path:
    with zipfile.ZipFile(src) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    manifest["files"].append({"path": name, "size": len(data) if declared is None else declared,
                              "sha256": hashlib.sha256(data).hexdigest()})
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, d in {**members, name: data}.items():
            zout.writestr(n, d)
        zout.writestr("manifest.json", json.dumps(manifest))
    return dst


def test_a_member_expanding_beyond_its_declared_size_is_refused(demo, tmp_path, home):
    out = backup_engagement(demo, tmp_path / "b.zip").path
    bomb = _with_member(out, tmp_path / "bomb.zip", "vault/00/bomb", b"\0" * (4 << 20), declared=10)
    assert bomb.stat().st_size < out.stat().st_size + 64 * 1024  # 4 MB packed into a few KB
    before = sorted(p.name for p in home.iterdir())
    assert_one_line_error(invoke("restore", bomb, "--as", "x"), "damaged backup", "unpacks to", "declares 10")
    assert sorted(p.name for p in home.iterdir()) == before


def test_restore_refuses_what_the_disk_cannot_hold(demo, tmp_path, home, monkeypatch):
    import shutil

    import fieldwork_tui.services.maintenance.backup as backup

    out = backup_engagement(demo, tmp_path / "b.zip").path
    real = shutil.disk_usage
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda p: real(p)._replace(free=1 << 20))
    before = sorted(p.name for p in home.iterdir())
    assert_one_line_error(invoke("restore", out, "--as", "x"), "needs", "free", "nothing restored")
    assert sorted(p.name for p in home.iterdir()) == before


def test_check_names_vault_files_no_record_references(demo, tmp_path, home):
    out = backup_engagement(demo, tmp_path / "b.zip").path
    stray = _with_member(out, tmp_path / "stray.zip", "vault/zz/padding", b"\0" * (1 << 20))
    result = restore_engagement(home, stray, as_name="carried")
    handle = open_engagement(home, "carried")
    try:
        problems = check_engagement(handle).problems
    finally:
        handle.close()
    assert problems == [f"vault file zz/padding: no evidence record references it ({1 << 20} bytes; "
                        "not part of the engagement — remove it)"]
    assert result.root == home / "carried"
