"""Filter as you type, without ever blocking the keyboard.

`FilterBar(query, on_result)` is the filter line of a list screen. Each keystroke restarts a short
timer (`DEBOUNCE`); when the auditor pauses, `query(text)` runs in a worker thread (SQL, a million
population rows, …) and replaces the previous query still running (its result is dropped); the
result reaches `on_result(text, result)` on the UI thread. The text box is never blocked and never
loses what was typed. `enter` (or `down`) goes back to the list, `escape` clears the filter and goes
back to the list — both post `FilterBar.Done`. Keys typed after enter wait until the list shows the
result for the text typed (`2 / CM-01 enter enter` opens CM-01, however fast it was typed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import safe_content


class FilterInput(Input):
    """The text box of a filter bar (escape and down are the bar's)."""

    KEYS_LABEL = "Filter box"

    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", id="filter.clear",
                tooltip="Clear the filter and go back to the list"),
        Binding("down", "done", "Back to the list", show=False, id="filter.down", tooltip="Back to the list"),
    ]

    def action_clear_filter(self) -> None:
        bar = self.parent
        if isinstance(bar, FilterBar):
            bar.clear()
            bar.finish()

    def action_done(self) -> None:
        bar = self.parent
        if isinstance(bar, FilterBar):
            bar.finish()


class FilterBar(Horizontal):
    DEBOUNCE = 0.15  # seconds without a keystroke before the query runs
    DEFAULT_CSS = """
    FilterBar { height: auto; padding: 0 1; }
    FilterBar FilterInput { width: 1fr; }
    FilterBar .filter-state { width: auto; max-width: 50%; padding: 1 1 0 1; color: $text-muted; }
    FilterBar.-querying .filter-state { text-style: italic; }
    """

    class Done(Message):
        """The auditor finished with the filter (enter, down or escape): focus the list."""

        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(self, query: Callable[[str], Any], on_result: Callable[[str, Any], Any], *, placeholder: str = "",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.query_fn, self.on_result, self.placeholder = query, on_result, placeholder
        self._timer: Timer | None = None
        self._seq = 0
        self._queried: str | None = None  # the text of the last query started
        self._holding = False  # keys wait for the result (after enter)
        self._settled = asyncio.Event()
        self._settled.set()

    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder=self.placeholder, id="filter", select_on_focus=False)
        yield Static("", classes="filter-state", id="filter-state")

    @property
    def input(self) -> FilterInput:
        return self.query_one(FilterInput)

    @property
    def text(self) -> str:
        return self.input.value

    def edit(self) -> None:
        """`/`: into the box with what it holds selected, so typing starts a new filter (as a browser's
        find box does) and an arrow key keeps the text to refine it."""
        box = self.input
        self.screen.set_focus(box)
        box.select_all()

    def set_state(self, text: str) -> None:
        """The short summary right of the box ("12 of 40 controls · sorted by ref")."""
        self.query_one("#filter-state", Static).update(safe_content(text))

    def clear(self) -> None:
        if self.input.value:
            self.input.value = ""
            self._seq += 1
            self._stop_timer()
            self.run_query()  # now: escape goes straight back to the whole list

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def finish(self) -> None:
        """Enter, down or escape: query what was typed now (no debounce), hold the keys typed after it
        until the list shows that result, and go back to the list."""
        if self._timer is not None:
            self._stop_timer()
            self.run_query()
        if not self._settled.is_set() and not self._holding:
            hold = getattr(self.app, "screen_not_ready", None)
            if hold is not None:
                self._holding = True
                hold(self.screen)
        self.post_message(self.Done(self))

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            ready = getattr(self.app, "screen_ready", None)
            if ready is not None:
                self.call_later(ready, self.screen)

    @on(Input.Changed, "FilterInput")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is None and event.value == self._queried:
            return  # the query for this text has already started (clear)
        self._seq += 1
        self._settled.clear()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self._fire)

    @on(Input.Submitted, "FilterInput")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.finish()

    def _fire(self) -> None:
        self._timer = None
        self.run_query()

    def run_query(self) -> None:
        """Query now with the current text (also after the data changed)."""
        seq, text = self._seq, self.text
        self._queried = text
        self._settled.clear()
        self.add_class("-querying")

        def done(result: Any) -> None:
            if seq == self._seq:
                self.remove_class("-querying")
                self.on_result(text, result)
                self._settled.set()
                self._release()

        def failed(_exc: BaseException) -> bool:
            if seq == self._seq:
                self.remove_class("-querying")
                self._settled.set()
                self._release()
            return False

        workers.run(self, lambda: self.query_fn(text), done=done, failed=failed, group="filter", exclusive=True,
                    description=f"filter {text!r}")

    async def wait_settled(self) -> None:
        """Wait until the result for the text now in the box is shown (tests synchronise on it)."""
        await self._settled.wait()
