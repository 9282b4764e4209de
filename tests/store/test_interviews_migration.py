"""The interviews migration: an engagement written before it opens with its people's free-text
roles mapped to the vocabulary (unknown words kept as the title), statements versioned, and ids that
are never reused from then on."""

from __future__ import annotations

import sqlite3

from alembic import command
from sqlalchemy import create_engine

from fieldwork_tui.store.db import alembic_config, open_database


def _old_database(path):
    engine = create_engine(f"sqlite:///{path}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    people = [(1, "Priya", "security", "CISO"), (2, "Diego", "it administration", "IT Administrator"),
              (3, "Owner", "control owner", ""), (4, "Grace", "legal", "General Counsel"),
              (5, "Pat", "Chief of Staff", ""), (6, "Lee", "", "")]
    con.executemany("INSERT INTO person (id, name, side, role, title, email) VALUES (?, ?, 'client', ?, ?, '')",
                    people)
    con.execute("INSERT INTO interview (id, person_id, held_on, interviewer, topic, created_at, updated_at) "
                "VALUES (1, 2, '2026-10-14', 'elena', '', '2026-10-14 10:00:00', '2026-10-14 10:00:00')")
    for sid in (1, 2):
        con.execute("INSERT INTO inquirystatement (id, interview_id, position, text, corroboration, "
                    "corroboration_note, updated_at) VALUES (?, 1, ?, ?, 'uncorroborated', '', "
                    "'2026-10-14 10:00:00')", (sid, sid, f"statement {sid}"))
    con.commit()
    con.close()


def test_an_old_engagement_upgrades_with_its_data(tmp_path):
    db = tmp_path / "fieldwork.db"
    _old_database(db)
    engine = open_database(db)
    with engine.connect() as conn:
        people = conn.exec_driver_sql("SELECT name, role, title FROM person ORDER BY id").fetchall()
        statements = conn.exec_driver_sql("SELECT id, version, resolution_note, exception_id FROM inquirystatement"
                                          " ORDER BY id").fetchall()
        schema = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type='table'").fetchall())
        indexes = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")}
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    assert people == [("Priya", "security_operations", "CISO"), ("Diego", "it_administration", "IT Administrator"),
                      ("Owner", None, ""), ("Grace", "other", "General Counsel"),
                      ("Pat", None, "Chief of Staff"),  # an unknown word is kept, as the title
                      ("Lee", None, "")]
    assert statements == [(1, 1, "", None), (2, 1, "", None)]
    for table in ("person", "interview", "inquirystatement", "coachingreview"):
        assert "AUTOINCREMENT" in schema[table], table
    assert {"ix_person_name", "ix_interview_person_id", "ix_inquirystatement_interview_id"} <= indexes
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)  # the upgraded database matches the models
    # ids are never reused: delete the last statement, the next one gets a new id
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM inquirystatement WHERE id = 2")
        conn.exec_driver_sql("INSERT INTO inquirystatement (interview_id, position, text, version, corroboration, "
                             "corroboration_note, resolution_note, updated_at) VALUES (1, 3, 'new', 1, "
                             "'uncorroborated', '', '', '2026-10-15 10:00:00')")
        assert conn.exec_driver_sql("SELECT max(id) FROM inquirystatement").scalar() == 3
    engine.dispose()
