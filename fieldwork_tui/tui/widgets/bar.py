"""The line at the top of every engagement screen: which view, then who, which period, which phase.

The view comes first and is never cut; at 80 columns the engagement's name is truncated instead."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role


class EngagementBar(Static):
    DEFAULT_CSS = """
    EngagementBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._last: tuple[dict, str] | None = None
        self.loading_data = False

    def set_loading(self, on: bool) -> None:
        """Say "loading…" while the screen reads its data (never blocks: the data arrives later)."""
        self.loading_data = on
        if self._last is not None:
            self.show(*self._last)
        elif on:
            self.update(Text("fieldwork · loading…", style=role("muted")))

    def show(self, engagement: dict, view: str) -> None:
        self._last = (engagement, view)
        head = Text()
        head.append("fieldwork ", style=role("accent"))
        head.append(f"· {visible(view)} ", style=role("strong"))
        rest = Text(overflow="ellipsis", no_wrap=True)
        rest.append(f"· {visible(engagement.get('name', ''))} ")
        rest.append(f"· {engagement.get('period_start')}..{engagement.get('period_end')} ", style=role("muted"))
        rest.append(f"· {str(engagement.get('phase', '')).replace('_', ' ')}", style=role("muted"))
        if self.loading_data:
            head.append("· loading… ", style=role("muted"))
        grid = Table.grid(expand=True)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_row(head, rest)
        self.update(grid)
