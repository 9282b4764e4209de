"""Population browser: every row of a control's population, a million rows scrolling smoothly
(the VirtualTable asks the service only for the visible window, in a worker; unfiltered windows seek
by row number). The filter is debounced and counted in a worker; typing never waits for it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from fieldwork_tui.tui.kit.filter_bar import FilterBar
from fieldwork_tui.tui.screens.base import EngagementScreen
from fieldwork_tui.tui.widgets.virtual_table import Column, DetailLine, Row, VirtualTable


class PopulationSource:
    """A TableSource over the population service: counted when built (in a worker), pages read in a
    worker as they scroll into view (filtered in SQL)."""

    slow = True

    def __init__(self, handle, population, text: str = "", sampled: set[str] | None = None) -> None:
        from fieldwork_tui.services.sampling import count_rows

        self.handle, self.population, self.text = handle, population, text
        self.sampled = sampled or set()
        self.columns = [Column("row", "Row", 8, justify="right", priority=0), Column("sampled", "S", 1, priority=0)] + [
            Column(f"c{i}", name, max(8, min(24, len(name) + 4)), priority=1 if i < 2 else 2 + i, min_width=8)
            for i, name in enumerate(population.columns)]
        self._count = (population.row_count if not text.strip()
                       else count_rows(handle, population.id, text))

    def count(self) -> int:
        return self._count

    def rows(self, offset: int, limit: int) -> list[Row]:
        from fieldwork_tui.services.sampling import page_rows

        return [Row(key=r.row_number, cells=[f"{r.row_number:,}", "●" if r.key in self.sampled else "", *r.data],
                    style="bold" if r.key in self.sampled else "")
                for r in page_rows(self.handle, self.population.id, offset, limit, self.text)]


class EmptySource:
    columns: list[Column] = []

    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> list[Row]:
        return []


class PopulationScreen(EngagementScreen):
    MAIN = "#population-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="population.back", tooltip="Back to the control"),
        Binding("slash", "focus_filter", "Filter", id="population.filter", tooltip="Filter rows containing text"),
    ]

    def __init__(self, ref: str, population_id: int) -> None:
        super().__init__()
        self.ref, self.population_id = ref, population_id
        self.population = None
        self.sampled: set[str] = set()

    @property
    def VIEW_NAME(self) -> str:  # noqa: N802 - shown in the engagement bar
        return f"Population of {self.ref}"

    def body(self) -> ComposeResult:
        yield FilterBar(self._query, self._filtered, placeholder="/ filter rows containing…", id="filter-bar")
        yield VirtualTable(EmptySource(), id="population-table", detail="population-detail")
        yield DetailLine(id="population-detail")

    def fetch(self):
        from fieldwork_tui.services.sampling import get_population, sample_view

        pop = get_population(self.handle, self.population_id)
        view = sample_view(self.handle, self.ref)
        sampled = {i.key for i in view.items} if view.initial and view.initial.population_id == pop.id else set()
        return pop, sampled, PopulationSource(self.handle, pop, self.query_one(FilterBar).text, sampled)

    def show(self, data) -> None:
        self.population, self.sampled, source = data
        self._filtered(source.text, source)

    def _query(self, text: str) -> PopulationSource:
        return PopulationSource(self.handle, self.population, text, self.sampled)

    def _filtered(self, text: str, source: PopulationSource) -> None:
        table = self.query_one(VirtualTable)
        table.empty_text = "No row matches." if text else "The population is empty (no occurrences)."
        table.set_source(source)
        pop = source.population
        self.query_one(FilterBar).set_state(
            f"{source.count():,} of {pop.row_count:,} rows · {len(self.sampled)} sampled (●) · SHA-256 {pop.sha256[:12]}")

    @on(FilterBar.Done)
    def _filter_done(self) -> None:
        self.focus_main()

    def action_focus_filter(self) -> None:
        self.query_one(FilterBar).edit()

    def action_back(self) -> None:
        self.app.pop_screen()
