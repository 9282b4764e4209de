"""A tab of the control detail screen: an `ActionArea` (its keys in ? and the palette, even while
hidden) that knows its control. The screen reads everything the tabs show in ONE worker: each tab's
`fetch(handle, ref)` (worker thread, services only) next to the control's records, then `show(records,
extra)` on the UI thread. After a change a tab calls `changed()`; the screen loads again.

A tab composes its widgets (`compose_tab()`) only when it is first shown (`built`): the screen builds
it then, holding keys meanwhile, so opening a control builds one tab, not seven."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from fieldwork_tui.tui.kit.screen import ActionArea
from fieldwork_tui.tui.messages import DataChanged


class ControlTab(ActionArea):
    DEFAULT_CSS = """
    ControlTab { height: 1fr; }
    ControlTab .tab-empty { color: $text-muted; padding: 1; }
    """
    TAB_LABEL = ""

    def __init__(self, ref: str, *, built: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ref = ref
        self.built = built  # composed; False until the tab is first shown

    def compose(self) -> ComposeResult:
        if self.built:
            yield from self.compose_tab()

    def compose_tab(self) -> ComposeResult:
        """The tab's widgets (composed when the tab is first shown)."""
        yield from ()

    def main_widget(self):
        return self.tab_main_widget() if self.built and self.children else None  # nothing before it is built

    def tab_main_widget(self):
        """The widget that takes the keys when the (built) tab is shown."""
        return super().main_widget()

    async def prepare(self) -> None:
        """Before one of this tab's actions runs (from the palette): build the tab if it is not yet."""
        build = getattr(self.screen, "build_tab", None)
        if build is not None:
            await build(self)

    @property
    def AREA_LABEL(self) -> str:  # noqa: N802
        return f"{self.TAB_LABEL} tab"

    @property
    def handle(self):
        return self.app.handle  # type: ignore[attr-defined]

    def fetch(self, handle, ref: str) -> Any:
        """What this tab shows beyond the control's records (worker thread; services only)."""
        return None

    def show(self, records, extra: Any) -> None:
        """Show `records` (a services.workpaper.ControlRecords) and this tab's `extra`."""

    def changed(self, what: str = "") -> None:
        self.post_message(DataChanged(what))

    def commit(self, work, success: str | None = None, then=None) -> None:
        """Run a change in a worker; on success say so and load the control again."""

        def done(result) -> None:
            if then is not None:
                then(result)
            self.changed()

        self.screen.commit(work, success=success, then=done, reload=False)  # type: ignore[attr-defined]
