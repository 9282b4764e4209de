"""The key bar (tui/kit/key_bar.py): the screen's keys on one line from its bindings, narrow widths
collapse the view keys, a click presses a key, and switching views never grows the live widgets (Textual's
Footer kept a watcher per key it ever built: about half a megabyte a switch, issue 19 item 4)."""

from __future__ import annotations

import gc

from textual.widget import Widget

from fieldwork_tui.tui.kit.key_bar import KeyBar

from ..support import settle


def live_widgets() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Widget))


async def test_switching_views_keeps_the_live_widgets_flat(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        for key in "2345" * 2:  # every view built once, caches warm
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        before = live_widgets()
        for key in "2345" * 4 + "1":  # Textual's Footer leaked ~25 widgets a switch: 400 here
            await pilot.press(key)
            await settle(pilot)
        after = live_widgets()
    assert after - before <= 10, (before, after)


async def test_the_bar_shows_the_screens_keys_and_follows_the_screen(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        bar = demo_app.screen.query_one(KeyBar)
        shown = dict(bar.keys)
        assert shown.get("/") == "Filter" and shown.get("f") == "Flagged only"
        await pilot.press("3")
        await settle(pilot)
        assert "Flagged only" not in dict(demo_app.screen.query_one(KeyBar).keys).values()


async def test_a_click_on_a_key_presses_it(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        bar = demo_app.screen.query_one(KeyBar)
        target = next(s for s in bar._shown if s.key == "3")
        await pilot.click(KeyBar, offset=(target.start + 1, 0))
        await settle(pilot)
        assert demo_app.current_mode == "requests"


async def test_a_narrow_bar_collapses_the_view_keys(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        bar = demo_app.screen.query_one(KeyBar)
        line = bar.render().plain
        assert " 1 2 3 4 5 Views" in line and "Dashboard" not in line
