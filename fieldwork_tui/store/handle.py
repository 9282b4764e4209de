"""The engagement handle: the unit of work every service takes.

It knows the engagement folder, opens write sessions (journaled, BEGIN IMMEDIATE, committed on success
and rolled back on any error, a lock held past the busy timeout reported as one line) and read sessions,
and names the acting user. `open_handle` opens the database (migrating it when needed), holds a shared
lock on the folder while the handle is open, and sweeps the temporary files of interrupted writes when
no other process has the engagement open.
"""

from __future__ import annotations

import getpass
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from fieldwork_tui.errors import EngagementBusy, FieldworkError, NotFound
from fieldwork_tui.store import db as _db
from fieldwork_tui.store import journal, paths
from fieldwork_tui.store.db import DatabaseError, make_engine, mark_clean, open_database
from fieldwork_tui.store.models import Engagement

TMP_PREFIX = ".tmp-"
LOCK_NAME = paths.DB_NAME + ".lock"  # excluded from backups with the database's other side files


def current_actor() -> str:
    return os.environ.get("FIELDWORK_USER") or getpass.getuser() or "auditor"


@dataclass
class EngagementHandle:
    root: Path
    engine: Engine
    read_engine: Engine
    actor: str = field(default_factory=current_actor)
    _lock_fd: int | None = field(default=None, repr=False, compare=False)

    @property
    def slug(self) -> str:
        return self.root.name

    @property
    def db_path(self) -> Path:
        return self.root / paths.DB_NAME

    @property
    def vault_path(self) -> Path:
        return self.root / paths.VAULT_NAME

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session: journaled, committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            journal.install(session, self.actor)
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                if "database is locked" in str(exc):
                    raise EngagementBusy(
                        f"{self.slug}: the engagement is busy (another fieldwork process kept it locked for "
                        f"{_db.BUSY_TIMEOUT_MS / 1000:g} s); nothing was saved, try again"
                    ) from None
                if "disk is full" in str(exc):
                    raise FieldworkError(f"{self.slug}: disk full; nothing was saved (free some space and retry)") from None
                raise
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (deferred transaction; never blocks a writer in WAL mode)."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    def engagement(self) -> Engagement:
        with self.read() as s:
            eng = s.exec(select(Engagement)).first()
            if eng is None:
                raise NotFound(f"{self.db_path}: the database has no engagement record")
            return eng

    def close(self) -> None:
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


def open_handle(root: Path, *, create: bool = False) -> EngagementHandle:
    """A handle on the engagement folder `root` (created with `create`)."""
    try:
        engine = open_database(root / paths.DB_NAME, create=create)
    except DatabaseError as exc:
        raise FieldworkError(str(exc)) from None
    paths.ensure_private_dir(root / paths.VAULT_NAME)
    lock_fd = _open_lock(root)
    if _alone(lock_fd):  # temp files of a process still working must not be swept from under it
        _clean_temp_files(root)
    handle = EngagementHandle(root=root, engine=engine, read_engine=make_engine(root / paths.DB_NAME, immediate=False))
    handle._lock_fd = lock_fd
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
    if lock_fd is None:
        return True
    import fcntl

    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # upgrade succeeds only if no one else holds it
    except OSError:
        return False
    fcntl.flock(lock_fd, fcntl.LOCK_SH)
    return True
