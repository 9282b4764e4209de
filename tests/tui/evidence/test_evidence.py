"""Pilot tests: attach by pasted path, observation, comparison — driven with keys, asserting what was
stored (interviews: test_interviews.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select

from fieldwork_tui.services.controls.catalog import get_control
from fieldwork_tui.store.models import EvidenceControl, EvidenceFile, Observation, Reperformance

from ..support import settle

SIZE = (130, 40)


async def _paste(pilot, text: str) -> None:
    """What a terminal sends when the user pastes (bracketed paste) into the focused widget."""
    from textual import events

    pilot.app.focused.post_message(events.Paste(text))
    await settle(pilot)


async def _open_tab(pilot, app, ref: str, key: str) -> None:
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    await app.push_screen(ControlDetailScreen(ref))
    await settle(pilot)
    await pilot.press(key)  # show the tab: the focus lands on its table
    await settle(pilot)


async def test_attach_by_pasted_path(demo_app, tmp_path: Path) -> None:
    (tmp_path / "minutes").mkdir()
    src = tmp_path / "minutes" / "policy-review-2026.pdf"
    src.write_bytes(b"%PDF-1.4 board minutes" * 1000)
    app = demo_app
    app.attach_folder = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await _open_tab(pilot, app, "CA-01", "alt+3")
        await pilot.press("a")
        await settle(pilot)
        assert type(app.screen).__name__ == "AttachFileDialog"
        await _paste(pilot, str(src))
        await pilot.press("tab", *"2026-03-31", "tab", *"Annual policy approval", "enter")
        control_id = get_control(app.handle, "CA-01").id

        def stored() -> list[EvidenceFile]:
            with app.handle.read() as s:
                return list(s.exec(select(EvidenceFile).join(EvidenceControl)
                                   .where(EvidenceControl.control_id == control_id)))

        await settle(pilot)  # the copy into the vault runs in a worker
        assert len(stored()) == 1
        assert type(app.screen).__name__ == "ControlDetailScreen"
        assert app.attach_folder == tmp_path / "minutes"  # the next picker opens where this file was
        [ev] = stored()
        assert ev.original_name == "policy-review-2026.pdf" and ev.size == src.stat().st_size
        assert ev.as_of.isoformat() == "2026-03-31" and ev.description == "Annual policy approval"
        assert "inspection" in app.screen.records.evidence_types


async def test_attach_dialog_shows_a_bad_path(demo_app, tmp_path: Path) -> None:
    app = demo_app
    app.attach_folder = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await _open_tab(pilot, app, "CA-01", "alt+3")
        await pilot.press("a")
        await settle(pilot)
        await _paste(pilot, str(tmp_path / "missing.pdf"))
        await pilot.press("ctrl+s")  # enter would go on to the date
        from textual.widgets import Static

        await settle(pilot)
        assert "not found" in str(app.screen.query_one("#form-error", Static).content)
        assert type(app.screen).__name__ == "AttachFileDialog"


async def test_observation_dialog(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await _open_tab(pilot, app, "AV-02", "alt+2")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Backup job dashboard green for 30 days", "tab", "ctrl+a", "ctrl+k",  # what is multi-line
                          *"2026-09-02 11:30", "enter", *"SRE desk", "enter", "enter")
        await settle(pilot)
        with app.handle.read() as s:
            [obs] = s.exec(select(Observation).where(Observation.control_id == get_control(app.handle, "AV-02").id))
        assert obs.description == "Backup job dashboard green for 30 days" and obs.location == "SRE desk"
        assert obs.observed_at.strftime("%Y-%m-%d %H:%M") == "2026-09-02 11:30" and obs.observed_by == "elena"
        assert "observation" in app.screen.records.evidence_types


async def test_deleting_an_observation_asks_first(demo_app) -> None:
    """x on the Observation tab asks, naming the observation: escape keeps it, y deletes it (read back
    through the services)."""
    from fieldwork_tui.services.evidence import add_observation, list_observations
    from fieldwork_tui.tui.kit.confirm import ConfirmDialog

    app = demo_app
    before = {o.id for o in list_observations(app.handle, "AV-02")}
    obs = add_observation(app.handle, "AV-02", observed_at="2026-09-02 11:30",
                          description="Backup job dashboard green for 30 days", location="SRE desk")
    async with app.run_test(size=SIZE) as pilot:
        await _open_tab(pilot, app, "AV-02", "alt+2")
        table = app.screen.query_one("#tab-observation VirtualTable")
        table.move_cursor([table.row_at(i).key for i in range(table.row_count)].index(obs.id))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Backup job dashboard green" in app.screen.message and "AV-02" in app.screen.message
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert {o.id for o in list_observations(app.handle, "AV-02")} == before | {obs.id}
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert {o.id for o in list_observations(app.handle, "AV-02")} == before


async def _comparison_of(pilot, app, ref: str, a: Path, b: Path):
    """The Re-performance tab's `n`, both lists pasted (enter reads each list's columns): the dialog."""
    await _open_tab(pilot, app, ref, "alt+4")
    await pilot.press("n")
    await settle(pilot)
    await _paste(pilot, str(a))
    await pilot.press("enter")
    await _paste(pilot, str(b))
    await pilot.press("enter")
    await settle(pilot)
    return app.screen


async def test_comparison_dialog(demo_app, tmp_path: Path) -> None:
    a = tmp_path / "pulled.csv"
    a.write_text("login,role\njdoe,admin\nasmith,user\nsvc,admin\n")
    b = tmp_path / "reviewed.csv"
    b.write_text("Reviewer,Mail,Role\npm,jdoe@corp.example,admin\npm,asmith@corp.example,admin\npm,x@corp.example,user\n")
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _comparison_of(pilot, app, "AC-05", a, b)
        assert dialog.columns["b"] == ["Reviewer", "Mail", "Role"]
        # choose the key of list B with the keyboard: Reviewer -> Mail
        dialog.query_one("#key-b").focus()
        await pilot.press("enter", "down", "enter")
        # keys match: e-mail = user name
        dialog.query_one("#key-mode").focus()
        await pilot.press("enter", "down", "enter", "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReperformanceResultScreen"
        with app.handle.read() as s:
            [rp] = s.exec(select(Reperformance).where(Reperformance.control_id == get_control(app.handle, "AC-05").id))
        assert (rp.key_a, rp.key_b, rp.options["key_mode"]) == ("login", "Mail", "username")
        assert (rp.only_in_a, rp.only_in_b, rp.differing) == (1, 1, 1)
        assert rp.whole_population is False  # one list, not stated to be every instance of the period
        # conclude from the result screen
        await pilot.press("c", *"One service account not reviewed", "ctrl+s")  # a multi-line conclusion
        await settle(pilot)
        with app.handle.read() as s:
            assert s.get(Reperformance, rp.id).conclusion == "One service account not reviewed"


async def test_the_comparison_result_shows_a_duplicate_key_as_an_open_difference(demo_app, tmp_path: Path) -> None:
    """Issue 14 item 2: `alice` and `ALICE` in list A are one key (casefold): the result screen the
    dialog opens shows a "duplicate key" row naming both spellings, open until decided, counts it as a
    difference without a disposition, and says the keys were compared after Unicode NFC."""
    from ..support import plain

    a = tmp_path / "pulled.csv"
    a.write_text("login,role\nalice,admin\nALICE,admin\nbob,user\n")
    b = tmp_path / "reviewed.csv"
    b.write_text("login,role\nalice,admin\nbob,user\n")
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await _comparison_of(pilot, app, "AC-05", a, b)
        await pilot.press("ctrl+s")  # the defaults: key login = login, case-insensitive
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "ReperformanceResultScreen"
        table = screen.query_one("#differences")
        rows = [[str(c) for c in table.row_at(i).cells] for i in range(table.row_count)]
        assert len(rows) == 1, rows
        [(kind, key, details, disposition)] = rows
        assert (kind, key, disposition) == ("duplicate key", "alice", "open"), rows
        assert details.startswith("2 rows in") and "'alice', 'ALICE'" in details, details
        header = plain(screen.query_one("#result-header"))
        assert "duplicate keys 1" in header, header
        assert "Unicode NFC" in header, header
        assert "1 without a disposition" in header, header
        shown = "\n".join(strip.text for strip in screen._compositor.render_strips())
        assert "duplicate key" in shown and "'ALICE'" in shown, shown  # on the screen, not only in the table's rows


async def test_comparison_of_the_whole_population_from_the_dialog(demo_app, tmp_path: Path) -> None:
    """Issue 11: the whole-population re-performance (what tests a Type II control's operation across
    the period) is a field of the dialog, not only `fieldwork compare --whole-population`."""
    from fieldwork_tui.domain.vocab import Flag
    from fieldwork_tui.services.controls.status import control_rows

    a = tmp_path / "all-terminations-fy26.csv"
    a.write_text("login,terminated\njdoe,2026-03-01\nasmith,2026-07-09\n")
    b = tmp_path / "deactivations.csv"
    b.write_text("login,deactivated\njdoe,2026-03-01\nasmith,2026-07-09\n")
    app = demo_app
    flagged = next(r for r in control_rows(app.handle) if r.ref == "AC-05").flags
    assert Flag.operating_effectiveness_untested in flagged
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _comparison_of(pilot, app, "AC-05", a, b)
        dialog.query_one("#whole-population").focus()
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReperformanceResultScreen"
    with app.handle.read() as s:
        rp = s.exec(select(Reperformance).where(Reperformance.control_id == get_control(app.handle, "AC-05").id)
                    .order_by(Reperformance.id.desc())).first()
    assert rp.whole_population is True
    ac05 = next(r for r in control_rows(app.handle) if r.ref == "AC-05")
    assert Flag.operating_effectiveness_untested not in ac05.flags


async def test_raise_exception_from_a_difference(demo_app) -> None:
    from fieldwork_tui.store.models import ControlException

    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await _open_tab(pilot, app, "AC-01", "alt+4")
        await pilot.press("v")  # the differences of the comparison under the cursor
        await settle(pilot)
        assert type(app.screen).__name__ == "ReperformanceResultScreen"
        await pilot.press("x")
        await settle(pilot)
        with app.handle.read() as s:
            ex = s.exec(select(ControlException).where(ControlException.difference_id.is_not(None))
                        .order_by(ControlException.id.desc())).first()
        assert ex is not None and ex.control_id == get_control(app.handle, "AC-01").id


def test_autosave_interval_is_at_most_a_second() -> None:
    from fieldwork_tui.tui.screens.interview_entry import AUTOSAVE_SECONDS

    assert 0 < AUTOSAVE_SECONDS <= 1


def test_no_event_loop_leak() -> None:
    assert asyncio.get_event_loop_policy() is not None


async def test_required_types_dialog(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await _open_tab(pilot, app, "CE-03", "alt+3")
        await pilot.press("t")
        await settle(pilot)
        assert type(app.screen).__name__ == "RequiredTypesDialog"
        # list: inquiry (on), observation, inspection (on), reperformance -> turn inquiry off, observation on
        await pilot.press("space", "down", "space", "ctrl+s")
        await settle(pilot)
        assert get_control(app.handle, "CE-03").required_types == ["observation", "inspection"]
        assert "missing_required_type" in [f.value for f in app.screen.records.flags]
