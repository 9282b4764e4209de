"""Pilot tests: the Sampling tab driven with keys, results asserted in the store."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.domain.vocab import DeviationConclusion, SampleResult
from fieldwork_tui.services.findings import exceptions
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling

from ..support import open_control_tab, settle, type_text

SIZE = (130, 40)


async def open_tab(pilot, ref: str, tab: str = "sampling"):
    await open_control_tab(pilot, ref, tab)


def write_changes(path, n):
    lines = ["Change export", "Change ID,Deployed,Title"]
    for i in range(n):
        lines.append(f"EC-{i:05d},{(dt.date(2025, 10, 1) + dt.timedelta(days=i * 364 // n)).isoformat()},fix {i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_import_select_test_expand_conclude_from_the_keyboard(demo_app, tmp_path):
    """The 'new user' path on a 2,000-row population: import, sample, deviation, expand, conclude.
    (Scale is the benchmark's business: tests/perf imports and scrolls a 1,000,000-row population.)"""
    path = write_changes(tmp_path / "emergency.csv", 2_000)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-03")
        handle = demo_app.handle
        await pilot.press("i")
        await type_text(pilot, str(path))
        await pilot.press("tab")
        await type_text(pilot, "Change ID")
        await pilot.press("tab")
        await type_text(pilot, "Deployed")
        await pilot.press("tab")
        await type_text(pilot, "2000")
        await pilot.press("enter")
        await settle(pilot)
        pop = populations.population_for(handle, "CM-03")
        assert (pop.row_count, pop.expected_count, pop.date_column) == (2_000, 2_000, "Deployed")

        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")  # the policy size
        await settle(pilot)
        view = sampling.sample_view(handle, "CM-03")
        assert view.size == 25 and view.initial.policy_size == 25

        # item loop: pass, pass, then a deviation prompts the expansion
        await pilot.press("p", "p", "d")
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ChoiceDialog"
        await pilot.press("e")  # expand
        await settle(pilot)
        await pilot.press("enter")  # the policy's expanded total
        await settle(pilot)
        view = sampling.sample_view(handle, "CM-03")
        assert [i.result for i in view.items[:3]] == [SampleResult.passed, SampleResult.passed,
                                                      SampleResult.deviation]
        assert view.size == 40 and view.expanded
        # pass every remaining item: the cursor jumps to the next untested item each time
        for _ in range(37):
            await pilot.press("p")
        await settle(pilot)
        view = sampling.sample_view(handle, "CM-03")
        assert view.count(SampleResult.untested) == 0
        assert view.rule.conclusion is DeviationConclusion.isolated

        await pilot.press("c")
        await settle(pilot)
        await pilot.press("ctrl+s")  # conclusion preselected by the rule; no reason needed
        await settle(pilot)
        assert sampling.sample_view(handle, "CM-03").initial.conclusion is DeviationConclusion.isolated


async def test_note_na_and_exception_from_a_deviation(demo_app, tmp_path):
    write_changes(tmp_path / "e.csv", 60)
    async with demo_app.run_test(size=SIZE) as pilot:
        handle = demo_app.handle
        populations.import_population(handle, "CM-03", tmp_path / "e.csv", key="Change ID", date="Deployed")
        sampling.take_sample(handle, "CM-03")
        await open_tab(pilot, "CM-03")
        await pilot.press("n")  # item 1 not applicable
        await pilot.press("o")
        await settle(pilot)
        await type_text(pilot, "the change was approved after deployment")
        await pilot.press("ctrl+s")  # the note is multi-line
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("x")  # record the exception from the prompt
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ExceptionFormDialog"
        await pilot.press("ctrl+s")  # the deviation is prefilled from the item's note
        await settle(pilot)
        items = sampling.sample_view(handle, "CM-03").items
        assert items[0].result is SampleResult.not_applicable
        assert items[1].result is SampleResult.deviation and items[1].note.startswith("the change was")
        [ex] = exceptions.list_exceptions(handle, control="CM-03")
        assert ex.source == "sample" and ex.deviation == "the change was approved after deployment"
        assert ex.report_wording.startswith("For 1 of 25 emergency changes sampled, the change was approved after")


async def test_monthly_deviation_cannot_be_sampled_away(demo_app, tmp_path):
    months = ["Month,Reconciled on"] + [f"2026-{m:02d},2026-{m:02d}-05" for m in range(1, 10)]
    (tmp_path / "runs.csv").write_text("\n".join(months) + "\n", encoding="utf-8")
    async with demo_app.run_test(size=SIZE) as pilot:
        handle = demo_app.handle
        populations.import_population(handle, "FN-01", tmp_path / "runs.csv", date="Reconciled on")
        sampling.take_sample(handle, "FN-01")
        await open_tab(pilot, "FN-01")
        await pilot.press("d")
        await settle(pilot)
        dialog = demo_app.screen
        assert "cannot be sampled away" in str(dialog.message)
        assert not dialog.query("#choice-expand")
        await pilot.press("escape", "e")  # expanding from the tab is refused with the same message
        await settle(pilot)
        assert not sampling.sample_view(handle, "FN-01").expanded


async def test_override_size_needs_a_reason(demo_app, tmp_path):
    write_changes(tmp_path / "e.csv", 200)
    async with demo_app.run_test(size=SIZE) as pilot:
        handle = demo_app.handle
        populations.import_population(handle, "CM-03", tmp_path / "e.csv")
        await open_tab(pilot, "CM-03")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "30")
        await pilot.press("enter")
        await settle(pilot)
        assert "needs a reason" in str(demo_app.screen.query_one("#form-error").content)
        await pilot.press("tab")
        await type_text(pilot, "prior-year deviation")
        await pilot.press("enter")
        await settle(pilot)
        view = sampling.sample_view(handle, "CM-03")
        assert view.size == 30 and view.initial.override_reason == "prior-year deviation"


async def test_population_browser_scrolls_to_the_end(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-01")
        await pilot.press("b")
        await settle(pilot)
        table = demo_app.screen.query_one("#population-table")
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 411 and table.cursor_row.cells[2] == "CHG-2811"
        await pilot.press("slash")
        await type_text(pilot, "CHG-250")
        await settle(pilot)
        assert table.row_count == 10


async def test_verify_from_the_tab(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-01")
        await pilot.press("v")
        await settle(pilot)
        assert any("Verified" in n.message for n in demo_app._notifications)
