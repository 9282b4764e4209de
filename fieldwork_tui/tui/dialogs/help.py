"""The `?` screen: keys, views and what each flag means."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fieldwork_tui.tui.widgets.flags import flags_help

KEYS = [
    ("1 … 5", "Dashboard, Controls, Requests, Interviews, Exceptions"),
    ("enter", "Open the row under the cursor"),
    ("escape", "Back"),
    ("/", "Filter as you type"),
    ("ctrl+p", "Command palette (actions of this screen)"),
    ("?", "This help"),
    ("ctrl+q", "Quit — everything is saved as you go"),
]


class HelpDialog(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close", tooltip="Close help"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close2", tooltip="Close help"),
    ]
    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > VerticalScroll {
        width: 90; height: 80%; border: thick $accent 60%; background: $surface; padding: 1 2;
    }
    """

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", show_header=False, box=None, expand=True)
        keys.add_column(style="bold")
        keys.add_column()
        for k, v in KEYS:
            keys.add_row(k, v)
        flags = flags_help()
        with VerticalScroll():
            yield Static(keys)
            yield Static("")
            yield Static(flags, expand=True)
            yield Static("\nEvidence badges: I inquiry · O observation · N inspection · R re-performance", classes="muted")

    def action_dismiss(self) -> None:
        self.dismiss(None)
