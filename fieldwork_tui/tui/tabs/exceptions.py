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
from fieldwork_tui.tui.screens.exceptions import (
    COLUMNS,
    edit_exception,
    exception_rows,
    open_exception_form,
    open_response_form,
)
from fieldwork_tui.tui.tabs.base import ControlTab
from fieldwork_tui.tui.widgets.virtual_table import ListSource, VirtualTable

CONCLUSION_STYLE = {Conclusion.effective: "bold green", Conclusion.effective_with_exceptions: "bold yellow",
                    Conclusion.not_effective: "bold red", Conclusion.not_tested: "bold"}


class ExceptionsTab(ControlTab):
    BINDINGS = [
        Binding("a", "add", "Add exception", id="control_exceptions.add", tooltip="Record a manual exception"),
        Binding("r", "respond", "Response", id="control_exceptions.respond",
                tooltip="Record or revise management's response"),
        Binding("k", "conclude", "Conclude control", id="control_exceptions.conclude",
                tooltip="Record the control's conclusion"),
    ]
    DEFAULT_CSS = """
    ExceptionsTab #control-exceptions { height: 1fr; min-height: 5; }
    ExceptionsTab #conclusion-scroll { height: 1fr; border-top: solid $primary 40%; }
    ExceptionsTab #conclusion-panel { height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield VirtualTable(ListSource(COLUMNS, []), id="control-exceptions")
        with VerticalScroll(id="conclusion-scroll"):
            yield Static(id="conclusion-panel")

    def on_show(self) -> None:
        self.query_one("#control-exceptions", VirtualTable).focus()

    def refresh_data(self, records=None) -> None:
        from fieldwork_tui.services.findings import conclusion_view, list_exceptions

        items = self.screen.run_guarded(lambda: list_exceptions(self.handle, control=self.ref)) or []
        table = self.query_one("#control-exceptions", VirtualTable)
        table.empty_text = "No exception on this control (a to add; deviations come from the Sampling tab)."
        table.set_source(ListSource(COLUMNS, exception_rows(items)))
        view = self.screen.run_guarded(lambda: conclusion_view(self.handle, self.ref))
        if view is not None:
            self.query_one("#conclusion-panel", Static).update(self._panel(view))

    def _panel(self, view) -> Group:
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style="bold", width=17)
        t.add_column(ratio=1)
        if view.current:
            current = Text(CONCLUSION_LABELS[view.current], style=CONCLUSION_STYLE[view.current])
            current.append(f" — {view.note}" if view.note else "", style="")
        else:
            current = Text("not concluded (k)", style="yellow")
        t.add_row("Conclusion", current)
        suggested = Text(CONCLUSION_LABELS[view.suggested], style=CONCLUSION_STYLE[view.suggested])
        suggested.append(f" — {view.why}", style="dim")
        t.add_row("Work supports", suggested)
        row = view.row
        iv = Table.grid(padding=(0, 2), expand=True)
        iv.add_column(style="bold", width=17)
        iv.add_column(ratio=1)
        iv.add_row("Control activity", row.control_activity or "—")
        iv.add_row("Tests performed", "\n".join(row.procedures) or Text("nothing recorded yet", style="yellow"))
        iv.add_row("Results", Text(row.results, style="green" if row.results == "No exceptions noted." else "yellow"))
        return Group(t, Text("Section IV preview", style="bold cyan"), iv)

    def _cursor(self):
        key = self.query_one("#control-exceptions", VirtualTable).cursor_key
        if key is None:
            self.notify("No exception selected.", severity="warning")
        return key

    def on_virtual_table_row_opened(self, event: VirtualTable.RowOpened) -> None:
        event.stop()
        edit_exception(self.screen, event.key, lambda: self.changed("exception"))

    def action_add(self) -> None:
        open_exception_form(self.screen, {"ref": self.ref, "source": "manual"},
                            on_saved=lambda: self.changed("exception"))

    def action_respond(self) -> None:
        key = self._cursor()
        if key is not None:
            open_response_form(self.screen, key, lambda: self.changed("management response"))

    def action_conclude(self) -> None:
        from fieldwork_tui.services.findings import conclude_control, conclusion_view
        from fieldwork_tui.tui.dialogs.sampling import ConcludeDialog

        view = self.screen.run_guarded(lambda: conclusion_view(self.handle, self.ref))
        if view is None:
            return
        options = [(CONCLUSION_LABELS[c], c.value) for c in Conclusion]

        def go(values: dict | None) -> None:
            if values is not None and self.screen.run_guarded(
                    lambda: conclude_control(self.handle, self.ref, values["conclusion"], values["reason"]),
                    "Conclusion recorded") is not None:
                self.changed("conclusion")

        self.app.push_screen(ConcludeDialog(f"Conclude on {self.ref}", options, view.suggested.value,
                                            f"The recorded work supports: {CONCLUSION_LABELS[view.suggested]} — "
                                            f"{view.why}", "Note (needed when differing from what the work supports)"),
                             go)

    def palette_commands(self):
        yield ("Add exception", f"Record a manual exception on {self.ref}", self.action_add)
        yield ("Management response", "Record the response to the selected exception", self.action_respond)
        yield ("Conclude control", f"Record the conclusion of {self.ref}", self.action_conclude)
