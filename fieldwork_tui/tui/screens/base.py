"""What every engagement screen shares: the engagement bar, the footer, the handle.

Built on the kit's `KitScreen`: a screen implements `fetch()` (worker thread: read from the services)
and `show(data)` (UI thread); the bar's summary is read in the same worker. Changes go through
`commit(service_call, success=...)`, which runs them in a worker and loads the screen again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult

from fieldwork_tui.tui.kit.key_bar import KeyBar
from fieldwork_tui.tui.kit.screen import KitScreen
from fieldwork_tui.tui.widgets.bar import EngagementBar

if TYPE_CHECKING:
    from fieldwork_tui.services.engagements import EngagementHandle


class EngagementScreen(KitScreen):
    """Base of the screens that show one engagement. Subclasses compose `body()`."""

    VIEW_NAME = ""

    @property
    def handle(self) -> EngagementHandle:
        return self.app.handle  # type: ignore[attr-defined]

    @property
    def AREA_LABEL(self) -> str:  # noqa: N802 - the heading of this screen's keys in ? and the palette
        return self.VIEW_NAME

    def compose(self) -> ComposeResult:
        yield EngagementBar(id="engagement-bar")
        yield from self.body()
        yield KeyBar()

    def body(self) -> ComposeResult:
        yield from ()

    # -- the data seam: the bar's summary is read with the screen's data -----------------------------
    def _kit_fetches(self) -> bool:
        return True

    def _kit_fetch(self) -> Any:
        from fieldwork_tui.services.engagements import engagement_summary

        return engagement_summary(self.handle), self.fetch()

    def _kit_show(self, data: Any) -> None:
        summary, own = data
        self.query_one(EngagementBar).show(summary, self.VIEW_NAME)
        self.show(own)

    def set_loading(self, on: bool) -> None:
        super().set_loading(on)
        for bar in self.query(EngagementBar):
            bar.set_loading(on)
