"""Team engagements on PostgreSQL: one database per engagement, the same schema, migrations and journal.

An engagement on a server is addressed by a `postgresql://[user@]host[:port]/DBNAME[?params]` URL (libpq's
form, so `?host=/socket/dir`, `?service=NAME` and `sslmode=` work as with `psql`). A URL never carries a
password: libpq reads it from `~/.pgpass`, `PGPASSFILE` or the service file, so nothing fieldwork writes
(config.toml, the journal, a bundle) can leak it.

What SQLite gives the local engagement, PostgreSQL gives here:

- `BEGIN IMMEDIATE` (one writer at a time, so the journal stays one linear hash chain) → every write
  transaction first takes a transaction-scoped advisory lock (`pg_advisory_xact_lock`), released at
  commit or rollback; readers never take it. Advisory locks are per database, so engagements on one
  server never wait for each other.
- the `final_report` lock and the append-only journal (store/locks.py's SQLite triggers) → one PL/pgSQL
  function and a trigger per table and operation with the same rule and messages, derived from the same
  table list (`locks.EXEMPT`, `locks.UPDATABLE_WHEN_LOCKED`, `locks.JOURNAL_TABLE`); TRUNCATE, which
  bypasses row triggers, is refused the same way.
- timestamps: every session runs with `TimeZone=UTC`, so aware UTC datetimes are stored and read as UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import event, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from fieldwork_tui.store import locks

SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: The advisory lock key of the engagement's write lock (per database; any fixed 64-bit number).
WRITE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"fieldwork-tui write lock").digest()[:8], "big", signed=True)
#: The lock that serialises evidence blob uploads (not the write lock: see server_vault.ServerVault).
BLOB_LOCK_KEY = int.from_bytes(hashlib.sha256(b"fieldwork-tui blob upload").digest()[:8], "big", signed=True)
CONNECT_TIMEOUT_S = 10
FUNCTION = "fw_lock_refuse"


class AddressError(ValueError):
    """A server address that cannot be used; the message is one line."""


def is_server_address(text: str | None) -> bool:
    return bool(text) and str(text).split("://", 1)[0].lower() in SCHEMES and "://" in str(text)


def parse_address(text: str) -> URL:
    """The SQLAlchemy URL (psycopg 3 driver) of a `postgresql://…/DBNAME` address; refuses a password."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise AddressError(f"{text!r}: not a postgresql:// address") from None
    if url.drivername not in SCHEMES:
        raise AddressError(f"{text!r}: not a postgresql:// address")
    if url.password is not None:
        raise AddressError(f"{display(url)}: the address holds a password; remove it and put it in ~/.pgpass "
                           "(or the file PGPASSFILE names, or a service file): fieldwork never stores passwords")
    if not url.database and "service" not in url.query:
        raise AddressError(f"{text!r}: the address names no database (postgresql://host/ENGAGEMENT)")
    return url.set(drivername="postgresql+psycopg")


def display(url: URL | str) -> str:
    """The address as shown to people (and journaled): `postgresql://user@host:port/db`, never a password."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return url
    from urllib.parse import unquote

    return unquote(url.set(drivername="postgresql", password=None).render_as_string(hide_password=True))


def database_name(url: URL) -> str:
    return url.database or str(url.query.get("service", "engagement"))


def make_server_engine(url: URL | str, *, write: bool = True) -> Engine:
    """An engine on the engagement's database. With `write`, every transaction first takes the
    engagement's write lock (the advisory lock), so writers queue as they do on SQLite."""
    from sqlalchemy import create_engine

    if isinstance(url, str):
        url = parse_address(url)
    engine = create_engine(
        url,
        connect_args={"options": "-c TimeZone=UTC", "connect_timeout": CONNECT_TIMEOUT_S,
                      "application_name": "fieldwork-tui"},
        pool_pre_ping=True,
    )
    if write:
        name = database_name(url)

        def _begin(conn) -> None:
            take_server_write_lock(conn, name)

        event.listen(engine, "begin", _begin)
    return engine


