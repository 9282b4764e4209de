"""The key bar: the keys of the screen on one line at the bottom, from the same bindings as `?` and
the palette (a binding with `show=False` stays out of it).

Textual's `Footer` recomposes a widget per key on every focus change, and in Textual 8 keeps a watcher
for every `FooterKey` it ever built: over a day of switching views the heap grows (half a megabyte a
switch) and the garbage collector's pauses with it, and each rebuild costs a layout pass. The key bar is
one widget that renders one line of text when the screen's bindings change. A click on a key presses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

SEPARATOR = "  "


@dataclass(frozen=True)
class _Shown:
    start: int
    end: int
    key: str
    enabled: bool


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom; height: 1; width: 1fr;
        color: $footer-foreground; background: $footer-background;
    }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground; background: $footer-description-background;
    }
    KeyBar > .key-bar--disabled { color: $text-disabled; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[tuple[str, str, str, bool]] = []  # (key, shown key, description, enabled)
        self._palette: tuple[str, str, str, bool] | None = None
        self._shown: list[_Shown] = []
        self._view_keys: set[str] = set()  # the keys that switch views (`view(...)` actions)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys, seen = [], set()
        palette = None
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = (binding.key, self.app.get_key_display(binding), binding.description, enabled)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            if binding.action.startswith("view("):
                self._view_keys.add(binding.key)
            keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        if keys != self._keys or palette != self._palette:
            self._keys, self._palette = keys, palette
            self.refresh()

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(key as shown, description) of each key on the bar, in order (for tests and the docs)."""
        return [(shown, description) for _key, shown, description, _enabled in self._keys]

    def render(self) -> Text:
        line, shown = self._line(collapse_views=False)
        if line.cell_len > self.size.width:  # too narrow: the number keys of the views share one label
            line, shown = self._line(collapse_views=True)
        self._shown = shown
        return line

    def _line(self, *, collapse_views: bool) -> tuple[Text, list[_Shown]]:
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        off_style = self.get_component_rich_style("key-bar--disabled")
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        shown: list[_Shown] = []
        views = [k for k in self._keys if k[0] in self._view_keys] if collapse_views else []

        def add(key: str, display: str, description: str, enabled: bool) -> None:
            start = line.cell_len
            line.append(f" {display} ", style=key_style if enabled else off_style)
            if description:
                line.append(f"{description}", style=text_style if enabled else off_style)
            shown.append(_Shown(start, line.cell_len, key, enabled))
            line.append(SEPARATOR)

        for key in self._keys:
            if key in views:
                if key is views[-1]:
                    for k, display, _description, enabled in views:
                        start = line.cell_len
                        line.append(f" {display}", style=key_style if enabled else off_style)
                        shown.append(_Shown(start, line.cell_len, k, enabled))
                    line.append(" ", style=key_style)
                    line.append("Views", style=text_style)
                    line.append(SEPARATOR)
                continue
            add(*key)
        if self._palette is not None:
            key, display, description, enabled = self._palette
            tail = Text(f" {display} ", style=key_style)
            tail.append(description, style=text_style)
            room = self.size.width - tail.cell_len - 1
            if line.cell_len < room:
                line.append(" " * (room - line.cell_len))
                start = line.cell_len
                line.append_text(tail)
                shown.append(_Shown(start, line.cell_len, key, enabled))
        return line, shown

    def on_click(self, event: events.Click) -> None:
        for s in self._shown:
            if s.start <= event.x < s.end and s.enabled:
                event.stop()
                self.app.simulate_key(s.key)
                return
