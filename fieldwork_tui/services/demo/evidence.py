"""Demo engagement: the evidence part."""

from __future__ import annotations

from fieldwork_tui.services.engagements import EngagementHandle


def build(handle: EngagementHandle) -> None:
    """Add this area's records to the demo engagement."""