def take_server_write_lock(conn, name: str) -> None:
    """The advisory write lock, waited for as SQLite's is (`db.take_write_lock`): each try waits
    `WRITE_LOCK_TRY_MS` (lock_timeout, inside a savepoint so a timed-out try leaves the transaction
    usable), then the waiter the caller set is told (the TUI shows "Waiting for the engagement…", the
    CLI prints a line) and may stop; after `WRITE_LOCK_LIMIT_S` the write is refused, nothing saved."""
    import time
    from pathlib import Path

    import psycopg

    from fieldwork_tui.errors import EngagementBusy
    from fieldwork_tui.store import db

    # the raw connection: an error inside SQLAlchemy's "begin" event would roll the transaction back
    raw = conn.connection.dbapi_connection
    started, attempt = time.monotonic(), 0
    while True:
        with raw.cursor() as cur:
            cur.execute("SAVEPOINT fw_write_lock")
            cur.execute(f"SET LOCAL lock_timeout = {int(db.WRITE_LOCK_TRY_MS)}")
            try:
                cur.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            except psycopg.errors.LockNotAvailable:
                cur.execute("ROLLBACK TO SAVEPOINT fw_write_lock")
            else:
                cur.execute("RELEASE SAVEPOINT fw_write_lock")
                cur.execute("SET LOCAL lock_timeout TO DEFAULT")  # the rest of the transaction as configured
                return
        attempt += 1
        waited = time.monotonic() - started
        if waited >= db.WRITE_LOCK_LIMIT_S:
            raise EngagementBusy(f"{name}: the engagement is busy (another fieldwork session kept it locked for "
                                 f"{db.describe_wait(waited)}); nothing was saved, try again") from None
        waiter = db._waiter.get()
        if waiter is not None and waiter(db.LockWait(Path(name) / "server", attempt, waited)) is False:
            raise EngagementBusy(f"{name}: stopped waiting for another fieldwork session "
                                 f"(after {db.describe_wait(waited)}); nothing was saved, try again") from None


def table_names(conn) -> set[str]:
    return set(inspect(conn).get_table_names())


# -- the final_report lock ------------------------------------------------------------------------
_BODY = """
BEGIN
    IF TG_ARGV[0] = 'always' OR (SELECT phase::text FROM engagement LIMIT 1) = 'final_report' THEN
        RAISE EXCEPTION USING MESSAGE = TG_ARGV[1], ERRCODE = 'raise_exception';
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
"""
_FUNCTION_SQL = f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fw${_BODY}$fw$"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def triggers(tables: Iterable[str]) -> dict[str, str]:
    """{trigger name: CREATE TRIGGER statement}: the rule of store/locks.py, for PostgreSQL."""
    q = locks._quote
    out: dict[str, str] = {}
    for table in sorted(set(tables) - locks.EXEMPT):
        for op in ("update", "delete", "truncate"):
            if table == locks.JOURNAL_TABLE:
                when, message = "always", locks.JOURNAL_MESSAGE
            elif op == "update" and table in locks.UPDATABLE_WHEN_LOCKED:
                continue
            else:
                when, message = "locked", f"{locks.LOCKED_MESSAGE}: {table} cannot be {op}d"
            level = "STATEMENT" if op == "truncate" else "ROW"
            name = locks.trigger_name(table, op)
            out[name] = (f"CREATE TRIGGER {q(name)} BEFORE {op.upper()} ON {q(table)} FOR EACH {level} "
                         f"EXECUTE FUNCTION {FUNCTION}({_lit(when)}, {_lit(message)})")
    return out


def _existing(conn) -> dict[str, tuple[str, str]]:
    """{trigger name: (its definition as PostgreSQL prints it, enabled flag)}."""
    rows = conn.exec_driver_sql(
        "SELECT t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND t.tgname LIKE 'fw\\_lock\\_%%'"
    ).all()
    return {name: (sql, enabled) for name, sql, enabled in rows}


