"""One snapshot per evidence screen and dialog state a user sees (the already-in-the-vault question and
the evidence edit form included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support import freeze_review_times, settle
from .test_inspection_document import _ac01_file, _attach_with_as_of, _copy_of, _open_inspection

SIZE = (130, 40)


def _at_control(ref: str, *keys: str):
    async def run_before(pilot) -> None:
        from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

        await pilot.app.push_screen(ControlDetailScreen(ref))
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


def test_observation_tab(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("CM-01", "alt+2"), terminal_size=SIZE)


def test_observation_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("CM-01", "alt+2", "a"), terminal_size=SIZE)


def test_inspection_tab(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("AC-03", "alt+3"), terminal_size=SIZE)


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A client upload folder with fixed contents, named relatively so the snapshot is stable."""
    folder = tmp_path / "client-uploads"
    (folder / "q3").mkdir(parents=True)
    (folder / "access-review-q3.pdf").write_bytes(b"%PDF")
    (folder / "q3" / "tickets.csv").write_text("id\n1\n")
    monkeypatch.chdir(tmp_path)
    return Path("client-uploads")


def test_attach_dialog(snap_compare, demo_app, uploads: Path) -> None:
    demo_app.attach_folder = uploads
    assert snap_compare(demo_app, run_before=_at_control("CE-03", "alt+3", "a"), terminal_size=SIZE)


def test_reperformance_tab(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("AC-01", "alt+4"), terminal_size=SIZE)


def test_comparison_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("AC-05", "alt+4", "n"), terminal_size=SIZE)


def test_reperformance_result(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("AC-01", "alt+4", "v"), terminal_size=SIZE)


def test_reperformance_date_window_result(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("AC-03", "alt+4", "v"), terminal_size=SIZE)


def test_conclude_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("AC-03", "alt+4", "v", "c"), terminal_size=SIZE)


def test_required_types_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_at_control("CE-03", "alt+3", "t"), terminal_size=SIZE)


# -- interviews (issue 16) -------------------------------------------------------------------------------
async def _settle(pilot) -> None:
    await settle(pilot)


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    return run_before


def _statement(name: str, pick, *keys: str):
    """Open `name`'s interview, put the cursor on the statement `pick(statements)` chooses, press keys."""
    async def run_before(pilot) -> None:
        from fieldwork_tui.services.evidence import interviews

        await _settle(pilot)
        await pilot.press("4")
        await _settle(pilot)
        iv = next(i for i in interviews.list_interviews(pilot.app.handle) if i.person.name == name)
        table = pilot.app.screen.query_one("#interviews-table")
        table.move_cursor(next(i for i in range(table.row_count) if table.row_at(i).key == iv.id))
        await pilot.press("enter")
        await _settle(pilot)
        index = pick(interviews.interview_detail(pilot.app.handle, iv.id).statements)
        await pilot.press("ctrl+t", "home", *["down"] * index)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)
        # What the screen's half-second autosave timer does next ("Saving…", then "Saved."), done now:
        # left to the timer, a busy machine could take the picture while that save runs.
        entry = pilot.app.screen
        if hasattr(entry, "autosave"):
            entry.autosave()
            await _settle(pilot)

    return run_before


def test_interviews_list(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4"), terminal_size=SIZE)


def test_interviews_plan_tab(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4", "alt+2"), terminal_size=SIZE)


def test_interviews_people_tab(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4", "alt+3"), terminal_size=SIZE)


def test_interviews_coached_tab(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4", "alt+4"), terminal_size=SIZE)


def test_coached_answer_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4", "alt+4", "enter"), terminal_size=SIZE)


def test_plan_roles_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4", "alt+2", "down", "down", "down", "r"), terminal_size=SIZE)


def test_new_interview_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_keys("4", "n", *"Kenji Watanabe"), terminal_size=SIZE)


def test_interview_entry_multi_line(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_statement(
        "Marcus Oyelaran", lambda sts: 0, "ctrl+n", *"Hotfixes go through the same pipeline", "ctrl+j",
        *"and are reviewed the next morning"), terminal_size=SIZE)


def test_corroboration_dialog(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_statement(
        "Hannah Köhler", lambda sts: next(i for i, s in enumerate(sts) if s.corroboration == "uncorroborated"), "c"),
        terminal_size=SIZE)


def test_corroboration_dialog_open_contradiction(snap_compare, demo_app) -> None:
    assert snap_compare(demo_app, run_before=_statement(
        "Diego Alvarez", lambda sts: next(i for i, s in enumerate(sts) if s.red_flag), "c"), terminal_size=SIZE)


def test_corroboration_dialog_with_no_file_in_the_vault(snap_compare, engagement) -> None:
    from fieldwork_tui.services.controls import add_control
    from fieldwork_tui.services.evidence import interviews
    from fieldwork_tui.tui.app import FieldworkApp

    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    iv = interviews.create_interview(engagement, "Diego Alvarez", role="it_administration", title="IT Administrator",
                                     held_on="2026-10-14")
    interviews.add_statement(engagement, iv.id, "Every quarter managers confirm access.", "AC-01")
    app = FieldworkApp(handle=engagement)
    assert snap_compare(app, run_before=_statement("Diego Alvarez", lambda sts: 0, "c"), terminal_size=SIZE)


def test_inquiry_tab(snap_compare, demo_app) -> None:
    async def run_before(pilot) -> None:
        from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

        await _settle(pilot)
        await pilot.app.push_screen(ControlDetailScreen("AC-08"))
        await _settle(pilot)

    assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


def test_snapshot_already_in_the_vault_question(snap_compare, demo_home, demo_app, tmp_path):
    freeze_review_times(demo_home)
    demo_app.attach_folder = tmp_path
    f = _ac01_file(demo_app.handle)
    src = _copy_of(demo_app.handle, f, tmp_path)

    async def run_before(pilot):
        await _open_inspection(pilot, "CA-01")
        await _attach_with_as_of(pilot, src, "2025-06-30")

    assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


def test_snapshot_edit_evidence_dialog(snap_compare, demo_home, demo_app):
    freeze_review_times(demo_home)

    async def run_before(pilot):
        await _open_inspection(pilot, "AC-01")
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(demo_app, run_before=run_before, terminal_size=SIZE)


def test_disposition_dialog(snap_compare, demo_app) -> None:
    """`d` on an open difference (AC-01's deploy service account): the disposition form."""
    assert snap_compare(demo_app, run_before=_at_control("AC-01", "alt+4", "v", "down", "d"),
                        terminal_size=SIZE)


def test_disposition_dialog_alike(snap_compare, demo_app) -> None:
    """`D`: one disposition for every open difference of the kind under the cursor."""
    assert snap_compare(demo_app, run_before=_at_control("AC-01", "alt+4", "v", "end", "D"),
                        terminal_size=SIZE)
