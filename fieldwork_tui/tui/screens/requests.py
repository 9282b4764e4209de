"""Requests view (3): triage of the evidence request list. What is overdue, from whom, for which
control — filter as you type, quick filters (`o` overdue, `w` owner of the row, `W` pick an owner,
`t` status, `c` control, `v` wave), sort by any column, select rows and change them in bulk.

The table reads one page at a time from a SQL query (`services.requests.request_page`), so it
stays instant with thousands of requests.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, ProgressBar, Static

from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, RequestStatus, RequestWave
from fieldwork_tui.services.requests import UNASSIGNED, RequestQuery, RequestRow
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

STATUS_LABEL = {
    RequestStatus.open: "open", RequestStatus.in_progress: "in progress", RequestStatus.needs_clarification: "clarify",
    RequestStatus.submitted: "submitted", RequestStatus.returned: "returned", RequestStatus.accepted: "accepted",
    RequestStatus.not_applicable: "n/a",
}
COLUMNS = [
    Column("ref", "ID", 8), Column("description", "Description", 34), Column("controls", "Controls", 12),
    Column("owner", "Owner", 16), Column("status", "Status", 11), Column("due", "Due", 10),
    Column("age", "Age", 4, justify="right"), Column("follow_up", "Last follow-up", 23),
]
SORT_ORDER = [c.key for c in COLUMNS]
WAVES: list[RequestWave | None] = [None, RequestWave.population, RequestWave.sample, RequestWave.general]
OPEN_ITEMS = "open-items"
ALL = "all"  # a picker's "no filter" choice (None means the picker was cancelled)


def row_cells(r: RequestRow) -> Row:
    """How one request looks in the table: overdue red, done items dim."""
    style = "bold red" if r.overdue else ("dim" if r.status in (RequestStatus.accepted, RequestStatus.not_applicable)
                                          else "")
    follow = f"{r.last_follow_up_on:%m-%d} {r.last_follow_up}" if r.last_follow_up_on else ""
    status = Text(STATUS_LABEL[r.status], style="yellow" if r.status is RequestStatus.submitted else "")
    return Row(key=r.id, style=style, data={"owner_id": r.owner_id, "owner": r.owner, "controls": r.controls},
               cells=[r.ref, r.description, r.controls, r.owner, status, r.due_on.isoformat() if r.due_on else "",
                      "" if r.age is None else str(r.age), follow])


class RequestsSource:
    """The triage query as a table source: counted once, rows fetched a page at a time."""

    columns = COLUMNS

    def __init__(self, handle, query: RequestQuery) -> None:
        from fieldwork_tui.services.requests import count_requests

        self.handle, self.query = handle, query
        self._count = count_requests(handle, query)

    def count(self) -> int:
        return self._count

    def rows(self, offset: int, limit: int) -> list[Row]:
        from fieldwork_tui.services.requests import request_page

        return [row_cells(r) for r in request_page(self.handle, self.query, offset, limit)]


class RequestsScreen(EngagementScreen):
    VIEW_NAME = "Requests"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="requests.filter", tooltip="Filter as you type"),
        Binding("o", "toggle_overdue", "Overdue", id="requests.overdue", tooltip="Only overdue requests (toggle)"),
        Binding("w", "owner_of_row", "This owner", id="requests.owner_row",
                tooltip="Only the owner of the row under the cursor (toggle)"),
        Binding("W", "pick_owner", "Owner…", show=False, id="requests.owner_pick",
                tooltip="Pick an owner (with open and overdue counts)"),
        Binding("t", "pick_status", "Status…", show=False, id="requests.status_pick", tooltip="Only one status"),
        Binding("c", "pick_control", "Control…", show=False, id="requests.control_pick", tooltip="Only one control"),
        Binding("v", "cycle_wave", "Wave", show=False, id="requests.wave",
                tooltip="Cycle the wave filter: population, sample, general, all"),
        Binding("x", "clear_quick", "Clear filters", show=False, id="requests.clear_quick",
                tooltip="Clear every quick filter"),
        Binding("s", "cycle_sort", "Sort", id="requests.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="requests.reverse", tooltip="Reverse the sort"),
        Binding("space", "toggle_select", "Select", id="requests.select", tooltip="Select or unselect the row"),
        Binding("a", "select_all", "All", show=False, id="requests.select_all",
                tooltip="Select every row shown (again: clear the selection)"),
        Binding("b", "bulk_status", "Status", id="requests.bulk_status",
                tooltip="Change the status of the selected requests"),
        Binding("n", "bulk_owner", "Owner", id="requests.bulk_owner", tooltip="Assign an owner to the selected requests"),
        Binding("d", "bulk_due", "Due", id="requests.bulk_due", tooltip="Shift the due date of the selected requests"),
        Binding("e", "export", "Export", id="requests.export", tooltip="Export the open items (XLSX or CSV)"),
        Binding("i", "import_list", "Import", show=False, id="requests.import",
                tooltip="Import the client's request list (CSV or XLSX)"),
        Binding("m", "sample_wave", "Sample wave", show=False, id="requests.sample_wave",
                tooltip="Create the request for a selected sample's items"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="requests.clear",
                tooltip="Clear the filter and go back to the table"),
    ]
    DEFAULT_CSS = """
    RequestsScreen #quick { height: 1; padding: 0 1; color: $text-muted; }
    RequestsScreen #progress { height: 1; padding: 0 1; display: none; }
    RequestsScreen #progress.busy { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.query_state = RequestQuery()
        self.labels: dict[str, str] = {}

    def body(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder="/ filter: ID, description, owner, control…", id="filter")
            yield Static("", classes="filter-state", id="filter-state")
        yield Static("", id="quick")
        yield VirtualTable(ListSource(COLUMNS, []), selectable=True, id="requests-table")
        yield ProgressBar(id="progress", show_eta=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    # -- data -----------------------------------------------------------------
    def refresh_data(self) -> None:
        q = self.query_state
        q.text = self.query_one("#filter", Input).value
        table = self.table
        table.sort_key, table.sort_descending = q.sort, q.descending
        source = RequestsSource(self.handle, q)
        filtered = bool(q.text.strip() or self._chips())
        table.empty_text = "No request matches." if filtered else (
            "No requests yet: press i to import the client's list (or fieldwork import requests ENGAGEMENT FILE)")
        table.set_source(source)
        state = f"{source.count()} requests"
        if table.selected:
            state += f" · {len(table.selected)} selected"
        state += f" · by {q.sort.replace('_', ' ')}{' ↓' if q.descending else ''}"
        self.query_one("#filter-state", Static).update(state)
        chips = self._chips()
        self.query_one("#quick", Static).update(
            Text("Filters: ", style="bold") + Text(" · ".join(chips) + "   (x clears)") if chips else
            Text("o overdue · w this owner · W owner… · t status… · c control… · v wave · space select · "
                 "b/n/d bulk status/owner/due", style="dim"))

    def _chips(self) -> list[str]:
        q, out = self.query_state, []
        if q.overdue:
            out.append("overdue")
        if q.owner_id is not None:
            out.append(f"owner: {self.labels.get('owner', '?')}")
        if q.statuses:
            out.append(f"status: {self.labels.get('status', '?')}")
        if q.control_id is not None:
            out.append(f"control: {self.labels.get('control', '?')}")
        if q.wave is not None:
            out.append(f"wave: {q.wave.value}")
        return out

    def targets(self) -> list[int]:
        """The selected requests, or the one under the cursor."""
        table = self.table
        if table.selected:
            return sorted(table.selected)
        return [table.cursor_key] if table.cursor_key is not None else []

    def after_change(self, clear: bool = True) -> None:
        if clear:
            self.table.selected.clear()
        self.refresh_data()

    # -- filter and quick filters ---------------------------------------------
    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refresh_data()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        inp = self.query_one("#filter", Input)
        if inp.value:
            inp.value = ""
        self.table.focus()

    def action_toggle_overdue(self) -> None:
        self.query_state.overdue = not self.query_state.overdue
        self.refresh_data()

    def set_owner(self, owner_id: int | None, name: str = "") -> None:
        self.query_state.owner_id = owner_id
        self.labels["owner"] = name
        self.refresh_data()

    def action_owner_of_row(self) -> None:
        if self.query_state.owner_id is not None:
            self.set_owner(None)
            return
        row = self.table.cursor_row
        if row is not None:
            oid = row.data.get("owner_id")
            self.set_owner(UNASSIGNED if oid is None else oid, row.data.get("owner") or "(no owner)")

    def action_pick_owner(self) -> None:
        from fieldwork_tui.services.requests import owner_counts
        from fieldwork_tui.tui.dialogs.request_pick import PickDialog

        options = [(f"{o.name} — {o.overdue} overdue, {o.open} open of {o.total}", (o.id, o.name))
                   for o in owner_counts(self.handle)]
        self.app.push_screen(PickDialog("Requests of which owner?", [("Everyone", ALL), *options]),
                             self._owner_picked)

    def _owner_picked(self, value) -> None:
        if value is not None:
            self.set_owner(*((None, "") if value == ALL else value))

    def action_pick_status(self) -> None:
        from fieldwork_tui.tui.dialogs.request_pick import PickDialog

        options = [("Everything", ALL), ("Open items (what the client still owes)", OPEN_ITEMS)]
        options += [(s.value.replace("_", " "), s.value) for s in RequestStatus]
        self.app.push_screen(PickDialog("Requests in which status?", options), self._set_status_filter)

    def _set_status_filter(self, value: str | None) -> None:
        if value is None:
            return
        if value == OPEN_ITEMS:
            self.query_state.statuses, self.labels["status"] = frozenset(OPEN_REQUEST_STATUSES), "open items"
        elif value != ALL:
            self.query_state.statuses = frozenset({RequestStatus(value)})
            self.labels["status"] = value.replace("_", " ")
        else:
            self.query_state.statuses = frozenset()
        self.refresh_data()

    def action_pick_control(self) -> None:
        from fieldwork_tui.services.requests import control_counts
        from fieldwork_tui.tui.dialogs.request_pick import PickDialog

        options = [(f"{ref} {title} ({n})", (cid, ref)) for cid, ref, title, n in control_counts(self.handle)]
        row = self.table.cursor_row
        first = (row.data.get("controls") or "").split()[:1] if row else []
        highlight = next((v for _label, v in options if first and v[1] == first[0]), None)
        self.app.push_screen(PickDialog("Requests for which control?", [("All controls", ALL), *options],
                                        highlight=highlight), self._set_control_filter)

    def _set_control_filter(self, value) -> None:
        if value is None:
            return
        self.query_state.control_id = None if value == ALL else value[0]
        self.labels["control"] = "" if value == ALL else value[1]
        self.refresh_data()

    def action_cycle_wave(self) -> None:
        self.query_state.wave = WAVES[(WAVES.index(self.query_state.wave) + 1) % len(WAVES)]
        self.refresh_data()

    def action_clear_quick(self) -> None:
        q = self.query_state
        q.overdue, q.owner_id, q.statuses, q.control_id, q.wave = False, None, frozenset(), None, None
        self.refresh_data()

    # -- sort -----------------------------------------------------------------
    def action_cycle_sort(self) -> None:
        q = self.query_state
        q.sort = SORT_ORDER[(SORT_ORDER.index(q.sort) + 1) % len(SORT_ORDER)] if q.sort in SORT_ORDER else "ref"
        self.refresh_data()

    def action_reverse_sort(self) -> None:
        self.query_state.descending = not self.query_state.descending
        self.refresh_data()

    def on_virtual_table_header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        q = self.query_state
        if q.sort == event.column.key:
            q.descending = not q.descending
        else:
            q.sort, q.descending = event.column.key, False
        self.refresh_data()

    # -- selection and bulk changes ---------------------------------------------
    def action_toggle_select(self) -> None:
        self.table.toggle_selected()
        self.table.action_cursor(1)
        self.refresh_data()

    def action_select_all(self) -> None:
        if self.table.selected:
            self.table.clear_selection()
        else:
            self.table.select_all()
        self.refresh_data()

    def _subtitle(self, ids: list[int]) -> str:
        if len(ids) == 1 and not self.table.selected:
            row = self.table.cursor_row
            return f"{row.cells[0]}: {row.cells[1]}" if row else ""
        return f"{len(ids)} selected requests"

    def action_bulk_status(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import StatusDialog

        ids = self.targets()
        if ids:
            self.app.push_screen(StatusDialog(self._subtitle(ids)), lambda v: self._apply_status(ids, v))

    def _apply_status(self, ids: list[int], value) -> None:
        if value is None:
            return
        from fieldwork_tui.services.requests import change_status

        status, reason = value
        n = self.run_guarded(lambda: change_status(self.handle, ids, status, reason))
        if n is not None:
            self.notify(f"{n} request(s) now {status.value.replace('_', ' ')}")
            self.after_change()

    def action_bulk_owner(self) -> None:
        from fieldwork_tui.services.requests import client_owner_names
        from fieldwork_tui.tui.dialogs.request_edit import OwnerDialog

        ids = self.targets()
        if ids:
            self.app.push_screen(OwnerDialog(self._subtitle(ids), client_owner_names(self.handle)),
                                 lambda v: self._apply_owner(ids, v))

    def _apply_owner(self, ids: list[int], owner: str | None) -> None:
        if owner is None:
            return
        from fieldwork_tui.services.requests import assign_owner

        n = self.run_guarded(lambda: assign_owner(self.handle, ids, owner))
        if n is not None:
            self.notify(f"{n} request(s) assigned to {owner or 'nobody'}")
            self.after_change()

    def action_bulk_due(self) -> None:
        from fieldwork_tui.tui.dialogs.request_edit import DueDialog

        ids = self.targets()
        if ids:
            self.app.push_screen(DueDialog(self._subtitle(ids)), lambda v: self._apply_due(ids, v))

    def _apply_due(self, ids: list[int], value) -> None:
        if value is None:
            return
        from fieldwork_tui.services.requests import shift_due

        kind, amount, business = value
        if kind == "date":
            call = lambda: shift_due(self.handle, ids, new_date=amount)  # noqa: E731
        else:
            call = lambda: shift_due(self.handle, ids, days=amount, business=business)  # noqa: E731
        n = self.run_guarded(call)
        if n is not None:
            self.notify(f"due date changed on {n} request(s)")
            self.after_change()

    # -- open, import, export, sample wave ----------------------------------------
    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        from fieldwork_tui.tui.screens.request_detail import RequestDetailScreen

        self.app.push_screen(RequestDetailScreen(event.key))

    def action_export(self) -> None:
        from fieldwork_tui.services.engagements import today
        from fieldwork_tui.tui.dialogs.request_pick import PathDialog

        default = Path.cwd() / f"{self.handle.slug}-open-items-{today().isoformat()}.xlsx"
        self.app.push_screen(PathDialog("Export requests for the client", value=str(default), action="Export",
                                        option="Only what the client still owes (open items)", option_value=True,
                                        hint="XLSX or CSV (UTF-8, opens in Excel with names intact)."),
                             self._start_export)

    def _start_export(self, value) -> None:
        if value:
            self._busy(True)
            self.export_worker(value[0], value[1])

    def _busy(self, on: bool, total: int | None = None) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.set_class(on, "busy")
        if on:
            bar.update(total=total, progress=0)

    def _progress(self, done: int, total: int) -> None:
        self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, total=total, progress=done)

    def _finished(self, message: str | None, error: str | None) -> None:
        self._busy(False)
        if error:
            self.notify(error, title="Not done", severity="error")
        else:
            self.notify(message or "done")
        self.refresh_data()

    @work(thread=True, exclusive=True, group="requests-io")
    def export_worker(self, path: str, open_only: bool) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.requests import export_requests

        try:
            result = export_requests(self.handle, path, open_only=open_only, progress=self._progress)
            self.app.call_from_thread(self._finished, result.describe(), None)
        except (FieldworkError, OSError) as exc:
            self.app.call_from_thread(self._finished, None, str(exc))

    def action_import_list(self) -> None:
        from fieldwork_tui.tui.dialogs.request_pick import PathDialog

        self.app.push_screen(PathDialog("Import the client's request list", action="Import",
                                        hint="CSV or XLSX; re-importing updates requests by ID."), self._start_import)

    def _start_import(self, value) -> None:
        if value:
            self._busy(True)
            self.import_worker(value[0])

    @work(thread=True, exclusive=True, group="requests-io")
    def import_worker(self, path: str) -> None:
        from fieldwork_tui.services.errors import FieldworkError
        from fieldwork_tui.services.requests import import_requests

        try:
            result = import_requests(self.handle, path)
            self.app.call_from_thread(self._finished, result.describe(), None)
        except (FieldworkError, OSError) as exc:
            self.app.call_from_thread(self._finished, None, str(exc))

    def action_sample_wave(self) -> None:
        from fieldwork_tui.services.requests import sample_choices
        from fieldwork_tui.tui.dialogs.request_pick import PickDialog

        options = [(c.label, c.id) for c in sample_choices(self.handle) if not c.request_ref and c.items]
        if not options:
            self.notify("No selected sample is waiting for a request.", severity="warning")
            return
        self.app.push_screen(PickDialog("Request the items of which sample?", options), self._make_sample_request)

    def _make_sample_request(self, sample_id: int | None) -> None:
        if sample_id is None:
            return
        from fieldwork_tui.services.requests import create_sample_request

        ref = self.run_guarded(lambda: create_sample_request(self.handle, sample_id))
        if ref:
            self.notify(f"{ref} created for the sample's items")
            self.refresh_data()

    def palette_commands(self):
        yield ("Filter requests", "Type to filter by ID, description, owner or control", self.action_focus_filter)
        yield ("Toggle overdue only", "Only requests past their due date that the client still owes",
               self.action_toggle_overdue)
        yield ("Only the owner of this row", "Quick filter on the owner under the cursor", self.action_owner_of_row)
        yield ("Filter by owner…", "Pick an owner (open and overdue counts)", self.action_pick_owner)
        yield ("Filter by status…", "Pick a status or the open items", self.action_pick_status)
        yield ("Filter by control…", "Pick a control", self.action_pick_control)
        yield ("Cycle wave filter", "Population, sample, general, all", self.action_cycle_wave)
        yield ("Clear quick filters", "Show every request again", self.action_clear_quick)
        yield ("Sort requests by next column", "Cycle the sort column", self.action_cycle_sort)
        yield ("Select all requests shown", "Select (or clear) every row matching the filters", self.action_select_all)
        yield ("Change status of selected requests", "Bulk status change with a reason", self.action_bulk_status)
        yield ("Assign owner to selected requests", "Bulk owner assignment", self.action_bulk_owner)
        yield ("Shift due date of selected requests", "By business days or to a date", self.action_bulk_due)
        yield ("Export open items", "XLSX or CSV for the client", self.action_export)
        yield ("Import request list", "The client's PBC list, CSV or XLSX", self.action_import_list)
        yield ("Create sample-wave request", "One request for a selected sample's items", self.action_sample_wave)
