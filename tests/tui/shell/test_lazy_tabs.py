"""Issue 19 item 3: the control detail composes a tab only when it is first shown; keys typed right
after the switch wait for it and land on it; the palette runs a hidden tab's action after building it."""

from __future__ import annotations

from textual.widgets import TabbedContent

from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog
from fieldwork_tui.tui.kit.actions import palette_actions, run_action
from fieldwork_tui.tui.screens.control_detail import TABS, ControlDetailScreen
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import VirtualTable
from tests.tui.kit.support import settle, type_fast

SIZE = (130, 40)


def _composed(screen) -> set[str]:
    return {tab.id.removeprefix("tab-") for tab in screen.query(ControlTab) if tab.children}


async def test_only_the_tab_shown_is_composed(demo_app):
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        demo_app.push_screen(ControlDetailScreen("AC-03", tab="review"))
        await settle(demo_app)
        screen = demo_app.screen
        assert _composed(screen) == {"review"}
        type_fast(demo_app, "alt+3")  # Inspection: composed now, filled from the data already read
        await settle(demo_app)
        assert _composed(screen) == {"review", "inspection"}
        table = screen.query_one("#tab-inspection-table", VirtualTable)
        assert demo_app.focused is table
        assert table.row_count == len(screen.records.files) > 0


async def test_every_tab_builds_once_with_the_keys_after_it(demo_app):
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "2", "enter", *[f"alt+{i + 1}" for i in range(len(TABS))], "alt+3", "a")
        await settle(demo_app)
        assert isinstance(demo_app.screen, AttachFileDialog)  # `a` went to the Inspection tab built on demand
        detail = demo_app.screen_stack[-2]
        assert _composed(detail) == {key for key, _l, _c in TABS}
        assert detail.query_one(TabbedContent).active == "inspection"


async def _open_detail(app, ref: str = "AC-03"):
    """Push control `ref`'s detail over the dashboard and let it draw; return the screen."""
    await settle(app)
    app.push_screen(ControlDetailScreen(ref))
    await settle(app)
    return app.screen


async def test_a_reload_fills_only_built_tabs_and_keeps_them(demo_app):
    async with demo_app.run_test(size=SIZE):
        screen = await _open_detail(demo_app)
        screen.load()  # what a change does: read again, show again
        await settle(demo_app)
        assert _composed(screen) == {"inquiry"}


async def test_palette_runs_an_action_of_a_tab_not_yet_built(demo_app):
    async with demo_app.run_test(size=SIZE):
        screen = await _open_detail(demo_app)
        attach = next(a for a in palette_actions(screen) if a.binding.id == "inspection.attach")
        await run_action(attach)
        await settle(demo_app)
        assert isinstance(demo_app.screen, AttachFileDialog)
        assert "inspection" in _composed(screen) and screen.query_one(TabbedContent).active == "inspection"
