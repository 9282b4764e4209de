"""What every engagement screen shares: the engagement bar, the footer, the handle.

Built on the kit's `KitScreen`: a screen implements `fetch()` (worker thread: read from the services)
and `show(data)` (UI thread); the bar's summary is read in the same worker. Changes go through
`commit(service_call, success=...)`, which runs them in a worker and loads the screen again.

On a return to the screen (a view switch, a screen above it closed) the worker first reads the
engagement's change marker (`services.engagements.change_marker`) and reads the rest only if it moved
since the screen's last load: switching views back and forth reads nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult

from fieldwork_tui.tui.kit.key_bar import KeyBar
from fieldwork_tui.tui.kit.screen import KitScreen
from fieldwork_tui.tui.widgets.bar import EngagementBar

if TYPE_CHECKING:
    from fieldwork_tui.services.engagements import EngagementHandle


_UNCHANGED = object()  # what a return's worker hands back when the engagement did not change


class EngagementScreen(KitScreen):
    """Base of the screens that show one engagement. Subclasses compose `body()`."""

    VIEW_NAME = ""
    _kit_marker: Any = None  # the change marker read with the data shown
    _kit_only_if_changed = False  # the next load is a return: read only if the marker moved

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

    def _kit_resumed(self) -> None:
        self._kit_only_if_changed = True  # the load a return starts (if any) may read nothing
        try:
            super()._kit_resumed()
        finally:
            self._kit_only_if_changed = False

    def load(self) -> None:
        only_if_changed = self._kit_only_if_changed and self._kit_has_data
        self._kit_only_if_changed = False
        known = self._kit_marker if only_if_changed else None
        self._kit_fetch = lambda: self._fetch_if_changed(known)  # type: ignore[method-assign]
        super().load()

    def _fetch_if_changed(self, known: Any) -> Any:
        from fieldwork_tui.services.engagements import change_marker, engagement_summary

        marker = change_marker(self.handle)  # read first: a change while fetching shows next time
        if known is not None and marker == known:
            return _UNCHANGED
        return marker, engagement_summary(self.handle), self.fetch()

    def _kit_shown(self, data: Any) -> None:
        if data is _UNCHANGED:  # nothing moved: what is shown stays, nothing is redrawn
            self.set_loading(False)
            self._kit_first_load_done()
            return
        super()._kit_shown(data)

    def _kit_show(self, data: Any) -> None:
        marker, summary, own = data
        self._kit_marker = marker
        self.query_one(EngagementBar).show(summary, self.VIEW_NAME)
        self.show(own)

    def set_loading(self, on: bool) -> None:
        super().set_loading(on)
        for bar in self.query(EngagementBar):
            bar.set_loading(on)
