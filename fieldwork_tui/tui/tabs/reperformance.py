"""Re-performance tab: lists the auditor pulled and compared, with their differences."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


class ReperformanceTab(ListingTab):
    COLUMNS = ("Comparison", "Keys", "Only in A", "Only in B", "Differing", "Conclusion")
    EMPTY = "No re-performance recorded."

    def rows(self, records):
        return [(r.title or f"{r.list_a_label} vs {r.list_b_label}", f"{r.key_a} = {r.key_b}", str(r.only_in_a),
                 str(r.only_in_b), str(r.differing), r.conclusion) for r in records.reperformances]
