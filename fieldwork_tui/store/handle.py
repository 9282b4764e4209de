"""The engagement handle: the unit of work every service takes.

It knows the engagement folder, opens write sessions (journaled; BEGIN IMMEDIATE, waiting while another
process holds the write lock — `store.db.take_write_lock`, the one place every write waits, telling the
thread's `waiting_for_lock` waiter — committed on success and rolled back on any error, a lock held past
the limit reported as one line) and read sessions,
and names the acting user. `open_handle` opens the database (migrating it when needed), holds a shared
lock on the folder while the handle is open, and sweeps the temporary files of interrupted writes when
no other process has the engagement open.
"""

from __future__ import annotations

import getpass
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from fieldwork_tui.errors import EngagementBusy, FieldworkError, InvalidInput, NotFound
from fieldwork_tui.store import db as _db
from fieldwork_tui.store import journal, paths
from fieldwork_tui.store.db import DatabaseError, closed_cleanly, make_engine, mark_clean, open_database
from fieldwork_tui.store.models import Engagement

TMP_PREFIX = paths.TMP_PREFIX
LOCK_NAME = paths.DB_NAME + ".lock"  # excluded from backups with the database's other side files


#: Columns fixed when their row is created. The engagement uid is an input of every sample's seed
#: (docs/sampling-method.md): changing it would silently make every recorded sample irreproducible.
#: A change is refused — here for the app (and journaled), by a trigger for anything else (store.db).
FIXED_COLUMNS = {"engagement": ("uid",)}


def _refuse_fixed_changes(session: Session, _ctx, _instances) -> None:
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", "")
        for column in FIXED_COLUMNS.get(table, ()):
            hist = inspect(obj).attrs[column].history
            if hist.deleted and hist.added and hist.deleted[0] != hist.added[0]:
                old, new = hist.deleted[0], hist.added[0]
                session.info["refused"] = (table, str(getattr(obj, "id", "") or ""), {
                    "column": column, "from": old, "to": new, "reason": "fixed when the engagement was created"})
                raise InvalidInput(f"{table} {column} is fixed when the engagement is created ({old}); it cannot "
                                   f"become {new!r} — every sample's seed derives from it")


def current_actor() -> str:
    return os.environ.get("FIELDWORK_USER") or getpass.getuser() or "auditor"


@dataclass
class EngagementHandle:
    root: Path
    engine: Engine
    read_engine: Engine
    actor: str = field(default_factory=current_actor)
    # False when the open trusted the clean-close stamp and skipped the full-file scan: a page damaged
    # in the middle of the file (the stamp samples only its ends) is then found by a background check
    # (services.maintenance.database_warning, run by the app after it opens the engagement)
    scanned_on_open: bool = True
    #: Rules every write session of this handle installs (a team engagement's holds, a replica's
    #: read-only copies: store/holds.py), each called with the new session.
    session_hooks: list = field(default_factory=list, repr=False, compare=False)
    _lock_fd: int | None = field(default=None, repr=False, compare=False)
    _marker_conn: object = field(default=None, repr=False, compare=False)
    _marker_lock: object = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def slug(self) -> str:
        return self.root.name

    @property
    def db_path(self) -> Path:
        return self.root / paths.DB_NAME

    @property
    def vault_path(self) -> Path:
        return self.root / paths.VAULT_NAME

    def vault(self):
        """The evidence vault (a `Vault`; on a server, blobs in the engagement's database)."""
        from fieldwork_tui.store.vault import Vault

        return Vault(self.vault_path)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session: journaled, committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            journal.install(session, self.actor)
            event.listen(session, "before_flush", _refuse_fixed_changes)
            for hook in self.session_hooks:
                hook(session)
            try:
                yield session
                session.commit()
                try:
                    self._settle_placed_blobs()
                except (OSError, SQLAlchemyDatabaseError):
                    pass  # a marker left is resolved by the next open (store/vault.py)
            except OperationalError as exc:
                session.rollback()
                if "database is locked" in str(exc):  # met after BEGIN IMMEDIATE (a checkpoint, a recovery)
                    raise EngagementBusy(
                        f"{self.slug}: the engagement is busy (another fieldwork process kept it locked for "
                        f"{_db.BUSY_TIMEOUT_MS / 1000:g} s); nothing was saved, try again"
                    ) from None
                if "disk is full" in str(exc):
                    raise FieldworkError(f"{self.slug}: disk full; nothing was saved (free some space and retry)") from None
                raise
            except SQLAlchemyDatabaseError as exc:
                session.rollback()
                self._raise_if_damaged(exc, "nothing was saved")
                raise
            except BaseException:
                session.rollback()
                refused = session.info.pop("refused", None)
                if refused is not None:
                    self._journal_refusal(*refused)
                raise

    def _settle_placed_blobs(self) -> None:
        """Drop the pending markers of the vault blobs whose evidence record this commit wrote."""
        from fieldwork_tui.store.vault import Vault, placed_pending

        if placed_pending(self.vault_path):
            Vault(self.vault_path).settle_placed(lambda shas: _referenced_blobs(self.read_engine, shas))

    def _journal_refusal(self, table: str, row_id: str, details: dict) -> None:
        """Record a refused change in the journal, in its own transaction (the change was rolled back)."""
        with Session(self.engine, expire_on_commit=False) as s:
            journal.install(s, self.actor)
            journal.record(s, "refused", table, row_id, details)
            s.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (deferred transaction; never blocks a writer in WAL mode)."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            try:
                yield session
            except SQLAlchemyDatabaseError as exc:
                self._raise_if_damaged(exc, "it cannot be read")
                raise

    def _raise_if_damaged(self, exc: Exception, what: str) -> None:
        """A damaged page met by a query is one user-facing line (every screen and command shows it),
        not an unexpected error."""
        text = str(getattr(exc, "orig", exc))
        if "malformed" in text or "not a database" in text:
            raise FieldworkError(f"{self.db_path}: the database is damaged ({text}); {what} — run `fieldwork check` "
                                 "and restore from a backup (fieldwork restore)") from None

    def engagement(self) -> Engagement:
        with self.read() as s:
            eng = s.exec(select(Engagement)).first()
            if eng is None:
                raise NotFound(f"{self.db_path}: the database has no engagement record")
            return eng

    def change_marker(self) -> tuple:
        """What moves whenever the engagement changes, by this process or any other: SQLite's
        `PRAGMA data_version` on a connection kept for it alone (which never writes, so every commit
        by any other connection moves it — journaled or not, such as a hold) and the journal's last id.
        Cheap: no table is read but the journal's primary key."""
        with self._marker_lock:  # type: ignore[attr-defined]
            if self._marker_conn is None:
                uri = self.db_path.resolve().as_uri() + "?mode=ro"
                self._marker_conn = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                                    isolation_level=None)
            conn = self._marker_conn
            version = conn.execute("PRAGMA data_version").fetchone()[0]  # type: ignore[attr-defined]
            last = conn.execute(f"SELECT max(id) FROM {journal.TABLE_NAME}").fetchone()[0]  # type: ignore[attr-defined]
        return ("sqlite", version, last)

    def _close_marker(self) -> None:
        with self._marker_lock:  # type: ignore[attr-defined]
            conn, self._marker_conn = self._marker_conn, None
        if conn is not None:
            conn.close()  # type: ignore[attr-defined]

    def close(self) -> None:
        self._close_marker()
        self.engine.dispose()
        self.read_engine.dispose()
        mark_clean(self.db_path)  # the next open can skip the full integrity scan
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)


