"""The line at the top of every engagement screen: who, which period, which phase, which view."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class EngagementBar(Static):
    DEFAULT_CSS = """
    EngagementBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def show(self, engagement: dict, view: str) -> None:
        text = Text()
        text.append("fieldwork ", style="bold cyan")
        text.append(f"· {engagement.get('name', '')} ", style="bold")
        text.append(f"· {engagement.get('period_start')}..{engagement.get('period_end')} ")
        text.append(f"· {str(engagement.get('phase', '')).replace('_', ' ')} ")
        text.append(f"· {view}", style="italic")
        self.update(text)
