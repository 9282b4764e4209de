"""The column-mapping step in the TUI (issue 22 item 4): a file whose headers the importer does not know
shows its columns beside the app's fields with the first rows; the user maps them, sees what would
change (nothing written), imports, and the mapping is saved as a profile the CLI reuses."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from fieldwork_tui.services.imports import list_profiles, load_profile

from ..support import settle

SIZE = (150, 45)
TRACKER = ("ACME FY26 evidence tracker,,,\n"
           "Ticket,What we need,Who,Anything else\n"
           "T-1,Terminated users list,Ana,pulled by HR\n"
           "T-2,Firewall rule review,Bo,\n")


def stored(handle) -> dict:
    from sqlmodel import select

    from fieldwork_tui.store.models import EvidenceRequest

    with handle.read() as s:
        return {r.ref: (r.description, r.owner_id is not None, r.extra_fields) for r in s.exec(select(EvidenceRequest))
                if r.ref.startswith("T-")}


async def _columns_of(pilot, app, path: Path, profile: str | None = None):
    """Requests view, `i`, the file (and a saved profile), then the mapping step: its dialog."""
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    assert type(app.screen).__name__ == "ImportFileDialog"
    await pilot.press(*str(path))
    if profile is not None:
        app.screen.query_one("#profile", Select).value = profile
    await pilot.press("ctrl+s")
    await settle(pilot)
    return app.screen


async def test_unknown_headers_are_mapped_checked_imported_and_saved_as_a_profile(demo_app, tmp_path: Path):
    tracker = tmp_path / "tracker.csv"
    tracker.write_text(TRACKER, encoding="utf-8")
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _columns_of(pilot, app, tracker)
        assert type(dialog).__name__ == "ImportMappingDialog"
        assert "does not know these headers" in str(dialog.query_one("#unrecognised").content)
        await pilot.press("ctrl+s")  # nothing mapped yet: refused, named
        await settle(pilot)
        error = str(dialog.query_one("#form-error").content)
        assert app.screen is dialog and "request ID: choose the column" in error
        for i, name in enumerate(["ref", "description", "owner"]):
            dialog.query_one(f"#map-{i}", Select).value = name
        await pilot.press("ctrl+d")  # what would change: nothing written
        await settle(pilot)
        plan = str(dialog.query_one("#plan-text").content)
        assert "dry run, nothing written" in plan and "Anything else" in plan
        assert stored(app.handle) == {}
        dialog.query_one("#save-profile").value = "acme-pbc"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "RequestsScreen"
        notice = [n.message for n in app._notifications][-1]  # the summary, then each note on a line
        assert notice.splitlines()[1:] and "Anything else" in notice and "␊" not in notice, notice
    assert stored(app.handle) == {"T-1": ("Terminated users list", True, {"Anything else": "pulled by HR"}),
                                  "T-2": ("Firewall rule review", True, {})}
    assert list_profiles("requests") == ["acme-pbc"]
    profile = load_profile("acme-pbc", "requests", {"ref", "description", "owner"})
    assert profile.columns == {"Ticket": "ref", "What we need": "description", "Who": "owner", "Anything else": ""}


async def test_a_saved_profile_proposes_the_mapping_next_time(demo_app, tmp_path: Path):
    from fieldwork_tui.services.imports import MappingProfile, save_profile

    save_profile(MappingProfile("acme-pbc", "requests", {"Ticket": "ref", "What we need": "description"}))
    tracker = tmp_path / "tracker.csv"
    tracker.write_text(TRACKER, encoding="utf-8")
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _columns_of(pilot, app, tracker, profile="acme-pbc")
        assert [dialog.query_one(f"#map-{i}", Select).value for i in range(4)] == ["ref", "description", "", ""]
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert set(stored(app.handle)) == {"T-1", "T-2"}
