"""The engagement's change marker (what every view compares on return before it reads again), on both
engines: it moves with a write; on SQLite it also stays put while nothing changes. (On a team server it
follows the server's transaction horizon, which any client's write to any database moves: a view there
may read again without need, never fail to.)"""

from __future__ import annotations

from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.engagements import change_marker


def test_the_marker_moves_with_a_write(engagement, engagement_engine):
    first = change_marker(engagement)
    if engagement_engine == "sqlite":
        assert change_marker(engagement) == first  # reading it changes nothing
    add_control(engagement, "AC-77", "Quarterly access review")
    second = change_marker(engagement)
    assert second != first
    if engagement_engine == "sqlite":
        assert change_marker(engagement) == second
