"""The dashboard's live figures (SQLAlchemy and the models: imported only when called), kept in the
start-up cache for the next start."""

from __future__ import annotations

from fieldwork_tui.services.controls.status import overview
from fieldwork_tui.services.startup import cache
from fieldwork_tui.services.startup.views import DashboardFigures, figures_from_overview
from fieldwork_tui.store.clock import today
from fieldwork_tui.store.handle import EngagementHandle


def live_dashboard(handle: EngagementHandle) -> DashboardFigures:
    """Compute the dashboard's figures and keep them in the cache, under the key read *before* they
    were computed: a change made meanwhile moves the journal head, so the next start does not take
    these figures for that state."""
    key = cache.database_key(handle.db_path) if _local(handle) else None
    figures = figures_from_overview(overview(handle, today()), handle.engagement().kickoff_on)
    if key is not None:
        cache.write_cached(handle.root, key, figures)
    return figures


def keep_dashboard(handle: EngagementHandle) -> None:
    """At a clean close: bring the cache up to the database's last state (the auditor's changes since
    the dashboard last loaded), so the next start paints at once. Nothing to do if it is current."""
    if not _local(handle):
        return
    key = cache.database_key(handle.db_path)
    if key is not None and cache.cached_key(handle.root) != key:
        live_dashboard(handle)


def _local(handle: EngagementHandle) -> bool:
    """A local SQLite engagement (a team server's handle has a URL and no database file)."""
    return getattr(handle, "url", None) is None and handle.db_path.is_file()
