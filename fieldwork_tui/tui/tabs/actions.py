"""What the technique tabs share: a row of action buttons above the listing, the id of the
row under the cursor, and palette entries for the tab's actions."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable

from fieldwork_tui.tui.tabs.base import ListingTab


def clip(text: str, width: int) -> str:
    """Shorten long free text so the columns after it stay on screen."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ActionTab(ListingTab):
    """A ListingTab with buttons (`ACTIONS`: (action, label) pairs, mirrored by BINDINGS) and row keys."""

    ACTIONS: tuple[tuple[str, str], ...] = ()
    BINDINGS = [
        Binding("t", "required_types", "Required types", id="tab.required_types",
                tooltip="Evidence types this control requires (triangulation)"),
    ]
    DEFAULT_CSS = """
    ActionTab .tab-actions { height: auto; padding: 0 1; }
    ActionTab .tab-actions Button { margin-right: 1; min-width: 12; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.keys: list[object] = []

    def compose(self):
        with Horizontal(classes="tab-actions"):
            for action, label in self.ACTIONS:
                yield Button(label, id=f"do-{action}", compact=True)
        yield from super().compose()

    def row_keys(self, records) -> list[object]:
        return []

    def refresh_data(self, records) -> None:
        self.keys = self.row_keys(records)
        super().refresh_data(records)

    @property
    def cursor_key(self):
        table = self.query_one(DataTable)
        if not self.keys or not table.display:
            return None
        row = table.cursor_row
        return self.keys[row] if 0 <= row < len(self.keys) else None

    @on(Button.Pressed, ".tab-actions Button")
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_action(event.button.id.removeprefix("do-"))

    def action_required_types(self) -> None:
        from fieldwork_tui.services.controls import get_control
        from fieldwork_tui.tui.dialogs.required_types import RequiredTypesDialog

        control = get_control(self.handle, self.ref)
        self.app.push_screen(RequiredTypesDialog(control.ref, list(control.required_types)),
                             lambda saved: self.changed("required_types") if saved is not None else None)

    def palette_commands(self):
        for action, label in self.ACTIONS:
            yield (f"{label} ({self.ref})", f"{label} on control {self.ref}",
                   lambda action=action: self.run_action(action))
        yield (f"Required evidence types ({self.ref})", "Choose which techniques this control requires",
               self.action_required_types)
