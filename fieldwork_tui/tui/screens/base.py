"""What every engagement screen shares: the engagement bar, the footer, the handle, palette commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from fieldwork_tui.tui.widgets.bar import EngagementBar

if TYPE_CHECKING:
    from fieldwork_tui.services.engagements import EngagementHandle


class EngagementScreen(Screen):
    """Base of the screens that show one engagement. Subclasses compose `body()` and implement
    `refresh_data()`; `palette_commands()` lists what the command palette offers on this screen."""

    VIEW_NAME = ""

    @property
    def handle(self) -> EngagementHandle:
        return self.app.handle  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield EngagementBar(id="engagement-bar")
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    _fresh = False  # data loaded by on_mount and not yet painted: the resume that follows the mount skips reloading

    def on_mount(self) -> None:
        self.refresh_bar()
        self.refresh_data()
        self._fresh = True
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self._fresh = False

    def on_screen_resume(self) -> None:
        if self._fresh:
            return
        self.refresh_bar()
        self.refresh_data()

    def refresh_bar(self) -> None:
        from fieldwork_tui.services.engagements import engagement_summary

        self.query_one(EngagementBar).show(engagement_summary(self.handle), self.VIEW_NAME)

    def refresh_data(self) -> None:
        """Reload what the screen shows from the services."""

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        """(title, help, callback) for the command palette, only those that make sense here."""
        return ()

    def run_guarded(self, fn: Callable[[], Any], success: str | None = None) -> Any:
        """Run a service call; show a user error as a notification instead of a traceback."""
        from fieldwork_tui.services.errors import FieldworkError

        try:
            result = fn()
        except FieldworkError as exc:
            self.notify(str(exc), title="Not done", severity="error")
            return None
        if success:
            self.notify(success)
        return result
