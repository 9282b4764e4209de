"""A table that renders only the rows on screen, fetched from a data source on demand.

The stock DataTable measures every cell (seconds for 50k rows); this one asks its source for
`count()` and for the window of rows being drawn (`rows(offset, limit)`), so a million-row
population or thousands of requests scroll instantly and filter/sort in SQL. Modelled on
toolong's line-based ScrollView.

Columns are fitted to the width the table has (`kit.columns.fit`: by priority, the rest truncated or
hidden), so at 80 columns ref, flags and status stay in view; a `DetailLine` under the table shows the
highlighted row in full. Every cell is shown through `kit.safe_text` (control characters visible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from fieldwork_tui.tui.kit.columns import Fitted, fit
from fieldwork_tui.tui.kit.safe_text import has_unsafe, safe_text, visible
from fieldwork_tui.tui.kit.styles import role

#: The blank between two columns is its own run (a style no cell has): the next cell's text then
#: starts a run of its own at its column, so a cell never reads as glued to the one before it — not
#: even where an SVG viewer drops the leading blanks of a run (snapshots, screenshots).
GAP = Style(meta={"column-gap": True})


def _safe_cell(value: str | Text) -> Text:
    """A cell as safe Rich text: control characters visible, newlines as spaces."""
    if isinstance(value, Text):
        if has_unsafe(value.plain):
            return Text(visible(value.plain.replace("\n", " ")), style=value.style)
        return value.copy()
    return Text(visible(str(value).replace("\n", " ")))


@dataclass
class Column:
    """`width` is the natural width; `priority` 0 = always shown, higher = hidden first when narrow;
    `min_width` how far it may be truncated; `grow` takes spare room."""

    key: str
    label: str
    width: int
    sortable: bool = True
    justify: str = "left"
    priority: int = 1
    min_width: int | None = None
    grow: bool = False


@dataclass
class Row:
    key: Any
    cells: Sequence[str | Text]
    style: str | Style = ""
    data: dict = field(default_factory=dict)
    detail: str | Text | None = None  # the detail line's text (default: every column, labelled)


class DetailLine(Static):
    """The highlighted row of a table in full: what is truncated or hidden at this width."""

    DEFAULT_CSS = """
    DetailLine { height: auto; max-height: 3; padding: 0 1; background: $panel; color: $text; }
    """

    def show_row(self, row: Row | None, columns: Sequence[Column]) -> None:
        if row is None:
            self.update("")
            return
        if row.detail is not None:
            self.update(row.detail if isinstance(row.detail, Text) else safe_text(row.detail))
            return
        text = Text()
        for col, value in zip(columns, row.cells, strict=False):
            plain = value.plain if isinstance(value, Text) else str(value)
            if not plain.strip():
                continue
            if text:
                text.append("  ·  ", style=role("muted"))
            text.append(f"{col.label} ", style=role("muted"))
            text.append_text(_safe_cell(value))
        self.update(text)


class TableSource(Protocol):
    columns: list[Column]

    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> list[Row]: ...


class ListSource:
    """An in-memory source (small lists, tests)."""

    def __init__(self, columns: list[Column], rows: list[Row]):
        self.columns = columns
        self._rows = rows

    def count(self) -> int:
        return len(self._rows)

    def rows(self, offset: int, limit: int) -> list[Row]:
        return self._rows[offset : offset + limit]


class VirtualTable(ScrollView, can_focus=True):
    """Keyboard-first table over a `TableSource`: cursor, enter to open, space to select."""

    KEYS_LABEL = "Every list"
    HELP_LABEL = "In the list"

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="table.up", tooltip="Previous row"),
        Binding("down", "cursor(1)", "Down", show=False, id="table.down", tooltip="Next row"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup", tooltip="Previous page"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown", tooltip="Next page"),
        Binding("home", "jump(0)", "First", show=False, id="table.home", tooltip="First row"),
        Binding("end", "jump(-1)", "Last", show=False, id="table.end", tooltip="Last row"),
        Binding("enter", "open", "Open", id="table.open", tooltip="Open the row under the cursor"),
    ]

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
    }
    VirtualTable:focus {
        background-tint: $foreground 3%;
    }
    """

    CACHE_PAGE = 100  # rows fetched (and formatted) per page: a couple of screens, never the whole list

    class RowOpened(Message):
        def __init__(self, table: VirtualTable, key: Any) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class CursorMoved(Message):
        def __init__(self, table: VirtualTable, key: Any) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class HeaderClicked(Message):
        def __init__(self, table: VirtualTable, column: Column) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, source: TableSource, *, selectable: bool = False, detail: str | None = None,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        """`detail`: the id of a `DetailLine` showing the highlighted row in full. A source with
        `slow = True` (pages read from the database) is paged in a worker: rows not yet read show "…"."""
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.selectable = selectable
        self.detail_id = detail
        self.cursor = 0
        self.selected: set[Any] = set()
        self.sort_key: str | None = None
        self.sort_descending = False
        self._count = 0
        self._cache: dict[int, Row] = {}
        self._pending_pages: set[int] = set()
        self._fitted: list[Fitted] = []
        self.empty_text = "Nothing to show."

    # -- data -----------------------------------------------------------------
    def on_mount(self) -> None:
        self.reload()

    def set_source(self, source: TableSource) -> None:
        self.source = source
        self.reload()

    def reload(self, keep_cursor: bool = True) -> None:
        """Re-count and drop the cached rows (after a filter, sort or edit)."""
        self._cache.clear()
        self._pending_pages.clear()
        self._count = self.source.count()
        if not keep_cursor:
            self.cursor = 0
        self.cursor = max(0, min(self.cursor, self._count - 1))
        self._fit()
        self._scroll_cursor_into_view()
        self.refresh()
        self._show_detail()

    @property
    def row_count(self) -> int:
        return self._count

    def row_at(self, index: int) -> Row | None:
        """The row at `index`, or None (out of range, or a slow source's page still being read)."""
        if not 0 <= index < self._count:
            return None
        row = self._cache.get(index)
        if row is None:
            start = (index // self.CACHE_PAGE) * self.CACHE_PAGE
            if getattr(self.source, "slow", False):
                self._request_page(start)
                return None
            self._store_page(start, self.source.rows(start, self.CACHE_PAGE))
            row = self._cache.get(index)
        return row

    def _store_page(self, start: int, rows: list[Row]) -> None:
        if len(self._cache) > 20 * self.CACHE_PAGE:
            self._cache.clear()
        for i, r in enumerate(rows):
            self._cache[start + i] = r

    def _request_page(self, start: int) -> None:
        if start in self._pending_pages:
            return
        from fieldwork_tui.tui.kit import workers

        self._pending_pages.add(start)
        source = self.source

        def arrived(rows: list[Row]) -> None:
            if source is not self.source:
                return  # the filter changed meanwhile: this page belongs to an older list
            self._pending_pages.discard(start)
            self._store_page(start, rows)
            self.refresh()
            if start <= self.cursor < start + self.CACHE_PAGE:
                self._show_detail()

        workers.run(self, lambda: source.rows(start, self.CACHE_PAGE), done=arrived, group="table-page",
                    description=f"rows {start}..")

    @property
    def cursor_row(self) -> Row | None:
        return self.row_at(self.cursor)

    @property
    def cursor_key(self) -> Any:
        row = self.cursor_row
        return row.key if row else None

    # -- columns --------------------------------------------------------------
    def _fit(self) -> None:
        columns = self.source.columns
        room = max(1, self.size.width - (2 if self.selectable else 0) - 1) if self.size.width else 10_000
        self._fitted = fit(columns, room)
        self.virtual_size = Size(self._total_width(), self._count + 1)

    @property
    def shown_columns(self) -> list[tuple[int, Column, int]]:
        """(index in source.columns, column, width) of the columns shown at this width."""
        columns = self.source.columns
        if not self._fitted or any(f.index >= len(columns) for f in self._fitted):
            self._fitted = fit(columns, 10_000)
        return [(f.index, columns[f.index], f.width) for f in self._fitted]

    def _total_width(self) -> int:
        return sum(w + 1 for _i, _c, w in self.shown_columns) + (2 if self.selectable else 0)

    # -- rendering ------------------------------------------------------------
    def _cell(self, value: str | Text, width: int, justify: str) -> Text:
        text = _safe_cell(value)
        text.truncate(width, overflow="ellipsis", pad=True)
        if justify == "right":
            plain_len = text.cell_len
            if plain_len < width:
                text = Text(" " * (width - plain_len)) + text
        return text

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        shown = self.shown_columns
        if y == 0:
            line = Text(style=base + Style(bold=True))
            if self.selectable:
                line.append("  ")
            for _i, col, w in shown:
                label = col.label
                if self.sort_key == col.key:
                    label += " ▼" if self.sort_descending else " ▲"
                line.append_text(self._cell(label, w, col.justify))
                line.append(" ", style=GAP)
            strip = Strip(line.render(self.app.console), line.cell_len)
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base + Style(bold=True))
        index = scroll_y + y - 1
        row = self.row_at(index)
        if row is None:
            if index == 0 and self._count == 0 and y == 1:
                t = Text(self.empty_text, style=base + Style(italic=True, dim=True))
                return Strip(t.render(self.app.console), t.cell_len).extend_cell_length(width, base)
            if 0 <= index < self._count:  # a page still being read
                t = Text("  …", style=base + Style(dim=True))
                return Strip(t.render(self.app.console), t.cell_len).extend_cell_length(width, base)
            return Strip([Segment(" " * width, base)], width)
        row_style = base + (row.style if isinstance(row.style, Style) else
                            Style.parse(row.style) if row.style else Style())
        line = Text(style=row_style)
        if self.selectable:
            line.append("● " if row.key in self.selected else "  ", style="bold")
        cells = row.cells
        for i, col, w in shown:
            line.append_text(self._cell(cells[i] if i < len(cells) else "", w, col.justify))
            line.append(" ", style=GAP)
        if index == self.cursor:
            cursor_style = self.get_component_rich_style("virtual-table--cursor")
            line.stylize(cursor_style)
        strip = Strip(line.render(self.app.console), line.cell_len)
        fill = row_style + (self.get_component_rich_style("virtual-table--cursor") if index == self.cursor else Style())
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, fill)

    COMPONENT_CLASSES = {"virtual-table--cursor"}
    DEFAULT_CSS += """
    VirtualTable > .virtual-table--cursor {
        background: $accent 40%;
    }
    VirtualTable:focus > .virtual-table--cursor {
        background: $accent;
        color: $text;
    }
    """

    # -- the detail line --------------------------------------------------------
    def _show_detail(self) -> None:
        if not self.detail_id or not self.is_attached:
            return
        detail = next(iter(self.screen.query(f"#{self.detail_id}")), None)
        if isinstance(detail, DetailLine):
            detail.show_row(self.cursor_row, self.source.columns)

    # -- movement -------------------------------------------------------------
    def _scroll_cursor_into_view(self) -> None:
        visible_rows = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible_rows:
            self.scroll_to(y=self.cursor - visible_rows + 1, animate=False)

    def move_cursor(self, index: int) -> None:
        if self._count == 0:
            return
        new = max(0, min(index, self._count - 1))
        if new != self.cursor:
            self.cursor = new
            self._scroll_cursor_into_view()
            self.refresh()
            self._show_detail()
            self.post_message(self.CursorMoved(self, self.cursor_key))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self.move_cursor(0 if where == 0 else self._count - 1)

    def action_open(self) -> None:
        if self.cursor_row is not None:
            self.post_message(self.RowOpened(self, self.cursor_key))

    def toggle_selected(self) -> None:
        key = self.cursor_key
        if key is None:
            return
        self.selected.symmetric_difference_update({key})
        self.refresh()

    def select_all(self, then=None) -> None:
        """Select every row the source currently holds (after a filter: the filtered rows), read in a
        worker; `then()` runs once they are selected."""
        from fieldwork_tui.tui.kit import workers

        source, count = self.source, self._count

        def keys() -> set:
            out: set = set()
            for offset in range(0, count, 1000):
                out.update(r.key for r in source.rows(offset, 1000))
            return out

        def got(found: set) -> None:
            if source is self.source:
                self.selected.update(found)
                self.refresh()
                if then is not None:
                    then()

        workers.run(self, keys, done=got, group="select-all", exclusive=True)

    def clear_selection(self) -> None:
        self.selected.clear()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x + int(self.scroll_x) - (2 if self.selectable else 0)
            for _i, col, w in self.shown_columns:
                if 0 <= x < w + 1:
                    if col.sortable:
                        self.post_message(self.HeaderClicked(self, col))
                    return
                x -= w + 1
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < self._count:
            already = index == self.cursor
            self.move_cursor(index)
            if already or event.chain >= 2:
                self.action_open()

    def on_resize(self) -> None:
        self._fit()
        self._scroll_cursor_into_view()
        self.refresh()
