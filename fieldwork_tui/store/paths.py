"""Where engagements live. One engagement = one folder: `fieldwork.db` + `vault/`.

Folders are created 0700 and files 0600: engagement folders hold confidential client evidence.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

DB_NAME = "fieldwork.db"
VAULT_NAME = "vault"
HOME_ENV = "FIELDWORK_HOME"
TMP_PREFIX = ".tmp-"  # a temporary file or folder an interrupted write left: removed on open


def default_home() -> Path:
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("fieldwork-tui", appauthor=False))


def config_dir() -> Path:
    env = os.environ.get("FIELDWORK_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("fieldwork-tui", appauthor=False))


def resolve_home(home: Path | str | None) -> Path:
    return Path(home).expanduser() if home else default_home()


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:60] or "engagement"


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable (best effort: some file systems refuse directory fsync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
