"""Exceptions register (view 5): every exception with its management response, filtered as you
type; `w` keeps those still without a response. Enter edits the exception, `r` records management's
response, `n` records a manual exception. The forms are dialogs shared with the control's
Exceptions tab (`open_exception_form`, `edit_exception`, `open_response_form`)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Static

from fieldwork_tui.tui.kit.filter_bar import FilterBar
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

COLUMNS = [Column("id", "#", 4, justify="right", priority=0), Column("control", "Control", 7, priority=0),
           Column("instance", "Instance", 22, priority=1, min_width=12),
           Column("deviation", "Deviation", 40, priority=0, min_width=16, grow=True),
           Column("type", "Type", 9, priority=3), Column("source", "Source", 9, priority=4),
           Column("response", "Response", 12, priority=0, min_width=10), Column("responder", "Responder", 18,
                                                                               priority=3)]
RESPONSE_ROLE = {"missing": "severe", "not_started": "warning", "in_progress": "warning", "remediated": "ok"}


def exception_rows(items) -> list[Row]:
    return [Row(key=e.id, cells=[str(e.id), Text(visible(e.control), style=role("ref")), e.instance, e.deviation,
                                 e.exception_type, e.source,
                                 Text(e.response.replace("_", " "), style=role(RESPONSE_ROLE.get(e.response, "muted"))),
                                 e.responder]) for e in items]


def _draft(detail) -> dict:
    ex = detail.exception
    return {"ref": detail.control.ref, "source": ex.source.value, "instance": ex.instance,
            "planned_control": ex.planned_control, "deviation": ex.deviation,
            "exception_type": ex.exception_type.value, "effectiveness": ex.effectiveness.value,
            "report_wording": ex.report_wording}


def open_exception_form(node: DOMNode, draft: dict, *, exception_id: int | None = None,
                        choose_control: bool = False, on_saved: Callable[[], None] | None = None) -> None:
    """Show the exception form; create (from `draft`) or update (`exception_id`) when it is saved. What
    the form needs from the engagement (the exception, the controls to choose from) is read by the
    form's worker; the service call runs in the form's worker too."""
    from fieldwork_tui.services import findings as svc
    from fieldwork_tui.services.team import exception_version
    from fieldwork_tui.tui.dialogs.exceptions import ExceptionFormDialog

    handle = node.app.handle  # type: ignore[attr-defined]
    read: dict = {}  # the version the form opened (or reloaded) at: a save over a newer one is refused

    def fetch() -> dict:
        from fieldwork_tui.services.controls import list_controls

        data: dict = {}
        if exception_id is not None:
            read["version"] = exception_version(handle, exception_id)
            data["draft"] = _draft(svc.get_exception(handle, exception_id))
        if choose_control:
            data["refs"] = [c.ref for c in list_controls(handle)]
        return data

    def save(values: dict):
        values = dict(values)
        if exception_id is None:
            ref = values.pop("ref", None) or draft["ref"]
            wording = values.pop("report_wording") or None
            return svc.create_exception(handle, ref, source=draft.get("source", "manual"),
                                        sample_item_id=draft.get("sample_item_id"),
                                        difference_id=draft.get("difference_id"), attribute=draft.get("attribute"),
                                        report_wording=wording, **values)
        values.pop("ref", None)
        values["report_wording"] = values["report_wording"] or None
        return svc.update_exception(handle, exception_id, expected_version=read.get("version"), **values)

    def saved(result) -> None:
        if result is not None:
            node.app.notify("Exception recorded" if exception_id is None else "Exception updated")
            if on_saved:
                on_saved()

    title = "Exception" if exception_id is None else f"Exception #{exception_id}"
    needs_fetch = exception_id is not None or choose_control
    node.app.push_screen(ExceptionFormDialog(draft, choose_control=choose_control, title=title, save=save,
                                             fetch=fetch if needs_fetch else None), saved)


def edit_exception(node: DOMNode, exception_id: int, on_saved: Callable[[], None] | None = None) -> None:
    open_exception_form(node, {"source": "…"}, exception_id=exception_id, on_saved=on_saved)


def open_response_form(node: DOMNode, exception_id: int, on_saved: Callable[[], None] | None = None) -> None:
    from fieldwork_tui.services.findings import get_exception, respond
    from fieldwork_tui.services.team import response_version
    from fieldwork_tui.tui.dialogs.exceptions import ResponseFormDialog

    handle = node.app.handle  # type: ignore[attr-defined]
    read: dict = {}

    def fetch():
        read["version"] = response_version(handle, exception_id)
        detail = get_exception(handle, exception_id)
        return f"#{exception_id} {detail.control.ref} · {detail.exception.instance}", detail.response

    def saved(result) -> None:
        if result is not None:
            node.app.notify("Management response saved")
            if on_saved:
                on_saved()

    node.app.push_screen(ResponseFormDialog(f"#{exception_id}", fetch=fetch,
                                            save=lambda values: respond(handle, exception_id, expected_version=read.get("version"),
                                                                         **values)), saved)


class ExceptionsScreen(EngagementScreen):
    VIEW_NAME = "Exceptions"
    MAIN = "#exceptions-table"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="exceptions.filter", tooltip="Filter as you type"),
        Binding("w", "toggle_without", "Without response", id="exceptions.without",
                tooltip="Show only exceptions still without a management response"),
        Binding("r", "respond", "Response", id="exceptions.respond",
                tooltip="Record or revise management's response to the exception"),
        Binding("n", "new", "New", id="exceptions.new", tooltip="Record a manual exception"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="exceptions.clear",
                tooltip="Clear the filter"),
    ]
    DEFAULT_CSS = """
    ExceptionsScreen #exception-detail { height: auto; max-height: 12; padding: 0 1; border-top: solid $primary 40%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.without_response = False
        self._items: dict = {}

    def body(self) -> ComposeResult:
        yield FilterBar(self._query, self._filtered, placeholder="/ filter: control, instance, deviation, type…",
                        id="filter-bar")
        yield VirtualTable(ListSource(COLUMNS, []), id="exceptions-table")
        yield Static(id="exception-detail")

    def _query(self, text: str):
        from fieldwork_tui.services.findings import list_exceptions

        return list_exceptions(self.handle, text, without_response=self.without_response)

    def fetch(self):
        return self._query(self.query_one(FilterBar).text)

    def show(self, items) -> None:
        self._filtered(self.query_one(FilterBar).text, items)

    def _filtered(self, text: str, items) -> None:
        self._items = {e.id: e for e in items}
        table = self.query_one(VirtualTable)
        table.empty_text = "No exception matches." if (text or self.without_response) else "No exceptions recorded."
        table.set_source(ListSource(COLUMNS, exception_rows(items)))
        state = f"{len(items)} exception{'' if len(items) == 1 else 's'}" + (
            " · without response only" if self.without_response else "")
        self.query_one(FilterBar).set_state(state)
        self._show_detail(table.cursor_key)

    def _show_detail(self, key) -> None:
        e = self._items.get(key) if key is not None else None
        detail = self.query_one("#exception-detail", Static)
        if e is None:
            detail.update("")
            return
        text = Text()
        text.append(f"#{e.id} {visible(e.control)} · {visible(e.instance)}\n", style=role("strong"))
        text.append("Deviation       ", style=role("strong"))
        text.append(visible(e.deviation))
        text.append("\nReport wording  ", style=role("strong"))
        text.append(visible(e.report_wording) or "—")
        if e.wording_overridden:
            text.append("  (edited by hand: not recomputed from the counts)", style=role("muted"))
        text.append("\nResponse        ", style=role("strong"))
        text.append(e.response.replace("_", " "), style=role(RESPONSE_ROLE.get(e.response, "muted")))
        if e.remediation_date:
            text.append(f" · remediated {e.remediation_date.isoformat()}")
        if e.responder:
            text.append(f" · {visible(e.responder)}")
        detail.update(text)

    def on_virtual_table_cursor_moved(self, event: VirtualTable.CursorMoved) -> None:
        self._show_detail(event.key)

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        edit_exception(self, event.key, self.load)

    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.focus_main()

    def action_focus_filter(self) -> None:
        self.query_one(FilterBar).edit()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).clear()

    def action_toggle_without(self) -> None:
        self.without_response = not self.without_response
        self.query_one(FilterBar).run_query()

    def action_respond(self) -> None:
        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            self.notify("No exception selected.", severity="warning")
            return
        open_response_form(self, key, self.load)

    def action_new(self) -> None:
        open_exception_form(self, {"source": "manual"}, choose_control=True, on_saved=self.load)
