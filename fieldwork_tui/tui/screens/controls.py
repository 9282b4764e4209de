"""Controls view: every control with criteria, frequency, I·O·N·R evidence badges, flags and status.
Filter as you type (in SQL), "flagged only", sort by any column; enter opens the control."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.flags import badges_text, flags_text
from fieldwork_tui.tui.widgets.virtual_table import Column, Row, VirtualTable

COLUMNS = [
    Column("ref", "Ref", 7),
    Column("title", "Title", 30),
    Column("criteria", "Criteria", 16),
    Column("frequency", "Frequency", 14),
    Column("evidence", "IONR", 4),
    Column("flags", "Flags", 38),
    Column("status", "Status", 14),
]
SORT_ORDER = [c.key for c in COLUMNS]


class ControlsSource:
    columns = COLUMNS

    def __init__(self, rows):
        self._rows = rows

    def count(self) -> int:
        return len(self._rows)

    def rows(self, offset: int, limit: int) -> list[Row]:
        out = []
        for r in self._rows[offset : offset + limit]:
            out.append(Row(key=r.ref, cells=[
                Text(r.ref, style="bold"), r.title, " ".join(r.criteria), r.frequency.replace("_", " "),
                badges_text(r.evidence_types), flags_text(r.flags), r.status.replace("_", " "),
            ]))
        return out


class ControlsScreen(EngagementScreen):
    VIEW_NAME = "Controls"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="controls.filter", tooltip="Filter as you type"),
        Binding("f", "toggle_flagged", "Flagged only", id="controls.flagged",
                tooltip="Show only controls whose conclusion is not yet defensible"),
        Binding("s", "cycle_sort", "Sort", id="controls.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="controls.reverse", tooltip="Reverse the sort"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="controls.clear",
                tooltip="Clear the filter and go back to the table"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flagged_only = False
        self.sort_key = "ref"
        self.descending = False
        self._all_rows: list = []

    def body(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder="/ filter: ref, title, criteria, owner…", id="filter")
            yield Static("", classes="filter-state", id="filter-state")
        yield VirtualTable(ControlsSource([]), id="controls-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    def refresh_data(self) -> None:
        """Reload every control's row (flags included) once; filtering and sorting then reuse them."""
        from fieldwork_tui.services.controls import control_rows

        self._all_rows = control_rows(self.handle)
        self._show()

    def _show(self) -> None:
        """Filter (in SQL) and sort the loaded rows; cheap enough to run on every keystroke."""
        from fieldwork_tui.services.controls import matching_control_ids, select_rows

        text = self.query_one("#filter", Input).value
        rows = select_rows(self._all_rows, matching_control_ids(self.handle, text), flagged_only=self.flagged_only,
                           sort=self.sort_key, descending=self.descending)
        table = self.query_one(VirtualTable)
        table.sort_key, table.sort_descending = self.sort_key, self.descending
        table.empty_text = "No control matches." if (text or self.flagged_only) else (
            "No controls yet: fieldwork import controls ENGAGEMENT FILE")
        table.set_source(ControlsSource(rows))
        state = f"{len(rows)} controls"
        if self.flagged_only:
            state += " · flagged only"
        state += f" · sorted by {self.sort_key}{' ↓' if self.descending else ''}"
        self.query_one("#filter-state", Static).update(state)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._show()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(VirtualTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        inp = self.query_one("#filter", Input)
        if inp.value:
            inp.value = ""
        self.query_one(VirtualTable).focus()

    def set_flagged_only(self, value: bool) -> None:
        self.flagged_only = value
        self._show()

    def action_toggle_flagged(self) -> None:
        self.set_flagged_only(not self.flagged_only)

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_ORDER[(SORT_ORDER.index(self.sort_key) + 1) % len(SORT_ORDER)]
        self._show()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self._show()

    def on_virtual_table_header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        if self.sort_key == event.column.key:
            self.descending = not self.descending
        else:
            self.sort_key, self.descending = event.column.key, False
        self._show()

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        self.open_control(event.key)

    def open_control(self, ref: str) -> None:
        from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

        self.app.push_screen(ControlDetailScreen(ref))

    def palette_commands(self):
        yield ("Filter controls", "Type to filter by ref, title, criteria or owner", self.action_focus_filter)
        yield ("Toggle flagged only", "Show only controls not yet defensible", self.action_toggle_flagged)
        yield ("Sort controls by next column", "Cycle the sort column", self.action_cycle_sort)
