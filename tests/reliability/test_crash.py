"""Crashes: the CLI killed with SIGKILL at random points (fixed seed) loses no committed row, leaves
the engagement openable and consistent, never leaves a partial file at a final path, and the next
open cleans its temporary files."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from .helpers import (
    assert_healthy,
    assert_ok,
    cli_env,
    control_rows,
    count,
    db_rows,
    popen_cli,
    run_cli,
    temp_files,
    write_controls_csv,
)

SEED = 20261120


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL `proc` after `delay` seconds; True if it was still running (really interrupted)."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def delays(n: int, low: float, high: float, salt: str) -> list[float]:
    rng = random.Random(f"{SEED}-{salt}")
    return [round(rng.uniform(low, high), 3) for _ in range(n)]


@pytest.fixture
def acme(engagement, tmp_path):
    """An engagement with ten committed controls that every crash must leave in place."""
    base = write_controls_csv(tmp_path / "base.csv", 10, prefix="BASE")
    from fieldwork_tui.services.controls.catalog import import_controls

    import_controls(engagement, base)
    engagement.close()
    return engagement


def _after_crash(root: Path) -> None:
    """What must hold after every kill: the engagement opens (cleaning temp files), is consistent,
    and the committed controls are there."""
    from fieldwork_tui.services.engagements import open_path

    handle = open_path(root)
    handle.close()
    assert temp_files(root) == []
    assert_healthy(root)
    assert db_rows(root / "fieldwork.db", "SELECT count(*) FROM control WHERE ref LIKE 'BASE-%'") == [(10,)]


def time_uninterrupted(*args) -> float:
    """How long a command takes on this machine now, so kill points fall inside it however fast it is
    (started as the killed runs are: `popen_cli`)."""
    start = time.monotonic()
    proc = popen_cli(*args)
    out, err = proc.communicate(timeout=300)
    assert_ok(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return time.monotonic() - start


def _versioned(tmp_path, rows: int, version: int) -> Path:
    """The matrix with every title changed: each import writes every row, so once one import has landed
    the next ones are full updates, not no-ops that finish before any kill point."""
    lines = control_rows(rows, "BIG")
    for line in lines:
        line[1] = f"{line[1]} v{version}"
    return write_controls_csv(tmp_path / f"big-v{version}.csv", rows=lines)


def _kill_import_repeatedly(acme, tmp_path, n: int, salt: str, rows: int) -> int:
    big = _versioned(tmp_path, rows, 0)
    assert_ok(run_cli("new", "Timing only"))
    took = time_uninterrupted("import", "controls", "timing-only", big)
    interrupted = 0
    for version, share in enumerate(delays(n, 0.1, 0.95, salt), start=1):
        started, delay = time.monotonic(), round(share * took, 3)
        proc = popen_cli("import", "controls", acme.slug, _versioned(tmp_path, rows, version))
        killed = kill_after(proc, delay)
        if not killed:  # it ended before the kill point (the machine got faster): the next points follow it
            took = time.monotonic() - started
        interrupted += killed
        _after_crash(acme.root)
        imported = db_rows(acme.db_path, "SELECT count(*) FROM control WHERE ref LIKE 'BIG-%'")[0][0]
        assert imported in (0, rows), f"partial import after kill at {delay}s: {imported} rows"
        titles = {t.rsplit(" v", 1)[-1] for (t,) in db_rows(acme.db_path,
                                                             "SELECT title FROM control WHERE ref LIKE 'BIG-%'")}
        assert len(titles) <= 1, f"a half-applied re-import after kill at {delay}s: versions {sorted(titles)}"
    # the engagement is still fully usable afterwards
    assert_ok(run_cli("import", "controls", acme.slug, big))
    assert count(acme.db_path, "control") == rows + 10
    return interrupted


def test_control_import_killed_at_random_points(acme, tmp_path):
    assert _kill_import_repeatedly(acme, tmp_path, 3, "import-fast", rows=1000) >= 1


@pytest.mark.slow
def test_control_import_killed_many_times(acme, tmp_path):
    assert _kill_import_repeatedly(acme, tmp_path, 12, "import-slow", rows=3000) >= 3


WRITER = textwrap.dedent("""
    import sys
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.services.controls.catalog import add_control
    handle = open_engagement(None, sys.argv[1])
    for i in range(100000):
        add_control(handle, f"{sys.argv[2]}-{i:06d}", f"committed {i}")
        print(f"{sys.argv[2]}-{i:06d}", flush=True)
