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
