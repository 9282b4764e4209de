"""The testing panel driven with keys on a real engagement: cells, rows, proposals and their
confirmation reach the database; refused writes put the cell back."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.app import App, ComposeResult

from fieldwork_tui.domain.attributes import AttributeSpec
from fieldwork_tui.domain.vocab import Frequency, SampleResult
from fieldwork_tui.services.controls.catalog import add_control
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling import samples as sampling
from fieldwork_tui.services.sampling import testing as at
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.tabs.testing_panel import TestingPanel, fetch_panel
from fieldwork_tui.tui.widgets.testing_grid import TestingGrid

R = SampleResult
STEPS = [AttributeSpec("A", "Approved before deployment", "the change was deployed before it was approved",
                       "Approved <= Deployed"),
         AttributeSpec("B", "Approver is not the author", "the change was approved by its own author",
                       "Approver != Author"),
         AttributeSpec("C", "Peer review recorded", "no peer review was recorded")]


def population(path, n=120):
    lines = ["Change ID,Deployed,Approved,Approver,Author"]
    for i in range(n):
        deployed = dt.date(2026, 1, 1) + dt.timedelta(days=i * 3)
        approved = deployed + dt.timedelta(days=2 if i % 10 == 0 else -1)
        lines.append(f"CHG-{i:04d},{deployed},{approved},{'ann' if i % 25 == 0 else 'bob'},ann")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tested(engagement, tmp_path):
    add_control(engagement, "CM-01", "Change management", frequency=Frequency.multiple_daily)
    populations.import_population(engagement, "CM-01", population(tmp_path / "c.csv"), key="Change ID",
                                  date="Deployed", expected_count=120)
    at.set_steps(engagement, "CM-01", "Changes are approved before deployment.", STEPS)
    sampling.take_sample(engagement, "CM-01")
    at.record_extract(engagement, "CM-01", source_system="GitHub", query="deployments to production")
    return engagement


class PanelApp(App):
    def __init__(self, handle) -> None:
        super().__init__()
        self.handle = handle

    def compose(self) -> ComposeResult:
        yield TestingPanel("CM-01", id="panel")

    def on_mount(self) -> None:
        panel = self.query_one(TestingPanel)
        workers.run(panel, lambda: fetch_panel(self.handle, "CM-01"), done=self._shown)

    def _shown(self, data) -> None:
        panel = self.query_one(TestingPanel)
        panel.show(data)
        panel.grid.focus()


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def stored(handle):
    return at.matrix(handle, "CM-01")


async def test_keys_set_cells_and_rows_and_they_are_stored(tested):
    app = PanelApp(tested)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        grid = app.query_one(TestingGrid)
        assert len(grid.rows) == 25 and [c.letter for c in grid.columns] == ["A", "B", "C"]
        assert grid.rows[0].cells[0].proposed  # the rules proposed A and B
        await pilot.press("y")  # confirm A of the first item
        await pilot.press("right", "right", "up", "d")  # C of the first item: a deviation
        await settle(pilot)
        m = stored(tested)
        assert not m.items[0].cells[0].proposed and m.items[0].cells[2].result is R.deviation
        assert m.items[0].result is R.deviation
        await pilot.press("n")  # the cursor went down: C of the second item
        await settle(pilot)
        assert stored(tested).items[1].cells[2].result is R.not_applicable


async def test_a_pass_without_a_basis_asks_for_it(tested):
    app = PanelApp(tested)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        await pilot.press("right", "right", "p")  # C has no rule: nothing proposed, no basis yet
        await settle(pilot)
        assert type(app.screen).__name__ == "PassBasisForm"
        await pilot.press("ctrl+s")  # "seen in the population extract" is offered first
        await settle(pilot)
        cell = stored(tested).items[0].cells[2]
        assert (cell.result, cell.seen_in_extract) == (R.passed, True)
        await pilot.press("P")  # the next row: A and B proposed, C lacks a basis → asked once for the row
        await settle(pilot)
        assert type(app.screen).__name__ == "PassBasisForm"
        await pilot.press("escape")
        await settle(pilot)
        assert stored(tested).items[1].result is R.untested  # nothing written


async def test_confirming_a_column_asks_first_and_counts_everything(tested):
    app = PanelApp(tested)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        await pilot.press("Y")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(pilot)
        m = stored(tested)
        assert all(not it.cells[0].proposed for it in m.items) and all(it.cells[1].proposed for it in m.items)
        panel = app.query_one(TestingPanel)
        assert "25 proposed cells to confirm" in str(panel.query_one("#testing-steps").render())


async def test_a_refused_write_puts_the_cell_back(tested):
    app = PanelApp(tested)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        grid = app.query_one(TestingGrid)
        at.set_steps(tested, "CM-01", "", STEPS[:2], drop_results=True)  # C removed behind the panel's back
        await pilot.press("right", "right", "d")
        await settle(pilot)
        assert grid.rows[0].cells[2].result is R.untested  # reverted
        assert any("no attribute 'C'" in n.message for n in app._notifications)


async def test_rules_over_the_population_leave_differences_to_decide(tested):
    """`R` re-performs the rules over all 120 rows: the rows they do not meet are re-performance
    differences waiting for a disposition, and the control carries `unresolved_differences`."""
    from fieldwork_tui.domain.vocab import Flag
    from fieldwork_tui.services.controls.status import control_rows
    from fieldwork_tui.services.evidence import reperformance

    app = PanelApp(tested)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        rows = reperformance.list_differences(tested, "CM-01", open_only=True, kind="rule")
        assert len(rows) == 12 + 5  # A: every tenth approved late; B: every 25th self-approved
        message = next(n.message for n in app._notifications if n.message.startswith("Re-performed"))
        assert "A: 12 of 120 rows differ; B: 5 of 120 rows differ — 17 need a disposition" in message
    assert Flag.unresolved_differences in next(r for r in control_rows(tested) if r.ref == "CM-01").flags
