"""Population browser: every row of a control's population, a million rows scrolling smoothly
(the VirtualTable asks the service only for the visible window; unfiltered windows seek by row number)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, Row, VirtualTable


class PopulationSource:
    """A TableSource over the population service (count and windows of rows, filtered in SQL)."""

    def __init__(self, handle, population, text: str = "", sampled: set[str] | None = None) -> None:
        self.handle, self.population, self.text = handle, population, text
        self.sampled = sampled or set()
        self.columns = [Column("row", "Row", 8, justify="right"), Column("sampled", "S", 1)] + [
            Column(f"c{i}", name, max(8, min(24, len(name) + 4))) for i, name in enumerate(population.columns)]
        self._count: int | None = None

    def count(self) -> int:
        from fieldwork_tui.services.sampling import count_rows

        if self._count is None:
            self._count = (self.population.row_count if not self.text.strip()
                           else count_rows(self.handle, self.population.id, self.text))
        return self._count

    def rows(self, offset: int, limit: int) -> list[Row]:
        from fieldwork_tui.services.sampling import page_rows

        return [Row(key=r.row_number, cells=[f"{r.row_number:,}", "●" if r.key in self.sampled else "", *r.data],
                    style="bold" if r.key in self.sampled else "")
                for r in page_rows(self.handle, self.population.id, offset, limit, self.text)]


class PopulationScreen(EngagementScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="population.back", tooltip="Back to the control"),
        Binding("slash", "focus_filter", "Filter", id="population.filter", tooltip="Filter rows containing text"),
    ]

    def __init__(self, ref: str, population_id: int) -> None:
        super().__init__()
        self.ref, self.population_id = ref, population_id

    @property
    def VIEW_NAME(self) -> str:  # noqa: N802 - shown in the engagement bar
        return f"Population of {self.ref}"

    def body(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder="/ filter rows containing…", id="filter")
            yield Static("", classes="filter-state", id="filter-state")
        yield VirtualTable(ListSourceEmpty(), id="population-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VirtualTable).focus()

    def refresh_data(self) -> None:
        from fieldwork_tui.services.sampling import get_population, sample_view

        pop = self.run_guarded(lambda: get_population(self.handle, self.population_id))
        if pop is None:
            return
        view = self.run_guarded(lambda: sample_view(self.handle, self.ref))
        sampled = {i.key for i in view.items} if view and view.initial and view.initial.population_id == pop.id \
            else set()
        text = self.query_one("#filter", Input).value
        source = PopulationSource(self.handle, pop, text, sampled)
        table = self.query_one(VirtualTable)
        table.empty_text = "No row matches." if text else "The population is empty (no occurrences)."
        table.set_source(source)
        self.query_one("#filter-state", Static).update(
            f"{source.count():,} of {pop.row_count:,} rows · {len(sampled)} sampled (●) · SHA-256 {pop.sha256[:12]}")

    @on(Input.Changed, "#filter")
    def _filter(self) -> None:
        self.refresh_data()

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        self.query_one(VirtualTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self):
        yield ("Filter population", "Show rows containing text", self.action_focus_filter)


class ListSourceEmpty:
    columns: list[Column] = []

    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> list[Row]:
        return []
