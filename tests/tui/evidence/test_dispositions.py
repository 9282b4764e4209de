"""Pilot tests: deciding re-performance differences with keys on the result screen — one (d) and
every open alike row at once (D) — asserting what was stored and what the screen then counts."""

from __future__ import annotations

from pathlib import Path

from fieldwork_tui.services.evidence import list_differences, run_comparison

from ..support import plain, settle, type_text

SIZE = (130, 40)


async def _result_screen(pilot, rp_id: int):
    from fieldwork_tui.tui.screens.reperformance_result import ReperformanceResultScreen

    await settle(pilot)
    pilot.app.push_screen(ReperformanceResultScreen(rp_id))
    await settle(pilot)
    return pilot.app.screen


async def test_one_difference_explained_with_keys(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        open_before = [r for r in list_differences(app.handle, "AC-01") if r.open]
        assert [r.key for r in open_before] == ["svc-deploy", "okarimi"]
        screen = await _result_screen(pilot, open_before[0].reperformance_id)
        assert "2 without a disposition" in plain(screen.query_one("#result-header"))
        await pilot.press("down", "d")  # row 2: svc-deploy, still open
        await settle(pilot)
        assert type(app.screen).__name__ == "DispositionDialog"
        await pilot.press("tab")  # from the disposition (explained is preselected) to the reason
        await type_text(pilot, "Approved by ticket CHG-7781")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReperformanceResultScreen"
        row = next(r for r in list_differences(app.handle, "AC-01") if r.key == "svc-deploy")
        assert (row.disposition, row.reason) == ("explained", "Approved by ticket CHG-7781")
        assert "1 without a disposition" in plain(app.screen.query_one("#result-header"))


async def test_reason_is_required_and_nothing_is_lost(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        rp_id = list_differences(app.handle, "AC-01")[0].reperformance_id
        await _result_screen(pilot, rp_id)
        await pilot.press("down", "d", "ctrl+s")  # no reason typed
        await settle(pilot)
        assert type(app.screen).__name__ == "DispositionDialog"  # stays open, says why
        assert all(r.disposition is None for r in list_differences(app.handle, "AC-01") if r.key == "svc-deploy")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReperformanceResultScreen"


async def test_alike_rows_decided_at_once(demo_app, tmp_path: Path) -> None:
    app = demo_app
    a, b = tmp_path / "pulled.csv", tmp_path / "reviewed.csv"
    a.write_text("login\nsre1\nsre2\nsvc-a\nsvc-b\nsvc-c\n")
    b.write_text("login\nsre1\nsre2\n")
    out = run_comparison(app.handle, "AC-05", a, b, key_a="login", label_a="IdP admins", label_b="Reviewed")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _result_screen(pilot, out.reperformance.id)
        assert "3 without a disposition" in plain(screen.query_one("#result-header"))
        await pilot.press("D")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "DispositionDialog" and "3 differences" in dialog.title_text
        # choose "not a deviation" with the keyboard: open the list, one down from "explained", pick it
        await pilot.press("enter", "down", "enter", "tab")
        await type_text(pilot, "Service accounts reviewed in the separate service-account review")
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = list_differences(app.handle, "AC-05", reperformance_id=out.reperformance.id)
        assert [(r.disposition, r.reason[:16]) for r in rows] == [("not_deviation", "Service accounts")] * 3
        assert "none: every difference has a disposition" in plain(app.screen.query_one("#result-header"))
