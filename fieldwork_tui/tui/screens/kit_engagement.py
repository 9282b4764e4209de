"""An engagement screen on the TUI kit: the engagement bar, the body, the footer; data read off the UI
thread through `fetch()` / `show()` (kit.screen). The interview screens are built on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Footer

from fieldwork_tui.tui.kit.screen import KitScreen
from fieldwork_tui.tui.widgets.bar import EngagementBar

if TYPE_CHECKING:
    from fieldwork_tui.services.engagements import EngagementHandle


class KitEngagementScreen(KitScreen):
    VIEW_NAME: ClassVar[str] = ""

    @property
    def handle(self) -> EngagementHandle:
        return self.app.handle  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield EngagementBar(id="engagement-bar")
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def fetch(self) -> Any:
        from fieldwork_tui.services.engagements import engagement_summary

        return {"summary": engagement_summary(self.handle), **(self.fetch_body() or {})}

    def fetch_body(self) -> dict:
        """What the body shows (worker thread)."""
        return {}

    def show(self, data: Any) -> None:
        self.query_one(EngagementBar).show(data["summary"], self.VIEW_NAME)
        self.show_body(data)

    def show_body(self, data: dict) -> None:
        """Put the body's data on screen (UI thread)."""
