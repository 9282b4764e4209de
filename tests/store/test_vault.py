"""The evidence vault: one streaming pass, content addressing, temp-then-rename, clear refusals."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from fieldwork_tui.store import vault as vault_mod
from fieldwork_tui.store.vault import Cancelled, Vault, VaultError


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_store_hashes_copies_and_makes_blob_read_only(vault: Vault, tmp_path: Path) -> None:
    data = os.urandom(3 * vault_mod.CHUNK + 123)  # several chunks and a partial one
    src = _write(tmp_path / "report.pdf", data)
    blob = vault.store(src)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data) and blob.new
    assert blob.path == vault.root / blob.sha256[:2] / blob.sha256
    assert blob.path.read_bytes() == data
    assert stat.S_IMODE(blob.path.stat().st_mode) == 0o400
    assert not [p for p in vault.root.iterdir() if p.name.startswith(".tmp-")]
    assert vault.verify(blob.sha256)


def test_same_content_is_stored_once(vault: Vault, tmp_path: Path) -> None:
    a = vault.store(_write(tmp_path / "a.txt", b"same bytes"))
    b = vault.store(_write(tmp_path / "b.txt", b"same bytes"))
    assert a.sha256 == b.sha256 and a.new and not b.new
    assert len([p for p in vault.root.glob("??/*") if p.is_file()]) == 1


def test_empty_file(vault: Vault, tmp_path: Path) -> None:
    blob = vault.store(_write(tmp_path / "empty.txt", b""))
    assert blob.sha256 == hashlib.sha256(b"").hexdigest() and blob.size == 0


def test_progress_reaches_the_total(vault: Vault, tmp_path: Path) -> None:
    data = os.urandom(2 * vault_mod.CHUNK + 5)
    seen: list[tuple[int, int]] = []
    vault.store(_write(tmp_path / "x.bin", data), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(data), len(data))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_fifo_is_refused_without_hanging(vault: Vault, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # no writer: a blocking open would hang forever
    with pytest.raises(VaultError, match="FIFO"):
        vault.store(fifo)


def test_device_and_folder_are_refused(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="device"):
        vault.store("/dev/null")
    with pytest.raises(VaultError, match="folder"):
        vault.store(tmp_path)


def test_missing_file(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="not found"):
        vault.store(tmp_path / "gone.pdf")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(vault: Vault, tmp_path: Path) -> None:
    src = _write(tmp_path / "secret.txt", b"x")
    src.chmod(0)
    with pytest.raises(VaultError, match="permission denied"):
        vault.store(src)


def test_read_error_mid_copy_leaves_nothing(vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _write(tmp_path / "big.bin", os.urandom(3 * vault_mod.CHUNK))
    real_read = os.read
    calls = {"n": 0}

    def flaky(fd: int, n: int) -> bytes:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(5, "Input/output error")
        return real_read(fd, n)

    monkeypatch.setattr(vault_mod.os, "read", flaky)
    with pytest.raises(VaultError, match="Input/output error"):
        vault.store(src)
    assert not [p for p in vault.root.rglob("*") if p.is_file()]


def test_write_error_disk_full_leaves_nothing(vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _write(tmp_path / "big.bin", os.urandom(3 * vault_mod.CHUNK))

    def full(fd: int, data) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vault_mod.os, "write", full)
    with pytest.raises(VaultError, match="disk full"):
        vault.store(src)
    assert not [p for p in vault.root.rglob("*") if p.is_file()]


def test_cancel_removes_the_temp_file(vault: Vault, tmp_path: Path) -> None:
    src = _write(tmp_path / "big.bin", os.urandom(4 * vault_mod.CHUNK))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        vault.store(src, cancel=cancel)
    assert not [p for p in vault.root.rglob("*") if p.is_file()]


def test_file_that_changes_while_copied_is_refused(vault: Vault, tmp_path: Path) -> None:
    src = _write(tmp_path / "growing.log", b"a" * (2 * vault_mod.CHUNK))

    def grow(done: int, total: int) -> None:
        if done == vault_mod.CHUNK:
            with open(src, "ab") as fh:
                fh.write(b"more")

    with pytest.raises(VaultError, match="changed while"):
        vault.store(src, progress=grow)
    assert not [p for p in vault.root.rglob("*") if p.is_file()]


def test_verify_detects_alteration(vault: Vault, tmp_path: Path) -> None:
    blob = vault.store(_write(tmp_path / "a.txt", b"original"))
    blob.path.chmod(0o600)
    blob.path.write_bytes(b"altered")
    assert not vault.verify(blob.sha256)
    assert not vault.verify("0" * 64)


def test_path_for_rejects_non_hashes(vault: Vault) -> None:
    with pytest.raises(VaultError):
        vault.path_for("../../etc/passwd")


# -- one pass for a reader: the intake ------------------------------------------------------------------
def test_an_intake_stores_what_a_reader_reads_and_the_rest(vault: Vault, tmp_path: Path) -> None:
    import io

    data = b"".join(f"line {i}\n".encode() for i in range(200_000))  # > one chunk
    src = _write(tmp_path / "rows.csv", data)
    with vault.intake(src) as intake:
        reader = io.TextIOWrapper(io.BufferedReader(intake, 1 << 16), encoding="utf-8", newline="")
        assert reader.readline() == "line 0\n"
        del reader  # a wrapper closing its stream leaves the copy to finish()
        blob = intake.finish()
    assert blob.new and blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.path.read_bytes() == data
    assert [p.name for p in vault.root.rglob(".tmp-*")] == []


def test_an_intake_left_unfinished_leaves_nothing(vault: Vault, tmp_path: Path) -> None:
    src = _write(tmp_path / "x.csv", os.urandom(3 * vault_mod.CHUNK))
    with pytest.raises(RuntimeError), vault.intake(src) as intake:
        intake.read(100)
        raise RuntimeError("the parser found a bad row")
    assert not [p for p in vault.root.rglob("*") if p.is_file()]


def test_an_intake_without_keep_only_hashes(vault: Vault, tmp_path: Path) -> None:
    data = os.urandom(vault_mod.CHUNK + 5)
    with vault.intake(_write(tmp_path / "x.bin", data), keep=False) as intake:
        blob = intake.finish()
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and not blob.new
    assert not vault.root.exists() or not [p for p in vault.root.rglob("*") if p.is_file()]


def test_cancel_while_copying_stops_at_the_next_chunk_and_removes_the_copy(vault: Vault, tmp_path: Path) -> None:
    src = _write(tmp_path / "big.bin", os.urandom(6 * vault_mod.CHUNK))
    cancel = threading.Event()
    seen: list[int] = []

    def on_chunk(done: int, total: int) -> None:
        seen.append(done)
        if done >= 2 * vault_mod.CHUNK:
            cancel.set()  # the user pressed escape while the copy runs

    with pytest.raises(Cancelled):
        vault.store(src, progress=on_chunk, cancel=cancel)
    assert seen[-1] == 2 * vault_mod.CHUNK
    assert not [p for p in vault.root.rglob("*") if p.is_file()]


def test_the_copy_is_fsynced_once(vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _write(tmp_path / "big.bin", os.urandom(40 * vault_mod.CHUNK))
    calls: list[int] = []
    real = os.fsync
    monkeypatch.setattr(vault_mod.os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    monkeypatch.setattr(vault_mod, "fsync_dir", lambda path: None)
    vault.store(src)
    assert len(calls) == 1


# --- a blob placed before its record was committed ---------------------------------------------------

def test_a_new_blob_is_marked_pending_until_resolved(vault: Vault, tmp_path: Path) -> None:
    blob = vault.store(_write(tmp_path / "a.csv", b"a,b\n"))
    assert vault.pending() == [blob.sha256]
    again = vault.store(_write(tmp_path / "copy.csv", b"a,b\n"))  # already in place: nothing new to mark
    assert not again.new and vault.pending() == [blob.sha256]
    assert vault.resolve_pending(lambda shas: set(shas)) == []  # its record was committed: kept
    assert vault.has(blob.sha256) and vault.pending() == []


def test_resolving_removes_a_pending_blob_no_record_references(vault: Vault, tmp_path: Path) -> None:
    kept = vault.store(_write(tmp_path / "kept.pdf", b"kept"))
    lost = vault.store(_write(tmp_path / "lost.csv", b"lost"))
    assert vault.resolve_pending(lambda shas: {kept.sha256} & set(shas)) == [lost.sha256]
    assert vault.has(kept.sha256) and not vault.has(lost.sha256) and vault.pending() == []


def test_removing_a_rolled_back_blob_drops_its_marker(vault: Vault, tmp_path: Path) -> None:
    blob = vault.store(_write(tmp_path / "a.csv", b"x"))
    vault.remove(blob.sha256)
    assert vault.pending() == []


def test_an_import_killed_before_its_commit_leaves_no_stray_vault_file(engagement, home, tmp_path) -> None:
    """The population import places the client's file in the vault, then commits its rows and record; a
    kill between the two left a file `fieldwork check` called a stray. The next open removes it."""
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.services.maintenance.check import check_engagement

    placed = engagement.vault().store(_write(tmp_path / "pop.csv", b"Change ID\nCHG-1\n"))  # no record: as if killed
    slug = engagement.slug
    engagement.close()
    handle = open_engagement(home, slug)
    try:
        assert check_engagement(handle).problems == []
        assert not Vault(handle.vault_path).has(placed.sha256)
    finally:
        handle.close()


def test_a_pending_blob_is_kept_while_another_process_has_the_engagement_open(engagement, home, tmp_path) -> None:
    """Only an opener alone with the engagement resolves: another one may be about to commit the record."""
    from fieldwork_tui.services.engagements import open_engagement

    placed = engagement.vault().store(_write(tmp_path / "pop.csv", b"Change ID\nCHG-1\n"))
    second = open_engagement(home, engagement.slug)  # `engagement` still open: not alone
    try:
        assert Vault(second.vault_path).has(placed.sha256) and Vault(second.vault_path).pending() == [placed.sha256]
    finally:
        second.close()


def test_a_commit_that_records_the_blob_drops_its_marker(demo, tmp_path) -> None:
    from fieldwork_tui.services.evidence.files import attach

    placed = Vault(demo.vault_path)
    attach(demo, "AC-01", [_write(tmp_path / "policy.pdf", b"%PDF-1.4 policy")])
    assert placed.pending() == [] and not list(placed.root.glob(".tmp-*"))
