"""Helpers shared by every layer's tests (fixtures are in tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

DEMO_TODAY = "2026-11-20"
USER = "elena"


#: Inside the demo template's home: the config dir it was built with (the demo signers' trust list).
DEMO_CONFIG = ".demo-config"


@contextmanager
def frozen_identity(config=None):
    """The frozen day and user of the autouse fixture, for session fixtures built before it applies;
    `config` is the config dir (signing keys, trust list) they see — never the real one."""
    old = {k: os.environ.get(k) for k in ("FIELDWORK_TODAY", "FIELDWORK_USER", "FIELDWORK_CONFIG")}
    os.environ["FIELDWORK_TODAY"], os.environ["FIELDWORK_USER"] = DEMO_TODAY, USER
    if config is not None:
        os.environ["FIELDWORK_CONFIG"] = str(config)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class LockHolder:
    """A foreign connection holding the engagement's write lock, as another fieldwork process would
    (it holds it from construction until `release()`; releasing twice is fine)."""

    def __init__(self, db_path) -> None:
        self.conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE engagement SET service_organization = service_organization")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.execute("COMMIT")
            self.conn.close()
            self.conn = None


def built_once(tmp_path_factory, worker_id: str, name: str,
               build: Callable[[Path], None]) -> Path:
    """A read-only template folder built ONCE per test run, shared by the xdist workers: the first
    worker to get here builds it under an exclusive lock; the others wait on that lock (an event, not
    a poll) and reuse it. Tests never write into it; each copies what it uses."""
    import fcntl

    # the run's own temp root: every worker's basetemp sits in it (with -n 0 it is the basetemp itself)
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    folder, done = root / name, root / f"{name}.built"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder)
            done.touch()
    return folder
