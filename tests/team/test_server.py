"""A team engagement on a real PostgreSQL server (tests/pg.py): the database's own lock, the write lock,
publishing, opening by address, evidence blobs on the server, `check` on the server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.services.engagements import set_phase
from fieldwork_tui.services.errors import FieldworkError, InvalidInput
from fieldwork_tui.services.evidence.files import store_file
from fieldwork_tui.services.maintenance import check_engagement, restore_locks
from fieldwork_tui.services.team import open_any, publish_engagement
from fieldwork_tui.store import journal
from fieldwork_tui.store.models import Control
from tests import pg

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_db():
    """The URL of a new, empty database on the test server (dropped afterwards)."""
    made = []

    def make() -> str:
        name = pg.new_name()
        made.append(name)
        return pg.database_url(name)

    yield make
    for name in made:
        pg.drop_database(name)


@pytest.fixture
def server_demo(demo, fresh_db, home: Path):
    """The demo engagement published to the test server, opened by its address."""
    url = fresh_db()
    result = publish_engagement(demo, url)
    handle = open_any(home, url)
    yield handle, result, url
    handle.close()


def _raw(handle, sql: str):
    with handle.engine.connect() as conn:  # no advisory lock: what `psql` would do
        conn.exec_driver_sql(sql)
        conn.commit()


def test_publish_copies_verifies_and_journals_the_demo(server_demo, demo) -> None:
    handle, result, url = server_demo
    with demo.read() as s:
        local_head, local_n = journal.head(s)
    with handle.read() as s:
        head, n = journal.head(s)
        last = list(journal.iter_entries(s))[-1]
        assert s.execute(text("SELECT count(*) FROM control")).scalar() == len(demo_controls(demo))
    assert n == local_n + 1 and last["action"] == "publish"
    assert last["details"]["local_head"] == local_head and last["prev_hash"] == local_head
    assert result.blobs > 0 and result.journal_head == head
    assert "password" not in url and result.address.startswith("postgresql://")


def demo_controls(handle) -> list[str]:
    with handle.read() as s:
        return [r[0] for r in s.execute(text("SELECT ref FROM control"))]


def test_check_passes_on_the_server_and_reads_every_blob_from_it(server_demo) -> None:
    handle, result, _url = server_demo
    report = check_engagement(handle)
    assert report.ok, report.problems
    assert report.vault_files == result.blobs
    # every blob came down from the server into the (empty) working copy and re-hashed to its name
    assert len([p for p in handle.vault_path.rglob("*") if p.is_file()]) == result.blobs


def test_an_evidence_file_stored_on_a_server_engagement_lives_on_the_server(engagement_on_server, tmp_path,
                                                                           home) -> None:
    handle, url = engagement_on_server
    source = tmp_path / "policy.txt"
    source.write_bytes(b"access review policy\n" * 100_000)  # > 1 MiB: several chunks
    ev = store_file(handle, source, description="policy")
    with handle.read() as s:
        chunks = s.execute(text("SELECT count(*) FROM fw_blob_chunk WHERE sha256 = :s"), {"s": ev.sha256}).scalar()
    assert chunks == 3
    # another person's machine: an empty working copy; the file comes from the server
    other = open_any(tmp_path / "other-home", url)
    try:
        assert other.vault().path_for(ev.sha256).read_bytes() == source.read_bytes()
    finally:
        other.close()


@pytest.fixture
def engagement_on_server(_pg_engagement_template, home):
    name = pg.new_name()
    url = pg.create_database(name, template=_pg_engagement_template)
    handle = open_any(home, url)
    yield handle, url
    handle.close()
    pg.drop_database(name)


def test_final_report_lock_is_enforced_by_the_server_itself(engagement_on_server) -> None:
    handle, _url = engagement_on_server
    with handle.session() as s:
        s.add(Control(ref="AC-01", title="Access reviews", description="Quarterly"))
    set_phase(handle, Phase.final_report)
    for sql in ("DELETE FROM control", "UPDATE control SET description = 'edited'", "TRUNCATE control CASCADE",
                "UPDATE engagement SET phase = 'fieldwork'"):
        with pytest.raises(DBAPIError, match="locked"):
            _raw(handle, sql)
    for sql in ("UPDATE journalentry SET actor = 'x'", "DELETE FROM journalentry", "TRUNCATE fw_blob CASCADE"):
        with pytest.raises(DBAPIError, match="append-only|never changed"):
            _raw(handle, sql)
    # the journal's append still works in final_report (additions are dated and attributed)
    with handle.session() as s:
        s.add(Control(ref="AC-02", title="Added after the lock", description=""))


def test_check_reports_a_dropped_lock_trigger_and_restore_puts_it_back(engagement_on_server) -> None:
    handle, _url = engagement_on_server
    assert check_engagement(handle).ok
    _raw(handle, 'DROP TRIGGER "fw_lock_control_delete" ON control')
    _raw(handle, 'ALTER TABLE journalentry DISABLE TRIGGER "fw_lock_journalentry_update"')
    problems = check_engagement(handle).problems
    assert any("fw_lock_control_delete is missing" in p for p in problems), problems
    assert any("fw_lock_journalentry_update was altered or disabled" in p for p in problems), problems
    assert sorted(restore_locks(handle)) == ["fw_lock_control_delete", "fw_lock_journalentry_update"]
    assert check_engagement(handle).ok


def test_concurrent_writers_keep_one_linear_journal_chain(engagement_on_server, home) -> None:
    """Two people (two handles, as on two machines) saving at once: the advisory write lock serialises the
    appends, so the chain never forks (without it both read the same head and append after it)."""
    handle, url = engagement_on_server
    other = open_any(home / "other", url)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(h, prefix: str) -> None:
        try:
            barrier.wait()
            for i in range(15):
                with h.session() as s:
                    s.add(Control(ref=f"{prefix}-{i:02d}", title=prefix, description=""))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(h, p)) for h, p in ((handle, "AC"), (other, "CC"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    with handle.read() as s:
        entries = list(journal.iter_entries(s))
    assert not list(journal.verify_chain(entries))
    assert len({e["prev_hash"] for e in entries}) == len(entries)  # no two entries after the same head
    assert check_engagement(handle).ok


def test_a_write_waiting_for_the_server_lock_says_so_and_can_stop(engagement_on_server, monkeypatch) -> None:
    """Issue 14 item 6: on a server a write waited for the advisory lock without a word (SQLite's writes
    told the waiter each try). Now each timed-out try tells it; the waiter may stop, nothing saved."""
    from fieldwork_tui.errors import EngagementBusy
    from fieldwork_tui.store import db
    from fieldwork_tui.store.postgres import WRITE_LOCK_KEY

    monkeypatch.setattr(db, "WRITE_LOCK_TRY_MS", 100)
    handle, _url = engagement_on_server
    told: list = []
    with handle.engine.connect() as holder:  # another session holds the write lock
        holder.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")
        holder.commit()
        try:
            def waiter(wait):
                told.append(wait)
                return len(told) < 2  # stop after the second try

            with db.waiting_for_lock(waiter), pytest.raises(EngagementBusy, match="stopped waiting"):
                with handle.session() as s:
                    s.add(Control(ref="ZZ-01", title="never saved", description=""))
        finally:
            holder.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY})")
            holder.commit()
    assert [w.attempt for w in told] == [1, 2] and told[0].slug
    with handle.read() as s:
        assert s.query(Control).filter(Control.ref == "ZZ-01").count() == 0
    with handle.session() as s:  # the lock released: the next write goes through at once
        s.add(Control(ref="ZZ-02", title="saved", description=""))


def test_publish_refuses_a_database_that_holds_an_engagement(server_demo, demo) -> None:
    _handle, _result, url = server_demo
    with pytest.raises(InvalidInput, match="already holds an engagement"):
        publish_engagement(demo, url)


def test_publish_with_a_missing_vault_file_leaves_the_server_empty(demo, fresh_db) -> None:
    victim = next(p for p in demo.vault_path.rglob("*") if p.is_file())
    victim.chmod(0o600)
    victim.unlink()
    url = fresh_db()
    with pytest.raises(FieldworkError, match="nothing was published"):
        publish_engagement(demo, url)
    with pg._admin().connect() as conn:  # the database exists (schema migrated) but holds no engagement
        pass
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM engagement")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM journalentry")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM fw_blob")).scalar() == 0
    engine.dispose()


def test_backup_of_a_team_engagement_points_to_the_server(engagement_on_server, tmp_path) -> None:
    from fieldwork_tui.services.maintenance import backup_engagement

    handle, _url = engagement_on_server
    with pytest.raises(InvalidInput, match="backed up on its server"):
        backup_engagement(handle, tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()
