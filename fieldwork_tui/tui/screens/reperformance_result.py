"""A re-performance's result: both lists (name, SHA-256, rows), keys, counts and every difference —
only in A, only in B, differing fields, date-window breaches. `c` concludes, `x` raises the
difference under the cursor as an exception on the control."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.safe_text import visible
from fieldwork_tui.tui.kit.styles import role
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, Row, VirtualTable

COLUMNS = [Column("kind", "Difference", 12, priority=0), Column("key", "Key", 30, priority=0, min_width=12),
           Column("details", "Details", 70, priority=1, min_width=20, grow=True),
           Column("exception", "Exception", 10, priority=0)]
KIND_LABEL = {"only_in_a": ("only in A", "warning"), "only_in_b": ("only in B", "warning"),
              "differing": ("differing", "info"), "date_window": ("date window", "severe")}


class DifferenceSource:
    """Differences read a page at a time, in a worker (a comparison of two big lists can have thousands)."""

    columns = COLUMNS
    slow = True

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
            label, style = KIND_LABEL.get(d.kind.value, (d.kind.value, "muted"))
            text = describe_difference(d.kind, d.key, d.details, self.rp.list_a_label, self.rp.list_b_label)
            text = text.split(": ", 1)[1] if ": " in text else text
            ex = self.exceptions.get(d.id)
            out.append(Row(key=d.id, cells=[Text(label, style=role(style)), d.key, text, f"#{ex}" if ex else ""]))
        return out


class ReperformanceResultScreen(EngagementScreen):
    MAIN = "#differences"
    BINDINGS = [
        Binding("escape", "back", "Back", id="result.back", tooltip="Back to the control"),
        Binding("c", "conclude", "Conclude", id="result.conclude", tooltip="Write the conclusion of this re-performance"),
        Binding("x", "raise_exception", "Raise exception", id="result.exception",
                tooltip="Record the difference under the cursor as an exception"),
    ]
    DEFAULT_CSS = """
    ReperformanceResultScreen #result-header { height: auto; padding: 0 1; }
    """

    VIEW_NAME = "Re-performance"

    def __init__(self, reperformance_id: int) -> None:
        super().__init__()
        self.reperformance_id = reperformance_id
        self.view = None

    def body(self) -> ComposeResult:
        yield Static(id="result-header")
        yield VirtualTable(DifferenceSourceEmpty(), id="differences", detail="difference-detail")
        yield DetailLine(id="difference-detail")

    def fetch(self):
        from fieldwork_tui.services.evidence import exceptions_by_difference, get_reperformance

        view = get_reperformance(self.handle, self.reperformance_id)
        rp = view.reperformance
        return view, DifferenceSource(self.handle, rp, exceptions_by_difference(self.handle, rp.id))

    def show(self, data) -> None:
        view, source = data
        self.view = view
        rp = view.reperformance
        t = Table.grid(padding=(0, 2), expand=True)
        t.add_column(style=role("strong"), width=12)
        t.add_column(ratio=1)
        t.add_row(Text(visible(view.control_ref), style=role("ref")), Text(visible(rp.title), style=role("strong")))
        for side, label, ev, count in (("A", rp.list_a_label, view.list_a, rp.count_a),
                                       ("B", rp.list_b_label, view.list_b, rp.count_b)):
            name = f"{visible(ev.original_name)} · sha256 {ev.sha256[:16]}…" if ev else "—"
            t.add_row(f"List {side}", f"{visible(label)}: {name} · {count} rows")
        mode = rp.options.get("key_mode", "casefold")
        t.add_row("Key", f"{visible(rp.key_a)} = {visible(rp.key_b)} ({mode}) · {rp.options.get('matched', 0)} matched")
        window = rp.options.get("date_window")
        summary = Text()
        summary.append(f"only in A {rp.only_in_a}", style=role("warning") if rp.only_in_a else role("ok"))
        summary.append(" · ")
        summary.append(f"only in B {rp.only_in_b}", style=role("warning") if rp.only_in_b else role("ok"))
        summary.append(" · ")
        summary.append(f"differing {rp.differing}", style=role("info") if rp.differing else role("ok"))
        if window:
            summary.append(" · ")
            summary.append(f"{visible(window['column_b'])} more than {window['days']} days after "
                           f"{visible(window['column_a'])}: {rp.date_window_breaches}",
                           style=role("severe") if rp.date_window_breaches else role("ok"))
        t.add_row("Result", summary)
        t.add_row("Conclusion", Text(visible(rp.conclusion) or "not concluded — press c",
                                     style="" if rp.conclusion else role("muted")))
        self.query_one("#result-header", Static).update(t)
        table = self.query_one(VirtualTable)
        table.empty_text = "No differences: the two lists agree."
        table.set_source(source)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_conclude(self) -> None:
        from fieldwork_tui.services.evidence import conclude_reperformance
        from fieldwork_tui.tui.kit.forms import PromptDialog

        handle, rid = self.handle, self.reperformance_id
        current = self.view.reperformance.conclusion if self.view else ""
        self.app.push_screen(PromptDialog("Conclude the re-performance", "What the comparison shows", current,
                                          placeholder="e.g. 2 users not on the reviewed list; followed up",
                                          multiline=True, save=lambda text: conclude_reperformance(handle, rid, text) or True),
                             lambda done: (self.notify("Conclusion saved."), self.load()) if done else None)

    def action_raise_exception(self) -> None:
        from fieldwork_tui.services.evidence import raise_exception

        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            return
        handle, ref = self.handle, self.view.control_ref if self.view else ""

        def raised(ex) -> None:
            self.notify(f"Exception #{ex.id} raised on {ref}; add the management response in the Exceptions view (5).")
            self.load()

        workers.run(self, lambda: raise_exception(handle, key), done=raised)


class DifferenceSourceEmpty:
    columns = COLUMNS

    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> list[Row]:
        return []
