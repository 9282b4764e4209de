"""Requests view (3): triage of the evidence request list. What is overdue, from whom, for which
control — filter as you type, quick filters (`o` overdue, `w` owner of the row, `W` pick an owner,
`t` status, `c` control, `v` wave), sort by any column, select rows and change them in bulk.

The table reads one page at a time from a SQL query (`services.requests.request_page`) in a worker,
so it stays instant with thousands of requests. `e` exports what is shown (the filters apply; a tick
exports everything). A request imported without a request date ages from its import, marked `*`.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ProgressBar, Static

from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, RequestStatus, RequestWave
from fieldwork_tui.services.requests import UNASSIGNED, RequestQuery, RequestRow
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.filter_bar import FilterBar
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, ListSource, Row, VirtualTable

STATUS_LABEL = {
    RequestStatus.open: "open", RequestStatus.in_progress: "in progress", RequestStatus.needs_clarification: "clarify",
    RequestStatus.submitted: "submitted", RequestStatus.returned: "returned", RequestStatus.accepted: "accepted",
    RequestStatus.not_applicable: "n/a",
}
COLUMNS = [
    Column("ref", "ID", 8, priority=0), Column("description", "Description", 34, priority=1, min_width=14, grow=True),
    Column("controls", "Controls", 12, priority=3, min_width=8), Column("owner", "Owner", 16, priority=2, min_width=10),
    Column("status", "Status", 11, priority=0), Column("due", "Due", 10, priority=0),
    Column("age", "Age", 4, justify="right", priority=1), Column("follow_up", "Last follow-up", 23, priority=4,
                                                                 min_width=12),
]
SORT_ORDER = [c.key for c in COLUMNS]
WAVES: list[RequestWave | None] = [None, RequestWave.population, RequestWave.sample, RequestWave.general]
OPEN_ITEMS = "open-items"
ALL = "all"  # a picker's "no filter" choice (None means the picker was cancelled)
SINCE_IMPORT = "*"  # after an age counted from the import (the client's list gave no request date)


def age_text(r: RequestRow) -> str:
    if r.age is None:
        return ""
    return f"{r.age}{SINCE_IMPORT}" if r.age_from == "imported" else str(r.age)


def row_cells(r: RequestRow) -> Row:
    """How one request looks in the table: overdue severe, done items dim."""
    style = role("severe") if r.overdue else (role("done") if r.status in (RequestStatus.accepted,
                                                                           RequestStatus.not_applicable) else "")
    follow = f"{r.last_follow_up_on:%m-%d} {r.last_follow_up}" if r.last_follow_up_on else ""
    status = Text(STATUS_LABEL[r.status], style=role("warning") if r.status is RequestStatus.submitted else "")
    detail = Text()
    detail.append(visible(r.ref), style=role("ref"))
    detail.append(f" {visible(r.description)}")
    detail.append(f"  ·  {STATUS_LABEL[r.status]} · owner {visible(r.owner) or '—'} · due "
                  f"{r.due_on.isoformat() if r.due_on else '—'}", style=role("muted"))
    if r.age is not None:
        since = " since the import (no request date)" if r.age_from == "imported" else ""
        detail.append(f" · {r.age} business days{since}", style=role("muted"))
    if r.controls:
        detail.append(f" · {visible(r.controls)}", style=role("muted"))
    return Row(key=r.id, style=style, detail=detail,
               data={"owner_id": r.owner_id, "owner": r.owner, "controls": r.controls},
               cells=[r.ref, r.description, r.controls, r.owner, status, r.due_on.isoformat() if r.due_on else "",
                      age_text(r), follow])


class RequestsSource:
    """The triage query as a table source: counted once (in the worker that builds it), pages read
    in a worker as they scroll into view."""

    columns = COLUMNS
    slow = True

    def __init__(self, handle, query: RequestQuery, seen: dict[int, int] | None = None) -> None:
        from fieldwork_tui.services.requests import count_requests

        self.handle, self.query = handle, query
        self.seen = {} if seen is None else seen  # {request id: version} of the rows as last read
        self._count = count_requests(handle, query)

    def count(self) -> int:
        return self._count

    def rows(self, offset: int, limit: int) -> list[Row]:
        from fieldwork_tui.services.requests import request_page

        page = request_page(self.handle, self.query, offset, limit)
        self.seen.update((r.id, r.version) for r in page)
        return [row_cells(r) for r in page]


def _copy(q: RequestQuery, **changes) -> RequestQuery:
    values = {k: getattr(q, k) for k in ("text", "overdue", "owner_id", "statuses", "control_id", "wave", "sort",
                                         "descending")}
    values.update(changes)
    return RequestQuery(**values)


class RequestsScreen(EngagementScreen):
    VIEW_NAME = "Requests"
    MAIN = "#requests-table"
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
        Binding("e", "export", "Export", id="requests.export",
                tooltip="Export the requests shown (the filters apply), XLSX or CSV"),
        Binding("i", "import_list", "Import", show=False, id="requests.import",
                tooltip="Import the client's request list (CSV or XLSX)"),
        Binding("m", "sample_wave", "Sample wave", show=False, id="requests.sample_wave",
                tooltip="Create the request for a selected sample's items"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="requests.clear",
                tooltip="Clear the text filter"),
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
        self.shown_count = 0
        #: {request id: version} of each row as the table last read it: a bulk change hands them back,
        #: so a change over a request someone else changed since it was shown is refused (all or nothing)
        self.seen: dict[int, int] = {}

    def body(self) -> ComposeResult:
        yield FilterBar(self._query, self._filtered, placeholder="/ filter: ID, description, owner, control…",
                        id="filter-bar")
        yield Static("", id="quick")
        yield VirtualTable(ListSource(COLUMNS, []), selectable=True, id="requests-table", detail="requests-detail")
        yield DetailLine(id="requests-detail")
        yield ProgressBar(id="progress", show_eta=False)

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    # -- data -----------------------------------------------------------------
    def current_query(self, text: str | None = None) -> RequestQuery:
        """What the table shows: the quick filters, the sort and the text in the filter box."""
        return _copy(self.query_state, text=self.query_one(FilterBar).text if text is None else text)

    def _query(self, text: str) -> RequestsSource:
        return RequestsSource(self.handle, _copy(self.query_state, text=text), self.seen)

    def fetch(self) -> RequestsSource:
        return RequestsSource(self.handle, self.current_query(), self.seen)

    def show(self, source: RequestsSource) -> None:
        self._filtered(source.query.text, source)

    def _filtered(self, text: str, source: RequestsSource) -> None:
        q = source.query
        table = self.table
        table.sort_key, table.sort_descending = q.sort, q.descending
        filtered = bool(text.strip() or self._chips())
        table.empty_text = "No request matches." if filtered else (
            "No requests yet: press i to import the client's list (or fieldwork import requests ENGAGEMENT FILE)")
        table.set_source(source)
        self.shown_count = source.count()
        self._show_state()

    def _show_state(self) -> None:
        q, table = self.query_state, self.table
        state = f"{self.shown_count} requests"
        if table.selected:
            state += f" · {len(table.selected)} selected"
        state += f" · by {q.sort.replace('_', ' ')}{' ↓' if q.descending else ''}"
        self.query_one(FilterBar).set_state(state)
        chips = self._chips()
        self.query_one("#quick", Static).update(
            Text("Filters: ", style=role("strong")) + Text(visible(" · ".join(chips)) + "   (x clears)") if chips else
            Text(f"o overdue · w this owner · W owner… · t status… · c control… · v wave · space select · "
                 f"b/n/d bulk · {SINCE_IMPORT} age since import", style=role("muted")))

    def refilter(self) -> None:
        """Run the query again with the quick filters as they are now."""
        self.query_one(FilterBar).run_query()

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
        self.refilter()

    # -- filter and quick filters ---------------------------------------------
    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.focus_main()

    def action_focus_filter(self) -> None:
        self.query_one(FilterBar).edit()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).clear()

    def action_toggle_overdue(self) -> None:
        self.query_state.overdue = not self.query_state.overdue
        self.refilter()

    def set_owner(self, owner_id: int | None, name: str = "") -> None:
        self.query_state.owner_id = owner_id
        self.labels["owner"] = name
        self.refilter()

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
        from fieldwork_tui.tui.kit.pick import PickDialog

        handle = self.handle

        def options():
            return [("Everyone", ALL)] + [(f"{o.name} — {o.overdue} overdue, {o.open} open of {o.total}", (o.id, o.name))
                                          for o in owner_counts(handle)]

        self.app.push_screen(PickDialog("Requests of which owner?", fetch=options), self._owner_picked)

    def _owner_picked(self, value) -> None:
        if value is not None:
            self.set_owner(*((None, "") if value == ALL else value))

    def action_pick_status(self) -> None:
        from fieldwork_tui.tui.kit.pick import PickDialog

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
        self.refilter()

    def action_pick_control(self) -> None:
        from fieldwork_tui.services.requests import control_counts
        from fieldwork_tui.tui.kit.pick import PickDialog

        handle = self.handle
        row = self.table.cursor_row
        first = (row.data.get("controls") or "").split()[:1] if row else []

        def options():
            return [("All controls", ALL)] + [(f"{ref} {title} ({n})", (cid, ref))
                                              for cid, ref, title, n in control_counts(handle)]

        highlight = (lambda v: isinstance(v, tuple) and v[1] == first[0]) if first else None
        self.app.push_screen(PickDialog("Requests for which control?", fetch=options, highlight=highlight),
                             self._set_control_filter)

    def _set_control_filter(self, value) -> None:
        if value is None:
            return
        self.query_state.control_id = None if value == ALL else value[0]
        self.labels["control"] = "" if value == ALL else value[1]
        self.refilter()

    def action_cycle_wave(self) -> None:
        self.query_state.wave = WAVES[(WAVES.index(self.query_state.wave) + 1) % len(WAVES)]
        self.refilter()

    def action_clear_quick(self) -> None:
        q = self.query_state
        q.overdue, q.owner_id, q.statuses, q.control_id, q.wave = False, None, frozenset(), None, None
        self.refilter()

    # -- sort -----------------------------------------------------------------
    def action_cycle_sort(self) -> None:
        q = self.query_state
        q.sort = SORT_ORDER[(SORT_ORDER.index(q.sort) + 1) % len(SORT_ORDER)] if q.sort in SORT_ORDER else "ref"
        self.refilter()

    def action_reverse_sort(self) -> None:
        self.query_state.descending = not self.query_state.descending
        self.refilter()

    def on_virtual_table_header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        q = self.query_state
        if q.sort == event.column.key:
            q.descending = not q.descending
        else:
            q.sort, q.descending = event.column.key, False
        self.refilter()

    # -- selection and bulk changes ---------------------------------------------
    def action_toggle_select(self) -> None:
        self.table.toggle_selected()
        self.table.action_cursor(1)
        self._show_state()

    def action_select_all(self) -> None:
        if self.table.selected:
            self.table.clear_selection()
            self._show_state()
        else:
            self.table.select_all(then=self._show_state)

    def _subtitle(self, ids: list[int]) -> str:
        if len(ids) == 1 and not self.table.selected:
            row = self.table.cursor_row
            return f"{row.cells[0]}: {row.cells[1]}" if row else ""
        return f"{len(ids)} selected requests"

    def _read(self, ids: list[int]) -> dict:
        """The versions of `ids` as the table showed them ({id: version}, under "versions"), for the bulk
        change to hand back; `reload` (ctrl+r after a refusal) reads the new ones and shows the list again."""
        from fieldwork_tui.services.team import request_versions

        read: dict = {"versions": {rid: self.seen[rid] for rid in ids if rid in self.seen}}
        handle, app = self.handle, self.app

        def reload() -> None:  # in the form's worker
            read["versions"] = request_versions(handle, ids)
            app.call_from_thread(self.refilter)

        read["reload"] = reload
        return read

    def _bulk(self, dialog_cls, ids: list[int], save, done_message, read: dict, **kwargs) -> None:
        def finished(result) -> None:
            if result is not None:
                self.notify(done_message(result))
                self.after_change()

        self.app.push_screen(dialog_cls(subtitle=self._subtitle(ids), save=save, reload=read["reload"], **kwargs),
                             finished)

    def action_bulk_status(self) -> None:
        from fieldwork_tui.services.requests import change_status
        from fieldwork_tui.tui.dialogs.request_edit import StatusDialog

        ids, handle = self.targets(), self.handle
        if ids:
            read = self._read(ids)
            self._bulk(StatusDialog, ids, lambda v: (change_status(handle, ids, v[0], v[1],
                                                                   expected_versions=read["versions"]), v[0]),
                       lambda r: f"{r[0]} request(s) now {r[1].value.replace('_', ' ')}", read)

    def action_bulk_owner(self) -> None:
        from fieldwork_tui.services.requests import assign_owner, client_owner_names
        from fieldwork_tui.tui.dialogs.request_edit import OwnerDialog

        ids, handle = self.targets(), self.handle
        if ids:
            read = self._read(ids)
            self._bulk(OwnerDialog, ids, lambda owner: (assign_owner(handle, ids, owner,
                                                                     expected_versions=read["versions"]), owner),
                       lambda r: f"{r[0]} request(s) assigned to {r[1] or 'nobody'}", read,
                       fetch=lambda: client_owner_names(handle))

    def action_bulk_due(self) -> None:
        from fieldwork_tui.services.requests import shift_due
        from fieldwork_tui.tui.dialogs.request_edit import DueDialog

        ids, handle = self.targets(), self.handle
        read = self._read(ids)

        def save(value):
            kind, amount, business = value
            if kind == "date":
                return shift_due(handle, ids, new_date=amount, expected_versions=read["versions"])
            return shift_due(handle, ids, days=amount, business=business, expected_versions=read["versions"])

        if ids:
            self._bulk(DueDialog, ids, save, lambda n: f"due date changed on {n} request(s)", read)

    # -- open, import, export, sample wave ----------------------------------------
    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        from fieldwork_tui.tui.screens.request_detail import RequestDetailScreen

        self.app.push_screen(RequestDetailScreen(event.key))

    def _busy(self, on: bool, total: int | None = None) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.set_class(on, "busy")
        if on:
            bar.update(total=total, progress=0)

    def _progress(self, done: int, total: int) -> None:
        self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, total=total, progress=done)

    def action_export(self) -> None:
        """Export what is shown: the quick filters and the text filter apply, unless "everything"."""
        from fieldwork_tui.services.engagements import today
        from fieldwork_tui.services.requests import export_requests
        from fieldwork_tui.tui.dialogs.request_pick import PathDialog

        handle, query = self.handle, self.current_query()
        filters = self._chips() + ([f"text “{query.text.strip()}”"] if query.text.strip() else [])
        shown = f"{self.shown_count} requests shown" + (f" ({', '.join(filters)})" if filters else "")
        default = Path.cwd() / f"{handle.slug}-requests-{today().isoformat()}.xlsx"

        def export(value):
            path, everything = value
            self.app.call_from_thread(self._busy, True)
            try:
                return export_requests(handle, path, query=None if everything else query, progress=self._progress)
            finally:
                self.app.call_from_thread(self._busy, False)

        def exported(result) -> None:
            if result is not None:
                self.notify(result.describe())

        self.app.push_screen(PathDialog("Export requests for the client", value=str(default), action="Export",
                                        option="Everything (ignore the filters)", option_value=False,
                                        hint=f"Exports the {shown}. XLSX or CSV (UTF-8, opens in Excel).",
                                        save=export), exported)

    def action_import_list(self) -> None:
        """The client's request list: the file, then its columns beside the app's fields (a proposed
        mapping, a dry run, a profile), then the import; what it noticed is shown with the result."""
        from fieldwork_tui.tui.dialogs.import_controls import open_import

        open_import(self, "requests", lambda _result: self.refilter())

    def action_sample_wave(self) -> None:
        from fieldwork_tui.services.requests import create_sample_request, sample_choices
        from fieldwork_tui.tui.kit.pick import PickDialog

        handle = self.handle

        def options():
            return [(c.label, c.id) for c in sample_choices(handle) if not c.request_ref and c.items]

        def picked(sample_id: int | None) -> None:
            if sample_id is not None:
                workers.run(self, lambda: create_sample_request(handle, sample_id),
                            done=lambda ref: (self.notify(f"{ref} created for the sample's items"), self.refilter()))

        self.app.push_screen(PickDialog("Request the items of which sample? (none waiting: escape)", fetch=options),
                             picked)
