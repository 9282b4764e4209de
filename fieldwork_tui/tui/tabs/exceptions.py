"""Exceptions tab: deviations raised on this control and their management responses."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


class ExceptionsTab(ListingTab):
    COLUMNS = ("#", "Instance", "Deviation", "Type", "Management response")
    EMPTY = "No exception on this control."

    def rows(self, records):
        return [(str(ex.id), ex.instance, ex.deviation, ex.exception_type.value,
                 resp.remediation_status.value if resp else "missing") for ex, resp in records.exceptions]
