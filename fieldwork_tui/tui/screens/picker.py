"""Engagement picker: every engagement folder under the fieldwork home; open one or create one."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.key_bar import KeyBar
from fieldwork_tui.tui.kit.safe_text import safe_text
from fieldwork_tui.tui.kit.screen import KitScreen
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

COLUMNS = [Column("name", "Engagement", 40, priority=0, min_width=20, grow=True), Column("type", "Type", 7),
           Column("period", "Period", 22, priority=2), Column("phase", "Phase", 20, priority=0, min_width=12),
           Column("slug", "Folder", 28, priority=3)]


class PickerScreen(KitScreen):
    AREA_LABEL = "Engagements"
    MAIN = "#engagements"
    BINDINGS = [
        Binding("n", "new", "New engagement", id="picker.new", tooltip="Create an engagement folder"),
        Binding("r", "reload", "Reload", id="picker.reload", tooltip="Look for engagements again"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("fieldwork · choose an engagement", classes="section-title", id="picker-title")
        yield VirtualTable(ListSource(COLUMNS, []), id="engagements", detail="picker-detail")
        yield DetailLine(id="picker-detail")
        yield Static("", id="picker-home", classes="muted")
        yield KeyBar()

    def fetch(self):
        from fieldwork_tui.services.engagements import list_engagements, resolve_home

        home = getattr(self.app, "home", None)
        return list_engagements(home), str(resolve_home(home))

    def show(self, data) -> None:
        engagements, home = data
        rows = []
        for e in engagements:
            if e.get("error"):
                rows.append(Row(key=e["path"], cells=[e["name"], "", "", e["error"], e["slug"]],
                                style=role("severe")))
            else:
                rows.append(Row(key=e["path"], cells=[e["name"], e["type"].replace("type", "Type "),
                                                      f"{e['period_start']}..{e['period_end']}",
                                                      e["phase"].replace("_", " "), e["slug"]]))
        table = self.query_one(VirtualTable)
        table.empty_text = "No engagements yet: press n to create one (or run fieldwork demo)."
        table.set_source(ListSource(COLUMNS, rows))
        self.query_one("#picker-home", Static).update(safe_text(f"Engagements live in {home}"))

    def action_reload(self) -> None:
        self.load()

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        self.open(Path(event.key))

    def open(self, root: Path) -> None:
        """Open the engagement (its database is checked and migrated in a worker), then its dashboard."""
        from fieldwork_tui.services.engagements import open_path

        def opened(handle) -> None:
            self.app.engagement_opened(handle)  # type: ignore[attr-defined]

        workers.run(self, lambda: open_path(root), done=opened, group="open", exclusive=True)

    def action_new(self) -> None:
        from fieldwork_tui.services.engagements import create_engagement
        from fieldwork_tui.tui.dialogs.new_engagement import NewEngagementDialog

        home = getattr(self.app, "home", None)

        def create(values: dict):
            handle = create_engagement(home, values["name"], type=values["type"], period=values["period"],
                                       categories=values["categories"],
                                       service_organization=values["service_organization"])
            root = handle.root
            handle.close()
            return root

        def created(root: Path | None) -> None:
            if root is not None:
                self.open(root)

        self.app.push_screen(NewEngagementDialog(save=create), created)
