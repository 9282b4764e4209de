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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from fieldwork_tui.errors import EngagementBusy
from fieldwork_tui.store.peek import peek

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
#: A write asks for the engagement's write lock (BEGIN IMMEDIATE) in tries of this length; after each
#: try that timed out, the waiter of the current thread (`waiting_for_lock`) is told, and it tries again.
WRITE_LOCK_TRY_MS = 2_000
#: ... until the lock has been held by another process for this long (a process that hung, not one
#: that is writing): then the write is refused with "nothing was saved" and the caller keeps its input.
WRITE_LOCK_LIMIT_S = 600.0


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


@dataclass(frozen=True)
class LockWait:
    """A write waiting for another process to release the engagement's write lock."""

    db_path: Path
    attempt: int  # 1 after the first try timed out
    waited: float  # seconds since the write first asked for the lock

    @property
    def slug(self) -> str:
        return self.db_path.parent.name


#: Told of each timed-out try; returns False to stop waiting (the write is then refused).
LockWaiter = Callable[[LockWait], bool | None]
_waiter: ContextVar[LockWaiter | None] = ContextVar("fieldwork_lock_waiter", default=None)


@contextmanager
def waiting_for_lock(waiter: LockWaiter) -> Iterator[None]:
    """Within the block, writes of this thread tell `waiter` while they wait for the write lock (the
    CLI prints a line, the TUI shows it on the screen that saves)."""
    token = _waiter.set(waiter)
    try:
        yield
    finally:
        _waiter.reset(token)


def describe_wait(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def take_write_lock(conn, db_path: Path) -> None:
    """BEGIN IMMEDIATE, tried again while another process holds the write lock: THE place every write
    (a session of the engagement handle, a migration) waits for the lock. Nothing of the transaction
    has run yet, so trying again is always safe, and the caller's code runs once, with the lock held."""
    raw = conn.connection.dbapi_connection
    started, attempt = time.monotonic(), 0
    while True:
        raw.execute(f"PRAGMA busy_timeout={WRITE_LOCK_TRY_MS}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "database is locked" not in str(exc):
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        attempt += 1
        waited = time.monotonic() - started
        if waited >= WRITE_LOCK_LIMIT_S:
            raise EngagementBusy(f"{db_path.parent.name}: the engagement is busy (another fieldwork process kept it "
                                 f"locked for {describe_wait(waited)}); nothing was saved, try again") from None
        waiter = _waiter.get()
        if waiter is not None and waiter(LockWait(db_path, attempt, waited)) is False:
            raise EngagementBusy(f"{db_path.parent.name}: stopped waiting for another fieldwork process "
                                 f"(after {describe_wait(waited)}); nothing was saved, try again") from None


def make_engine(db_path: Path, *, immediate: bool = True) -> Engine:
    """An engine on `db_path`. With `immediate`, every transaction starts with BEGIN IMMEDIATE so
    two processes writing the same engagement queue on SQLite's lock (`take_write_lock`: tried again
    while another process holds it) instead of failing half-way with "database is locked"; read-only
    engines use plain deferred BEGIN."""
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
        if immediate:
            take_write_lock(conn, db_path)
        else:
            conn.exec_driver_sql("BEGIN")

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


def closed_cleanly(db_path: Path) -> bool:
    """Whether the clean-close stamp still matches the file (the open then skips its full scan)."""
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
        # a refused (newer or corrupt) database is left exactly as it was (store/peek.py)
        with peek(db_path) as conn:
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
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{db_path}: database is corrupt or unreadable ({exc}); restore it from a backup") from None


def integrity_problem(db_path: Path, *, quick: bool = False) -> str | None:
    """SQLite's own check of every page (`PRAGMA integrity_check`, or the faster `quick_check`) on a
    read-only connection: None when the file is sound, else the first problem in one line. A file
    without a WAL is opened immutable, so the check leaves no side file behind."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        with peek(db_path) as conn:
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        return str(exc) or exc.__class__.__name__
    if rows == ["ok"]:
        return None
    return integrity_summary(rows)


def integrity_summary(rows: list) -> str:
    """SQLite's integrity findings as one readable line: the first and how many more. A row may hold
    several findings on lines of their own, under a "*** in database main ***" header."""
    findings = [line.strip() for r in rows for line in str(r).splitlines()
                if line.strip() and not line.strip().startswith("***")] or ["no result"]
    first = findings[0] if len(findings[0]) <= 200 else findings[0][:199] + "…"
    return first if len(findings) == 1 else f"{first} (and {len(findings) - 1} more)"


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
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import fieldwork_tui.store.models  # noqa: F401 - registers the tables

    existing = set(inspect(conn).get_table_names())  # SQLite or PostgreSQL (store/postgres.py)
    return sorted(set(SQLModel.metadata.tables) & existing)


def _lock_module(conn):
    if conn.dialect.name == "postgresql":
        from fieldwork_tui.store import postgres

        return postgres
    from fieldwork_tui.store import locks

    return locks


def install_locks(conn) -> list[str]:
    """(Re)create the lock triggers (store/locks.py; store/postgres.py on a server) in the caller's
    transaction; the ones made."""
    return _lock_module(conn).install(conn, lock_tables(conn))


def lock_problems(conn) -> list[str]:
    """One line per missing or altered lock trigger, on either engine."""
    return _lock_module(conn).problems(conn, lock_tables(conn))


def open_database(db_path: Path, *, create: bool = False) -> Engine:
    """Open (or create) an engagement database and bring it to the current schema head."""
    exists = db_path.exists()
    if not exists and not create:
        raise DatabaseError(f"{db_path}: database not found")
    if exists and not create and db_path.stat().st_size == 0:
        raise DatabaseError(f"{db_path}: the database is empty (damaged); restore it from a backup (fieldwork restore)")
    stored = _stored_revision(db_path, check=not closed_cleanly(db_path)) if exists else None
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
        # SQLite rebuilds a table to change it (batch mode): foreign keys must be off while a table
        # other tables refer to is dropped and recreated, and are checked whole before the commit.
        with engine.connect() as conn:
            raw = conn.connection.driver_connection  # outside any transaction, where the pragma applies
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    install_locks(conn)  # after every migration, so a table a migration added is locked too
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(f"{db_path}: the schema upgrade would break {len(broken)} reference(s) "
                                            f"(first in table {broken[0][0]}); nothing was changed")
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db_path) + suffix)
        if p.exists():
            os.chmod(p, 0o600)
    return engine

