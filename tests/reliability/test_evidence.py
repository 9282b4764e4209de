"""Evidence: an attach killed half-way or out of disk never lists a partial file; hostile file names
and special files are handled in one line; interview notes survive a killed app but for the last second."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .helpers import (
    assert_healthy,
    assert_ok,
    assert_one_line_error,
    cli_env,
    count,
    db_rows,
    invoke,
    popen_cli,
    run_cli,
    temp_files,
    write_controls_csv,
)
from .test_crash import delays, kill_after

MB = 1 << 20


@pytest.fixture
def acme(engagement, tmp_path):
    from fieldwork_tui.services.controls.catalog import import_controls

    import_controls(engagement, write_controls_csv(tmp_path / "c.csv", 3, prefix="AC"))
    engagement.close()
    return engagement


def _vault_blobs(root: Path) -> dict[str, Path]:
    return {p.name: p for p in (root / "vault").rglob("*") if p.is_file() and not p.name.startswith(".tmp-")}


def _assert_evidence_consistent(root: Path) -> None:
    """Every evidence row has its complete blob in the vault (hash re-computed), nothing temporary left."""
    from fieldwork_tui.services.engagements import open_path

    open_path(root).close()  # the next open sweeps temp files
    assert temp_files(root) == []
    blobs = _vault_blobs(root)
    for sha, size in db_rows(root / "fieldwork.db", "SELECT sha256, size FROM evidencefile"):
        assert sha in blobs, f"evidence {sha[:12]} listed but not in the vault"
        data = blobs[sha].read_bytes()
        assert len(data) == size and hashlib.sha256(data).hexdigest() == sha
    assert_healthy(root)


def _big_file(path: Path, size: int) -> Path:
    """Mostly sparse (cheap to create) but not all zeros, so a partial copy has a different hash."""
    with open(path, "wb") as fh:
        fh.write(os.urandom(MB))
        fh.truncate(size - MB)
        fh.seek(size - MB)
        fh.write(os.urandom(MB))
    return path


def _kill_attach(acme, tmp_path, n: int, salt: str, size: int) -> None:
    big = _big_file(tmp_path / "export.bin", size)
    for delay in delays(n, 0.4, 2.5, salt):
        proc = popen_cli("attach", acme.slug, "AC-00000", big)
        kill_after(proc, delay)
        _assert_evidence_consistent(acme.root)
        assert count(acme.db_path, "evidencefile") in (0, 1)
    assert_ok(run_cli("attach", acme.slug, "AC-00000", big))
    assert count(acme.db_path, "evidencefile") == 1
    _assert_evidence_consistent(acme.root)


def test_attach_of_a_large_file_killed_at_random_points(acme, tmp_path):
    _kill_attach(acme, tmp_path, 2, "attach-fast", 200 * MB)


@pytest.mark.slow
def test_attach_of_a_1gb_file_killed_many_times(acme, tmp_path):
    _kill_attach(acme, tmp_path, 8, "attach-slow", 1024 * MB)


def test_attach_on_a_full_disk_fails_cleanly(tiny_fs, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDWORK_HOME", str(tiny_fs / "home"))
    assert_ok(invoke("new", "Acme"))
    root = tiny_fs / "home" / "acme"
    assert_ok(invoke("import", "controls", "acme", write_controls_csv(tmp_path / "c.csv", 2, prefix="AC")))
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * MB))
    line = assert_one_line_error(run_cli("attach", "acme", "AC-00000", big), "big.bin")
    assert "disk" in line.lower() or "space" in line.lower(), line
    assert count(root / "fieldwork.db", "evidencefile") == 0
    assert _vault_blobs(root) == {}
    _assert_evidence_consistent(root)


@pytest.mark.parametrize("name", ["evil\nname.pdf", "red\x1b[31mALERT.txt", "bell\x07.txt", "..", "...pdf",
                                  "-rf.txt", "  spaced  .txt", "\u202eexe.txt"])
def test_hostile_file_names_are_stored_and_shown_safely(acme, tmp_path, name):
    folder = tmp_path / "in"
    folder.mkdir()
    p = folder / (name if name != ".." else "dotdot..")
    p.write_bytes(b"evidence body " + name.encode())
    proc = run_cli("attach", acme.slug, "AC-00000", "--", p)
    assert_ok(proc)
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout, repr(proc.stdout)
    assert proc.stdout.count("\n") == 2, repr(proc.stdout)  # one line per file, one summary line
    stored = db_rows(acme.db_path, "SELECT original_name FROM evidencefile")
    assert len(stored) == 1
    _assert_evidence_consistent(acme.root)


def test_paths_with_dotdot_and_absolute_are_just_paths(acme, tmp_path):
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (tmp_path / "up.txt").write_bytes(b"one level up")
    proc = subprocess.run([sys.executable, "-m", "fieldwork_tui", "attach", acme.slug, "AC-00000", "../../up.txt",
                           str((tmp_path / "up.txt").absolute())], cwd=sub, env=cli_env(), capture_output=True,
                          text=True)
    assert_ok(proc)
    assert db_rows(acme.db_path, "SELECT count(DISTINCT sha256) FROM evidencefile") == [(1,)]
    # the vault never uses the original name as a path: a name cannot escape the vault
    for blob in _vault_blobs(acme.root).values():
        assert blob.resolve().is_relative_to(acme.vault_path.resolve())


def test_special_files_are_refused_without_hanging(acme, tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    assert_one_line_error(run_cli("attach", acme.slug, "AC-00000", fifo, timeout=60), "pipe.pdf")
    assert_one_line_error(run_cli("attach", acme.slug, "AC-00000", "/dev/zero", timeout=60), "/dev/zero")
    dangling = tmp_path / "gone.pdf"
    dangling.symlink_to(tmp_path / "nowhere.pdf")
    assert_one_line_error(run_cli("attach", acme.slug, "AC-00000", dangling), "gone.pdf")
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    assert_one_line_error(run_cli("attach", acme.slug, "AC-00000", loop), "loop.pdf")
    assert count(acme.db_path, "evidencefile") == 0


def test_folder_with_a_symlink_loop_and_a_fifo(acme, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "good.txt").write_bytes(b"good")
    (folder / "loop").symlink_to(folder)
    os.mkfifo(folder / "pipe")
    proc = run_cli("attach", acme.slug, "AC-00000", folder, timeout=120)
    if proc.returncode:
        assert_one_line_error(proc)
        assert count(acme.db_path, "evidencefile") == 0
    else:
        assert "Traceback" not in proc.stderr
        assert count(acme.db_path, "evidencefile") >= 1
    _assert_evidence_consistent(acme.root)


def test_unreadable_file_injected(acme, tmp_path, monkeypatch):
    """Root reads anything, so the refusal is injected at the open (chmod 000 tested where not root)."""
    import fieldwork_tui.store.vault as vault

    p = tmp_path / "secret.pdf"
    p.write_bytes(b"x")
    real = os.open

    def denied(path, flags, *a, **kw):
        if Path(os.fsdecode(path)) == p:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, *a, **kw)

    monkeypatch.setattr(vault.os, "open", denied)
    assert_one_line_error(invoke("attach", acme.slug, "AC-00000", p), "secret.pdf", "permission")
    monkeypatch.undo()
    assert count(acme.db_path, "evidencefile") == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; the injected test covers it")
def test_unreadable_file(acme, tmp_path):
    p = tmp_path / "secret.pdf"
    p.write_bytes(b"x")
    p.chmod(0)
    assert_one_line_error(run_cli("attach", acme.slug, "AC-00000", p), "secret.pdf")


def test_vault_files_are_private(acme, tmp_path):
    p = tmp_path / "e.txt"
    p.write_bytes(b"confidential")
    assert_ok(run_cli("attach", acme.slug, "AC-00000", p))
    from .helpers import assert_private

    assert_private(acme.root)


# --- interview notes: the app killed while typing --------------------------------------------------

TYPIST = textwrap.dedent("""
    import asyncio, json, sys, time
    sys.path.insert(0, sys.argv[3])  # the project folder: the Pilot tests' one way to wait
    from fieldwork_tui.tui.app import create_app
    from tests.tui.support import settle

    TEXT = sys.argv[2]
    KEY_INTERVAL = 0.04

    async def main():
        app = create_app(None, sys.argv[1])
        async with app.run_test(size=(130, 40)) as pilot:
            await pilot.press("4")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            print(json.dumps(["screen", type(app.screen).__name__]), flush=True)
            typed = ""
            for ch in TEXT:
                await pilot.press("space" if ch == " " else ch)
                typed += ch
                print(json.dumps([time.monotonic(), typed]), flush=True)
                await pilot.pause(KEY_INTERVAL)  # a typist's pace (the workload), not a wait for anything
            await asyncio.Event().wait()  # idle until the test kills the process

    asyncio.run(main())
