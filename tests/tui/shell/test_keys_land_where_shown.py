"""Issue 15 item 1: keys typed at full speed right after a screen or tab switch go to the screen (and
tab) that was shown, with the focus on its main widget — none lost, none sent elsewhere.

`type_fast` puts every key in the app's queue before the first is handled: what a terminal delivers
when the auditor types quickly on a loaded machine."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TabbedContent

from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog
from fieldwork_tui.tui.dialogs.new_interview import NewInterviewDialog
from fieldwork_tui.tui.screens.control_detail import TABS, ControlDetailScreen
from fieldwork_tui.tui.screens.controls import ControlsScreen
from fieldwork_tui.tui.screens.exceptions import ExceptionsScreen
from fieldwork_tui.tui.screens.requests import RequestsScreen
from fieldwork_tui.tui.widgets.virtual_table import VirtualTable
from tests.tui.kit.support import settle, type_fast

SIZE = (130, 40)


async def test_two_slash_mfa_filters_instead_of_toggling_flagged(demo_app):
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "2", "slash", *"mfa")
        await settle(demo_app)
        screen = demo_app.screen
        assert isinstance(screen, ControlsScreen)
        assert screen.query_one("#filter", Input).value == "mfa"
        assert screen.flagged_only is False
        table = screen.query_one(VirtualTable)
        assert [table.row_at(i).key for i in range(table.row_count)] == ["AC-04"]


async def test_enter_right_after_switching_opens_the_row_shown(demo_app):
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "2", "down", "down", "enter")
        await settle(demo_app)
        assert isinstance(demo_app.screen, ControlDetailScreen) and demo_app.screen.ref == "AC-03"


@pytest.mark.parametrize(("key", "check"), [
    ("3", lambda app: isinstance(app.screen, RequestsScreen) and app.screen.query_state.overdue),  # o overdue
    ("5", lambda app: isinstance(app.screen, ExceptionsScreen) and app.screen.without_response),   # w
    ("4", lambda app: isinstance(app.screen, NewInterviewDialog)),                                 # n
    ("1", lambda app: isinstance(app.screen, ControlsScreen) and app.screen.flagged_only),         # f
])
async def test_the_key_after_a_view_switch_acts_on_that_view(demo_app, key, check):
    second = {"3": "o", "5": "w", "4": "n", "1": "f"}[key]
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "2" if key == "1" else "1", key, second)
        await settle(demo_app)
        assert check(demo_app), f"{key} {second} landed on {demo_app.screen}"


async def test_keys_after_tab_switches_land_on_the_tab_shown(demo_app):
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        # AC-01, then two tabs right (Inspection) and `a` (attach) at once: the Attach dialog for AC-01
        type_fast(demo_app, "2", "enter", "ctrl+right", "ctrl+right", "a")
        await settle(demo_app)
        assert isinstance(demo_app.screen, AttachFileDialog)
        assert "AC-01" in str(demo_app.screen.title_text)
        type_fast(demo_app, "escape")
        await settle(demo_app)
        detail = demo_app.screen
        assert isinstance(detail, ControlDetailScreen)
        assert detail.query_one(TabbedContent).active == "inspection"
        assert detail.focused is detail.query_one("#tab-inspection").main_widget()


@pytest.mark.parametrize("index", range(len(TABS)))
async def test_focus_lands_on_each_tabs_main_widget(demo_app, index):
    key = TABS[index][0]
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "2", "enter", f"alt+{index + 1}")
        await settle(demo_app)
        detail = demo_app.screen
        assert detail.query_one(TabbedContent).active == key
        tab = detail.query_one(f"#tab-{key}")
        assert detail.focused is tab.main_widget()
        assert detail.focused in tab.query("*")  # the tab's keys work at once, without Tab first


async def test_typing_into_a_dialog_right_after_opening_it(demo_app):
    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "4", "n", *"Priya", "tab")
        await settle(demo_app)
        dialog = demo_app.screen
        assert isinstance(dialog, NewInterviewDialog)
        assert dialog.query_one("#person", Input).value == "Priya"  # the first key too: held while the people load
        assert dialog.focused is dialog.query_one("#role")  # tab went on to the role


async def test_a_burst_across_screens_and_tabs_keeps_order(demo_app):
    """Switch, filter, open, change tab and act — one burst, each key where it was meant."""
    from fieldwork_tui.services.findings import control_signoffs

    async with demo_app.run_test(size=SIZE):
        await settle(demo_app)
        type_fast(demo_app, "2", "slash", *"CM-01", "enter", "enter", "alt+7", "r")
        await settle(demo_app)
        detail = demo_app.screen
        assert isinstance(detail, ControlDetailScreen) and detail.ref == "CM-01"
        assert detail.query_one(TabbedContent).active == "review"
        # `r` reached the Review tab's sign action: elena prepared CM-01 in the demo and this engagement
        # does not allow self-review (issue 12), so the sign-off is refused with that reason
        views = {v.role.value: v for v in control_signoffs(demo_app.handle, "CM-01")}
        assert views["preparer"].signed_by == "elena" and not views["reviewer"].signed_by
        assert any("cannot also review it" in n.message for n in demo_app._notifications)
