"""The start-up cache: the dashboard's last figures, in the engagement folder, keyed to the database.

The app paints the dashboard from it before SQLAlchemy is loaded, marked "updating…" until the live
figures replace it. The key is read with the standard library's `sqlite3` on a read-only connection:
the engagement's uid (which database), the journal's head (its last entry's id and hash: every change
is journaled), today's date (overdue counts age) and the app's version (the rules that counted).
A cache whose key differs from the database's is never shown: the dashboard waits for the live load.
Only local SQLite engagements have one (a team server's engagement always waits for its live figures).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from fieldwork_tui import __version__
from fieldwork_tui.services.startup.views import DashboardFigures
from fieldwork_tui.store import paths
from fieldwork_tui.store.clock import today
from fieldwork_tui.store.peek import peek

CACHE_NAME = "dashboard-cache.json"
FORMAT = 1
#: The tables the key reads (store/models.py: `Engagement`, `JournalEntry`; a test pins them).
ENGAGEMENT_TABLE = "engagement"
JOURNAL_TABLE = "journalentry"


def database_key(db_path: Path) -> list[Any] | None:
    """The key of the database at `db_path` as it is now (None: not a readable SQLite engagement)."""
    try:
        with peek(db_path) as conn:
            uid = conn.execute(f"SELECT uid FROM {ENGAGEMENT_TABLE} LIMIT 1").fetchone()
            head = conn.execute(f"SELECT id, hash FROM {JOURNAL_TABLE} ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return None
    if uid is None:
        return None
    return [FORMAT, __version__, uid[0], list(head) if head else None, today().isoformat()]


def _read(root: Path) -> dict | None:
    try:
        data = json.loads((root / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def cached_key(root: Path) -> list[Any] | None:
    """The key the cache of folder `root` was written under (None: no cache)."""
    data = _read(root)
    return data.get("key") if data is not None else None


def read_cached(root: Path) -> DashboardFigures | None:
    """The cached figures of the engagement folder `root`, if they are the figures of its database as
    it is now; else None."""
    data = _read(root)
    if data is None:
        return None
    key = database_key(root / paths.DB_NAME)
    if key is None or data.get("key") != key:
        return None
    try:
        return DashboardFigures.from_json(data["figures"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def write_cached(root: Path, key: list[Any], figures: DashboardFigures) -> None:
    """Keep `figures` as the figures of the database at `key` (atomically, owner-only; a cache: a
    failed write only means the next start waits for its live figures)."""
    target = root / CACHE_NAME
    tmp = root / f"{paths.TMP_PREFIX}{CACHE_NAME}-{os.getpid()}"
    text = json.dumps({"key": key, "figures": figures.to_json()}, ensure_ascii=False)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)

