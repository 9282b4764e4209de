"""Pilot tests of the app shell: picker, number-key views, controls filter/sort, control detail."""

from __future__ import annotations

from fieldwork_tui.services.demo import DEMO_SLUG
from fieldwork_tui.tui.app import create_app
from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen
from fieldwork_tui.tui.screens.controls import ControlsScreen
from fieldwork_tui.tui.screens.dashboard import DashboardScreen
from fieldwork_tui.tui.widgets.virtual_table import VirtualTable

from ..support import settle

SIZE = (130, 40)


async def test_number_keys_switch_views(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        assert isinstance(demo_app.screen, DashboardScreen)
        for key, mode in [("2", "controls"), ("3", "requests"), ("4", "interviews"), ("5", "exceptions"),
                          ("1", "dashboard")]:
            await pilot.press(key)
            await settle(pilot)
            assert demo_app.current_mode == mode


async def test_open_control_and_back(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = demo_app.screen.query_one(VirtualTable)
        assert table.cursor_key == "AC-01"
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlDetailScreen) and demo_app.screen.ref == "AC-02"
        await pilot.press("ctrl+right")
        assert demo_app.screen.query_one("TabbedContent").active == "observation"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlsScreen)


async def test_filter_as_you_type_in_sql(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "slash")
        await pilot.press(*"cc8.1")
        await settle(pilot)
        table = demo_app.screen.query_one(VirtualTable)
        keys = [table.row_at(i).key for i in range(table.row_count)]
        assert keys == ["CM-01", "CM-02", "CM-03"]
        await pilot.press("enter")  # back to the table
        await pilot.press("escape")  # clears the filter
        await settle(pilot)
        assert table.row_count == 40


async def test_slash_starts_a_new_filter_and_an_arrow_keeps_the_old_one(demo_app):
    """Regression: `/` went back into the box with the cursor after the old text, so typing a second
    ref searched for "AC-05CM-02" and found nothing."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "slash", *"AC-05", "enter")
        await settle(pilot)
        table = demo_app.screen.query_one(VirtualTable)
        assert [table.row_at(i).key for i in range(table.row_count)] == ["AC-05"]
        await pilot.press("slash", *"CM-02", "enter")  # the old text is selected: typing replaces it
        await settle(pilot)
        assert [table.row_at(i).key for i in range(table.row_count)] == ["CM-02"]
        await pilot.press("slash", "end", "backspace", "1")  # an arrow keeps the text to refine it
        await settle(pilot)
        assert [table.row_at(i).key for i in range(table.row_count)] == ["CM-01"]


async def test_filter_by_owner(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "slash", *"Aisha")
        await settle(pilot)
        table = demo_app.screen.query_one(VirtualTable)
        assert [table.row_at(i).key for i in range(table.row_count)] == ["FN-01"]


async def test_sort_cycle_and_reverse(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "S")
        await settle(pilot)
        table = demo_app.screen.query_one(VirtualTable)
        assert table.row_at(0).key == "RM-02"  # ref, descending
        await pilot.press("s")  # by title
        await settle(pilot)
        first = table.row_at(0)
        assert demo_app.screen.sort_key == "title" and first is not None


async def test_phase_advance_is_stored(demo_app, demo_home):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        await settle(pilot)
    from fieldwork_tui.services.engagements import open_engagement

    h = open_engagement(demo_home, DEMO_SLUG)
    assert h.engagement().phase.value == "draft_report"
    h.close()


async def test_picker_opens_engagement(demo_home):
    app = create_app(demo_home, None)
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_mode == "picker"
        await pilot.press("2")  # views are unavailable before an engagement is open
        assert app.current_mode == "picker"
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "dashboard" and app.handle.slug == DEMO_SLUG


async def test_picker_creates_engagement(home):
    app = create_app(home, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Acme Cloud 2026")
        await pilot.click("#form-save")
        await settle(pilot)
        assert app.current_mode == "dashboard"
        assert app.handle.engagement().name == "Acme Cloud 2026"


async def test_help_and_palette(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert demo_app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert demo_app.screen.__class__.__name__ == "CommandPalette"
        await pilot.press(*"Controls", "enter")
        await settle(pilot)
        assert demo_app.current_mode == "controls"


def test_every_binding_has_id_and_tooltip():
    import importlib
    import inspect
    import pkgutil

    from textual.binding import Binding
    from textual.dom import DOMNode

    import fieldwork_tui.tui as tui_pkg

    for mod in pkgutil.walk_packages(tui_pkg.__path__, prefix="fieldwork_tui.tui."):
        module = importlib.import_module(mod.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, DOMNode) or not cls.__module__.startswith("fieldwork_tui"):
                continue
            for b in cls.__dict__.get("BINDINGS", []):
                if isinstance(b, Binding):
                    assert b.id and b.tooltip, f"{cls.__name__} binding {b.key} lacks id or tooltip"
