"""Issue 19 item 2, paint before the ORM: the dashboard paints at once from the start-up cache of its
own figures, marked "updating…" until the live figures replace them; a changed database never shows
the cached figures; SQLAlchemy is not imported before that first paint; keys typed meanwhile wait, in
order. The engagement's open is held on an event so each state is seen for certain."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Static

from fieldwork_tui.services.demo import DEMO_SLUG
from fieldwork_tui.tui.app import create_app
from fieldwork_tui.tui.screens.controls import ControlsScreen
from fieldwork_tui.tui.screens.dashboard import DashboardScreen

from ..support import _handled, settle

SIZE = (130, 40)


def _text(screen, selector: str) -> str:
    """What a dashboard Static shows, as plain text."""
    from rich.console import Console

    console = Console(width=60, record=True, color_system=None)
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


def _write_cache(home: Path, **changes) -> None:
    """The cache as a clean session leaves it (a live load), with `changes` to its figures: numbers the
    live load cannot show, so the test sees which figures are on screen."""
    from fieldwork_tui.services.engagements import open_engagement
    from fieldwork_tui.services.startup import live_dashboard
    from fieldwork_tui.services.startup.cache import database_key, write_cached

    handle = open_engagement(home, DEMO_SLUG)
    try:
        figures = live_dashboard(handle)
        write_cached(handle.root, database_key(handle.db_path), dataclasses.replace(figures, **changes))
    finally:
        handle.close()


@pytest.fixture
def held_open(monkeypatch):
    """The engagement's open waits until the test sets the event (the app's worker blocks on it)."""
    from fieldwork_tui.services import team

    release = threading.Event()
    real = team.open_any

    def held(home, name):
        assert release.wait(30), "the test never let the engagement open"
        return real(home, name)

    monkeypatch.setattr(team, "open_any", held)
    yield release
    release.set()


async def _first_paint(pilot) -> DashboardScreen:
    await pilot._wait_for_screen()
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def test_the_cached_dashboard_says_updating_then_shows_the_live_figures(demo_home, held_open):
    _write_cache(demo_home, controls_total=987, open_review_notes=654)
    app = create_app(demo_home, DEMO_SLUG)
    assert app.cached_dashboard is not None and app.cached_dashboard.controls_total == 987
    async with app.run_test(size=SIZE) as pilot:
        screen = await _first_paint(pilot)
        state = screen.query_one("#dashboard-state", Static)
        assert state.display and "updating…" in _text(screen, "#dashboard-state")
        assert "987" in _text(screen, "#controls-panel") and "654" in _text(screen, "#findings-panel")
        assert screen.overview is None  # the phase keys never act on cached figures
        held_open.set()
        await settle(pilot)
        assert not state.display
        controls = _text(screen, "#controls-panel")
        assert "987" not in controls and "40" in controls
        assert "654" not in _text(screen, "#findings-panel")
        assert screen.overview is not None and not screen.overview.cached


async def test_a_changed_database_never_shows_the_cached_figures(demo_home, held_open):
    from fieldwork_tui.domain.vocab import Phase
    from fieldwork_tui.services.engagements import open_engagement, set_phase

    _write_cache(demo_home, controls_total=987)
    handle = open_engagement(demo_home, DEMO_SLUG)
    set_phase(handle, Phase.draft_report)  # another session's change: the journal head moves
    handle.close()
    app = create_app(demo_home, DEMO_SLUG)
    assert app.cached_dashboard is None
    async with app.run_test(size=SIZE) as pilot:
        screen = await _first_paint(pilot)
        assert "987" not in _text(screen, "#controls-panel")  # the waiting state: no figures at all
        assert "Total" not in _text(screen, "#controls-panel")
        held_open.set()
        await settle(pilot)
        assert "40" in _text(screen, "#controls-panel") and "987" not in _text(screen, "#controls-panel")
        assert screen.overview.phase == "draft_report"


async def test_without_a_cache_the_dashboard_waits_then_loads(demo_home, held_open):
    app = create_app(demo_home, DEMO_SLUG)
    assert app.cached_dashboard is None  # first open: nothing cached yet
    async with app.run_test(size=SIZE) as pilot:
        screen = await _first_paint(pilot)
        assert not screen.query_one("#dashboard-state", Static).display
        assert "loading…" in str(screen.query_one("#engagement-bar", Static).content.plain
                                 if hasattr(screen.query_one("#engagement-bar", Static).content, "plain")
                                 else screen.query_one("#engagement-bar", Static).content)
        held_open.set()
        await settle(pilot)
        assert "40" in _text(screen, "#controls-panel")
    assert app.cached_dashboard is None
    assert create_app(demo_home, DEMO_SLUG).cached_dashboard is not None  # the live load was kept


async def test_keys_typed_while_the_engagement_opens_wait_and_land_in_order(demo_home, held_open):
    _write_cache(demo_home)
    app = create_app(demo_home, DEMO_SLUG)
    async with app.run_test(size=SIZE) as pilot:
        await _first_paint(pilot)
        # typed as a terminal delivers it (Pilot's press would wait for the held worker): `2`, the
        # Controls view, which needs the open engagement
        app.post_message(events.Key("2", "2"))
        await _handled(app)
        assert isinstance(app.screen, DashboardScreen)  # it waits (the dashboard says updating…)
        assert [e.key for e in app._kit_queue] == ["2"]  # held, not lost
        held_open.set()
        await settle(pilot)
        assert isinstance(app.screen, ControlsScreen)


def test_cached_figures_are_the_flag_models_counts(demo):
    """The dashboard's counts are those of `status --json` (and so of `f` and the bundle): one rule."""
    from fieldwork_tui.services.controls import status_json
    from fieldwork_tui.services.startup import live_dashboard

    figures = live_dashboard(demo)
    doc = status_json(demo)
    assert figures.not_defensible == doc["not_defensible"]
    assert figures.controls_total == len(doc["controls"])
    assert {f.value: n for f, n in figures.flag_counts.items()} == dict(
        Counter(flag for c in doc["controls"] for flag in c["flags"]))


