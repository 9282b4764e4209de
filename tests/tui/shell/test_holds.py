"""Issue 20: the TUI shows who holds a checked-out control (the Controls list's detail line and the
control header), from `services.team.control_holds`, the same record `fieldwork holds` prints."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.store.models import Control, ControlHold
from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen
from fieldwork_tui.tui.widgets.virtual_table import DetailLine

from ..support import plain, settle

SIZE = (130, 40)


def _hold(handle, ref: str, holder: str) -> None:
    from sqlmodel import select

    with handle.session() as s:
        control = s.exec(select(Control).where(Control.ref == ref)).one()
        s.add(ControlHold(control_id=control.id, holder=holder, replica="r-7f3a",
                          checked_out_at=dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)))


async def test_a_checked_out_control_says_who_holds_it(demo_app):
    _hold(demo_app.handle, "AC-02", "sam")
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "down")  # AC-02
        await settle(pilot)
        line = plain(demo_app.screen.query_one(DetailLine))
        assert "checked out to sam since 2026-11-30 09:15 UTC (r-7f3a)" in line
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlDetailScreen)
        header = plain(demo_app.screen.query_one("#control-header"))
        assert "Checked out" in header and "changes are refused until it is checked in" in header
        await pilot.press("escape", "up", "enter")  # AC-01 is not checked out: no such line
        await settle(pilot)
        assert "Checked out" not in plain(demo_app.screen.query_one("#control-header"))
