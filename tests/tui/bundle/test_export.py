"""Export view: reachable by key from the dashboard and from the palette everywhere; exports in a
worker with a progress bar, then verifies."""

from __future__ import annotations

from textual.widgets import Input

from fieldwork_tui.services.bundle.verify import verify_bundle
from fieldwork_tui.tui.screens.export import ExportScreen

from ..support import plain, settle


async def _export_to(pilot, app, path: str) -> None:
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, ExportScreen)
    app.screen.query_one("#export-path", Input).value = path
    await pilot.press("enter")
    await settle(pilot)


async def test_export_from_the_dashboard_writes_a_verified_bundle(demo_app, tmp_path):
    out = tmp_path / "manager.zip"
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _export_to(pilot, demo_app, str(out))
        screen = demo_app.screen
        assert out.is_file() and verify_bundle(out).ok
        assert screen.last_report.ok and screen.last_result.path == out
        result = plain(screen.query_one("#export-result"))
        assert str(out) in result and "intact" in result
        assert screen.query_one("#export-bar").percentage == 1
        await pilot.press("escape")
        assert type(demo_app.screen).__name__ == "DashboardScreen"


async def test_bad_path_shows_one_line_and_writes_nothing(demo_app, tmp_path):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _export_to(pilot, demo_app, str(tmp_path / "nowhere" / "b.zip"))
        result = plain(demo_app.screen.query_one("#export-result"))
        assert "Not exported" in result and "does not exist" in result
        assert not (tmp_path / "nowhere").exists()
        assert not demo_app.screen.running


async def test_export_is_in_the_palette_of_other_screens(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Export")
        await settle(pilot)  # the palette searches in a worker
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, ExportScreen)


async def test_e_is_only_the_export_key_on_the_dashboard(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("3", "e")
        await settle(pilot)
        assert not isinstance(demo_app.screen, ExportScreen)


async def test_export_screen_names_everything_the_bundle_holds(demo_app):
    """The screen's description is the bundle's layout: the OSCAL plan, the anchors record, the signed
    manifest — nothing the export writes goes unmentioned."""
    from fieldwork_tui.services.bundle import LAYOUT

    async with demo_app.run_test(size=(130, 40)) as pilot:
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(demo_app.screen, ExportScreen)
        text = " ".join(plain(demo_app.screen.query_one("#export-contents")).split())
        for member, what in LAYOUT:
            assert member in text and what in text, member
        assert "oscal/assessment-plan.json" in text and "anchors.jsonl" in text and "manifest.sig" in text
