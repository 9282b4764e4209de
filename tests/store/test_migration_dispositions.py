"""An engagement created before dispositions upgrades with its data: no row is rewritten (the journal
replay stays exact), a difference already raised as an exception reads as decided through its
exception, the others stay open; new columns get their defaults."""

from __future__ import annotations

import sqlite3

from alembic import command
from sqlalchemy import create_engine

from fieldwork_tui.store.db import alembic_config


def test_old_database_upgrades_with_dispositions(tmp_path) -> None:
    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0001")
    conn = sqlite3.connect(db)
    conn.executescript("""
        INSERT INTO control (id, ref, title, description, criteria, frequency, nature, key, required_types, status,
                             conclusion_note, created_at, updated_at)
             VALUES (1, 'AC-01', 't', 'd', '[]', 'quarterly', 'manual', 0, '[]', 'not_started', '',
                     '2026-01-01 00:00:00', '2026-01-01 00:00:00');
        INSERT INTO reperformance (id, control_id, title, list_a_label, list_b_label, key_a, key_b, options, count_a,
                                   count_b, only_in_a, only_in_b, differing, date_window_breaches, conclusion,
                                   concluded_by, performed_by, created_at)
             VALUES (1, 1, 'r', 'A', 'B', 'k', 'k', '{}', 3, 2, 1, 0, 1, 0, '', '', 'elena', '2026-01-01 00:00:00');
        INSERT INTO reperformancedifference (id, reperformance_id, kind, key, details)
             VALUES (1, 1, 'only_in_a', 'jdoe', '{}'), (2, 1, 'differing', 'asmith', '{}');
        INSERT INTO controlexception (id, control_id, source, difference_id, instance, planned_control, deviation,
                                      exception_type, effectiveness, report_wording, created_by, created_at)
             VALUES (1, 1, 'reperformance', 1, 'jdoe', 'p', 'not removed', 'execution', 'operating',
                     'For jdoe, not removed.', 'elena', '2026-02-03 04:05:06');
    """)
    conn.commit()
    conn.close()
    command.upgrade(cfg, "head")
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, disposition, disposed_by, disposed_at, disposition_reason "
                            "FROM reperformancedifference ORDER BY id").fetchall()
        assert rows == [(1, None, "", None, ""), (2, None, "", None, "")]
        assert conn.execute("SELECT whole_population FROM reperformance").fetchone() == (0,)
        assert conn.execute("SELECT itgc_basis FROM control").fetchone() == ("",)
        assert conn.execute("SELECT wording_edited FROM controlexception").fetchone() == (0,)
    finally:
        conn.close()
    engine.dispose()
    from sqlmodel import Session, func, select
    from sqlmodel import create_engine as sm_engine

    from fieldwork_tui.services.evidence.reperformance import open_clause
    from fieldwork_tui.store.models import ReperformanceDifference

    eng = sm_engine(f"sqlite:///{db}")
    with Session(eng) as s:
        still_open = s.exec(select(ReperformanceDifference.key).where(open_clause())).all()
        assert still_open == ["asmith"]  # jdoe is decided by its exception
        assert s.exec(select(func.count()).select_from(ReperformanceDifference)).one() == 2
    eng.dispose()
