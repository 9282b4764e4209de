"""What an import kept shows in the TUI: a control's type and the matrix's own columns on the control
detail, the tracker's own columns on the request detail (issue 22)."""

from __future__ import annotations

from ..support import open_control_tab, settle

SIZE = (150, 45)


def _text(static) -> str:
    from rich.console import Console

    console = Console(width=140, record=True, color_system=None)
    console.print(static.content)
    return console.export_text()


async def test_control_detail_shows_control_type_and_extra_fields(demo_app, demo, tmp_path):
    from fieldwork_tui.services.controls import import_controls

    f = tmp_path / "m.csv"
    f.write_text("Control ID,Control Type,System/Tool\nAC-01,Preventive,Okta \x1b[2J admin\n", encoding="utf-8")
    import_controls(demo, f)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_control_tab(pilot, "AC-01", "inquiry")
        await settle(pilot)
        header = _text(demo_app.screen.query_one("#control-header"))
        assert "preventive" in header
        assert "System/Tool" in header and "Okta ␛[2J admin" in header and "\x1b" not in header


async def test_request_detail_shows_extra_fields(demo_app, demo, tmp_path):
    from fieldwork_tui.services.requests import import_requests
    from fieldwork_tui.tui.screens.request_detail import RequestDetailScreen

    f = tmp_path / "pbc.csv"
    f.write_text("ID,Description,System/Tool\nR-001,Users list,Workday\n", encoding="utf-8")
    import_requests(demo, f)
    from sqlmodel import select

    from fieldwork_tui.store.models import EvidenceRequest

    with demo.read() as s:
        rid = s.exec(select(EvidenceRequest.id).where(EvidenceRequest.ref == "R-001")).one()
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        demo_app.push_screen(RequestDetailScreen(rid))
        await settle(pilot)
        summary = _text(demo_app.screen.query_one("#summary"))
        assert "System/Tool" in summary and "Workday" in summary
