"""Fixtures of the Pilot and snapshot tests (the app itself comes from tests/conftest.py: `demo_app`).
Wait for the app with `support.settle(pilot)` - the one way these tests wait."""

from __future__ import annotations

import pytest

from .support import freeze_review_times


@pytest.fixture
def frozen(demo_home):
    """The demo with fixed sign-off and review-note times, for snapshots."""
    freeze_review_times(demo_home)
    return demo_home


@pytest.fixture
def snap_compare(snap_compare):
    """The plugin's `snap_compare`, waiting like every Pilot test: the keys are pressed after the app
    settled, and the screenshot is taken once it settled again (workers done, filters shown)."""
    from .support import settle

    def compare(app, press=(), *, run_before=None, **kwargs):
        async def before(pilot) -> None:
            await settle(pilot)
            if run_before is not None:
                result = run_before(pilot)
                if hasattr(result, "__await__"):
                    await result
                await settle(pilot)
            for key in press:
                await pilot.press(key)
            await settle(pilot)

        return snap_compare(app, run_before=before, **kwargs)

    return compare
