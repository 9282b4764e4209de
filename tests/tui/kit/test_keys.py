"""Keys typed at full speed land on the screen that was shown, in order (kit.keys + kit.screen)."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, TabbedContent, TabPane

from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.screen import ActionArea, KitScreen
from tests.tui.kit.support import settle, type_fast


class ListScreen(KitScreen):
    """A list with a filter: `/` focuses the filter, `f` toggles a flag, `o` opens the detail."""

    MAIN = "#list"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="t.filter", tooltip="Filter"),
        Binding("f", "flag", "Flag", id="t.flag", tooltip="Toggle the flag"),
        Binding("o", "open", "Open", id="t.open", tooltip="Open the detail"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flagged = False
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield Input(id="filter")
        yield Label("list", id="list")

    def on_mount(self) -> None:
        self.query_one("#list").can_focus = True

    def fetch(self):
        self.loads += 1
        return self.loads

    def action_filter(self) -> None:
        self.set_focus(self.query_one("#filter"))

    def action_flag(self) -> None:
        self.flagged = not self.flagged

    def action_open(self) -> None:
        self.app.push_screen(DetailScreen())


class Area(ActionArea):
    BINDINGS = [Binding("a", "act", "Act", id="t.act", tooltip="Act in this tab"),
                Binding("x", "mark", "Mark", id="t.mark", tooltip="Mark in this tab")]

    def __init__(self, name: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.area_name = name
        self.AREA_LABEL = f"{name} tab"
        self.acted = 0
        self.marks = 0

    def compose(self) -> ComposeResult:
        main = Label(self.area_name, id=f"main-{self.area_name}")
        main.can_focus = True
        yield main

    def action_act(self) -> None:
        self.acted += 1

    def action_mark(self) -> None:
        self.marks += 1


class DetailScreen(KitScreen):
    """Loads slowly (until `gate` is set), then shows two tabs."""

    gate: threading.Event | None = None
    BINDINGS = [
        Binding("ctrl+right", "next_tab", "Next tab", id="t.next", tooltip="Next tab", priority=True),
        Binding("escape", "back", "Back", id="t.back", tooltip="Back"),
    ]

    def compose(self) -> ComposeResult:
        with TabbedContent():
            with TabPane("One", id="one"):
                yield Area("one", id="area-one")
            with TabPane("Two", id="two"):
                yield Area("two", id="area-two")

    def main_widget(self):
        active = self.query_one(TabbedContent).active
        return self.query_one(f"#area-{active}", Area).main_widget()

    def fetch(self):
        if DetailScreen.gate is not None:
            DetailScreen.gate.wait(10)
        return "loaded"

    def action_next_tab(self) -> None:
        self.show_tab("two" if self.query_one(TabbedContent).active == "one" else "one")

    def action_back(self) -> None:
        self.app.pop_screen()


class TinyApp(OrderedKeys, App):
    BINDINGS = [Binding("2", "show_list", "List", id="t.list", tooltip="The list")]

    def on_mount(self) -> None:
        self.start_ordered_keys()
        self.push_screen(HomeScreen())

    def action_show_list(self) -> None:
        self.push_screen(ListScreen())


class HomeScreen(KitScreen):
    def compose(self) -> ComposeResult:
        yield Label("home")


async def test_keys_after_a_screen_switch_reach_the_new_screens_filter():
    app = TinyApp()
    async with app.run_test() as pilot:
        await settle(app)
        type_fast(app, "2", "slash", "m", "f", "a")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ListScreen)
        assert screen.query_one("#filter", Input).value == "mfa"
        assert screen.flagged is False  # the `f` went to the filter, not to the list
        await pilot.press("escape")


async def test_focus_lands_on_the_main_widget_of_a_new_screen():
    app = TinyApp()
    async with app.run_test():
        await settle(app)
        type_fast(app, "2", "f")
        await settle(app)
        assert app.screen.focused is app.screen.query_one("#list")
        assert app.screen.flagged is True


async def test_keys_wait_for_a_slow_first_load_then_go_to_the_tab_shown():
    DetailScreen.gate = threading.Event()
    try:
        app = TinyApp()
        async with app.run_test() as pilot:
            await settle(app)
            type_fast(app, "2", "o", "ctrl+right", "a", "x", "x")
            for _ in range(5000):  # until the detail screen is up and holding the keys typed after `o`
                if isinstance(app.screen, DetailScreen) and app._kit_queue and app.screen.query("#area-two"):
                    break
                await pilot.pause()
            # the detail is still loading: the keys wait (none was lost on the list or the first tab)
            assert isinstance(app.screen, DetailScreen)
            assert len(app._kit_queue) == 4
            assert app.screen.query_one("#area-two", Area).acted == 0
            DetailScreen.gate.set()
            await settle(app)
            detail = app.screen
            assert detail.query_one(TabbedContent).active == "two"
            assert detail.query_one("#area-two", Area).acted == 1
            assert detail.query_one("#area-one", Area).acted == 0
            assert detail.query_one("#area-two", Area).marks == 2
            assert detail.focused is detail.query_one("#main-two")
    finally:
        DetailScreen.gate = None


async def test_keys_after_back_go_to_the_screen_below():
    app = TinyApp()
    async with app.run_test():
        await settle(app)
        type_fast(app, "2", "o", "escape", "f")
        await settle(app)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.flagged is True


async def test_the_ready_timeout_firing_after_the_app_closed_is_harmless():
    """CI saw it: keys were still waiting when a test's app closed, and the ready timeout then
    fired on an app with no screens left — `ScreenStackError` failed the run."""
    app = TinyApp()
    async with app.run_test():
        await settle(app)
        screen = app.screen
    app._kit_queue.append(object())  # a key still waiting when the app closed
    app._kit_ready_screen = None
    app._kit_ready_timeout(screen)  # no screens on the stack: nothing to hand keys to
    assert app._kit_ready_screen is None



async def test_keys_wait_for_a_first_load_slower_than_the_ready_timeout():
    """Seen under load: `]` typed as the dashboard opened was handed over when the ready timeout fired,
    before the first load had shown the phase, and was lost. A screen still reading its data is not
    a screen that forgot to say it is ready: the keys wait for the data."""
    DetailScreen.gate = threading.Event()
    try:
        app = TinyApp()
        async with app.run_test() as pilot:
            await settle(app)
            type_fast(app, "2", "o", "a")
            for _ in range(5000):  # until the detail screen is up, loading, and holding `a`
                if isinstance(app.screen, DetailScreen) and app._kit_queue and app.screen.query("#area-one"):
                    break
                await pilot.pause()
            detail = app.screen
            assert detail.first_load_running
            app._kit_ready_timeout(detail)  # the timeout fires while the first load still runs
            await pilot.pause()
            assert len(app._kit_queue) == 1 and detail.query_one("#area-one", Area).acted == 0
            DetailScreen.gate.set()
            await settle(app)
            assert not detail.first_load_running
            assert detail.query_one("#area-one", Area).acted == 1
    finally:
        DetailScreen.gate = None
