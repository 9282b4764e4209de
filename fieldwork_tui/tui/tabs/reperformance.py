"""Re-performance tab: lists the auditor pulled and compared, with their differences. `n` sets up a
comparison (two lists, key column on each side, optional date window); enter or `v` shows the
differences, where the auditor decides each (exception, explained, not a deviation), concludes and
raises exceptions. "Unresolved" counts the differences still without a disposition."""

from __future__ import annotations

from textual import on
from textual.binding import Binding

from fieldwork_tui.tui.tabs.actions import ActionTab, clip
from fieldwork_tui.tui.widgets.virtual_table import Column, VirtualTable


class ReperformanceTab(ActionTab):
    TAB_LABEL = "Re-performance"
    COLUMNS = (Column("title", "Comparison", 30, priority=0, min_width=14, grow=True),
               Column("keys", "Keys", 20, priority=3), Column("rows", "Rows A/B", 9, priority=2),
               Column("only_a", "Only A", 6, justify="right", priority=1),
               Column("only_b", "Only B", 6, justify="right", priority=1),
               Column("differing", "Differ", 6, justify="right", priority=1),
               Column("window", "Window", 6, justify="right", priority=2),
               Column("unresolved", "Unresolved", 10, justify="right", priority=0),
               Column("conclusion", "Conclusion", 30, priority=0, min_width=14, grow=True))
    EMPTY = "No re-performance recorded. Press n to compare two lists."
    ACTIONS = (("new", "New comparison (n)"), ("view", "Differences (v)"))
    ROW_ACTIONS = frozenset({"view"})
    BINDINGS = [
        Binding("n", "new", "Compare", id="reperformance.new", tooltip="Compare two lists by key"),
        Binding("v", "view", "Differences", id="reperformance.view",
                tooltip="Show the differences, conclude, raise exceptions"),
    ]

    def rows(self, records):
        return [(r.title or f"{r.list_a_label} vs {r.list_b_label}", f"{r.key_a} = {r.key_b}",
                 f"{r.count_a}/{r.count_b}", str(r.only_in_a), str(r.only_in_b), str(r.differing),
                 str(r.date_window_breaches) if r.options.get("date_window") else "—",
                 str(records.unresolved.get(r.id, 0)), clip(r.conclusion, 80) or "not concluded")
                for r in records.reperformances]

    def row_keys(self, records):
        return [r.id for r in records.reperformances]

    def action_new(self) -> None:
        from fieldwork_tui.services.evidence import list_columns, run_comparison
        from fieldwork_tui.tui.dialogs.comparison import ComparisonDialog

        handle, ref = self.handle, self.ref

        def done(rp_id: int | None) -> None:
            if rp_id is not None:
                self.changed("reperformance")
                self.open_result(rp_id)

        self.app.push_screen(ComparisonDialog(ref, list_columns,
                                              save=lambda args: run_comparison(handle, ref, **args).reperformance.id),
                             done)

    def open_result(self, rp_id: int) -> None:
        from fieldwork_tui.tui.screens.reperformance_result import ReperformanceResultScreen

        self.app.push_screen(ReperformanceResultScreen(rp_id))

    def action_view(self) -> None:
        key = self.row_key("view")
        if key is not None:
            self.open_result(key)

    @on(VirtualTable.RowOpened)
    def _opened(self, event: VirtualTable.RowOpened) -> None:
        event.stop()
        self.open_result(event.key)
