"""Files fieldwork writes outside the engagement folder (workpaper bundles, request lists, backups).

They all hold client data, so each is written the same way: a temporary file `.tmp-<name>-<token>`
beside the target, created 0600 whatever the umask, locked while it is being written, synced and
renamed over the target. The finished output keeps the temporary file's 0600. A run killed half-way
leaves its temporary file behind; the next write to the same name sweeps every such file nobody is
still writing (the lock tells: a live writer holds it, a dead one released it with its process).
"""

from __future__ import annotations

import glob
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldwork_tui.store.paths import fsync_dir

try:
    import fcntl
except ImportError:  # not POSIX: no lock, so a sweep cannot tell a live writer from a dead one
    fcntl = None  # type: ignore[assignment]

TMP_PREFIX = ".tmp-"
OUTPUT_MODE = 0o600


def temp_name(target: Path) -> str:
    return f"{TMP_PREFIX}{target.name}-{secrets.token_hex(6)}"


def sweep_stale(target: Path) -> list[Path]:
    """Delete the temporary files earlier, killed writes of `target` left beside it; return them."""
    swept = []
    for p in target.parent.glob(f"{TMP_PREFIX}{glob.escape(target.name)}-*"):
        try:
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:  # a symlink (never followed), gone meanwhile, or unreadable
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # another process is writing it right now
            p.unlink(missing_ok=True)
            swept.append(p)
        finally:
            os.close(fd)
    return swept


@contextmanager
def private_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write the output to; on success it is synced and renamed to `target`
    (0600), on any failure removed. Earlier killed writes of `target` are swept first."""
    sweep_stale(target)
    tmp = target.with_name(temp_name(target))
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), OUTPUT_MODE)
    try:
        os.fchmod(fd, OUTPUT_MODE)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield tmp
            with open(tmp, "rb+") as fh:  # by name: a writer may have recreated the file
                os.fsync(fh.fileno())
            os.chmod(tmp, OUTPUT_MODE)  # ... and then it gets 0600 back
            os.replace(tmp, target)
            fsync_dir(target.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        os.close(fd)