def test_the_cache_key_reads_the_tables_the_models_define():
    from fieldwork_tui.services.startup import cache
    from fieldwork_tui.store import journal
    from fieldwork_tui.store.models import Engagement

    assert cache.JOURNAL_TABLE == journal.TABLE_NAME
    assert cache.ENGAGEMENT_TABLE == Engagement.__tablename__


_FIRST_PAINT = r"""
import asyncio, json, sys
import fieldwork_tui.cli  # the entry point (`fieldwork open`)
from fieldwork_tui.tui.app import FieldworkApp, create_app

seen = {}
real = FieldworkApp.open_after_paint

def spy(self):  # runs once the dashboard has painted, just before the engagement opens
    screen = self.screen
    seen["screen"] = type(screen).__name__
    seen["painted"] = bool(screen.query_one("#controls-panel").content)
    seen["loaded"] = sorted(m for m in sys.modules
                            if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic")
                            or m == "fieldwork_tui.store.models")
    real(self)

FieldworkApp.open_after_paint = spy

async def main():
    app = create_app(sys.argv[1], sys.argv[2])
    async with app.run_test(size=(130, 40)) as pilot:
        for _ in range(3):  # the open, then the dashboard's load
            await app.workers.wait_for_complete()
            await pilot.pause()
        seen["live"] = app.screen.overview is not None
        seen["after"] = "sqlalchemy" in sys.modules

asyncio.run(main())
print(json.dumps(seen))
"""


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "first-open"])
def test_the_dashboard_paints_before_sqlalchemy_is_imported(demo_home, cached):
    if cached:
        _write_cache(demo_home)
    out = subprocess.run([sys.executable, "-c", _FIRST_PAINT, str(demo_home), DEMO_SLUG],
                         capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "DashboardScreen"
    assert seen["painted"] is cached  # cached figures, or the waiting state
    assert seen["loaded"] == [], f"imported before the first paint: {seen['loaded']}"
    assert seen["live"] and seen["after"]  # then the worker loaded them and the live figures came


async def test_a_clean_close_keeps_the_figures_of_the_last_change(demo_home):
    """Changed after the dashboard loaded (another view, a command): the close writes the cache anew,
    so the next start paints at once, with the figures of that change."""
    from fieldwork_tui.domain.vocab import Phase
    from fieldwork_tui.services.engagements import set_phase

    app = create_app(demo_home, DEMO_SLUG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        set_phase(app.handle, Phase.draft_report)  # the dashboard's figures are now those of before
    cached = create_app(demo_home, DEMO_SLUG).cached_dashboard
    assert cached is not None and cached.phase == "draft_report"


async def test_an_engagement_that_cannot_be_opened_says_so_and_offers_the_picker(demo_home, monkeypatch):
    from fieldwork_tui.services import team
    from fieldwork_tui.services.errors import FieldworkError
    from fieldwork_tui.tui.screens.picker import PickerScreen

    def refuse(home, name):
        raise FieldworkError(f"{name}: the database is damaged (fieldwork check)")

    monkeypatch.setattr(team, "open_any", refuse)
    app = create_app(demo_home, DEMO_SLUG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert any("database is damaged" in n.message for n in app._notifications)
        assert app.handle is None
