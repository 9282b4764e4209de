"""SQLite engine with the pragmas the journal needs, and the Alembic migration runner.

`open_database` is the single way a database file is opened: it refuses files that are not
SQLite, are corrupt, or were written by a newer fieldwork-tui, and leaves them untouched; it
backs up an older database before migrating it to the current head.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
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
        # configparser interpolates '%': a home folder such as "~/100% client" must not break opening
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*(.+)$", re.M)


@functools.cache
def _revision_graph() -> dict[str, set[str]] | None:
    """{revision: its down revisions}, read from the version files' text without importing Alembic
    (opening an engagement that is already at head is on the start-up path: Alembic costs ~0.15 s).
    None when a file cannot be read this way; callers then ask Alembic."""
    graph: dict[str, set[str]] = {}
    for f in Path(_script_location(), "versions").glob("*.py"):
        text = f.read_text(encoding="utf-8")
        rev, down = _REVISION.search(text), _DOWN.search(text)
        if f.name == "__init__.py" and rev is None:
            continue
        if rev is None or down is None:
            return None
        graph[rev.group(1)] = set(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return graph or None


def head_revision() -> str:
    graph = _revision_graph()
    if graph is not None:
        heads = set(graph) - set().union(*graph.values())
        if len(heads) == 1:
            return heads.pop()
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def known_revisions() -> set[str]:
    graph = _revision_graph()
    if graph is not None:
        return set(graph)
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
    from sqlalchemy.engine import URL

    engine = create_engine(
        URL.create("sqlite", database=str(db_path)),  # a home folder may contain '?', '#' or '%'
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


SAMPLE = 64 * 1024


def _file_state(db_path: Path) -> str | None:
    """Size, mtime, inode and first/last 64 KiB of a database with no WAL to replay (None when there is one)."""
    try:
        wal = Path(f"{db_path}-wal")
        if wal.exists() and wal.stat().st_size:
            return None
        st = db_path.stat()
        with open(db_path, "rb") as fh:  # plus a sample of the content, whatever the clock's granularity
            head = fh.read(SAMPLE)
            fh.seek(max(st.st_size - SAMPLE, 0))
            tail = fh.read(SAMPLE)
    except OSError:
        return None
    digest = hashlib.sha256(head + tail).hexdigest()[:32]
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{digest}"


def _stamp(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".clean")


def mark_clean(db_path: Path) -> None:
    """Record that fieldwork itself last wrote this file and closed it cleanly. The next open skips the
    full-file integrity scan (`PRAGMA quick_check` reads every page: ~0.5 s for a 250 MB engagement)
    unless anything else touched the file since (its size, mtime or inode differ)."""
    state = _file_state(db_path)
    if state is None:
        return
    try:
        tmp = _stamp(db_path).with_name(f".tmp-{_stamp(db_path).name}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(state)
        os.replace(tmp, _stamp(db_path))
    except OSError:
        pass  # only an optimisation: the next open checks the whole file


def _closed_cleanly(db_path: Path) -> bool:
    try:
        return _stamp(db_path).read_text(encoding="ascii") == _file_state(db_path)
    except OSError:
        return False


def _stored_revision(db_path: Path, check: bool = True) -> str | None:
    """Read alembic_version without modifying the file (read-only URI); with `check`, scan the whole
    file for corruption first."""
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
        # Without a WAL file there is nothing a read-only connection could miss, so open it immutable:
        # a refused (newer or corrupt) database is then left exactly as it was, not even -shm created.
        wal = Path(f"{db_path}-wal")
        flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?{flags}", uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone() if check else ("ok",)
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
    src = sqlite3.connect(f"{Path(db_path).absolute().as_uri()}?mode=ro", uri=True)
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


def lock_tables(conn) -> list[str]:
    """The tables the final-report lock covers: every table of the metadata the database holds."""
    from sqlmodel import SQLModel

    import fieldwork_tui.store.models  # noqa: F401 - registers the tables

    existing = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return sorted(set(SQLModel.metadata.tables) & existing)


def install_locks(conn) -> list[str]:
    """(Re)create the lock triggers (store/locks.py) in the caller's transaction; the ones made."""
    from fieldwork_tui.store import locks

    return locks.install(conn, lock_tables(conn))


def open_database(db_path: Path, *, create: bool = False) -> Engine:
    """Open (or create) an engagement database and bring it to the current schema head."""
    exists = db_path.exists()
    if not exists and not create:
        raise DatabaseError(f"{db_path}: database not found")
    if exists and not create and db_path.stat().st_size == 0:
        raise DatabaseError(f"{db_path}: the database is empty (damaged); restore it from a backup (fieldwork restore)")
    stored = _stored_revision(db_path, check=not _closed_cleanly(db_path)) if exists else None
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
            install_locks(conn)  # after every migration, so a table a migration added is locked too
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db_path) + suffix)
        if p.exists():
            os.chmod(p, 0o600)
    return engine
