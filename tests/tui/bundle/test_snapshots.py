"""One snapshot per export screen state a user sees (fixed size, blink and clock frozen)."""

from __future__ import annotations

from textual.widgets import Input

from ..support import settle


def test_export_screen(snap_compare, frozen, demo_app):
    assert snap_compare(demo_app, press=["e"], terminal_size=(130, 40))


def test_export_screen_error(snap_compare, frozen, demo_app):
    async def run_before(pilot):
        await pilot.press("e")
        await settle(pilot)
        pilot.app.screen.query_one("#export-path", Input).value = "no-such-folder/bundle.zip"
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)

    assert snap_compare(demo_app, run_before=run_before, terminal_size=(130, 40))
