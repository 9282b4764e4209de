"""The testing grid widget on its own: keys move the two-dimensional cursor and post what was chosen;
only the rows on screen are rendered."""

from __future__ import annotations

from textual.app import App, ComposeResult

from fieldwork_tui.domain.attributes import Cell
from fieldwork_tui.domain.vocab import SampleResult as R
from fieldwork_tui.tui.widgets.testing_grid import GridColumn, GridRow, TestingGrid

COLUMNS = [GridColumn("A", "Approved before deployment", True), GridColumn("B", "Approver is not the author", True),
           GridColumn("C", "Tested before deployment")]


def rows(n: int = 60) -> list[GridRow]:
    out = []
    for i in range(n):
        cells = (Cell(R.passed, proposed=True), Cell(R.deviation if i == 3 else R.untested), Cell())
        out.append(GridRow(i + 1, i + 1, f"CHG-{1000 + i}", "2026-03-01", "initial", cells))
    return out


class GridApp(App):
    def __init__(self, data: list[GridRow]) -> None:
        super().__init__()
        self.data = data
        self.messages: list = []

    def compose(self) -> ComposeResult:
        yield TestingGrid(id="grid")

    def on_mount(self) -> None:
        grid = self.query_one(TestingGrid)
        grid.set_data(COLUMNS, self.data)
        grid.focus()

    def on_testing_grid_cell_chosen(self, message: TestingGrid.CellChosen) -> None:
        self.messages.append(("cell", message.row.key, message.letter, message.result))
        message.grid.apply(message.row.item_id, message.letter, Cell(message.result))
        message.grid.advance()

    def on_testing_grid_row_passed(self, message: TestingGrid.RowPassed) -> None:
        self.messages.append(("row", message.row.key))

    def on_testing_grid_confirm_requested(self, message: TestingGrid.ConfirmRequested) -> None:
        self.messages.append(("confirm", message.letter, message.row.key if message.row else None))


async def test_arrows_move_between_items_and_attributes_and_keys_set_cells():
    app = GridApp(rows())
    async with app.run_test(size=(120, 30)) as pilot:
        grid = app.query_one(TestingGrid)
        await pilot.press("right", "down", "down", "d")
        assert app.messages == [("cell", "CHG-1002", "B", R.deviation)]
        assert grid.cell_at(grid.rows[2], "B").result is R.deviation
        assert (grid.row, grid.cursor_letter) == (3, "B")  # down the same attribute
        await pilot.press("right", "right", "right", "n")  # the cursor stops at the last attribute
        assert app.messages[-1] == ("cell", "CHG-1003", "C", R.not_applicable)
        await pilot.press("left", "left", "left", "p")
        assert app.messages[-1] == ("cell", "CHG-1004", "A", R.passed)
        await pilot.press("P", "y", "Y")
        assert app.messages[-3:] == [("row", "CHG-1005"), ("confirm", "A", "CHG-1005"), ("confirm", "A", None)]
        await pilot.press("end")
        assert grid.row == 59 and grid.cursor_row.key == "CHG-1059"
        await pilot.press("home", "u")
        assert app.messages[-1] == ("cell", "CHG-1000", "A", R.untested)


async def test_the_item_result_is_derived_from_the_cells():
    app = GridApp(rows(5))
    async with app.run_test(size=(120, 20)) as pilot:
        grid = app.query_one(TestingGrid)
        assert grid.rows[3].result is R.deviation
        assert grid.rows[0].result is R.untested  # a proposal counts as untested
        for letter_keys in (["p"], ["right", "up", "p"], ["right", "up", "p"]):
            await pilot.press(*letter_keys)
        assert grid.rows[0].result is R.passed


async def test_only_visible_rows_are_rendered():
    app = GridApp(rows(2000))
    async with app.run_test(size=(120, 20)) as pilot:
        grid = app.query_one(TestingGrid)
        await pilot.pause()
        assert len(grid._lines) <= 20
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert len(grid._lines) <= 60
        assert all(grid.row - 40 <= i <= grid.row + 40 for i in grid._lines)


async def test_a_click_moves_to_the_cell():
    app = GridApp(rows(10))
    async with app.run_test(size=(120, 20)) as pilot:
        grid = app.query_one(TestingGrid)
        x = 4 + 16 + 10 + 9 + 4 + 6 + 2  # into the second attribute column
        await pilot.click(TestingGrid, offset=(x, 3))
        assert (grid.row, grid.cursor_letter) == (2, "B")
