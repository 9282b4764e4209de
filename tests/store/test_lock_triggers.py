"""The final-report lock as SQLite triggers (store/locks.py), on a bare database."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine

from fieldwork_tui.store import locks

TABLES = ["engagement", "control", "reviewnote", "journalentry", "alembic_version"]


@pytest.fixture
def engine(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE engagement (id INTEGER PRIMARY KEY, phase TEXT)")
        c.exec_driver_sql("CREATE TABLE control (id INTEGER PRIMARY KEY, ref TEXT)")
        c.exec_driver_sql("CREATE TABLE reviewnote (id INTEGER PRIMARY KEY, status TEXT)")
        c.exec_driver_sql("CREATE TABLE journalentry (id INTEGER PRIMARY KEY, hash TEXT)")
        c.exec_driver_sql("CREATE TABLE alembic_version (version_num TEXT)")
        c.exec_driver_sql("INSERT INTO engagement VALUES (1, 'fieldwork')")
        c.exec_driver_sql("INSERT INTO control VALUES (1, 'AC-01'), (2, 'AC-02')")
        c.exec_driver_sql("INSERT INTO reviewnote VALUES (1, 'open')")
        c.exec_driver_sql("INSERT INTO journalentry VALUES (1, 'h')")
        assert len(locks.install(c, TABLES)) == len(locks.triggers(TABLES))
    return eng


def _run(engine, sql):
    with engine.begin() as c:
        c.exec_driver_sql(sql)


def test_unlocked_engagement_edits_freely_but_the_journal_is_append_only(engine):
    _run(engine, "UPDATE control SET ref = 'AC-1' WHERE id = 1")
    _run(engine, "DELETE FROM control WHERE id = 2")
    _run(engine, "INSERT INTO journalentry VALUES (2, 'h2')")
    with pytest.raises(Exception, match="append-only"):
        _run(engine, "UPDATE journalentry SET hash = 'x'")
    with pytest.raises(Exception, match="append-only"):
        _run(engine, "DELETE FROM journalentry")


def test_final_report_refuses_updates_and_deletes_in_the_database_itself(engine):
    _run(engine, "UPDATE engagement SET phase = 'final_report'")
    for sql in ("DELETE FROM control WHERE id = 1", "UPDATE control SET ref = 'X'",
                "UPDATE engagement SET phase = 'fieldwork'", "DELETE FROM reviewnote"):
        with pytest.raises(Exception, match="locked"):
            _run(engine, sql)
    _run(engine, "INSERT INTO control VALUES (3, 'AC-03')")  # additions stay allowed
    _run(engine, "UPDATE reviewnote SET status = 'cleared'")  # and notes are still cleared


def test_missing_or_altered_triggers_are_named_and_restored(engine, tmp_path):
    raw = sqlite3.connect(tmp_path / "x.db")
    raw.execute('DROP TRIGGER "fw_lock_control_delete"')
    raw.execute('DROP TRIGGER "fw_lock_control_update"')
    raw.execute('CREATE TRIGGER "fw_lock_control_update" BEFORE UPDATE ON control WHEN 0 BEGIN SELECT 1; END')
    raw.commit()
    raw.close()
    with engine.connect() as c:
        found = locks.problems(c, TABLES)
    assert len(found) == 2 and "fw_lock_control_delete is missing" in found[0] + found[1]
    assert any("altered" in p for p in found)
    with engine.begin() as c:
        assert sorted(locks.install(c, TABLES)) == ["fw_lock_control_delete", "fw_lock_control_update"]
        assert locks.problems(c, TABLES) == []


def test_every_table_but_the_exempt_gets_triggers():
    names = locks.triggers(["a_new_table_another_helper_adds", "reviewnote", "alembic_version"])
    assert set(names) == {"fw_lock_a_new_table_another_helper_adds_update",
                          "fw_lock_a_new_table_another_helper_adds_delete", "fw_lock_reviewnote_delete"}
