"""Exceptions register (view 5): every exception with its management response, filtered as you
type; `w` keeps those still without a response. Enter edits the exception, `r` records management's
response, `n` records a manual exception. The forms are dialogs shared with the control's
Exceptions tab (`open_exception_form`, `open_response_form`)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, ListSource, Row, VirtualTable

COLUMNS = [Column("id", "#", 4, justify="right"), Column("control", "Control", 7), Column("instance", "Instance", 22),
           Column("deviation", "Deviation", 40), Column("type", "Type", 9), Column("source", "Source", 9),
           Column("response", "Response", 12), Column("responder", "Responder", 18)]
RESPONSE_STYLE = {"missing": "bold red", "not_started": "yellow", "in_progress": "yellow", "remediated": "green"}


def exception_rows(items) -> list[Row]:
    return [Row(key=e.id, cells=[str(e.id), Text(e.control, style="bold"), e.instance, e.deviation, e.exception_type,
                                 e.source, Text(e.response.replace("_", " "), style=RESPONSE_STYLE.get(e.response, "")),
                                 e.responder]) for e in items]


def open_exception_form(screen: EngagementScreen, draft: dict, *, exception_id: int | None = None,
                        refs: list[str] | None = None, on_saved: Callable[[], None] | None = None) -> None:
    """Show the exception form; create (from `draft`) or update (`exception_id`) on save."""
    from fieldwork_tui.services import findings as svc
    from fieldwork_tui.tui.dialogs.exceptions import ExceptionFormDialog

    def save(values: dict | None) -> None:
        if values is None:
            return
        if exception_id is None:
            ref = values.pop("ref", None) or draft["ref"]
            wording = values.pop("report_wording") or None
            fn = lambda: svc.create_exception(  # noqa: E731
                screen.handle, ref, source=draft.get("source", "manual"), sample_item_id=draft.get("sample_item_id"),
                difference_id=draft.get("difference_id"), report_wording=wording, **values)
            done = "Exception recorded"
        else:
            values.pop("ref", None)
            values["report_wording"] = values["report_wording"] or None
            fn = lambda: svc.update_exception(screen.handle, exception_id, **values)  # noqa: E731
            done = "Exception updated"
        if screen.run_guarded(fn, done) is not None and on_saved:
            on_saved()

    title = "Exception" if exception_id is None else f"Exception #{exception_id}"
    screen.app.push_screen(ExceptionFormDialog(draft, refs=refs, title=title), save)


def edit_exception(screen: EngagementScreen, exception_id: int, on_saved: Callable[[], None] | None = None) -> None:
    from fieldwork_tui.services.findings import get_exception

    detail = screen.run_guarded(lambda: get_exception(screen.handle, exception_id))
    if detail is None:
        return
    ex = detail.exception
    draft = {"ref": detail.control.ref, "source": ex.source.value, "instance": ex.instance,
             "planned_control": ex.planned_control, "deviation": ex.deviation,
             "exception_type": ex.exception_type.value, "effectiveness": ex.effectiveness.value,
             "report_wording": ex.report_wording}
    open_exception_form(screen, draft, exception_id=exception_id, on_saved=on_saved)


def open_response_form(screen: EngagementScreen, exception_id: int, on_saved: Callable[[], None] | None = None) -> None:
    from fieldwork_tui.services.findings import get_exception, respond
    from fieldwork_tui.tui.dialogs.exceptions import ResponseFormDialog

    detail = screen.run_guarded(lambda: get_exception(screen.handle, exception_id))
    if detail is None:
        return

    def save(values: dict | None) -> None:
        if values is not None and screen.run_guarded(
                lambda: respond(screen.handle, exception_id, **values), "Management response saved") is not None \
                and on_saved:
            on_saved()

    label = f"#{exception_id} {detail.control.ref} · {detail.exception.instance}"
    screen.app.push_screen(ResponseFormDialog(label, detail.response), save)


class ExceptionsScreen(EngagementScreen):
    VIEW_NAME = "Exceptions"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="exceptions.filter", tooltip="Filter as you type"),
        Binding("w", "toggle_without", "Without response", id="exceptions.without",
                tooltip="Show only exceptions still without a management response"),
        Binding("r", "respond", "Response", id="exceptions.respond",
                tooltip="Record or revise management's response to the exception"),
        Binding("n", "new", "New", id="exceptions.new", tooltip="Record a manual exception"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="exceptions.clear",
                tooltip="Clear the filter and go back to the table"),
    ]
    DEFAULT_CSS = """
    ExceptionsScreen #exception-detail { height: auto; max-height: 12; padding: 0 1; border-top: solid $primary 40%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.without_response = False

    def body(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder="/ filter: control, instance, deviation, type…", id="filter")
            yield Static("", classes="filter-state", id="filter-state")
        yield VirtualTable(ListSource(COLUMNS, []), id="exceptions-table")
        yield Static(id="exception-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    def refresh_data(self) -> None:
        from fieldwork_tui.services.findings import list_exceptions

        text = self.query_one("#filter", Input).value
        items = list_exceptions(self.handle, text, without_response=self.without_response)
        self._items = {e.id: e for e in items}
        table = self.query_one(VirtualTable)
        table.empty_text = "No exception matches." if (text or self.without_response) else "No exceptions recorded."
        table.set_source(ListSource(COLUMNS, exception_rows(items)))
        state = f"{len(items)} exception{'' if len(items) == 1 else 's'}" + (" · without response only" if self.without_response else "")
        self.query_one("#filter-state", Static).update(state)
        self._show_detail(table.cursor_key)

    def _show_detail(self, key) -> None:
        e = self._items.get(key) if key is not None else None
        detail = self.query_one("#exception-detail", Static)
        if e is None:
            detail.update("")
            return
        text = Text()
        text.append("Report wording  ", style="bold")
        text.append(e.report_wording or "—")
        if e.wording_overridden:
            text.append("  (edited by hand: not recomputed from the counts)", style="dim")
        text.append("\nResponse        ", style="bold")
        text.append(e.response.replace("_", " "), style=RESPONSE_STYLE.get(e.response, ""))
        if e.remediation_date:
            text.append(f" · remediated {e.remediation_date.isoformat()}")
        if e.responder:
            text.append(f" · {e.responder}")
        detail.update(text)

    def on_virtual_table_cursor_moved(self, event: VirtualTable.CursorMoved) -> None:
        self._show_detail(event.key)

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        edit_exception(self, event.key, self.refresh_data)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refresh_data()

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

    def action_toggle_without(self) -> None:
        self.without_response = not self.without_response
        self.refresh_data()

    def action_respond(self) -> None:
        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            self.notify("No exception selected.", severity="warning")
            return
        open_response_form(self, key, self.refresh_data)

    def action_new(self) -> None:
        from fieldwork_tui.services.controls import list_controls

        refs = [c.ref for c in list_controls(self.handle)]
        open_exception_form(self, {"source": "manual"}, refs=refs, on_saved=self.refresh_data)

    def palette_commands(self):
        yield ("Filter exceptions", "Type to filter the register", self.action_focus_filter)
        yield ("Toggle without response", "Only exceptions still without a management response",
               self.action_toggle_without)
        yield ("Management response", "Record or revise the response to the selected exception", self.action_respond)
        yield ("New manual exception", "Record an exception found outside a sample", self.action_new)