""")

NOTES = ("the access review is performed quarterly by the it manager who exports the user list from okta and "
         "compares it with the hr roster then tickets every leaver for removal within five days")


def _type_and_kill(acme, keystrokes: int) -> None:
    """Kill the app once it reports `keystrokes` characters typed (an event, not a timer)."""
    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.evidence.interviews import create_interview

    h = open_path(acme.root)
    try:
        iv = create_interview(h, "Dana Ito", role="IT manager", topic="Access reviews")
    finally:
        h.close()
    project = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-u", "-c", TYPIST, acme.slug, NOTES, project], env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:  # the typist died before it reached the interview: say why, not "Expecting value"
        proc.wait()
        pytest.fail(f"the app exited before the interview screen: {proc.stderr.read()[-2000:]}")
    first = json.loads(line)
    assert first == ["screen", "InterviewEntryScreen"], (first, proc.stderr.read() if proc.poll() else "")
    log = []
    for line in proc.stdout:
        log.append(json.loads(line))
        if len(log[-1][1]) >= keystrokes:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    log += [json.loads(line) for line in proc.stdout.read().splitlines() if line.strip()]
    assert log, "nothing was typed before the kill"
    last_time = log[-1][0]
    # what had been typed one second before the last keystroke the app processed
    must_have = max((text for t, text in log if t <= last_time - 1.0), key=len, default="")
    rows = db_rows(acme.db_path, "SELECT text FROM inquirystatement WHERE interview_id = ?", (iv.id,))
    stored = rows[0][0] if rows else ""
    assert NOTES.startswith(stored)
    assert len(stored) >= len(must_have), f"lost more than a second: stored {len(stored)} chars, " \
                                          f"{len(must_have)} were typed a second before the kill"
    _assert_evidence_consistent(acme.root)


def test_interview_notes_survive_a_killed_app(acme):
    _type_and_kill(acme, 75)


@pytest.mark.slow
@pytest.mark.parametrize("keystrokes", [round(d * 25) for d in delays(3, 2.0, 6.0, "typing")])
def test_interview_notes_survive_kills_at_random_points(acme, keystrokes):
    _type_and_kill(acme, keystrokes)


def test_attach_write_error_injected(acme, tmp_path, monkeypatch):
    """Where no tmpfs can be mounted: ENOSPC injected into the vault's writes, same clean failure."""
    import errno

    import fieldwork_tui.store.vault as vault

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(4 * MB))
    real = os.write
    written = [0]

    def full(fd, data):
        written[0] += 1
        if written[0] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(vault.os, "write", full)
    line = assert_one_line_error(invoke("attach", acme.slug, "AC-00000", big))
    assert "disk" in line.lower() or "space" in line.lower(), line
    monkeypatch.undo()
    assert count(acme.db_path, "evidencefile") == 0
    assert [p for p in acme.vault_path.rglob("*") if p.is_file()] == []
