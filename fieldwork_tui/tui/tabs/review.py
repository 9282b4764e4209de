"""Review tab: preparer and reviewer sign-offs and review notes."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


class ReviewTab(ListingTab):
    COLUMNS = ("Kind", "Who", "When", "Text / state")
    EMPTY = "Not signed off; no review notes."

    def rows(self, records):
        out = [(f"sign-off ({so.role.value})", so.signed_by, so.signed_at.strftime("%Y-%m-%d %H:%M"), so.content_hash[:12])
               for so in records.signoffs]
        out += [(f"note ({n.status.value})", n.author, n.created_at.strftime("%Y-%m-%d %H:%M"), n.text)
                for n in records.review_notes]
        return out
