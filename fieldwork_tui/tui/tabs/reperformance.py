"""Re-performance tab: lists the auditor pulled and compared, with their differences. `n` sets up a
comparison (two lists, key column on each side, optional date window); enter or `v` shows the
differences, where the auditor decides each (exception, explained, not a deviation), concludes and
raises exceptions. "Unresolved" counts the differences still without a disposition."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from fieldwork_tui.tui.tabs.actions import ActionTab, clip


class ReperformanceTab(ActionTab):
    COLUMNS = ("Comparison", "Keys", "Rows A/B", "Only in A", "Only in B", "Differing", "Date window", "Unresolved",
               "Conclusion")
    EMPTY = "No re-performance recorded. Press n to compare two lists."
    ACTIONS = (("new", "New comparison (n)"), ("view", "Differences (v)"))
    BINDINGS = [
        Binding("n", "new", "Compare", id="reperformance.new", tooltip="Compare two lists by key"),
        Binding("v", "view", "Differences", id="reperformance.view",
                tooltip="Show the differences, conclude, raise exceptions"),
    ]

    def rows(self, records):
        return [(r.title or f"{r.list_a_label} vs {r.list_b_label}", f"{r.key_a} = {r.key_b}",
                 f"{r.count_a}/{r.count_b}", str(r.only_in_a), str(r.only_in_b), str(r.differing),
                 str(r.date_window_breaches) if r.options.get("date_window") else "—",
                 str(records.unresolved.get(r.id, 0)), clip(r.conclusion, 36) or "not concluded")
                for r in records.reperformances]

    def row_keys(self, records):
        return [r.id for r in records.reperformances]

    def action_new(self) -> None:
        from fieldwork_tui.tui.dialogs.comparison import ComparisonDialog

        def done(rp_id: int | None) -> None:
            if rp_id is not None:
                self.changed("reperformance")
                self.open_result(rp_id)

        self.app.push_screen(ComparisonDialog(self.ref), done)

    def open_result(self, rp_id: int) -> None:
        from fieldwork_tui.tui.screens.reperformance_result import ReperformanceResultScreen

        self.app.push_screen(ReperformanceResultScreen(rp_id))

    def action_view(self) -> None:
        if self.cursor_key is not None:
            self.open_result(self.cursor_key)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_view()
