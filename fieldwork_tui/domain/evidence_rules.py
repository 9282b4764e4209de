"""Rules for evidence files that do not depend on where they are stored.

- What is known of a document belongs to the document: a file already in the vault keeps its
  as-of date and description wherever it is attached. Attaching it again with a *different* value
  is a conflict the auditor decides (update the record — which changes the workpaper of every
  control using it — or keep what is stored); a value given where none was stored fills it in.
- Copying into the vault needs room for every byte of every file at its apparent size (a sparse
  file is written out in full), plus a reserve so the database can still commit afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Free space kept after a copy so the database, its journal and the WAL can still be written.
SPACE_RESERVE = 64 * 1024 * 1024


@dataclass(frozen=True)
class MetadataConflict:
    """A field whose stored value differs from the one given again."""

    field: str  # "as_of" or "description"
    stored: str
    given: str

    def describe(self) -> str:
        label = "as of" if self.field == "as_of" else self.field
        return f"{label} {self.stored or '(none)'} is stored, {self.given or '(none)'} given"


def _text(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def metadata_conflicts(stored_as_of: dt.date | None, stored_description: str, *,
                       as_of: dt.date | None = None, description: str | None = None) -> list[MetadataConflict]:
    """Fields given for an already-stored file that differ from what is stored. A value not given
    (None, or an empty description) never conflicts; a value given where none is stored fills it in."""
    out = []
    if as_of is not None and stored_as_of is not None and as_of != stored_as_of:
        out.append(MetadataConflict("as_of", _text(stored_as_of), _text(as_of)))
    given = (description or "").strip()
    stored = (stored_description or "").strip()
    if given and stored and given != stored:
        out.append(MetadataConflict("description", stored, given))
    return out


def human_bytes(n: int) -> str:
    """Sizes as people read them in a message: 512 B, 1.5 KB, 12.3 MB, 1.10 GB (powers of 1024)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            if unit == "B":
                return f"{int(size)} B"
            return f"{size:.2f} {unit}" if unit in ("GB", "TB") else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def space_problem(needed: int, free: int, *, reserve: int = SPACE_RESERVE, where: str = "the vault") -> str | None:
    """One line saying why `needed` bytes cannot be copied with `free` bytes free (None when they can)."""
    if needed + reserve <= free:
        return None
    return (f"not enough free space in {where}: the files need {human_bytes(needed)} "
            f"(counted at their full size, sparse files too) plus {human_bytes(reserve)} kept free, "
            f"and {human_bytes(max(free, 0))} is free; nothing was copied")
