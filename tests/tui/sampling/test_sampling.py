"""Pilot tests: the Sampling tab driven with keys, results asserted in the store."""

from __future__ import annotations

import datetime as dt
import io

from fieldwork_tui.domain.vocab import DeviationConclusion, SampleResult
from fieldwork_tui.services.findings import exceptions
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.services.sampling import testing as at

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

        # the grid: CM-03 took the firm library's steps (A, B, C); the cursor is on the first open cell.
        # A pass needs its basis (asked once for the row), then a deviation prompts the expansion.
        await pilot.press("P")
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "PassBasisForm"
        await pilot.press("ctrl+s")  # seen in the population extract
        await settle(pilot)
        await pilot.press("d")  # the cursor moved down: A of the second item
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ChoiceDialog"
        assert "25 → 40" in str(demo_app.screen.message)
        await pilot.press("e")  # expand
        await settle(pilot)
        await pilot.press("enter")  # the policy's expanded total
        await settle(pilot)
        view = sampling.sample_view(handle, "CM-03")
        assert [i.result for i in view.items[:3]] == [SampleResult.passed, SampleResult.deviation,
                                                      SampleResult.untested]
        assert view.size == 40 and view.expanded
        # the rest of the matrix is tested by the auditor (the panel tests drive each key); a further
        # deviation would make the rule conclude systematic
        for item in view.items[2:]:
            at.mark_item(handle, item.id, SampleResult.passed, seen_in_extract=True)
        view = sampling.sample_view(handle, "CM-03")
        assert view.count(SampleResult.untested) == 0
        assert view.rule.conclusion is DeviationConclusion.isolated
        demo_app.screen.load()  # the screen reloads from the store (as after any write)
        await settle(pilot)

        await pilot.press("c")
        await settle(pilot)
        await pilot.press("ctrl+s")  # conclusion preselected by the rule; no reason needed
        await settle(pilot)
        assert sampling.sample_view(handle, "CM-03").initial.conclusion is DeviationConclusion.isolated


async def test_note_na_and_exception_from_a_deviation(demo_app, tmp_path):
    write_changes(tmp_path / "e.csv", 60)
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        populations.import_population(handle, "CM-03", tmp_path / "e.csv", key="Change ID", date="Deployed")
        sampling.take_sample(handle, "CM-03")
        await open_tab(pilot, "CM-03")
        await settle(pilot)
        await pilot.press("n")  # A of item 1 not applicable; the cursor goes down to A of item 2
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        await type_text(pilot, "the ticket was approved after the deployment")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("x")  # record the exception from the prompt
        await settle(pilot)
        assert type(demo_app.screen).__name__ == "ExceptionFormDialog"
        await pilot.press("ctrl+s")  # the deviation is prefilled from the attribute's wording
        await settle(pilot)
        m = at.matrix(handle, "CM-03")
        assert m.items[0].cells[0].result is SampleResult.not_applicable
        assert m.items[1].result is SampleResult.deviation
        assert m.items[1].cells[0].note == "the ticket was approved after the deployment"
        [ex] = exceptions.list_exceptions(handle, control="CM-03")
        assert ex.source == "sample" and ex.deviation == "the change was deployed before it was approved"
        assert ex.report_wording == ("For 1 of 25 emergency changes sampled, the change was deployed before it "
                                     "was approved.")


async def test_monthly_deviation_cannot_be_sampled_away(demo_app, tmp_path):
    months = ["Month,Reconciled on"] + [f"2026-{m:02d},2026-{m:02d}-05" for m in range(1, 10)]
    (tmp_path / "runs.csv").write_text("\n".join(months) + "\n", encoding="utf-8")
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
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
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        populations.import_population(handle, "CM-03", tmp_path / "e.csv")
        await open_tab(pilot, "CM-03")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "30")
        await pilot.press("enter")  # a size of its own: enter goes on to the reason
        await settle(pilot)
        assert demo_app.focused.id == "reason"
        await pilot.press("shift+tab", "ctrl+s")  # saving without one names the reason and goes there
        await settle(pilot)
        assert "needs a reason" in str(demo_app.screen.query_one("#form-error").content)
        assert demo_app.focused.id == "reason"
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


async def test_population_filter_runs_in_a_worker(demo_app, monkeypatch):
    """Issue 15 item 8: typing in the population browser's filter never waits for the count. While the
    query for "CHG-25" is still counting (held here), the next key typed is in the box; the count runs
    off the UI thread, and the result for the whole text is what the table shows."""
    import asyncio
    import threading

    from fieldwork_tui.services import sampling as sampling_api
    from fieldwork_tui.tui.kit.filter_bar import FilterBar

    from ..kit.support import type_fast

    real = sampling_api.count_rows
    gate, started = threading.Event(), threading.Event()
    calls: list[tuple[str, bool]] = []

    def count_rows(handle, population_id, text):
        calls.append((text, threading.current_thread() is threading.main_thread()))
        if text == "CHG-25":
            started.set()
            gate.wait(10)  # a count over a million rows: still running while the auditor types on
        return real(handle, population_id, text)

    monkeypatch.setattr(sampling_api, "count_rows", count_rows)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-01")
        await pilot.press("b")
        await settle(pilot)
        bar = demo_app.screen.query_one(FilterBar)
        table = demo_app.screen.query_one("#population-table")
        type_fast(demo_app, "slash", *"CHG-25")
        assert await asyncio.to_thread(started.wait, 10)  # the query for "CHG-25" is counting
        type_fast(demo_app, "0")
        await pilot.pause()  # the key handled (events only: the count is still held)
        await demo_app.keys_settled()
        assert bar.text == "CHG-250"  # typed while the count ran: nothing waited for it
        assert bar.has_class("-querying") and not gate.is_set()  # the count for "CHG-25" still runs
        gate.set()
        await settle(pilot)
        assert bar.text == "CHG-250" and table.row_count == 10
        assert [text for text, _ in calls] == ["CHG-25", "CHG-250"]
        assert not any(on_ui for _, on_ui in calls), calls  # every count in a worker thread


