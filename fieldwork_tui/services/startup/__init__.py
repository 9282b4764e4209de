"""Start-up: what the app needs before SQLAlchemy is loaded — find the engagement asked for, and the
dashboard's figures from the start-up cache — with the standard library only (importing this package
loads neither SQLAlchemy nor SQLModel nor the models; `live_dashboard` loads them when called).

The area's public API: the TUI imports from here (or from `views`), never from its modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fieldwork_tui.errors import FieldworkError
from fieldwork_tui.services.startup.cache import read_cached
from fieldwork_tui.services.startup.locate import is_local_name, resolve
from fieldwork_tui.services.startup.views import DashboardFigures

if TYPE_CHECKING:
    from fieldwork_tui.store.handle import EngagementHandle

__all__ = ["DashboardFigures", "cached_dashboard", "check_local", "keep_dashboard", "live_dashboard"]


def check_local(home: Path | str | None, name: str) -> Path | None:
    """The folder of engagement `name` if it names a local folder by slug or name — raising the same
    NotFound / InvalidInput as opening it would; None for a server address or a folder's path."""
    return resolve(home, name) if is_local_name(name) else None


def cached_dashboard(home: Path | str | None, name: str) -> DashboardFigures | None:
    """The dashboard's cached figures for engagement `name`, if they are those of its database as it
    is now (same uid, same journal head, same day, same app version); else None."""
    try:
        root = check_local(home, name)
    except FieldworkError:
        return None
    return read_cached(root) if root is not None else None


def live_dashboard(handle: EngagementHandle) -> DashboardFigures:
    """The dashboard's figures computed now (and kept in the start-up cache)."""
    from fieldwork_tui.services.startup.live import live_dashboard as compute

    return compute(handle)


def keep_dashboard(handle: EngagementHandle) -> None:
    """At a clean close: update the start-up cache if the engagement changed since it was written."""
    from fieldwork_tui.services.startup.live import keep_dashboard as keep

    keep(handle)
