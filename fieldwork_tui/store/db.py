"""SQLite engine with the pragmas the journal needs, and the Alembic migration runner.

`open_database` is the single way a database file is opened: it refuses files that are not
SQLite, are corrupt, or were written by a newer fieldwork-tui, and leaves them untouched; it
backs up an older database before migrating it to the current head.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """A database that cannot be opened; the message is one line and names the file."""


def _script_location() -> str:
    import fieldwork_tui.migrations as migrations_pkg

    return str(Path(migrations_pkg.__file__).parent)


def alembic_config(engine: Engine | None = None):
    import io

    from alembic.config import Config

    # Alembic's default stdout is bound at its import time; never let it write to the terminal the
    # app or the CLI owns.
    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", _script_location())
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", str(engine.url))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def make_engine(db_path: Path, *, immediate: bool = True) -> Engine:
    """An engine on `db_path`. With `immediate`, every transaction starts with BEGIN IMMEDIATE so
    two processes writing the same engagement queue on SQLite's lock (busy timeout) instead of
    failing half-way with "database is locked"; read-only engines use plain deferred BEGIN."""
    from sqlalchemy import create_engine

    engine = create_engine(
        f"sqlite:///{db_path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _on_connect)

    def _autocommit_driver(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below

    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    event.listen(engine, "connect", _autocommit_driver)
    event.listen(engine, "begin", _begin)
    return engine


def _stored_revision(db_path: Path) -> str | None:
    """Read alembic_version without modifying the file (read-only URI)."""
    try:
        with open(db_path, "rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise DatabaseError(f"{db_path}: cannot read database ({exc.strerror})") from None
    if header and header != SQLITE_MAGIC:
        raise DatabaseError(f"{db_path}: not a fieldwork database (not an SQLite file)")
    if not header:
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise DatabaseError(
                    f"{db_path}: database is corrupt ({row[0] if row else 'no result'}); "
                    "restore it from a backup (fieldwork restore)"
                )
            has = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            if not has:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
                if tables:
                    raise DatabaseError(f"{db_path}: not a fieldwork database (no schema version)")
                return None
            rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return rev[0] if rev else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{db_path}: database is corrupt or unreadable ({exc}); restore it from a backup") from None


def backup_database(db_path: Path, target: Path) -> Path:
    """Copy a live database with SQLite's online backup API (consistent even while in use)."""
    tmp = target.with_name(target.name + ".tmp")
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return target


def open_database(db_path: Path, *, create: bool = False) -> Engine:
    """Open (or create) an engagement database and bring it to the current schema head."""
    exists = db_path.exists()
    if not exists and not create:
        raise DatabaseError(f"{db_path}: database not found")
    stored = _stored_revision(db_path) if exists else None
    head = head_revision()
    if stored is not None and stored not in known_revisions():
        raise DatabaseError(
            f"{db_path}: written by a newer version of fieldwork-tui (schema {stored}); "
            "upgrade fieldwork-tui to open it"
        )
    if stored is not None and stored != head:
        backup_database(db_path, db_path.with_name(f"{db_path.name}.before-{head}.bak"))
    if not exists:
        fd = os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    engine = make_engine(db_path)
    if stored != head:
        from alembic import command

        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db_path) + suffix)
        if p.exists():
            os.chmod(p, 0o600)
    return engine
