"""Observation tab: what the auditor saw the control do, when, where."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


class ObservationTab(ListingTab):
    COLUMNS = ("When", "Where", "What was seen", "By")
    EMPTY = "No observation recorded."

    def rows(self, records):
        return [(o.observed_at.strftime("%Y-%m-%d %H:%M"), o.location, o.description, o.observed_by)
                for o in records.observations]
