"""Backup and restore: a laptop's engagement can be carried safely, and a damaged or tampered
archive is refused before anything is moved into place."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest

from .helpers import (
    assert_healthy,
    assert_one_line_error,
    assert_private,
    count,
    db_rows,
    invoke,
    snapshot_tree,
    write_controls_csv,
)

TABLES_SKIPPED = {"alembic_version", "journalentry"}


def _tables(db: Path) -> list[str]:
    return [r[0] for r in db_rows(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if r[0] not in TABLES_SKIPPED and not r[0].startswith("sqlite_")]


def _dump(db: Path) -> dict[str, list[tuple]]:
    return {t: db_rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in _tables(db)}


def _backup(demo, out: Path) -> Path:
    proc = invoke("backup", demo.slug, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "backup written" in proc.stdout
    return out


def test_round_trip_restores_every_row_and_file(demo, vault_files, tmp_path, home):
    (tmp_path / "carry").mkdir()
    out = _backup(demo, tmp_path / "carry" / "lumen.zip")
    assert out.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    listed = {e["path"] for e in manifest["files"]}
    on_disk = {p.relative_to(demo.root).as_posix() for p in demo.vault_path.rglob("*") if p.is_file()}
    assert set(vault_files) <= on_disk
    assert listed == {"fieldwork.db", *on_disk}

    proc = invoke("restore", out, "--as", "Lumen copy")
    assert proc.returncode == 0, proc.stderr
    copy = home / "lumen-copy"
    assert _dump(copy / "fieldwork.db") == _dump(demo.db_path)
    for rel, data in vault_files.items():
        assert (copy / rel).read_bytes() == data
    # the journal carries everything it had, plus one entry recording the restore
    before = count(demo.db_path, "journalentry")
    assert count(copy / "fieldwork.db", "journalentry") == before + 1
    assert db_rows(copy / "fieldwork.db", "SELECT action FROM journalentry ORDER BY id DESC LIMIT 1") == [("restore",)]
    assert_private(copy)
    assert_healthy(copy)
    assert not list(home.glob(".tmp-*"))


def test_restore_refuses_to_overwrite_unless_forced(demo, vault_files, tmp_path, home):
    out = _backup(demo, tmp_path / "b.zip")
    before = snapshot_tree(demo.root)
    line = assert_one_line_error(invoke("restore", out), "already exists", "--force")
    assert demo.slug in line
    assert snapshot_tree(demo.root) == before

    # change the live engagement, then put the backup back over it
    write_controls_csv(tmp_path / "c.csv", 3, prefix="NEW")
    assert invoke("import", "controls", demo.slug, tmp_path / "c.csv").returncode == 0
    assert db_rows(demo.db_path, "SELECT count(*) FROM control WHERE ref LIKE 'NEW-%'") == [(3,)]
    demo.close()
    proc = invoke("restore", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert "replaced" in proc.stdout
    assert db_rows(demo.db_path, "SELECT count(*) FROM control WHERE ref LIKE 'NEW-%'") == [(0,)]
    assert_healthy(demo.root)
    assert sorted(p.name for p in home.iterdir() if p.name != ".anchors") == [demo.slug]


def _rewrite(src: Path, dst: Path, *, change: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
             drop: tuple[str, ...] = (), manifest: dict | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name in drop:
                continue
            data = zin.read(name)
            if name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            zout.writestr(name, (change or {}).get(name, data))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


@pytest.fixture
def archive(demo, vault_files, tmp_path) -> Path:
    out = _backup(demo, tmp_path / "b.zip")
    demo.close()
    return out


def _manifest(archive: Path) -> dict:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("manifest.json"))


def _assert_nothing_restored(home: Path, before: list[str]) -> None:
    assert sorted(p.name for p in home.iterdir()) == before


def test_tampered_evidence_is_refused_before_anything_moves(archive, vault_files, tmp_path, home):
    before = sorted(p.name for p in home.iterdir())
    victim = next(k for k, v in vault_files.items() if len(v) > 100)
    bad = _rewrite(archive, tmp_path / "bad.zip", change={victim: b"altered" + vault_files[victim][7:]})
    assert_one_line_error(invoke("restore", bad, "--as", "x"), "SHA-256", victim)
    _assert_nothing_restored(home, before)


def test_tampered_database_is_refused(archive, tmp_path, home):
    before = sorted(p.name for p in home.iterdir())
    with zipfile.ZipFile(archive) as zf:
        db = bytearray(zf.read("fieldwork.db"))
    db[5000] ^= 0xFF
    bad = _rewrite(archive, tmp_path / "bad.zip", change={"fieldwork.db": bytes(db)})
    assert_one_line_error(invoke("restore", bad, "--as", "x"), "fieldwork.db", "SHA-256")
    _assert_nothing_restored(home, before)


@pytest.mark.parametrize("evil", ["../escaped.txt", "/tmp/absolute.txt", "vault/../../escaped.txt",
                                  "vault/ok\nname", "C:/windows.txt", "vault\\..\\x"])
def test_unsafe_member_names_are_refused(archive, tmp_path, home, evil):
    before = sorted(p.name for p in home.iterdir())
    m = _manifest(archive)
    m["files"].append({"path": evil, "size": 4, "sha256": hashlib.sha256(b"evil").hexdigest()})
    bad = _rewrite(archive, tmp_path / "bad.zip", add={evil: b"evil"}, manifest=m)
    assert_one_line_error(invoke("restore", bad, "--as", "x"), "unsafe file name")
    _assert_nothing_restored(home, before)
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/absolute.txt").exists()


def test_member_missing_from_manifest_or_archive(archive, tmp_path, home):
    extra = _rewrite(archive, tmp_path / "extra.zip", add={"vault/zz/planted": b"x"})
    assert_one_line_error(invoke("restore", extra, "--as", "x"), "not in the backup's manifest")
    m = _manifest(archive)
    victim = next(e["path"] for e in m["files"] if e["path"].startswith("vault/"))
    missing = _rewrite(archive, tmp_path / "missing.zip", drop=(victim,))
    assert_one_line_error(invoke("restore", missing, "--as", "x"), "missing")
    nomanifest = _rewrite(archive, tmp_path / "nomanifest.zip", drop=("manifest.json",))
    assert_one_line_error(invoke("restore", nomanifest, "--as", "x"), "not a fieldwork backup")
    assert not (home / "x").exists()


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"not a zip at all", None])
def test_broken_archives_give_one_line(archive, tmp_path, home, content):
    bad = tmp_path / "broken.zip"
    if content is None:  # truncated half-way
        data = archive.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    else:
        bad.write_bytes(content)
    before = sorted(p.name for p in home.iterdir())
    assert_one_line_error(invoke("restore", bad, "--as", "x"), str(bad.name))
    _assert_nothing_restored(home, before)


def test_restore_of_corrupt_database_is_refused(archive, tmp_path, home):
    """An archive whose database is damaged but whose manifest was rewritten to match: the database
    check still refuses it, and nothing is left behind."""
    with zipfile.ZipFile(archive) as zf:
        db = bytearray(zf.read("fieldwork.db"))
    db[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page
    m = _manifest(archive)
    for e in m["files"]:
        if e["path"] == "fieldwork.db":
            e["sha256"], e["size"] = hashlib.sha256(bytes(db)).hexdigest(), len(db)
    bad = _rewrite(archive, tmp_path / "bad.zip", change={"fieldwork.db": bytes(db)}, manifest=m)
    before = sorted(p.name for p in home.iterdir())
    assert_one_line_error(invoke("restore", bad, "--as", "x"), "cannot be opened")
    _assert_nothing_restored(home, before)


def test_backup_output_checks(demo, tmp_path):
    assert_one_line_error(invoke("backup", demo.slug, "-o", tmp_path), "is a folder")
    assert_one_line_error(invoke("backup", demo.slug, "-o", tmp_path / "no" / "such" / "b.zip"), "folder not found")
    assert_one_line_error(invoke("backup", demo.slug, "-o", demo.vault_path / "b.zip"), "outside the engagement")
    assert_one_line_error(invoke("backup", "no-such-engagement", "-o", tmp_path / "b.zip"), "not found")


def test_backup_replaces_an_existing_file_atomically(demo, tmp_path):
    out = tmp_path / "b.zip"
    out.write_bytes(b"old backup")
    _backup(demo, out)
    assert zipfile.is_zipfile(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []
    assert not [p for p in demo.root.iterdir() if p.name.startswith(".tmp-")]


def test_backup_is_consistent_while_another_process_writes(demo, tmp_path):
    """The online backup API copies a consistent snapshot even while a second connection commits."""
    import threading

    from fieldwork_tui.services.controls.catalog import add_control
    from fieldwork_tui.services.maintenance.backup import backup_engagement

    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            add_control(demo, f"W-{i}", f"written during backup {i}")
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        results = [backup_engagement(demo, tmp_path / f"b{i}.zip") for i in range(3)]
    finally:
        stop.set()
        t.join()
    for r in results:
        with zipfile.ZipFile(r.path) as zf:
            (tmp_path / "x.db").write_bytes(zf.read("fieldwork.db"))
        db = tmp_path / "x.db"
        assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
        from .helpers import journal_problems

        assert journal_problems(db) == []
        # every control written before the snapshot has its journal entry in the same snapshot
        refs = {r[0] for r in db_rows(db, "SELECT id FROM control")}
        journaled = {int(r[0]) for r in db_rows(db, "SELECT entity_id FROM journalentry WHERE entity='control' "
                                                    "AND action='create'")}
        assert refs <= journaled


def test_backup_fails_cleanly_when_the_disk_is_full(demo, vault_files, tiny_fs):
    big = demo.vault_path / "ff" / ("f" * 64)
    big.parent.mkdir(exist_ok=True)
    big.write_bytes(os.urandom(3 * 1024 * 1024))  # incompressible, larger than the 2 MB disk
    line = assert_one_line_error(invoke("backup", demo.slug, "-o", tiny_fs / "b.zip"), "disk full")
    assert "\n" not in line
    assert list(tiny_fs.iterdir()) == []


def test_backup_fails_cleanly_on_write_error(demo, vault_files, tmp_path, monkeypatch):
    """Where no tmpfs can be mounted: the same failure injected into the archive writer."""
    import errno

    import fieldwork_tui.services.maintenance.backup as backup

    real = backup._copy_into
    calls = []

    def failing(zf, arcname, src, *, compress):
        calls.append(arcname)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "b.zip"))
        return real(zf, arcname, src, compress=compress)

    monkeypatch.setattr(backup, "_copy_into", failing)
    assert_one_line_error(invoke("backup", demo.slug, "-o", tmp_path / "b.zip"), "disk full")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".zip" or p.name.startswith(".tmp-")) == []
    assert not [p for p in demo.root.iterdir() if p.name.startswith(".tmp-")]


def test_restore_fails_cleanly_when_the_disk_is_full(demo, tmp_path, tiny_fs, monkeypatch):
    big = demo.vault_path / "ee" / ("e" * 64)
    big.parent.mkdir(exist_ok=True)
    big.write_bytes(os.urandom(3 * 1024 * 1024))
    out = _backup(demo, tmp_path / "b.zip")
    monkeypatch.setenv("FIELDWORK_HOME", str(tiny_fs / "home"))
    assert_one_line_error(invoke("restore", out), "disk full")
    assert [p.name for p in (tiny_fs / "home").iterdir()] == []


def test_interrupted_restore_is_recovered(demo, tmp_path, home):
    """A restore killed between moving the old engagement aside and moving the new one in: the next
    restore puts the old engagement back under its name and deletes the staging folder."""
    out = _backup(demo, tmp_path / "b.zip")
    demo.close()
    before = snapshot_tree(demo.root)
    aside = home / f".tmp-replaced-{demo.slug}-0123abcd"
    os.rename(demo.root, aside)
    (home / ".tmp-restore-deadbeef0000").mkdir()
    proc = invoke("restore", out, "--as", "other")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in home.iterdir() if p.name != ".anchors") == sorted([demo.slug, "other"])
    assert snapshot_tree(demo.root) == before
    assert invoke("list").stdout.count("\n") == 2


def test_staging_folders_are_never_listed_as_engagements(demo, home):
    import shutil

    shutil.copytree(demo.root, home / ".tmp-restore-0000")
    proc = invoke("list", "--json")
    assert [e["slug"] for e in json.loads(proc.stdout)] == [demo.slug]


def test_open_backs_up_before_migrating(engagement, monkeypatch):
    """Opening a database of an older schema copies it aside (online backup) before migrating."""
    from alembic import command as alembic_command

    from fieldwork_tui.store import db

    engagement.close()
    path = engagement.db_path
    original = path.read_bytes()
    real_head = db.head_revision()
    monkeypatch.setattr(db, "head_revision", lambda: "9999_next")
    monkeypatch.setattr(db, "known_revisions", lambda: {real_head, "9999_next"})
    monkeypatch.setattr(alembic_command, "upgrade", lambda cfg, rev: None)
    db.open_database(path).dispose()
    bak = path.with_name(f"{path.name}.before-9999_next.bak")
    assert bak.exists() and bak.stat().st_mode & 0o777 == 0o600
    conn = sqlite3.connect(bak)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (real_head,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert len(original) > 0


def test_archive_is_readable_by_standard_tools(demo, vault_files, tmp_path):
    out = _backup(demo, tmp_path / "b.zip")
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert "manifest.json" in zf.namelist()
    assert io.BytesIO(out.read_bytes()).read(2) == b"PK"


def test_restore_refuses_to_replace_an_engagement_in_use(demo, tmp_path, home):
    """The app (or any process) holding the engagement open would keep writing into the folder being
    replaced and lose everything after: restore --force refuses until it is closed."""
    out = _backup(demo, tmp_path / "b.zip")
    before = snapshot_tree(demo.root)
    line = assert_one_line_error(invoke("restore", out, "--force"), "open in another fieldwork process")
    assert snapshot_tree(demo.root) == before
    assert not list(home.glob(".tmp-*"))
    demo.close()
    assert invoke("restore", out, "--force").returncode == 0
    assert line
