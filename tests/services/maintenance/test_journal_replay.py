"""The journal replayed against a real engagement's database (services/maintenance/replay.py)."""

from __future__ import annotations

import sqlite3

from fieldwork_tui.services.maintenance import replay as replay_check
from fieldwork_tui.store import journal, table_rows


def _findings(handle):
    with handle.read() as s:
        return replay_check.replay_findings(s.connection(), journal.iter_entries(s))


def _sql(handle, *statements):
    conn = sqlite3.connect(handle.db_path)
    for st in statements:
        conn.execute(st)
    conn.commit()
    conn.close()


def test_the_demo_engagement_replays_without_a_finding(demo):
    findings, entries = _findings(demo)
    assert entries > 100 and findings == []


def test_a_direct_sql_edit_is_found(demo):
    _sql(demo, "UPDATE control SET description = 'Nobody reviews access.' WHERE ref = 'AC-01'")
    findings, _ = _findings(demo)
    assert [f.kind for f in findings] == ["differs"]
    assert "AC-01" in findings[0].message and "description" in findings[0].message


def test_rows_deleted_or_inserted_with_sqlite_are_found(demo):
    _sql(demo, "DELETE FROM controlexception WHERE id = (SELECT min(id) FROM controlexception)",
         "INSERT INTO reviewnote (target_type, target_id, author, text, status, created_at, cleared_by) "
         "VALUES ('control', 1, 'mallory', 'fine', 'open', '2026-11-20 10:00:00', '')")
    kinds = sorted(f.kind for f in _findings(demo)[0])
    assert kinds == ["added", "missing"]


def test_population_rows_are_covered(demo):
    _sql(demo, "UPDATE populationrow SET key = 'forged' WHERE id = (SELECT min(id) FROM populationrow)")
    findings, _ = _findings(demo)
    assert findings and all(f.table == "populationrow" for f in findings)


def test_every_table_of_the_metadata_has_a_spec():
    from sqlmodel import SQLModel

    names = {s.name for s in table_rows.table_specs()}
    assert names == {t for t in SQLModel.metadata.tables} - {"journalentry"}
