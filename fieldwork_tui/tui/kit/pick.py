"""Pick one of a list: type to narrow it, up/down to move, enter to pick; escape returns None."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from fieldwork_tui.tui.kit.safe_text import safe_content, visible
from fieldwork_tui.tui.kit.screen import KitModal


class PickDialog(KitModal):
    """Choose one `(label, value)`; returns the value or None. `fetch()` may read the options in a
    worker (the dialog takes keys once they are shown). `highlight` is the value (or a test of the
    value) to start on."""

    KEYS_LABEL = "Pick lists"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Close without choosing"),
        Binding("down", "move(1)", "Down", show=False, id="pick.down", tooltip="Next option"),
        Binding("up", "move(-1)", "Up", show=False, id="pick.up", tooltip="Previous option"),
    ]
    DEFAULT_CSS = """
    PickDialog { align: center middle; }
    PickDialog > Vertical {
        width: 80; max-width: 96%; height: auto; max-height: 90%; border: thick $accent 60%;
        background: $surface; padding: 1 2;
    }
    PickDialog .pick-title { text-style: bold; color: $accent; }
    PickDialog OptionList { height: auto; max-height: 20; }
    """
    MAIN = "#pick-filter"

    def __init__(self, title: str, options: list[tuple[str, Any]] | None = None, *, highlight: Any = None,
                 fetch: Callable[[], list[tuple[str, Any]]] | None = None) -> None:
        super().__init__()
        self.title_text, self.options, self.highlight_value = title, list(options or []), highlight
        self._fetch = fetch
        self._shown: list[tuple[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_content(self.title_text), classes="pick-title")
            yield Input(placeholder="type to narrow the list", id="pick-filter")
            yield OptionList(id="pick-list")

    def _kit_fetches(self) -> bool:
        return self._fetch is not None

    def fetch(self) -> Any:
        return self._fetch() if self._fetch is not None else None

    def show(self, data: Any) -> None:
        if data is not None:
            self.options = list(data)
        self._fill("")
        wanted = self.highlight_value
        if wanted is not None:
            for i, (_label, value) in enumerate(self._shown):
                if (wanted(value) if callable(wanted) else value == wanted):
                    self.query_one(OptionList).highlighted = i
                    break

    def _fill(self, needle: str) -> None:
        needle = needle.strip().lower()
        self._shown = [(label, value) for label, value in self.options if needle in label.lower()]
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([Option(visible(label)) for label, _ in self._shown])
        if self._shown:
            ol.highlighted = 0

    @on(Input.Changed, "#pick-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _submit(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None and self._shown:
            self.dismiss(self._shown[ol.highlighted][1])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index][1])

    def action_move(self, delta: int) -> None:
        ol = self.query_one(OptionList)
        if self._shown:
            ol.highlighted = max(0, min(len(self._shown) - 1, (ol.highlighted or 0) + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