async def test_verify_from_the_tab(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-01")
        await pilot.press("v")
        await settle(pilot)
        assert any("Verified" in n.message for n in demo_app._notifications)


async def test_untestable_items_say_why_and_r_replaces_them(home, tmp_path):
    """A v1 sample holding items outside the audit period and after today: the tab marks them, refuses
    to mark one in the testing grid, and r (not the rules' propose while such items remain) replaces
    them in rank order (what is stored is asserted)."""
    from fieldwork_tui.domain.attributes import AttributeSpec
    from fieldwork_tui.services.sampling import testing
    from fieldwork_tui.tui.app import create_app
    from fieldwork_tui.tui.widgets.testing_grid import TestingGrid

    from ...services.sampling.test_method_v2 import untestable_engagement

    handle = untestable_engagement(home, tmp_path)
    testing.set_steps(handle, "CM-01", "", [AttributeSpec("A", "Approved before deployment")])
    view = sampling.sample_view(handle, "CM-01")
    handle.close()
    first = next(n for n, i in enumerate(view.items) if i.id in view.untestable)
    app = create_app(home, "method-v2")
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-01")
        from rich.console import Console

        console = Console(width=130, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#sampling-summary").content)
        assert "3 items cannot be tested" in " ".join(console.export_text().split())
        grid = app.screen.query_one(TestingGrid)
        await settle(pilot)
        grid.focus()
        grid.move_to(first, 0)
        await pilot.press("n")
        await settle(pilot)
        assert sampling.sample_view(app.handle, "CM-01").items[first].result is SampleResult.untested
        assert any("cannot be tested" in n.message for n in app._notifications), [n.message for n in app._notifications]
        await pilot.press("r", "y")  # r asks first (test_r_asks_before_replacing_untestable_items)
        await settle(pilot)
        after = sampling.sample_view(app.handle, "CM-01")
        assert not after.untestable
        assert [(r.key, r.replaced_by) for r in after.replaced] == [("CHG-00082", "CHG-00078"), ("CHG-00089", None),
                                                                    ("CHG-00096", None)]
        assert any("Replaced 3: CHG-00082 → CHG-00078" in n.message for n in app._notifications)
        assert sampling.verify_sample(app.handle, "CM-01").ok


async def test_r_asks_before_replacing_untestable_items(home, tmp_path):
    """r changes the sample only once confirmed: the question names the control, how many items and
    which; n and escape leave the stored sample as it was, y replaces them (read back from the store)."""
    from fieldwork_tui.tui.app import create_app
    from fieldwork_tui.tui.kit.confirm import ConfirmDialog

    from ...services.sampling.test_method_v2 import untestable_engagement

    handle = untestable_engagement(home, tmp_path)
    view = sampling.sample_view(handle, "CM-01")
    handle.close()
    untestable = [i.key for i in view.items if i.id in view.untestable]
    stored = [(i.key, i.result) for i in view.items]
    assert len(untestable) == 3
    app = create_app(home, "method-v2")
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "CM-01")
        for no in ("n", "escape"):
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            message = " ".join(app.screen.message.split())
            assert "Replace 3 items of the CM-01 sample" in message and all(k in message for k in untestable)
            await pilot.press(no)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmDialog)
            now = sampling.sample_view(app.handle, "CM-01")
            assert [(i.key, i.result) for i in now.items] == stored and not now.replaced
            assert len(now.untestable) == 3
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        after = sampling.sample_view(app.handle, "CM-01")
        assert not after.untestable and [r.key for r in after.replaced] == untestable
        assert sampling.verify_sample(app.handle, "CM-01").ok


def _summary_text(app) -> str:
    from rich.console import Console

    console = Console(width=130, record=True, file=io.StringIO())
    console.print(app.screen.query_one("#sampling-summary").content)
    return " ".join(console.export_text().split())


async def test_m_shows_the_whole_method_record(demo_app, tmp_path):
    """m shows what a reviewer needs to re-derive the sample (uid, method, seed, population hash, every
    stratum of every draw, the reconciliation) — the same record `fieldwork sample` prints; m hides it."""
    path = tmp_path / "scans.csv"
    path.write_text("Scan,Run on\n" + "".join(f"SCAN-{w:02d},{(dt.date(2025, 10, 3) + dt.timedelta(weeks=w))}\n"
                                               for w in range(52)), encoding="utf-8")
    handle = demo_app.handle
    populations.import_population(handle, "OP-01", path, date="Run on", expected_count=52)
    view = sampling.take_sample(handle, "OP-01")
    s = view.initial
    strata = view.strata[s.id]
    assert strata and s.method.endswith("-v2")
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "OP-01")
        short = _summary_text(demo_app)
        assert f"seed {s.seed[:12]}" in short and s.seed not in short and "m shows the whole record" in short
        await pilot.press("m")
        await pilot.pause()
        full = _summary_text(demo_app)
        for text in (view.engagement_uid, s.method, s.seed, s.population_sha256,
                     f"{s.strata_start.isoformat()} to {s.strata_end.isoformat()}", *view.reconciliation):
            assert text in full, text
        for x in strata:
            assert f"{x.number}) {x.start.isoformat()} to {x.end.isoformat()}: {x.rows} rows, {x.selected} drawn" in full
        await pilot.press("m")
        await pilot.pause()
        assert _summary_text(demo_app) == short
