"""Sampling tab: samples drawn for this control, with seed and population hash."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


class SamplingTab(ListingTab):
    COLUMNS = ("Sample", "Kind", "Size", "Policy", "Seed", "Population SHA-256", "Conclusion")
    EMPTY = "No sample drawn."

    def rows(self, records):
        return [(f"#{s.id}", s.kind.value, str(s.size), f"{s.policy_preset} {s.policy_size}", s.seed[:12],
                 s.population_sha256[:12], s.conclusion.value if s.conclusion else "") for s in records.samples]
