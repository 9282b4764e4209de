"""The filter bar: debounced, queried in a worker, the previous query dropped, never losing text."""

from __future__ import annotations

import asyncio
import threading

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from fieldwork_tui.tui.kit.filter_bar import FilterBar
from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.screen import KitScreen
from tests.tui.kit.support import settle, type_fast

WORDS = ["access review", "backup restore", "change approval", "mfa enforced", "mfa exceptions"]


class ListScreen(KitScreen):
    MAIN = "#list"
    BINDINGS = [Binding("slash", "filter", "Filter", id="t.filter", tooltip="Filter")]

    def __init__(self, query) -> None:
        super().__init__()
        self.query_fn = query
        self.shown: list[tuple[str, list[str]]] = []

    def compose(self) -> ComposeResult:
        yield FilterBar(self.query_fn, self.got, placeholder="/ filter", id="bar")
        main = Label("", id="list")
        main.can_focus = True
        yield main

    def got(self, text: str, rows: list[str]) -> None:
        self.shown.append((text, rows))

    def action_filter(self) -> None:
        self.set_focus(self.query_one(FilterBar).input)

    def on_filter_bar_done(self) -> None:
        self.focus_main()


class TinyApp(OrderedKeys, App):
    def __init__(self, query) -> None:
        super().__init__()
        self.query_fn = query

    def on_mount(self) -> None:
        self.start_ordered_keys()
        self.push_screen(ListScreen(self.query_fn))


async def test_typing_fast_runs_one_query_with_the_whole_text():
    calls = []

    def query(text):
        calls.append(text)
        return [w for w in WORDS if text in w]

    app = TinyApp(query)
    async with app.run_test():
        await settle(app)
        type_fast(app, "slash", *"mfa e")
        await settle(app)
        screen = app.screen
        await screen.query_one(FilterBar).wait_settled()
        await settle(app)
        assert calls == ["mfa e"]
        assert screen.shown == [("mfa e", ["mfa enforced", "mfa exceptions"])]
        assert screen.query_one(FilterBar).text == "mfa e"


async def test_a_slow_query_is_replaced_and_its_result_dropped():
    gate, started, second = threading.Event(), threading.Event(), threading.Event()
    calls = []

    def query(text):
        calls.append(text)
        if text == "ba":
            second.set()
        if text == "b":
            started.set()
            gate.wait(5)  # a slow query (a million rows): still running when the next one starts
        return [w for w in WORDS if text in w]

    app = TinyApp(query)
    async with app.run_test():
        await settle(app)
        bar = app.screen.query_one(FilterBar)
        type_fast(app, "slash", "b")
        assert await asyncio.to_thread(started.wait, 5)  # the query for "b" is running
        type_fast(app, "a")
        await app.keys_settled()
        assert await asyncio.to_thread(second.wait, 5)  # "ba" queried while "b" still runs
        gate.set()
        await settle(app)
        await bar.wait_settled()
        assert calls == ["b", "ba"]
        assert app.screen.shown == [("ba", ["backup restore"])]  # the result for "b" never reached the screen
        assert bar.text == "ba"


async def test_escape_clears_and_goes_back_to_the_list():
    app = TinyApp(lambda text: [w for w in WORDS if text in w])
    async with app.run_test():
        await settle(app)
        type_fast(app, "slash", *"mfa", "escape")
        await settle(app)
        screen = app.screen
        await screen.query_one(FilterBar).wait_settled()
        assert screen.query_one(FilterBar).text == ""
        assert screen.focused is screen.query_one("#list")
        assert screen.shown[-1] == ("", WORDS)


async def test_enter_goes_back_to_the_list_keeping_the_filter():
    app = TinyApp(lambda text: [w for w in WORDS if text in w])
    async with app.run_test():
        await settle(app)
        type_fast(app, "slash", *"back", "enter")
        await settle(app)
        screen = app.screen
        assert screen.focused is screen.query_one("#list")
        assert screen.query_one(FilterBar).text == "back"
