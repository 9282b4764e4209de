"""Fixtures of the sampling-area service tests."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.vocab import Frequency
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.sampling import populations

from .attribute_support import write_changes


@pytest.fixture
def changes(engagement, tmp_path):
    add_control(engagement, "CM-01", "Change management", description="Every change is approved before deployment.",
                frequency=Frequency.multiple_daily)
    populations.import_population(engagement, "CM-01", write_changes(tmp_path / "changes.csv", 300, late=set(range(0, 300, 2)),
                                                                     self_approved={5, 50}),
                                  key="Change ID", date="Deployed")
    return engagement
