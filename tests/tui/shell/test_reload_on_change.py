"""Issue 19 item 3: a view reads its data again on return only when the engagement changed (the one
change marker, `services.engagements.change_marker`); the first visit reads once."""

from __future__ import annotations

import sqlite3

from fieldwork_tui.services.demo import DEMO_SLUG
from fieldwork_tui.services.engagements import change_marker, open_engagement
from fieldwork_tui.tui.screens.controls import ControlsScreen
from fieldwork_tui.tui.screens.requests import RequestsScreen

from ..support import settle

SIZE = (130, 40)


def _count_fetches(monkeypatch, *classes) -> dict[str, int]:
    counts = {cls.__name__: 0 for cls in classes}
    for cls in classes:
        original = cls.fetch

        def counted(self, _original=original, _name=cls.__name__):
            counts[_name] += 1
            return _original(self)

        monkeypatch.setattr(cls, "fetch", counted)
    return counts


async def test_switching_back_without_a_change_reads_nothing(demo_app, monkeypatch):
    counts = _count_fetches(monkeypatch, ControlsScreen, RequestsScreen)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert counts == {"ControlsScreen": 1, "RequestsScreen": 0}  # the first visit reads once
        for _ in range(3):
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
        assert counts == {"ControlsScreen": 1, "RequestsScreen": 1}


async def test_a_change_through_a_service_reloads_on_return(demo_app, monkeypatch):
    from fieldwork_tui.services.controls import set_conclusion

    counts = _count_fetches(monkeypatch, ControlsScreen)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        set_conclusion(demo_app.handle, "AC-03", "not_tested")
        await pilot.press("2")
        await settle(pilot)
        assert counts["ControlsScreen"] == 2
        await pilot.press("3", "2")
        await settle(pilot)
        assert counts["ControlsScreen"] == 2


async def test_a_change_by_another_process_reloads_on_return(demo_home, demo_app, monkeypatch):
    counts = _count_fetches(monkeypatch, ControlsScreen)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "3")
        await settle(pilot)
        other = sqlite3.connect(demo_home / DEMO_SLUG / "fieldwork.db")  # another handle, no journal entry
        other.execute("UPDATE control SET title = title || ' (revised)' WHERE ref = 'AC-03'")
        other.commit()
        other.close()
        await pilot.press("2")
        await settle(pilot)
        assert counts["ControlsScreen"] == 2
        rows = {r.ref: r for r in demo_app.screen._all_rows}
        assert rows["AC-03"].title.endswith("(revised)")


def test_marker_moves_with_any_commit(demo_home):
    handle = open_engagement(demo_home, DEMO_SLUG)
    other = open_engagement(demo_home, DEMO_SLUG)
    try:
        first = change_marker(handle)
        assert change_marker(handle) == first
        from fieldwork_tui.services.controls import set_conclusion

        set_conclusion(other, "AC-03", "not_tested")  # another handle, journaled
        second = change_marker(handle)
        assert second != first
        set_conclusion(handle, "AC-03", "not_effective")  # this handle's own write
        assert change_marker(handle) != second
    finally:
        other.close()
        handle.close()
