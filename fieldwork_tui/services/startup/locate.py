"""Finding an engagement folder by slug, prefix or name, with the standard library only: the app
resolves the engagement it was asked for before SQLAlchemy is loaded (services/startup)."""

from __future__ import annotations

from pathlib import Path

from fieldwork_tui.errors import InvalidInput, NotFound
from fieldwork_tui.store import paths


def engagement_dirs(home: Path | str | None) -> list[Path]:
    home_path = paths.resolve_home(home)
    if not home_path.is_dir():
        return []
    return sorted(p for p in home_path.iterdir()
                  if p.is_dir() and not p.name.startswith(paths.TMP_PREFIX) and (p / paths.DB_NAME).is_file())


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

    from fieldwork_tui.store.peek import peek

    try:
        with peek(root / paths.DB_NAME) as conn:
            row = conn.execute("SELECT name FROM engagement LIMIT 1").fetchone()
        return row[0] if row else root.name
    except sqlite3.Error:
        return root.name


def is_local_name(name: str) -> bool:
    """Whether `name` can only name a folder under the home by its slug or name (not a team server's
    address, a URL or a folder given by its path): the names the start-up cache serves."""
    return "/" not in name and not name.startswith(".") and ":" not in name
