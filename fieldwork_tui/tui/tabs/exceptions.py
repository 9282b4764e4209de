"""Exceptions tab: this control's exceptions with their management responses, and the control's
conclusion with a preview of its Section IV row (tests performed, results) as the report will print it."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from fieldwork_tui.domain.reporting import CONCLUSION_LABELS
from fieldwork_tui.domain.vocab import Conclusion
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.exceptions import (
    COLUMNS,
    edit_exception,
    exception_rows,
    open_exception_form,
    open_response_form,
)
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import ListSource, VirtualTable

CONCLUSION_ROLE = {Conclusion.effective: "ok.strong", Conclusion.effective_with_exceptions: "warning",
                   Conclusion.not_effective: "severe", Conclusion.not_tested: "strong"}


class ExceptionsTab(ControlTab):
    TAB_LABEL = "Exceptions"
    MAIN = "#control-exceptions"
    BINDINGS = [
        Binding("a", "add", "Add exception", id="control_exceptions.add", tooltip="Record a manual exception"),
        Binding("r", "respond", "Response", id="control_exceptions.respond",
                tooltip="Record or revise management's response to the exception under the cursor"),
        Binding("k", "conclude", "Conclude control", id="control_exceptions.conclude",
                tooltip="Record the control's conclusion"),
    ]
    DEFAULT_CSS = """
    ExceptionsTab #control-exceptions { height: 1fr; min-height: 5; }
    ExceptionsTab #conclusion-scroll { height: 1fr; border-top: solid $primary 40%; }
    ExceptionsTab #conclusion-panel { height: auto; padding: 0 1; }
    """

    def __init__(self, ref: str, **kwargs) -> None:
        super().__init__(ref, **kwargs)
        self.view = None

    def compose_tab(self) -> ComposeResult:
        table = VirtualTable(ListSource(COLUMNS, []), id="control-exceptions")
        table.empty_text = "No exception on this control (a to add; deviations come from the Sampling tab)."
        yield table
        with VerticalScroll(id="conclusion-scroll"):
            yield Static(id="conclusion-panel")

    def fetch(self, handle, ref: str):
        from fieldwork_tui.services.findings import conclusion_view, list_exceptions

        return list_exceptions(handle, control=ref), conclusion_view(handle, ref)

    def show(self, records, extra) -> None:
        items, self.view = extra
        self.query_one("#control-exceptions", VirtualTable).set_source(ListSource(COLUMNS, exception_rows(items)))
        self.query_one("#conclusion-panel", Static).update(self._panel(self.view))

    def _panel(self, view) -> Group:
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style=role("strong"), width=17)
        t.add_column(ratio=1)
        if view.current:
            current = Text(CONCLUSION_LABELS[view.current], style=role(CONCLUSION_ROLE[view.current]))
            current.append(f" — {visible(view.note)}" if view.note else "", style="")
        else:
            current = Text("not concluded (k)", style=role("warning"))
        t.add_row("Conclusion", current)
        suggested = Text(CONCLUSION_LABELS[view.suggested], style=role(CONCLUSION_ROLE[view.suggested]))
        suggested.append(f" — {visible(view.why)}", style=role("muted"))
        t.add_row("Work supports", suggested)
        row = view.row
        iv = Table.grid(padding=(0, 2), expand=True)
        iv.add_column(style=role("strong"), width=17)
        iv.add_column(ratio=1)
        iv.add_row("Control activity", visible(row.control_activity, keep_lines=True) or "—")
        iv.add_row("Tests performed", visible("\n".join(row.procedures), keep_lines=True) or
                   Text("nothing recorded yet", style=role("warning")))
        iv.add_row("Results", Text(visible(row.results, keep_lines=True),
                                   style=role("ok" if row.results == "No exceptions noted." else "warning")))
        return Group(t, Text("Section IV preview", style=role("accent")), iv)

    def _cursor(self):
        table = self.query_one("#control-exceptions", VirtualTable)
        key = table.cursor_key
        if key is None:
            self.notify("No exception selected.", severity="warning")
        elif not table.has_focus:
            self.notify("Put the cursor on the exception in the table first.", severity="warning")
            return None
        return key

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        event.stop()
        edit_exception(self, event.key, lambda: self.changed("exception"))

    def action_add(self) -> None:
        open_exception_form(self, {"ref": self.ref, "source": "manual"}, on_saved=lambda: self.changed("exception"))

    def action_respond(self) -> None:
        key = self._cursor()
        if key is not None:
            open_response_form(self, key, lambda: self.changed("management response"))

    def action_conclude(self) -> None:
        from fieldwork_tui.services.findings import conclude_control
        from fieldwork_tui.tui.dialogs.sampling import ConcludeDialog

        view = self.view
        if view is None:
            return
        handle, ref = self.handle, self.ref
        options = [(CONCLUSION_LABELS[c], c.value) for c in Conclusion]
        self.app.push_screen(
            ConcludeDialog(f"Conclude on {ref}", options, view.suggested.value,
                           f"The recorded work supports: {CONCLUSION_LABELS[view.suggested]} — {view.why}",
                           "Note (needed when differing from what the work supports)",
                           save=lambda v: conclude_control(handle, ref, v["conclusion"], v["reason"],
                                                          expected_version=view.version) or True),
            lambda done: (self.notify("Conclusion recorded"), self.changed("conclusion")) if done else None)
