"""Inspection tab: the files inspected for this control, as stored in the vault."""

from __future__ import annotations

from fieldwork_tui.tui.tabs.base import ListingTab


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class InspectionTab(ListingTab):
    COLUMNS = ("File", "As of", "Size", "SHA-256", "Added by", "Description")
    EMPTY = "No file inspected yet."

    def rows(self, records):
        return [(f.original_name, f.as_of.isoformat() if f.as_of else "", human_size(f.size), f.sha256[:12],
                 f.added_by, f.description) for f in records.files]