""")


def _kill_writer(acme, n: int, salt: str) -> None:
    for round_no, delay in enumerate(delays(n, 0.5, 2.0, salt)):
        before = {r[0] for r in db_rows(acme.db_path, "SELECT ref FROM control")}
        proc = subprocess.Popen([sys.executable, "-u", "-c", WRITER, acme.slug, f"W{round_no}"], env=cli_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert kill_after(proc, delay), proc.stderr.read()
        acknowledged = set(proc.stdout.read().split())
        stored = {r[0] for r in db_rows(acme.db_path, "SELECT ref FROM control")}
        assert acknowledged <= stored, f"round {round_no}: committed rows lost: {sorted(acknowledged - stored)[:5]}"
        assert before <= stored
        _after_crash(acme.root)


def test_no_acknowledged_commit_is_lost_on_kill(acme):
    """A process that reports each commit is killed; every commit it reported is in the database."""
    _kill_writer(acme, 2, "writer-fast")


@pytest.mark.slow
def test_no_acknowledged_commit_is_lost_on_many_kills(acme):
    _kill_writer(acme, 8, "writer-slow")


def _attach_big_files(acme) -> None:
    """Four ~10 MB evidence files, stored and recorded as an attach does (a vault file without its
    record is a stray that `check` reports)."""
    from ..services.support import attach_file

    for i in range(4):
        attach_file(acme, "BASE-00000", f"big-{i}.bin", bytes(range(256)) * 40_000 + bytes([i]))
    acme.close()


def test_backup_killed_leaves_no_partial_archive(acme, tmp_path):
    _attach_big_files(acme)
    out = tmp_path / "out" / "b.zip"
    out.parent.mkdir()
    for delay in delays(3, 0.3, 1.5, "backup"):
        proc = popen_cli("backup", acme.slug, "-o", out)
        kill_after(proc, delay)
        if out.exists():  # only ever a complete archive at the final name
            with zipfile.ZipFile(out) as zf:
                assert zf.testzip() is None
        _after_crash(acme.root)
    assert_ok(run_cli("backup", acme.slug, "-o", out))
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.zip"]  # stale temp archives removed


@pytest.mark.slow
def test_restore_killed_leaves_no_partial_engagement(acme, tmp_path, home):
    _attach_big_files(acme)
    out = tmp_path / "b.zip"
    assert_ok(run_cli("backup", acme.slug, "-o", out))
    for delay in delays(3, 0.3, 1.5, "restore"):
        proc = popen_cli("restore", out, "--as", "copy")
        finished = not kill_after(proc, delay)
        copy = home / "copy"
        if copy.exists():  # only ever complete and verified at the final name
            assert finished or (copy / "fieldwork.db").exists()
            assert_healthy(copy)
            run_cli("list")  # harmless
            import shutil

            shutil.rmtree(copy)
        listed = run_cli("list").stdout
        assert ".tmp-" not in listed
    assert_ok(run_cli("restore", out, "--as", "copy"))
    assert sorted(p.name for p in home.iterdir() if p.name != ".anchors") == sorted([acme.slug, "copy"])
    assert_healthy(home / "copy")


def test_temp_files_are_cleaned_on_next_open(acme):
    leftovers = [acme.root / ".tmp-export-123", acme.vault_path / ".tmp-attach-9", acme.root / ".tmp-backup-1.db"]
    (acme.vault_path / "tmp").mkdir(exist_ok=True)
    leftovers.append(acme.vault_path / "tmp" / ".tmp-chunk")
    for p in leftovers:
        p.write_bytes(b"partial")
    keep = acme.vault_path / "cc" / "keep"
    keep.parent.mkdir()
    keep.write_bytes(b"evidence")
    assert_ok(run_cli("status", acme.slug))
    assert [p for p in leftovers if p.exists()] == []
    assert keep.read_bytes() == b"evidence"


def test_killed_while_holding_the_write_lock(acme, tmp_path):
    """A process killed in the middle of a write transaction: SQLite rolls it back on the next open,
    the lock is released, and another writer proceeds at once."""
    script = textwrap.dedent("""
        import signal, sys
        from fieldwork_tui.services.engagements import open_engagement
        from fieldwork_tui.store.models import Control
        handle = open_engagement(None, sys.argv[1])
        with handle.session() as s:
            s.add(Control(ref="HALF-1", title="never committed"))
            s.flush()
            print("locked", flush=True)
            signal.pause()  # holds the lock until the test kills it
    """)
    proc = subprocess.Popen([sys.executable, "-u", "-c", script, acme.slug], env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the lock died with the process: the next writer is not refused as busy
    assert_ok(run_cli("import", "controls", acme.slug, write_controls_csv(tmp_path / "x.csv", 2, "AFTER")))
    assert db_rows(acme.db_path, "SELECT count(*) FROM control WHERE ref='HALF-1'") == [(0,)]
    _after_crash(acme.root)


def _kill_request_import(acme, tmp_path, n: int, salt: str) -> None:
    from .test_exports import _pbc_csv

    pbc = _pbc_csv(tmp_path / "pbc.csv", 1500)
    for delay in delays(n, 0.3, 3.0, salt):
        proc = popen_cli("import", "requests", acme.slug, pbc)
        kill_after(proc, delay)
        _after_crash(acme.root)
        assert count(acme.db_path, "evidencerequest") in (0, 1500)
    assert_ok(run_cli("import", "requests", acme.slug, pbc))
    assert count(acme.db_path, "evidencerequest") == 1500


def test_request_import_killed_at_random_points(acme, tmp_path):
    _kill_request_import(acme, tmp_path, 2, "requests-fast")


@pytest.mark.slow
def test_request_import_killed_many_times(acme, tmp_path):
    _kill_request_import(acme, tmp_path, 8, "requests-slow")