def _function_ok(conn) -> bool:
    row = conn.exec_driver_sql(
        f"SELECT prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        f"WHERE p.proname = '{FUNCTION}' AND n.nspname = current_schema()").first()
    return bool(row) and row[0] == _BODY


def _same(printed: str, wanted_sql: str) -> bool:
    norm = lambda s: " ".join(s.replace('"', "").replace("public.", "").split()).lower()  # noqa: E731
    return norm(printed) == norm(wanted_sql)


def install(conn, tables: Iterable[str]) -> list[str]:
    """Create (or replace) the lock function and the missing or altered triggers; their names."""
    if not _function_ok(conn):
        conn.exec_driver_sql(_FUNCTION_SQL)
    wanted = _all_triggers(conn, tables)
    have = _existing(conn)
    done = []
    for name, sql in wanted.items():
        current = have.get(name)
        if current and current[1] == "O" and _same(current[0], sql):
            continue
        if current:
            table = sql.split(" ON ", 1)[1].split(" FOR EACH", 1)[0]
            conn.exec_driver_sql(f"DROP TRIGGER {locks._quote(name)} ON {table}")
        conn.exec_driver_sql(sql)
        done.append(name)
    return done


def problems(conn, tables: Iterable[str]) -> list[str]:
    """One line per missing, disabled or altered lock trigger (and an altered lock function)."""
    out = []
    if not _function_ok(conn):
        out.append(f"database function {FUNCTION} is missing or altered: the final-report lock is not enforced "
                   "(`fieldwork check --restore-locks` puts it back)")
    have = _existing(conn)
    for name, sql in _all_triggers(conn, tables).items():
        if name not in have:
            out.append(f"database trigger {name} is missing: the final-report lock is not enforced there "
                       "(someone removed it; `fieldwork check --restore-locks` puts it back)")
        elif have[name][1] != "O" or not _same(have[name][0], sql):
            out.append(f"database trigger {name} was altered or disabled: the final-report lock may not hold there "
                       "(`fieldwork check --restore-locks` puts it back)")
    return out


# -- opening an engagement on a server ------------------------------------------------------------
def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _maintenance_url(url: URL) -> URL:
    return url.set(database="postgres")


def ensure_database(url: URL) -> bool:
    """Create the engagement's database on the server if it does not exist yet (the role needs CREATEDB);
    True when it was created."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from fieldwork_tui.store.db import DatabaseError

    name = database_name(url)
    engine = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                return False
            try:
                conn.exec_driver_sql(f"CREATE DATABASE {locks._quote(name)} ENCODING 'UTF8' TEMPLATE template0")
            except SQLAlchemyError as exc:
                raise DatabaseError(f"{display(url)}: the database does not exist and cannot be created "
                                    f"({_reason(exc)}); ask the server's administrator: createdb {name}") from None
            return True
    except SQLAlchemyError as exc:
        raise DatabaseError(f"{display(url)}: cannot connect to the server ({_reason(exc)})") from None
    finally:
        engine.dispose()


def open_server_database(url: URL | str, *, create: bool = False) -> Engine:
    """An engine on the engagement's database, migrated to the current head (under the write lock, so two
    people opening it at once migrate it once) with the lock triggers installed."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from fieldwork_tui.store.db import (
        DatabaseError,
        alembic_config,
        head_revision,
        install_locks,
        known_revisions,
    )

    if isinstance(url, str):
        url = parse_address(url)
    engine = make_server_engine(url, write=True)
    shown = display(url)
    try:
        with engine.begin() as conn:
            tables = table_names(conn)
            stored = None
            if "alembic_version" in tables:
                stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            elif tables:
                raise DatabaseError(f"{shown}: not a fieldwork database (it holds other tables)")
            elif not create:
                raise DatabaseError(f"{shown}: holds no engagement yet (fieldwork publish ENGAGEMENT --to {shown})")
            if stored is not None and stored not in known_revisions():
                raise DatabaseError(f"{shown}: written by a newer version of fieldwork-tui (schema {stored}); "
                                    "upgrade fieldwork-tui to open it")
            if stored != head_revision():
                from alembic import command

                cfg = alembic_config(engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                install_locks(conn)
                install_blob_store(conn)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"{shown}: cannot open the engagement ({_reason(exc)})") from None
    except DatabaseError:
        engine.dispose()
        raise
    return engine


# -- evidence blobs on the server -----------------------------------------------------------------
BLOB_TABLE = "fw_blob"
CHUNK_TABLE = "fw_blob_chunk"
BLOB_CHUNK = 1 << 20  # 1 MiB per row: a blob is streamed in and out one chunk at a time

_BLOB_DDL = (
    f"CREATE TABLE IF NOT EXISTS {BLOB_TABLE} (sha256 char(64) PRIMARY KEY, size bigint NOT NULL, "
    "chunks integer NOT NULL, stored_at timestamptz NOT NULL DEFAULT now())",
    f"CREATE TABLE IF NOT EXISTS {CHUNK_TABLE} (sha256 char(64) NOT NULL REFERENCES {BLOB_TABLE} "
    "DEFERRABLE INITIALLY DEFERRED, n integer NOT NULL, data bytea NOT NULL, PRIMARY KEY (sha256, n))",
)


def blob_triggers() -> dict[str, str]:
    """Blobs are content-addressed, so never changed: UPDATE, DELETE and TRUNCATE are always refused."""
    q = locks._quote
    out = {}
    for table in (BLOB_TABLE, CHUNK_TABLE):
        for op in ("update", "delete", "truncate"):
            level = "STATEMENT" if op == "truncate" else "ROW"
            name = locks.trigger_name(table, op)
            out[name] = (f"CREATE TRIGGER {q(name)} BEFORE {op.upper()} ON {q(table)} FOR EACH {level} EXECUTE "
                         f"FUNCTION {FUNCTION}('always', {_lit('fieldwork: evidence blobs are never changed')})")
    return out


def install_blob_store(conn) -> None:
    if not _function_ok(conn):
        conn.exec_driver_sql(_FUNCTION_SQL)
    for ddl in _BLOB_DDL:
        conn.exec_driver_sql(ddl)
    have = _existing(conn)
    for name, sql in blob_triggers().items():
        if name not in have:
            conn.exec_driver_sql(sql)


def _all_triggers(conn, tables: Iterable[str]) -> dict[str, str]:
    wanted = triggers(tables)
    if BLOB_TABLE in table_names(conn):
        wanted.update(blob_triggers())
    return wanted
