"""Two processes writing one engagement: writers queue on SQLite's lock (BEGIN IMMEDIATE, tried again
while another process holds it: store/db.take_write_lock), nothing is lost or corrupted, readers never
wait, a writer says that it waits, and one that waits past the limit gets one clear line instead of a
"database is locked" traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from tests.support import LockHolder
from tests.tui.support import settle

from .helpers import (
    assert_healthy,
    assert_ok,
    assert_one_line_error,
    cli_env,
    control_rows,
    count,
    db_rows,
    invoke,
    popen_cli,
    run_cli,
    write_controls_csv,
)


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """Make "waits too long" happen in a fraction of a second (in this process only): short tries for
    the write lock and a short limit."""
    from fieldwork_tui.store import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(db, "WRITE_LOCK_TRY_MS", 100)
    monkeypatch.setattr(db, "WRITE_LOCK_LIMIT_S", 0.5)


def _two_imports_at_once(engagement, tmp_path, rows: int) -> None:
    engagement.close()
    a = write_controls_csv(tmp_path / "a.csv", rows=control_rows(rows, "A"))
    b = write_controls_csv(tmp_path / "b.csv", rows=control_rows(rows, "B"))
    for _ in range(2):
        procs = [popen_cli("import", "controls", engagement.slug, f) for f in (a, b)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            assert "Traceback" not in err
    assert count(engagement.db_path, "control") == 2 * rows
    assert_healthy(engagement.root)


def test_two_cli_imports_at_once_both_land(engagement, tmp_path):
    _two_imports_at_once(engagement, tmp_path, 500)


@pytest.mark.slow
def test_two_large_cli_imports_at_once_both_land(engagement, tmp_path):
    _two_imports_at_once(engagement, tmp_path, 1500)


HOLDER = textwrap.dedent("""
    import sys
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.store.models import Control
    handle = open_engagement(None, sys.argv[1])
    with handle.session() as s:
        s.add(Control(ref="HOLDER-1", title="written by a long session"))
        s.flush()
        print("locked", flush=True)
        assert sys.stdin.readline().strip() == "release"  # holds the lock until the test says so
    print("committed", flush=True)
""")

# The real CLI, reporting on stderr the moment it asks SQLite for the write lock.
LOCK_REPORTING_CLI = textwrap.dedent("""
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def _report(conn, cursor, statement, *args):
        if statement == "BEGIN IMMEDIATE":
            print("asking for the write lock", file=sys.stderr, flush=True)

    from fieldwork_tui.cli import main
    sys.argv[0] = "fieldwork"
    main()
""")


def test_cli_waits_for_a_process_holding_a_write_session(engagement, tmp_path):
    """Synchronised on events only: the holder says when it holds the lock and keeps it until told; the
    writer says when it asks for the lock, and only then is the holder told to commit."""
    engagement.close()
    holder = subprocess.Popen([sys.executable, "-u", "-c", HOLDER, engagement.slug], env=cli_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer = None
    try:
        assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
        # a reader is never blocked by the writer (WAL) and never sees its uncommitted row
        status = run_cli("status", engagement.slug, "--json")
        assert_ok(status)
        assert "HOLDER-1" not in status.stdout
        # a writer asks for the lock while it is held, queues, and succeeds once it is released
        csv_file = write_controls_csv(tmp_path / "c.csv", 20, "CLI")
        writer = subprocess.Popen([sys.executable, "-u", "-c", LOCK_REPORTING_CLI, "import", "controls",
                                   engagement.slug, str(csv_file)], env=cli_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert writer.stderr.readline().strip() == "asking for the write lock"
        assert holder.poll() is None  # still holding
        holder.stdin.write("release\n")
        holder.stdin.flush()
        out, err = holder.communicate(timeout=60)
        assert holder.returncode == 0 and "committed" in out, err
        w_out, w_err = writer.communicate(timeout=120)
        assert writer.returncode == 0, w_err
        assert "Traceback" not in w_err
    finally:
        for proc in (holder, writer):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert count(engagement.db_path, "control") == 21
    assert_healthy(engagement.root)


def test_cli_that_waits_too_long_says_so_in_one_line(short_busy_timeout, engagement, tmp_path):
    csv_file = write_controls_csv(tmp_path / "c.csv", 5)
    holder = LockHolder(engagement.db_path)
    try:
        result = invoke("import", "controls", engagement.slug, csv_file)
    finally:
        holder.release()
    waiting, refusal = result.stderr.strip().splitlines()  # it said it waits, then gave up in one line
    assert waiting.startswith(f"fieldwork: {engagement.slug}: another fieldwork process is writing; waiting")
    line = assert_one_line_error(subprocess.CompletedProcess([], result.returncode, "", refusal), "busy")
    assert "database is locked" not in line
    assert "nothing was saved" in line
    assert count(engagement.db_path, "control") == 0
    assert_ok(invoke("import", "controls", engagement.slug, csv_file))
    assert count(engagement.db_path, "control") == 5


# The real CLI with a lock try (and SQLite busy timeout) of 0.2 s: before writes waited in tries, a
# lock held longer than the busy timeout ended the command in "nothing was saved".
SHORT_TRY_CLI = textwrap.dedent("""
    import sys
    from fieldwork_tui.store import db
    db.BUSY_TIMEOUT_MS = db.WRITE_LOCK_TRY_MS = 200
    from fieldwork_tui.cli import main
    sys.argv[0] = "fieldwork"
    main()
