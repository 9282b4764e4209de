"""A re-performance's result: both lists (name, SHA-256, rows), keys, counts and every difference —
only in A, only in B, differing fields, date-window breaches. `c` concludes, `x` raises the
difference under the cursor as an exception on the control."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, Row, VirtualTable

COLUMNS = [Column("kind", "Difference", 14), Column("key", "Key", 30), Column("details", "Details", 70),
           Column("exception", "Exception", 10)]
KIND_LABEL = {"only_in_a": ("only in A", "yellow"), "only_in_b": ("only in B", "yellow"),
              "differing": ("differing", "cyan"), "date_window": ("date window", "bold red")}


class DifferenceSource:
    """Differences read a page at a time (a comparison of two big lists can have thousands)."""

    columns = COLUMNS

    def __init__(self, handle, rp, exceptions: dict[int, int]) -> None:
        from fieldwork_tui.services.evidence import count_differences

        self.handle, self.rp, self.exceptions = handle, rp, exceptions
        self._count = count_differences(handle, rp.id)

    def count(self) -> int:
        return self._count

    def rows(self, offset: int, limit: int) -> list[Row]:
        from fieldwork_tui.services.evidence import describe_difference, differences

        out = []
        for d in differences(self.handle, self.rp.id, offset=offset, limit=limit):
            label, style = KIND_LABEL.get(d.kind.value, (d.kind.value, ""))
            text = describe_difference(d.kind, d.key, d.details, self.rp.list_a_label, self.rp.list_b_label)
            text = text.split(": ", 1)[1] if ": " in text else text
            ex = self.exceptions.get(d.id)
            out.append(Row(key=d.id, cells=[Text(label, style=style), d.key, text, f"#{ex}" if ex else ""]))
        return out


class ReperformanceResultScreen(EngagementScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="result.back", tooltip="Back to the control"),
        Binding("c", "conclude", "Conclude", id="result.conclude", tooltip="Write the conclusion of this re-performance"),
        Binding("x", "raise_exception", "Raise exception", id="result.exception",
                tooltip="Record the difference under the cursor as an exception"),
    ]
    DEFAULT_CSS = """
    ReperformanceResultScreen #result-header { height: auto; padding: 0 1; }
    """

    def __init__(self, reperformance_id: int) -> None:
        super().__init__()
        self.reperformance_id = reperformance_id

    VIEW_NAME = "Re-performance"

    def body(self) -> ComposeResult:
        yield Static(id="result-header")
        yield VirtualTable(DifferenceSourceEmpty(), id="differences")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    def refresh_data(self) -> None:
        from fieldwork_tui.services.evidence import exceptions_by_difference, get_reperformance

        view = self.run_guarded(lambda: get_reperformance(self.handle, self.reperformance_id))
        if view is None:
            return
        self.view = view
        rp = view.reperformance
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style="bold", width=12)
        t.add_column(ratio=1)
        t.add_row(Text(view.control_ref, style="bold cyan"), Text(rp.title, style="bold"))
        for side, label, ev, count in (("A", rp.list_a_label, view.list_a, rp.count_a),
                                       ("B", rp.list_b_label, view.list_b, rp.count_b)):
            name = f"{ev.original_name} · sha256 {ev.sha256[:16]}…" if ev else "—"
            t.add_row(f"List {side}", f"{label}: {name} · {count} rows")
        mode = rp.options.get("key_mode", "casefold")
        t.add_row("Key", f"{rp.key_a} = {rp.key_b} ({mode}) · {rp.options.get('matched', 0)} matched")
        window = rp.options.get("date_window")
        summary = Text()
        summary.append(f"only in A {rp.only_in_a}", style="yellow" if rp.only_in_a else "green")
        summary.append(" · ")
        summary.append(f"only in B {rp.only_in_b}", style="yellow" if rp.only_in_b else "green")
        summary.append(" · ")
        summary.append(f"differing {rp.differing}", style="cyan" if rp.differing else "green")
        if window:
            summary.append(" · ")
            summary.append(f"{window['column_b']} more than {window['days']} days after {window['column_a']}: "
                           f"{rp.date_window_breaches}", style="bold red" if rp.date_window_breaches else "green")
        t.add_row("Result", summary)
        t.add_row("Conclusion", Text(rp.conclusion or "not concluded — press c", style="" if rp.conclusion else "dim"))
        self.query_one("#result-header", Static).update(t)
        table = self.query_one(VirtualTable)
        table.empty_text = "No differences: the two lists agree."
        table.set_source(DifferenceSource(self.handle, rp, exceptions_by_difference(self.handle, rp.id)))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_conclude(self) -> None:
        from fieldwork_tui.services.evidence import conclude_reperformance
        from fieldwork_tui.tui.dialogs.prompt import PromptDialog

        def done(text: str | None) -> None:
            if text is not None:
                self.run_guarded(lambda: conclude_reperformance(self.handle, self.reperformance_id, text), "Conclusion saved.")
                self.refresh_data()

        current = self.view.reperformance.conclusion if hasattr(self, "view") else ""
        self.app.push_screen(PromptDialog("Conclude the re-performance", "What the comparison shows", current,
                                          "e.g. 2 users not on the reviewed list; followed up"), done)

    def action_raise_exception(self) -> None:
        from fieldwork_tui.services.evidence import raise_exception

        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            return
        ex = self.run_guarded(lambda: raise_exception(self.handle, key))
        if ex is not None:
            self.notify(f"Exception #{ex.id} raised on {self.view.control_ref}; add the management response "
                        "in the Exceptions view (5).")
            self.refresh_data()

    def palette_commands(self):
        yield ("Conclude re-performance", "Write what the comparison shows", self.action_conclude)
        yield ("Raise exception", "Record the difference under the cursor as an exception", self.action_raise_exception)


class DifferenceSourceEmpty:
    columns = COLUMNS

    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> list[Row]:
        return []
