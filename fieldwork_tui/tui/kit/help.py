"""`?`: the keys of the screen that is showing, generated from its bindings.

Grouped as `kit.actions.screen_actions` groups them — the screen, each of its tabs, the list's own
keys, then the keys that work everywhere — with the key as bound now (a user keymap shows), what it
does, and the binding id to rebind it in `config.toml`. Keys that do nothing right now are shown dim.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from fieldwork_tui.tui.kit.actions import ActionGroup, screen_actions
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.screen import KitModal
from fieldwork_tui.tui.kit.styles import role


def keys_table(group: ActionGroup) -> Table:
    table = Table(title=visible(group.area), title_justify="left", title_style=role("accent"), show_header=False,
                  box=None, expand=True, padding=(0, 1))
    table.add_column(width=14, no_wrap=True)
    table.add_column(ratio=1)
    table.add_column(width=28, no_wrap=True, overflow="ellipsis")
    for action in group.actions:
        what = Text(action.title, style=role("strong"))
        if action.help and action.help != action.title:
            what.append(f" — {action.help}", style="")
        row_style = "" if action.enabled else role("muted")
        table.add_row(Text(action.key_display, style=role("ref")), what, Text(action.id, style=role("muted")),
                      style=row_style)
    return table


class HelpScreen(KitModal):
    """The keys of `origin` (the screen under the help), then `extra` (e.g. what the flags mean)."""

    KEYS_LABEL = "Help"

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close", tooltip="Close the help"),
        Binding("question_mark", "close", "Close", show=False, id="help.close_again", tooltip="Close the help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 96%; height: 90%; border: thick $accent 60%; background: $surface; padding: 0 1;
        scrollbar-gutter: stable;  /* the width never changes when the scrollbar appears (no re-wrap) */
    }
    HelpScreen .help-note { color: $text-muted; padding-top: 1; }
    """
    MAIN = "VerticalScroll"

    def __init__(self, origin: Screen, extra: Iterable[RenderableType] = ()) -> None:
        super().__init__()
        self.origin = origin
        self.extra = list(extra)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for group in screen_actions(self.origin):
                yield Static(keys_table(group))
            yield Static("Rebind any key by its id in config.toml, e.g.\n  [keymap]\n  \"controls.flagged\" = \"F\"",
                         classes="help-note", markup=False)
            for renderable in self.extra:
                yield Static(renderable)

    def action_close(self) -> None:
        self.dismiss(None)
