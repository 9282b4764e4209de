"""Inquiry tab: what personnel said about this control, and whether evidence corroborates it."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


class InquiryTab(ListingTab):
    COLUMNS = ("Date", "Who", "Role", "Statement", "Corroboration")
    EMPTY = "No inquiry yet. Interviews are logged in the Interviews view (4)."

    def rows(self, records):
        return [
            (sv.interview.held_on.isoformat(), sv.person.name if sv.person else "", sv.person.role if sv.person else "",
             sv.statement.text, sv.statement.corroboration.value)
            for sv in records.statements
        ]
