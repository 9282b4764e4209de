"""The demo engagement: a realistic Type II audit of a fictional cloud company, built through the
services (never raw SQL) so it stays valid as the schema and rules evolve.

Each area adds its part in its own module; `build_demo` runs them in the order the work happens.
"""

from __future__ import annotations

from pathlib import Path

from fieldwork_tui.services.demo import core, evidence, requests, review, sampling
from fieldwork_tui.services.demo.core import DEMO_TODAY
from fieldwork_tui.store import anchors
from fieldwork_tui.store.handle import EngagementHandle

DEMO_SLUG = "demo-lumen-ledger"

__all__ = ["DEMO_SLUG", "DEMO_TODAY", "build_demo"]


def build_demo(home: Path | str | None) -> EngagementHandle:
    """Create (or reset) the demo engagement and return a handle on it."""
    handle = core.build(home, DEMO_SLUG)
    # the demo replaced is gone: its anchors would report the new demo's journal as rewritten
    anchors.discard(handle.root.parent, sampling.DEMO_UID)
    evidence.build(handle)
    sampling.build(handle)
    requests.build(handle)
    review.build(handle)
    return handle
