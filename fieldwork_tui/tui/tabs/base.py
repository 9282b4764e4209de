"""A tab of the control detail screen: it knows its control and reloads from the services."""

from __future__ import annotations

from textual.containers import Vertical

from fieldwork_tui.tui.messages import DataChanged


class ControlTab(Vertical):
    """Subclasses implement `refresh_data(records)`; after a change they call `changed()` so the
    detail screen recomputes flags and every tab reloads."""

    DEFAULT_CSS = """
    ControlTab { height: 1fr; }
    ControlTab .tab-empty { color: $text-muted; padding: 1; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ref = ref

    @property
    def handle(self):
        return self.app.handle  # type: ignore[attr-defined]

    def refresh_data(self, records) -> None:
        """Show `records` (a services.controls.ControlRecords)."""

    def changed(self, what: str = "") -> None:
        self.post_message(DataChanged(what))

    def palette_commands(self):
        """(title, help, callback) this tab adds to the control screen's command palette."""
        return ()


class ListingTab(ControlTab):
    """A tab that lists stored records in a table (subclasses give `COLUMNS`, `EMPTY` and `rows()`)."""

    COLUMNS: tuple[str, ...] = ()
    EMPTY = "Nothing recorded yet."

    def compose(self):
        from textual.widgets import DataTable, Static

        yield Static(self.EMPTY, classes="tab-empty")
        table = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.COLUMNS)
        yield table

    def rows(self, records) -> list[tuple]:
        return []

    def refresh_data(self, records) -> None:
        from textual.widgets import DataTable, Static

        rows = self.rows(records)
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row)
        self.query_one(Static).display = not rows
        table.display = bool(rows)
