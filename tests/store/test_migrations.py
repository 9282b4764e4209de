"""Schema only through Alembic: models and migrations agree; odd databases are refused untouched."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from sqlalchemy import create_engine

from fieldwork_tui.services.engagements import create_engagement, open_engagement
from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.store.db import alembic_config, head_revision, open_database


def test_models_and_migrations_agree(tmp_path):
    db = tmp_path / "x.db"
    engine = open_database(db, create=True)
    cfg = alembic_config(create_engine(f"sqlite:///{db}"))
    command.check(cfg)  # raises if autogenerate would produce any operation
    engine.dispose()


def test_pragmas(engagement):
    with engagement.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_newer_database_refused_and_untouched(home):
    h = create_engagement(home, "Newer")
    db = h.db_path
    h.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num='9999_future'")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(FieldworkError, match="newer version"):
        open_engagement(home, "newer")
    assert db.read_bytes() == before


def test_corrupt_database_one_line_error(home):
    h = create_engagement(home, "Broken")
    db = h.db_path
    h.close()
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database at all" * 100)
    before = db.read_bytes()
    with pytest.raises(FieldworkError) as info:
        open_engagement(home, "broken")
    msg = str(info.value)
    assert "\n" not in msg and str(db) in msg and "not an SQLite file" in msg
    assert db.read_bytes() == before


def test_head_is_applied(engagement):
    with engagement.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
