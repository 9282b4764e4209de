"""Controls view: every control with criteria, frequency, I·O·N·R evidence badges, flags and status.
Filter as you type (in SQL, in a worker), "flagged only", sort by any column; enter opens the control.
At 80 columns ref, flags and status stay; the highlighted control is shown in full under the table."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding

from fieldwork_tui.tui.kit.filter_bar import FilterBar
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.flags import badges_text, flags_text, hold_text
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, Row, VirtualTable

COLUMNS = [
    Column("ref", "Ref", 7, priority=0),
    Column("title", "Title", 24, priority=1, min_width=14, grow=True),
    Column("criteria", "Criteria", 14, priority=3, min_width=12),
    Column("frequency", "Frequency", 12, priority=4, min_width=10),
    Column("evidence", "IONR", 4, priority=1),
    Column("flags", "Flags", 26, priority=0, min_width=16, grow=True),
    Column("status", "Status", 16, priority=0, min_width=16),  # "ready for review" in full
]
SORT_ORDER = [c.key for c in COLUMNS]


def detail_text(r, hold=None) -> Text:
    text = Text()
    text.append(visible(r.ref), style=role("ref"))
    text.append(f" {visible(r.title)}", style=role("strong"))
    text.append(f"  ·  {' '.join(r.criteria) or 'no criteria'} · {r.frequency.replace('_', ' ')} · ",
                style=role("muted"))
    text.append_text(badges_text(r.evidence_types))
    text.append(" · ", style=role("muted"))
    text.append_text(flags_text(r.flags, compact=False) if r.flags else Text("no flags", style=role("ok")))
    text.append(f" · {r.status.replace('_', ' ')}", style=role("muted"))
    if hold is not None:
        text.append(" · checked out ", style=role("muted"))
        text.append_text(hold_text(hold))
    return text


class ControlsSource:
    columns = COLUMNS

    def __init__(self, rows, holds=None):
        self._rows = rows
        self._holds = holds or {}  # ref -> HoldView: a checked-out control says who holds it

    def count(self) -> int:
        return len(self._rows)

    def rows(self, offset: int, limit: int) -> list[Row]:
        out = []
        for r in self._rows[offset : offset + limit]:
            out.append(Row(key=r.ref, detail=detail_text(r, self._holds.get(r.ref)), cells=[
                Text(visible(r.ref), style=role("ref")), r.title, " ".join(r.criteria), r.frequency.replace("_", " "),
                badges_text(r.evidence_types), flags_text(r.flags), r.status.replace("_", " "),
            ]))
        return out


class ControlsScreen(EngagementScreen):
    VIEW_NAME = "Controls"
    MAIN = "#controls-table"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="controls.filter", tooltip="Filter as you type"),
        Binding("f", "toggle_flagged", "Flagged only", id="controls.flagged",
                tooltip="Show only controls whose conclusion is not yet defensible"),
        Binding("s", "cycle_sort", "Sort", id="controls.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="controls.reverse", tooltip="Reverse the sort"),
        Binding("i", "import_matrix", "Import", id="controls.import",
                tooltip="Import the control matrix (CSV or XLSX; re-import updates by ref)"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="controls.clear",
                tooltip="Clear the filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flagged_only = False
        self.sort_key = "ref"
        self.descending = False
        self._all_rows: list = []
        self._matching: set[int] | None = None
        self._holds: dict = {}

    def body(self) -> ComposeResult:
        yield FilterBar(self._query, self._filtered, placeholder="/ filter: ref, title, criteria, owner…",
                        id="filter-bar")
        yield VirtualTable(ControlsSource([]), id="controls-table", detail="controls-detail")
        yield DetailLine(id="controls-detail")

    # -- data ---------------------------------------------------------------------------------------
    def fetch(self):
        """Every control's row (flags included) and which of them the current filter matches."""
        from fieldwork_tui.services.controls import control_rows, matching_control_ids
        from fieldwork_tui.services.team import control_holds

        text = self.query_one(FilterBar).text
        return control_rows(self.handle), matching_control_ids(self.handle, text), control_holds(self.handle)

    def show(self, data) -> None:
        self._all_rows, self._matching, holds = data
        self._holds = {h.ref: h for h in holds}
        self._show()

    def _query(self, text: str):
        from fieldwork_tui.services.controls import matching_control_ids

        return matching_control_ids(self.handle, text)

    def _filtered(self, _text: str, matching) -> None:
        self._matching = matching
        self._show()

    def _show(self) -> None:
        """Apply the filter's matches, "flagged only" and the sort to the loaded rows (no database)."""
        from fieldwork_tui.services.controls import select_rows

        text = self.query_one(FilterBar).text
        rows = select_rows(self._all_rows, self._matching, flagged_only=self.flagged_only, sort=self.sort_key,
                           descending=self.descending)
        table = self.query_one(VirtualTable)
        table.sort_key, table.sort_descending = self.sort_key, self.descending
        table.empty_text = "No control matches." if (text or self.flagged_only) else (
            "No controls yet: press i to import the control matrix (or fieldwork import controls ENGAGEMENT FILE)")
        table.set_source(ControlsSource(rows, self._holds))
        state = f"{len(rows)} of {len(self._all_rows)} controls" if len(rows) != len(self._all_rows) else \
            f"{len(rows)} controls"
        if self.flagged_only:
            state += " · flagged only"
        state += f" · by {self.sort_key}{' ↓' if self.descending else ''}"
        self.query_one(FilterBar).set_state(state)

    # -- keys ---------------------------------------------------------------------------------------
    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.focus_main()

    def action_focus_filter(self) -> None:
        self.query_one(FilterBar).edit()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).clear()

    def set_flagged_only(self, value: bool) -> None:
        self.flagged_only = value
        if self._kit_has_data:
            self._show()

    @classmethod
    def open_flagged(cls, app: App) -> None:
        """The Controls list, flagged only (from the dashboard's `f`)."""
        app.action_view("controls")  # type: ignore[attr-defined]
        screen = app.screen
        if isinstance(screen, cls):
            screen.set_flagged_only(True)

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

    def action_import_matrix(self) -> None:
        from fieldwork_tui.tui.dialogs.import_controls import import_control_matrix

        import_control_matrix(self)
