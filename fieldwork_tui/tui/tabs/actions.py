"""What the technique tabs share: a row of action buttons (for the mouse) above a table of what is
stored, the key of the row under the cursor, and row actions that act only on the table that has the
focus — after a confirmation when they delete or remove something."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Static

from fieldwork_tui.tui.kit.forms import FormButton
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable


def clip(text: str, width: int) -> str:
    """Shorten long free text so the columns after it stay on screen."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ActionTab(ControlTab):
    """A tab listing stored records (`COLUMNS`, `rows()`, `row_keys()`), with buttons (`ACTIONS`:
    (action, label) pairs, mirrored by BINDINGS) and `ROW_ACTIONS` that need the table focused."""

    KEYS_LABEL = "Every technique tab"
    COLUMNS: Sequence[Column] = ()
    EMPTY = "Nothing recorded yet."
    ACTIONS: tuple[tuple[str, str], ...] = ()
    ROW_ACTIONS: frozenset[str] = frozenset()
    MAIN = "VirtualTable"
    BINDINGS = [
        Binding("t", "required_types", "Required types", id="tab.required_types",
                tooltip="Evidence types this control requires (triangulation)"),
    ]
    DEFAULT_CSS = """
    ActionTab .tab-actions { height: auto; padding: 0 1; }
    ActionTab .tab-actions Button { margin-right: 1; min-width: 12; }
    ActionTab VirtualTable { height: 1fr; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.keys: list[object] = []

    def compose_tab(self):
        with Horizontal(classes="tab-actions"):
            for action, label in self.ACTIONS:
                yield FormButton(label, id=f"do-{action}", compact=True)
        yield Static(self.EMPTY, classes="tab-empty")
        yield VirtualTable(ListSource(list(self.COLUMNS), []), id=f"{self.id}-table", detail=f"{self.id}-detail")
        yield DetailLine(id=f"{self.id}-detail")

    def rows(self, records) -> list[tuple]:
        return []

    def row_keys(self, records) -> list[object]:
        return []

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def show(self, records, extra) -> None:
        self.keys = self.row_keys(records)
        rows = [Row(key=k, cells=list(cells)) for k, cells in zip(self.keys, self.rows(records), strict=False)]
        self.table.set_source(ListSource(list(self.COLUMNS), rows))
        self.query_one(".tab-empty", Static).display = not rows
        self.table.display = bool(rows)

    @property
    def cursor_key(self):
        return self.table.cursor_key if self.table.display else None

    def row_key(self, action: str):
        """The row an action acts on: the table's cursor row, only if the table has the focus (a key
        never acts on a table the auditor is not looking at)."""
        table = self.table
        if not table.display or table.cursor_key is None:
            self.notify("Nothing here to act on.", severity="warning")
            return None
        if not table.has_focus:
            self.notify(f"Put the cursor on a row of the {self.TAB_LABEL} table first (tab to it).",
                        severity="warning")
            return None
        return table.cursor_key

    @on(Button.Pressed, ".tab-actions Button")
    async def _button(self, event: Button.Pressed) -> None:
        event.stop()
        action = (event.button.id or "").removeprefix("do-")
        if action in self.ROW_ACTIONS:
            self.screen.set_focus(self.table)  # a click acts on the row the table shows
        await self.run_action(action)

    def action_required_types(self) -> None:
        from fieldwork_tui.services.controls import get_control, set_required_types
        from fieldwork_tui.tui.dialogs.required_types import RequiredTypesDialog

        handle, ref = self.handle, self.ref
        self.app.push_screen(
            RequiredTypesDialog(ref, fetch=lambda: list(get_control(handle, ref).required_types),
                                save=lambda types: set_required_types(handle, ref, types)),
            lambda saved: self.changed("required_types") if saved is not None else None)
