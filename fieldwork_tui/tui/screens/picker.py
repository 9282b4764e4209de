"""Engagement picker: every engagement folder under the fieldwork home; open one or create one."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable


class PickerScreen(Screen):
    BINDINGS = [
        Binding("n", "new", "New engagement", id="picker.new", tooltip="Create an engagement folder"),
        Binding("r", "reload", "Reload", id="picker.reload", tooltip="Look for engagements again"),
    ]
    COLUMNS = [Column("name", "Engagement", 40), Column("type", "Type", 6), Column("period", "Period", 23),
               Column("phase", "Phase", 22), Column("slug", "Folder", 28)]

    def compose(self) -> ComposeResult:
        yield Static("fieldwork · choose an engagement", classes="section-title", id="picker-title")
        yield VirtualTable(ListSource(self.COLUMNS, []), id="engagements")
        yield Static("", id="picker-home", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one(VirtualTable).focus()

    def action_reload(self) -> None:
        from fieldwork_tui.services.engagements import list_engagements, resolve_home

        home = getattr(self.app, "home", None)
        rows = []
        for e in list_engagements(home):
            if e.get("error"):
                rows.append(Row(key=e["path"], cells=[e["name"], "", "", e["error"], e["slug"]], style="red"))
            else:
                rows.append(Row(key=e["path"], cells=[e["name"], e["type"].replace("type", "Type "),
                                                      f"{e['period_start']}..{e['period_end']}",
                                                      e["phase"].replace("_", " "), e["slug"]]))
        table = self.query_one(VirtualTable)
        table.empty_text = "No engagements yet: press n to create one (or run fieldwork demo)."
        table.set_source(ListSource(self.COLUMNS, rows))
        self.query_one("#picker-home", Static).update(f"Engagements live in {resolve_home(home)}")

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        from fieldwork_tui.services.errors import FieldworkError

        try:
            self.app.open_engagement_at(Path(event.key))  # type: ignore[attr-defined]
        except FieldworkError as exc:
            self.notify(str(exc), title="Cannot open", severity="error")

    def action_new(self) -> None:
        from fieldwork_tui.tui.dialogs.new_engagement import NewEngagementDialog

        def created(values: dict | None) -> None:
            if not values:
                return
            from fieldwork_tui.services.engagements import create_engagement
            from fieldwork_tui.services.errors import FieldworkError

            try:
                handle = create_engagement(getattr(self.app, "home", None), values["name"], type=values["type"],
                                           period=values["period"], categories=values["categories"])
            except FieldworkError as exc:
                self.notify(str(exc), title="Not created", severity="error")
                return
            root = handle.root
            handle.close()
            self.app.open_engagement_at(root)  # type: ignore[attr-defined]

        self.app.push_screen(NewEngagementDialog(), created)