""")


def test_cli_write_that_outlasts_the_busy_timeout_waits_says_so_and_lands(engagement, tmp_path):
    """Issue 14 item 6. Synchronised on events only: the holder says when it holds the lock; the writer
    says when a try for the lock has timed out (it waits on); only then is the holder told to commit."""
    engagement.close()
    holder = subprocess.Popen([sys.executable, "-u", "-c", HOLDER, engagement.slug], env=cli_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer = None
    try:
        assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
        csv_file = write_controls_csv(tmp_path / "c.csv", 20, "CLI")
        writer = subprocess.Popen([sys.executable, "-u", "-c", SHORT_TRY_CLI, "import", "controls",
                                   engagement.slug, str(csv_file)], env=cli_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        notice = writer.stderr.readline().strip()
        assert notice.startswith(f"fieldwork: {engagement.slug}: another fieldwork process is writing; waiting"), notice
        assert holder.poll() is None and writer.poll() is None  # the lock is still held; the writer waits
        holder.stdin.write("release\n")
        holder.stdin.flush()
        out, err = holder.communicate(timeout=60)
        assert holder.returncode == 0 and "committed" in out, err
        w_out, w_err = writer.communicate(timeout=120)
        assert writer.returncode == 0, w_err
        assert "nothing was saved" not in w_err and "Traceback" not in w_err
        assert "20 controls imported" in w_out, w_out
    finally:
        for proc in (holder, writer):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert count(engagement.db_path, "control") == 21  # the holder's and every imported one, once
    assert_healthy(engagement.root)


def test_a_write_waits_for_the_lock_in_tries_and_runs_once(short_busy_timeout, engagement):
    """The waiter of the thread hears of each try that timed out; the write goes ahead once the lock is
    free (released from the waiter itself: the event), and the caller's code ran exactly once."""
    from fieldwork_tui.services.controls.catalog import add_control
    from fieldwork_tui.services.engagements import waiting_for_lock

    holder = LockHolder(engagement.db_path)
    waits = []

    def waiter(wait):
        waits.append(wait.attempt)
        if wait.attempt == 3:
            holder.release()
        return True

    try:
        with waiting_for_lock(waiter):
            add_control(engagement, "X-3", "written after three tries")
    finally:
        holder.release()
    assert waits == [1, 2, 3]
    assert db_rows(engagement.db_path, "SELECT ref FROM control") == [("X-3",)]
    assert count(engagement.db_path, "journalentry") >= 1


def test_a_waiter_that_stops_waiting_gets_one_line_and_nothing_is_written(short_busy_timeout, engagement):
    from fieldwork_tui.services.controls.catalog import add_control
    from fieldwork_tui.services.engagements import waiting_for_lock
    from fieldwork_tui.services.errors import EngagementBusy

    holder = LockHolder(engagement.db_path)
    try:
        with waiting_for_lock(lambda wait: False), pytest.raises(EngagementBusy) as info:
            add_control(engagement, "X-4", "never written")
    finally:
        holder.release()
    assert "stopped waiting" in str(info.value) and "nothing was saved" in str(info.value)
    assert "\n" not in str(info.value)
    assert count(engagement.db_path, "control") == 0
    add_control(engagement, "X-4", "written once the lock is free")
    assert count(engagement.db_path, "control") == 1


def test_every_write_waits_for_the_lock_in_one_place():
    """BEGIN IMMEDIATE is issued by store/db.take_write_lock only (the write engines' begin hook)."""
    import re
    from pathlib import Path

    import fieldwork_tui

    package = Path(fieldwork_tui.__file__).parent
    statement = re.compile(r"""["']BEGIN( IMMEDIATE| EXCLUSIVE)?["']""")  # SQL, not the "begin" event
    issuers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if statement.search(p.read_text(encoding="utf-8")))
    assert issuers == ["store/db.py"], issuers


