"""A tab of the control detail screen: an `ActionArea` (its keys in ? and the palette, even while
hidden) that knows its control. The screen reads everything the tabs show in ONE worker: each tab's
`fetch(handle, ref)` (worker thread, services only) next to the control's records, then `show(records,
extra)` on the UI thread. After a change a tab calls `changed()`; the screen loads again."""

from __future__ import annotations

from typing import Any

from fieldwork_tui.tui.kit.screen import ActionArea
from fieldwork_tui.tui.messages import DataChanged


class ControlTab(ActionArea):
    DEFAULT_CSS = """
    ControlTab { height: 1fr; }
    ControlTab .tab-empty { color: $text-muted; padding: 1; }
    """
    TAB_LABEL = ""

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ref = ref

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
