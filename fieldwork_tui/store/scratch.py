"""Scratch space for libraries that spill to the system temp folder.

openpyxl writes every worksheet to a file in the system temp folder (/tmp) before zipping it: the
rows of a request list or workpaper would sit, readable to whoever can read /tmp, outside the
engagement — and stay there if the laptop dies mid-export. `private_scratch` points Python's temp
folder at a private `.tmp-*` folder inside the engagement for the duration (removed afterwards, and
by the next open if the process was killed).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldwork_tui.store import paths

_lock = threading.RLock()


@contextmanager
def private_scratch(root: Path) -> Iterator[Path]:
    """Within the block, `tempfile` creates its files in a 0700 folder inside the engagement `root`."""
    folder = paths.ensure_private_dir(root / f".tmp-scratch-{secrets.token_hex(6)}")
    with _lock:  # tempfile.tempdir is process-wide: one export at a time redirects it
        previous = tempfile.tempdir
        tempfile.tempdir = str(folder)
        try:
            yield folder
        finally:
            tempfile.tempdir = previous
            shutil.rmtree(folder, ignore_errors=True)