def test_busy_engagement_is_a_user_error_in_the_services(short_busy_timeout, engagement):
    from fieldwork_tui.services.controls.catalog import add_control
    from fieldwork_tui.services.engagements import open_path
    from fieldwork_tui.services.errors import EngagementBusy, FieldworkError

    engagement.close()
    engagement = open_path(engagement.root)  # connections made after the timeout was shortened

    holder = LockHolder(engagement.db_path)
    try:
        with pytest.raises(EngagementBusy) as info:
            add_control(engagement, "X-1", "blocked")
        assert isinstance(info.value, FieldworkError)
        assert "\n" not in str(info.value)
    finally:
        holder.release()
    add_control(engagement, "X-1", "after the lock")
    assert count(engagement.db_path, "control") == 1
    engagement.close()


def test_session_waits_for_a_lock_released_in_time(engagement):
    """The lock is released by another thread only once the session has asked for it (an event)."""
    from sqlalchemy import event

    from fieldwork_tui.services.controls.catalog import add_control

    holder = LockHolder(engagement.db_path)
    asked = threading.Event()

    def _asked(conn, cursor, statement, *args):
        if statement == "BEGIN IMMEDIATE":
            asked.set()

    event.listen(engagement.engine, "before_cursor_execute", _asked)
    releaser = threading.Thread(target=lambda: (asked.wait(60), holder.release()))
    releaser.start()
    try:
        add_control(engagement, "X-2", "written after waiting")
    finally:
        asked.set()
        releaser.join()
        event.remove(engagement.engine, "before_cursor_execute", _asked)
    assert db_rows(engagement.db_path, "SELECT ref FROM control") == [("X-2",)]


async def test_app_write_while_another_process_holds_the_lock(short_busy_timeout, demo_app, demo, monkeypatch):
    """The app (dashboard: advance phase) while a CLI holds the write lock: a notification, no crash;
    once the lock is gone the same key works and the change is stored."""
    from fieldwork_tui.services.engagements import engagement_summary
    from fieldwork_tui.tui.kit import workers

    monkeypatch.setattr(workers, "BUSY_ATTEMPTS", 3)  # tries of 0.5 s (short_busy_timeout): gives up in 1.5 s, not 10

    async with demo_app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        before = engagement_summary(demo)["phase"]
        holder = LockHolder(demo.db_path)
        try:
            await pilot.press("right_square_bracket")
            await settle(pilot)
        finally:
            holder.release()
        assert engagement_summary(demo)["phase"] == before
        notes = [n.message for n in demo_app._notifications]
        assert any("busy" in m for m in notes), notes
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert engagement_summary(demo)["phase"] != before


async def test_app_sees_rows_another_process_committed(demo_app, demo, tmp_path):
    """The app keeps its engine open while a CLI imports; its next refresh shows the new controls."""
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        csv_file = write_controls_csv(tmp_path / "c.csv", 3, prefix="ZZ")
        proc = run_cli("import", "controls", demo.slug, csv_file)
        assert_ok(proc)
        await pilot.press("1")
        await pilot.press("2")
        await settle(pilot)
        from fieldwork_tui.services.controls.catalog import list_controls

        assert [c.ref for c in list_controls(demo, "ZZ-")] == ["ZZ-00000", "ZZ-00001", "ZZ-00002"]
    assert_healthy(demo.root)


def test_opening_never_sweeps_the_temp_files_of_a_process_at_work(engagement):
    """The temp file of an attach or export still being written by one process is not deleted when a
    second process opens the engagement; once no one has it open (even after a kill), it is."""
    engagement.close()
    worker = subprocess.Popen([sys.executable, "-u", "-c", textwrap.dedent("""
        import signal, sys
        from fieldwork_tui.services.engagements import open_engagement
        handle = open_engagement(None, sys.argv[1])
        (handle.vault_path / ".tmp-in-flight").write_bytes(b"half an upload")
        print("writing", flush=True)
        signal.pause()  # still at work until the test kills it
    """), engagement.slug], env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "writing"
        in_flight = engagement.vault_path / ".tmp-in-flight"
        assert_ok(run_cli("status", engagement.slug))
        assert in_flight.exists()
    finally:
        worker.kill()
        worker.wait()
    assert_ok(run_cli("status", engagement.slug))
    assert not in_flight.exists()
