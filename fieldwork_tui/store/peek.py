"""A look into an engagement's SQLite file that leaves it exactly as it was (standard library only, so
the start-up path can use it before SQLAlchemy is loaded)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def peek(db_path: Path | str) -> Iterator[sqlite3.Connection]:
    """A short-lived read-only connection. Without a WAL file there is nothing a read-only connection
    could miss, so the file is opened immutable: a refused (newer or corrupt) database, a backup's
    target or a folder being listed is left as it was, not even a -shm file created. For one-off
    reads only (a connection kept open must see others' commits: `mode=ro` alone)."""
    db_path = Path(db_path)
    flags = "mode=ro" if Path(f"{db_path}-wal").exists() else "mode=ro&immutable=1"
    conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?{flags}", uri=True)
    try:
        yield conn
    finally:
        conn.close()
