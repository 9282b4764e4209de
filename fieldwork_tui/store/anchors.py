"""The anchors record of each engagement, outside its folder: `<fieldwork home>/.anchors/<id>.jsonl`.

One line per signed sign-off or export (format: `domain/anchors.py`), appended and synced; the folder
is 0700 and the files 0600. It sits beside the engagement folders, not inside one, so copying,
backing up or rewriting an engagement folder never touches it. The engagement id (`Engagement.uid`)
names the file; each line repeats it inside its signed statement.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from fieldwork_tui.store import paths

DIR_NAME = ".anchors"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def anchors_dir(home: Path) -> Path:
    return Path(home) / DIR_NAME


def anchors_file(home: Path, engagement_uid: str) -> Path:
    if not _SAFE_ID.match(engagement_uid or ""):
        raise ValueError(f"engagement id {engagement_uid!r} cannot name an anchors file")
    return anchors_dir(home) / f"{engagement_uid}.jsonl"


def append(home: Path, engagement_uid: str, line: str) -> Path:
    """Append one anchor line durably (O_APPEND, fsync)."""
    if "\n" in line:
        raise ValueError("an anchor is one line")
    path = anchors_file(home, engagement_uid)
    paths.ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
    paths.fsync_dir(path.parent)
    return path


def discard(home: Path, engagement_uid: str) -> None:
    """Remove an engagement's anchors record. Only for an engagement that is itself thrown away and
    rebuilt under the same id (the demo): its old anchors name heads the new journal never had."""
    path = anchors_file(home, engagement_uid)
    if path.exists():
        path.unlink()
        paths.fsync_dir(path.parent)


def records(home: Path) -> list[Path]:
    """Every anchors record under `home`."""
    folder = anchors_dir(home)
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def read_lines(home: Path, engagement_uid: str) -> list[str]:
    """The record's lines ([] when there is none yet)."""
    try:
        return anchors_file(home, engagement_uid).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
