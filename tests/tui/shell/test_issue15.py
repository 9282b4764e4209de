"""Issue 15, one Pilot test per defect (item 1 is test_keys_land_where_shown.py; 3 and 11 are the 80×24
and two-theme snapshots in test_snapshots.py and test_no_hard_coded_colours.py; 8 is the kit's worker tests
and test_population_filter_runs_in_a_worker in tests/tui/sampling/test_sampling.py; 9 is
tests/tui/requests). Keys typed as an auditor types them; what was stored is read back from the
engagement."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Tabs

from fieldwork_tui.services.controls import list_controls
from fieldwork_tui.services.evidence import attach, list_files
from fieldwork_tui.tui.app import create_app
from fieldwork_tui.tui.kit.confirm import ConfirmDialog
from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen
from fieldwork_tui.tui.screens.controls import ControlsScreen
from fieldwork_tui.tui.widgets.virtual_table import VirtualTable

from ..kit.support import type_fast
from ..support import settle

SIZE = (130, 40)


async def _control(pilot, ref: str, tab: str) -> ControlDetailScreen:
    pilot.app.push_screen(ControlDetailScreen(ref, tab=tab))
    await settle(pilot)
    assert isinstance(pilot.app.screen, ControlDetailScreen)
    return pilot.app.screen


async def test_2_remove_acts_on_the_focused_table_only_and_asks_first(demo_app, tmp_path: Path):
    src = tmp_path / "access-review.pdf"
    src.write_bytes(b"%PDF-1.4 review")
    attach(demo_app.handle, "CA-01", [src])
    before = len(list_files(demo_app.handle, "CA-01"))
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await _control(pilot, "CA-01", "inspection")
        table = screen.query_one("#tab-inspection VirtualTable", VirtualTable)
        assert screen.focused is table  # the tab's table has the focus after the switch
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(demo_app.screen, ConfirmDialog)
        await pilot.press("n")  # no: nothing removed
        await settle(pilot)
        assert len(list_files(demo_app.handle, "CA-01")) == before
        screen.set_focus(screen.query_one(Tabs))  # the tab headers have the focus: x acts on nothing
        await settle(pilot)
        assert screen.focused is not table
        await pilot.press("x")
        await settle(pilot)
        assert demo_app.screen is screen and len(list_files(demo_app.handle, "CA-01")) == before
        screen.set_focus(table)
        await pilot.press("x", "y")
        await settle(pilot)
        assert len(list_files(demo_app.handle, "CA-01")) == before - 1


async def test_4_two_goes_to_the_controls_list_not_the_last_control(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        type_fast(demo_app, "2", "down", "enter")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlDetailScreen)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlsScreen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("2")  # from a control straight to the list
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlsScreen)


async def _palette_finds(pilot, text: str) -> list[str]:
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*text)
    await settle(pilot)
    palette = pilot.app.screen
    hits = palette.query_one(CommandList)
    found = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
    await pilot.press("escape")
    await settle(pilot)
    return found


async def test_5_the_palette_on_a_control_offers_every_tab_s_actions(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await _control(pilot, "CA-01", "inquiry")
        assert any("Sign as preparer" in hit for hit in await _palette_finds(pilot, "sign"))
        assert any("Attach" in hit for hit in await _palette_finds(pilot, "attach"))
        assert any("Population" in hit for hit in await _palette_finds(pilot, "population"))


async def test_5_help_lists_the_keys_of_the_screen_shown(demo_app):
    from fieldwork_tui.tui.kit.actions import screen_actions
    from fieldwork_tui.tui.kit.help import HelpScreen

    async with demo_app.run_test(size=SIZE) as pilot:
        await _control(pilot, "CA-01", "sampling")
        detail = demo_app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(demo_app.screen, HelpScreen) and demo_app.screen.origin is detail
        listed = {a.id for group in screen_actions(detail) for a in group.actions}  # what the help lists
        assert {"sampling.browse", "testing.attach", "review.sign_reviewer", "inspection.detach"} <= listed


async def test_6_ctrl_s_saves_the_exception_dialog(demo_app):
    from fieldwork_tui.services.findings import list_exceptions

    before = len(list_exceptions(demo_app.handle))
    async with demo_app.run_test(size=SIZE) as pilot:
        await _control(pilot, "CA-01", "exceptions")
        await pilot.press("a")
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ExceptionFormDialog"
        type_fast(demo_app, *"Ticket 4711", "tab", "tab")  # instance, planned control (multi-line), deviation
        await settle(pilot)
        await pilot.press(*"Approval after the change went live", "ctrl+s")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlDetailScreen)
        assert len(list_exceptions(demo_app.handle)) == before + 1


async def test_6_tab_in_the_review_note_dialog_never_reaches_cancel(demo_app):
    from fieldwork_tui.services.findings import list_notes

    before = len(list_notes(demo_app.handle, "CA-01"))
    async with demo_app.run_test(size=SIZE) as pilot:
        await _control(pilot, "CA-01", "review")
        await pilot.press("n")
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ReviewNoteDialog"
        await pilot.press(*"Explain the")
        for _ in range(2):  # tab walks the fields (On, Note) and comes back to the note, never to a button
            await pilot.press("tab")
            await settle(pilot)
            assert not isinstance(demo_app.focused, Button) and demo_app.focused.id in ("target", "text")
        assert demo_app.focused.id == "text" and demo_app.focused.text == "Explain the"  # nothing lost
        await pilot.press(*" missing ticket", "ctrl+s")
        await settle(pilot)
        assert isinstance(demo_app.screen, ControlDetailScreen)
        notes = list_notes(demo_app.handle, "CA-01")
        assert len(notes) == before + 1 and "Explain the" in notes[-1].text and "missing ticket" in notes[-1].text


def _empty_engagement(home: Path) -> str:
    from fieldwork_tui.services.engagements import create_engagement

    handle = create_engagement(home, "Matrix 2026", period="2026-01-01..2026-12-31")
    handle.close()
    return handle.slug


async def test_7_the_control_matrix_imports_from_the_tui(home, tmp_path: Path):
    matrix = tmp_path / "matrix.csv"
    matrix.write_text("ref,title,criteria,frequency,nature\nAC-01,Quarterly access review,CC6.1,quarterly,manual\n"
                      "CM-01,Change approval,CC8.1,as needed,manual\n", encoding="utf-8")
    app = create_app(home, _empty_engagement(home))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "i")
        await settle(pilot)
        assert type(app.screen).__name__ == "ImportFileDialog"
        await pilot.press(*str(matrix), "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ImportMappingDialog"  # the columns, proposed by their names
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ControlsScreen)
        table = app.screen.query_one(VirtualTable)
        assert [table.row_at(i).key for i in range(table.row_count)] == ["AC-01", "CM-01"]
        assert [c.ref for c in list_controls(app.handle)] == ["AC-01", "CM-01"]


async def test_7_a_bad_matrix_is_named_in_the_dialog_and_nothing_is_imported(home, tmp_path: Path):
    matrix = tmp_path / "matrix.csv"
    matrix.write_text("ref,title,criteria\nAC-01,Access review,CC99.9\n", encoding="utf-8")
    app = create_app(home, _empty_engagement(home))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "i")
        await settle(pilot)
        await pilot.press(*str(matrix), "ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ImportMappingDialog"  # stays open, the mapping kept
        assert "CC99.9" in str(app.screen.query_one("#form-error").content)
        assert list_controls(app.handle) == []


async def test_10_the_new_engagement_dialog_records_the_service_organization(home):
    app = create_app(home, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Acme SOC 2 2026", "tab", *"Acme Cloud, Inc.", "ctrl+s")
        await settle(pilot)
        assert app.current_mode == "dashboard"
        engagement = app.handle.engagement()
        assert engagement.name == "Acme SOC 2 2026" and engagement.service_organization == "Acme Cloud, Inc."


def test_10_without_an_organization_the_name_is_used(home):
    from fieldwork_tui.services.engagements import create_engagement

    handle = create_engagement(home, "Beta 2026", service_organization="")
    try:
        assert handle.engagement().service_organization == "Beta 2026"
    finally:
        handle.close()