def _clean_temp_files(root: Path) -> None:
    """Remove temporary files an interrupted attach, import or export left behind."""
    for folder in (root, root / paths.VAULT_NAME, root / paths.VAULT_NAME / "tmp"):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if p.name.startswith(TMP_PREFIX) and (p.is_file() or p.is_symlink()):
                p.unlink(missing_ok=True)
            elif p.name.startswith(TMP_PREFIX) and p.is_dir() and folder == root:
                shutil.rmtree(p, ignore_errors=True)  # scratch folders (store/scratch.py)


def _resolve_pending_blobs(root: Path, engine: Engine) -> None:
    """Vault blobs an interrupted operation placed without committing their evidence record are
    removed; those whose record was committed are kept (`Vault.resolve_pending`)."""
    from fieldwork_tui.store.vault import Vault

    Vault(root / paths.VAULT_NAME).resolve_pending(lambda shas: _referenced_blobs(engine, shas))


def _referenced_blobs(engine: Engine, shas: list[str]) -> set[str]:
    """Those of `shas` an evidence record references."""
    marks = ",".join("?" * len(shas))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT sha256 FROM evidencefile WHERE sha256 IN ({marks})", tuple(shas))
        return {r[0] for r in rows}


def open_handle(root: Path, *, create: bool = False) -> EngagementHandle:
    """A handle on the engagement folder `root` (created with `create`)."""
    scanned = not closed_cleanly(root / paths.DB_NAME)
    try:
        engine = open_database(root / paths.DB_NAME, create=create)
    except DatabaseError as exc:
        raise FieldworkError(str(exc)) from None
    paths.ensure_private_dir(root / paths.VAULT_NAME)
    lock_fd = _open_lock(root)
    if _alone(lock_fd):  # temp files of a process still working must not be swept from under it
        try:  # holding the folder's lock exclusively: an opener waits until the sweep is done
            _resolve_pending_blobs(root, engine)
            _clean_temp_files(root)
        finally:
            _share(lock_fd)
    handle = EngagementHandle(root=root, engine=engine, read_engine=make_engine(root / paths.DB_NAME, immediate=False))
    handle._lock_fd = lock_fd
    handle.scanned_on_open = scanned
    from fieldwork_tui.store import holds

    try:
        holds.attach_replica_rules(handle)  # a replica of a team engagement (docs/team.md)
    except BaseException:
        handle.close()
        raise
    return handle


def _open_lock(root: Path) -> int | None:
    """Every open handle holds a shared lock on the engagement's lock file (released by the OS when the
    process dies), so an opener can tell whether another process has the engagement open."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: no sharing check, temp files are swept as before
        return None
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _alone(lock_fd: int | None) -> bool:
    """True, holding the lock exclusively (`_share` gives it back), when no other process has it."""
    if lock_fd is None:
        return True
    import fcntl

    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # upgrade succeeds only if no one else holds it
    except OSError:
        return False
    return True


def _share(lock_fd: int | None) -> None:
    if lock_fd is not None:
        import fcntl

        fcntl.flock(lock_fd, fcntl.LOCK_SH)
