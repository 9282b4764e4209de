"""Engagements: one folder each (`fieldwork.db` + `vault/`) under the fieldwork home.

`EngagementHandle` is what every other service takes: it knows the folder, opens write sessions
(journaled, BEGIN IMMEDIATE) and read sessions, and names the acting user.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from fieldwork_tui.domain.criteria import CATEGORIES
from fieldwork_tui.domain.vocab import EngagementType, Phase
from fieldwork_tui.models import Engagement
from fieldwork_tui.services import journal
from fieldwork_tui.services.errors import EngagementBusy, FieldworkError, InvalidInput, NotFound
from fieldwork_tui.store import db as _db
from fieldwork_tui.store import paths
from fieldwork_tui.store.db import DatabaseError, make_engine, mark_clean, open_database

TMP_PREFIX = ".tmp-"
ALL_CATEGORIES = sorted(set(CATEGORIES.values()))


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


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    try:
        start_s, end_s = text.split("..", 1)
        start, end = dt.date.fromisoformat(start_s.strip()), dt.date.fromisoformat(end_s.strip())
    except ValueError:
        raise InvalidInput(f"period {text!r}: expected YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise InvalidInput(f"period {text!r}: the end is before the start")
    return start, end


def parse_categories(text: str | list[str] | None) -> list[str]:
    items = text if isinstance(text, list) else [c for c in (text or "security").replace(";", ",").split(",")]
    out: list[str] = []
    for item in items:
        c = item.strip().lower().replace(" ", "_").replace("-", "_")
        if not c:
            continue
        if c not in ALL_CATEGORIES:
            raise InvalidInput(f"category {item.strip()!r}: expected one of {', '.join(ALL_CATEGORIES)}")
        if c not in out:
            out.append(c)
    if "security" not in out:
        out.insert(0, "security")  # the common criteria are always in scope
    return out


def _clean_temp_files(root: Path) -> None:
    """Remove temporary files an interrupted attach, import or export left behind."""
    for folder in (root, root / paths.VAULT_NAME, root / paths.VAULT_NAME / "tmp"):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if p.name.startswith(TMP_PREFIX) and (p.is_file() or p.is_symlink()):
                p.unlink(missing_ok=True)
            elif p.name.startswith(TMP_PREFIX) and p.is_dir() and folder == root:
                shutil.rmtree(p, ignore_errors=True)  # scratch folders (services/scratch.py)


def _handle(root: Path, *, create: bool = False) -> EngagementHandle:
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


LOCK_NAME = paths.DB_NAME + ".lock"  # excluded from backups with the database's other side files


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


def create_engagement(
    home: Path | str | None,
    name: str,
    *,
    type: int | str = 2,
    period: str | tuple[dt.date, dt.date] | None = None,
    categories: str | list[str] | None = None,
    service_organization: str = "",
    slug: str | None = None,
    replace: bool = False,
    kickoff_on: dt.date | None = None,
) -> EngagementHandle:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name: an engagement needs a name")
    eng_type = {"1": EngagementType.type1, "2": EngagementType.type2}.get(str(type).lower().removeprefix("type"))
    if eng_type is None:
        raise InvalidInput(f"type {type!r}: expected 1 or 2")
    if period is None:
        year = dt.date.today().year
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    elif isinstance(period, str):
        start, end = parse_period(period)
    else:
        start, end = period
    if eng_type is EngagementType.type1:
        start = end  # a Type I report speaks of one date
    cats = parse_categories(categories)
    home_path = paths.ensure_private_dir(paths.resolve_home(home))
    slug = slug or paths.slugify(name)
    root = home_path / slug
    if root.exists():
        if not replace:
            raise InvalidInput(f"engagement {slug!r} already exists in {home_path}")
        shutil.rmtree(root)
    paths.ensure_private_dir(root)
    handle = _handle(root, create=True)
    with handle.session() as s:
        s.add(
            Engagement(
                name=name,
                slug=slug,
                service_organization=service_organization or name,
                type=eng_type,
                period_start=start,
                period_end=end,
                categories=cats,
                phase=Phase.kickoff,
                kickoff_on=kickoff_on,
            )
        )
    return handle


def engagement_dirs(home: Path | str | None) -> list[Path]:
    home_path = paths.resolve_home(home)
    if not home_path.is_dir():
        return []
    return sorted(p for p in home_path.iterdir()
                  if p.is_dir() and not p.name.startswith(TMP_PREFIX) and (p / paths.DB_NAME).is_file())


def resolve(home: Path | str | None, name: str) -> Path:
    """Find an engagement folder by slug, or by an unambiguous prefix of its slug or name."""
    dirs = engagement_dirs(home)
    needle = (name or "").strip().lower()
    if not needle:
        raise InvalidInput("engagement: give a name or slug")
    for d in dirs:
        if d.name.lower() == needle:
            return d
    slug_needle = paths.slugify(needle)
    matches = [d for d in dirs if d.name.lower().startswith(needle) or d.name.startswith(slug_needle)]
    if not matches:
        names = {d: _read_name(d) for d in dirs}
        matches = [d for d, n in names.items() if n.lower().startswith(needle)]
    if not matches:
        known = ", ".join(d.name for d in dirs) or "none yet (fieldwork new NAME, or fieldwork demo)"
        raise NotFound(f"engagement {name!r} not found; known: {known}")
    if len(matches) > 1:
        raise InvalidInput(f"engagement {name!r} is ambiguous: {', '.join(d.name for d in matches)}")
    return matches[0]


def _read_name(root: Path) -> str:
    import sqlite3

    try:
        conn = sqlite3.connect(f"{(root / paths.DB_NAME).absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT name FROM engagement LIMIT 1").fetchone()
        finally:
            conn.close()
        return row[0] if row else root.name
    except sqlite3.Error:
        return root.name


def open_engagement(home: Path | str | None, name: str) -> EngagementHandle:
    return _handle(resolve(home, name))


def open_path(root: Path) -> EngagementHandle:
    return _handle(root)


def engagement_summary(handle: EngagementHandle) -> dict:
    eng = handle.engagement()
    return {
        "name": eng.name,
        "slug": handle.slug,
        "type": eng.type.value,
        "period_start": eng.period_start.isoformat(),
        "period_end": eng.period_end.isoformat(),
        "phase": eng.phase.value,
        "path": str(handle.root),
    }


def list_engagements(home: Path | str | None) -> list[dict]:
    """Every engagement under home; one that cannot be opened is listed with its error."""
    out = []
    for d in engagement_dirs(home):
        try:
            handle = _handle(d)
        except FieldworkError as exc:
            out.append({"name": d.name, "slug": d.name, "type": None, "period_start": None, "period_end": None,
                        "phase": None, "path": str(d), "error": str(exc)})
            continue
        try:
            out.append(engagement_summary(handle))
        finally:
            handle.close()
    return out


def set_phase(handle: EngagementHandle, phase: Phase | str) -> Phase:
    phase = Phase(phase)
    with handle.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.phase = phase
        s.add(eng)
    return phase


def to_json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
