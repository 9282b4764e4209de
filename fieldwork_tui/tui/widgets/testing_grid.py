"""The testing matrix as a keyboard grid: a row per sample item, a column per attribute.

Arrows move between items (up/down) and attributes (left/right); `p` / `d` / `n` set the cell under
the cursor (pass, deviation, n/a), `u` resets it, `P` passes the whole row, `y` confirms the cell's
proposal and `Y` every proposal in the column. The grid does not write: it posts a message and the
tab writes in a worker, so a key repaints at once (`apply` shows the new cell immediately; the tab
puts the stored cell back if the write is refused).

Only the rows on screen are rendered (a ScrollView drawing line by line, like VirtualTable), and a
rendered row is cached until its data changes, so a key press repaints two rows, not the matrix.
Colours come from the theme through component classes (no colour is named here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from fieldwork_tui.domain.attributes import Cell, item_result, tickmark
from fieldwork_tui.domain.vocab import SampleResult
from fieldwork_tui.tui.kit.safe_text import visible

R = SampleResult
RESULT_WORD = {R.untested: "untested", R.passed: "pass", R.deviation: "DEVIATION", R.not_applicable: "n/a"}


@dataclass(frozen=True)
class GridColumn:
    letter: str
    description: str
    has_rule: bool = False


@dataclass(frozen=True)
class GridRow:
    item_id: int
    position: int
    key: str
    date: str = ""
    kind: str = ""  # initial | expansion
    cells: tuple[Cell, ...] = ()  # one per column, in column order
    note: str = ""
    evidence: str = ""  # "#12" when the item has linked evidence

    @property
    def result(self) -> SampleResult:
        return item_result(self.cells)


@dataclass
class _Layout:
    pos: int = 4
    key: int = 16
    date: int = 10
    kind: int = 9
    cell: int = 5
    result: int = 10
    evidence: int = 5
    note: int = 30
    columns: list[str] = field(default_factory=list)


class TestingGrid(ScrollView, can_focus=True):
    """Items × attributes with a two-dimensional cursor."""

    __test__ = False  # not a pytest test class, despite the name

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False, id="grid.up", tooltip="Previous item"),
        Binding("down", "move(1, 0)", "Down", show=False, id="grid.down", tooltip="Next item"),
        Binding("left", "move(0, -1)", "Left", show=False, id="grid.left", tooltip="Previous attribute"),
        Binding("right", "move(0, 1)", "Right", show=False, id="grid.right", tooltip="Next attribute"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="grid.pageup", tooltip="Previous page of items"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="grid.pagedown", tooltip="Next page of items"),
        Binding("home", "jump(0)", "First", show=False, id="grid.home", tooltip="First item"),
        Binding("end", "jump(-1)", "Last", show=False, id="grid.end", tooltip="Last item"),
        Binding("p", "set('passed')", "Pass", id="grid.pass", tooltip="The attribute is met for this item"),
        Binding("d", "set('deviation')", "Deviation", id="grid.deviation",
                tooltip="The attribute is not met for this item (a deviation)"),
        Binding("n", "set('not_applicable')", "N/A", id="grid.na", tooltip="The attribute does not apply to this item"),
        Binding("u", "set('untested')", "Untested", show=False, id="grid.untested", tooltip="Clear the cell"),
        Binding("P", "pass_row", "Pass row", id="grid.pass_row", tooltip="Every attribute of this item is met"),
        Binding("y", "confirm", "Confirm", id="grid.confirm", tooltip="Confirm the rule's proposal in this cell"),
        Binding("Y", "confirm_column", "Confirm column", id="grid.confirm_column",
                tooltip="Confirm every proposal of this attribute"),
    ]

    COMPONENT_CLASSES = {"testing-grid--header", "testing-grid--pass", "testing-grid--deviation",
                         "testing-grid--na", "testing-grid--untested", "testing-grid--proposed",
                         "testing-grid--cursor", "testing-grid--cursor-row"}
    DEFAULT_CSS = """
    TestingGrid { height: 1fr; background: $surface; }
    TestingGrid > .testing-grid--header { text-style: bold; }
    TestingGrid > .testing-grid--pass { color: $text-success; }
    TestingGrid > .testing-grid--deviation { color: $text-error; text-style: bold; }
    TestingGrid > .testing-grid--na { color: $text-primary; }
    TestingGrid > .testing-grid--untested { color: $text-muted; }
    TestingGrid > .testing-grid--proposed { color: $text-warning; text-style: italic; }
    TestingGrid > .testing-grid--cursor-row { background: $accent 20%; }
    TestingGrid > .testing-grid--cursor { background: $accent 50%; text-style: bold; }
    TestingGrid:focus > .testing-grid--cursor { background: $accent; color: $text; text-style: bold; }
    """

    class CellChosen(Message):
        """A key set a cell (the grid already shows it)."""

        def __init__(self, grid: TestingGrid, row: GridRow, letter: str, result: SampleResult,
                     previous: Cell) -> None:
            super().__init__()
            self.grid, self.row, self.letter, self.result, self.previous = grid, row, letter, result, previous

        @property
        def control(self) -> TestingGrid:
            return self.grid

    class RowPassed(Message):
        def __init__(self, grid: TestingGrid, row: GridRow) -> None:
            super().__init__()
            self.grid, self.row = grid, row

        @property
        def control(self) -> TestingGrid:
            return self.grid

    class ConfirmRequested(Message):
        """`y` (one cell) or `Y` (letter's whole column: row is None)."""

        def __init__(self, grid: TestingGrid, letter: str, row: GridRow | None) -> None:
            super().__init__()
            self.grid, self.letter, self.row = grid, letter, row

        @property
        def control(self) -> TestingGrid:
            return self.grid

    class CursorMoved(Message):
        def __init__(self, grid: TestingGrid, row: GridRow | None, letter: str | None) -> None:
            super().__init__()
            self.grid, self.row, self.letter = grid, row, letter

        @property
        def control(self) -> TestingGrid:
            return self.grid

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: list[GridColumn] = []
        self.rows: list[GridRow] = []
        self.row = 0
        self.col = 0
        self.empty_text = "No sample yet."
        self._index: dict[int, int] = {}
        self._lines: dict[int, Strip] = {}
        self._cols = _Layout()

    # -- data ----------------------------------------------------------------------------------------
    def set_data(self, columns: Sequence[GridColumn], rows: Sequence[GridRow]) -> None:
        """Replace the matrix (after a load); the cursor stays on the same item and attribute."""
        key = self.cursor_row.item_id if self.cursor_row else None
        letter = self.cursor_letter
        self.columns = list(columns)
        self.rows = list(rows)
        self._index = {r.item_id: i for i, r in enumerate(self.rows)}
        if key in self._index:
            self.row = self._index[key]
        letters = [c.letter for c in self.columns]
        if letter in letters:
            self.col = letters.index(letter)
        self.row = max(0, min(self.row, len(self.rows) - 1))
        self.col = max(0, min(self.col, len(self.columns) - 1))
        self._lines.clear()
        self.virtual_size = Size(self._width(), len(self.rows) + 1)
        self._scroll_into_view()
        self.refresh()

    def apply(self, item_id: int, letter: str, cell: Cell) -> None:
        """Show one cell as it now is (before or after the write)."""
        i = self._index.get(item_id)
        letters = [c.letter for c in self.columns]
        if i is None or letter not in letters:
            return
        row = self.rows[i]
        cells = list(row.cells) + [Cell()] * (len(letters) - len(row.cells))
        cells[letters.index(letter)] = cell
        self.replace_row(replace(row, cells=tuple(cells)))

    def replace_row(self, row: GridRow) -> None:
        i = self._index.get(row.item_id)
        if i is None:
            return
        self.rows[i] = row
        self._lines.pop(i, None)
        self.refresh_line(i + 1)  # virtual line: the header is line 0

    @property
    def cursor_row(self) -> GridRow | None:
        return self.rows[self.row] if 0 <= self.row < len(self.rows) else None

    @property
    def cursor_letter(self) -> str | None:
        return self.columns[self.col].letter if 0 <= self.col < len(self.columns) else None

    def cell_at(self, row: GridRow, letter: str) -> Cell:
        letters = [c.letter for c in self.columns]
        i = letters.index(letter)
        return row.cells[i] if i < len(row.cells) else Cell()

    # -- layout and rendering ---------------------------------------------------------------------------
    def _width(self) -> int:
        lay = self._cols
        return (lay.pos + lay.key + lay.date + lay.kind + lay.result + lay.evidence + lay.note + 8
                + (lay.cell + 1) * len(self.columns))

    def _style(self, name: str) -> Style:
        """A component's style, its alpha background blended with the grid's."""
        return self.get_component_rich_style(f"testing-grid--{name}")

    def _fg(self, name: str) -> Style:
        """Only the foreground of a component's style (so the cursor row's background shows through)."""
        s = self._style(name)
        return Style(color=s.color, bold=s.bold, italic=s.italic, dim=s.dim)

    def _cell_style(self, cell: Cell) -> Style:
        if cell.proposed and cell.result is not R.untested:
            return self._fg("proposed")
        return self._fg({R.passed: "pass", R.deviation: "deviation", R.not_applicable: "na",
                            R.untested: "untested"}[cell.result])

    @staticmethod
    def _fit(value: str, width: int, justify: str = "left") -> Text:
        text = Text(visible(value))  # client data: control characters shown, never sent to the terminal
        text.truncate(width, overflow="ellipsis")
        pad = width - text.cell_len
        if justify == "center":
            return Text(" " * (pad // 2)) + text + Text(" " * (pad - pad // 2))
        if justify == "right":
            return Text(" " * pad) + text
        return text + Text(" " * pad)

    def _header(self) -> Text:
        lay = self._cols
        line = Text(style=self._fg("header"))
        for label, width, justify in (("#", lay.pos, "right"), ("Item", lay.key, "left"), ("Date", lay.date, "left"),
                                      ("Sample", lay.kind, "left")):
            line.append_text(self._fit(label, width, justify))
            line.append(" ")
        for c in self.columns:
            line.append_text(self._fit(c.letter + ("*" if c.has_rule else ""), lay.cell, "center"))
            line.append(" ")
        for label, width in (("Result", lay.result), ("Evid.", lay.evidence), ("Note", lay.note)):
            line.append_text(self._fit(label, width))
            line.append(" ")
        return line

    def _row_text(self, i: int) -> Text:
        lay = self._cols
        row = self.rows[i]
        line = Text()
        for value, width, justify in ((str(row.position), lay.pos, "right"), (row.key, lay.key, "left"),
                                      (row.date, lay.date, "left"), (row.kind, lay.kind, "left")):
            line.append_text(self._fit(value, width, justify))
            line.append(" ")
        for n, _col in enumerate(self.columns):
            cell = row.cells[n] if n < len(row.cells) else Cell()
            mark = self._fit(tickmark(cell), lay.cell, "center")
            style = self._cell_style(cell)
            if i == self.row and n == self.col:
                style += self._style("cursor")
            mark.stylize(style)
            line.append_text(mark)
            line.append(" ")
        result = row.result
        word = self._fit(RESULT_WORD[result], lay.result)
        word.stylize(self._cell_style(Cell(result)))
        line.append_text(word)
        line.append(" ")
        line.append_text(self._fit(row.evidence, lay.evidence))
        line.append(" ")
        line.append_text(self._fit(row.note, lay.note))
        return line

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = self._header()
            strip = Strip(header.render(self.app.console), header.cell_len)
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        i = scroll_y + y - 1
        if not 0 <= i < len(self.rows):
            if i == 0 and not self.rows:
                t = Text(self.empty_text, style=base + Style(italic=True, dim=True))
                return Strip(t.render(self.app.console), t.cell_len).extend_cell_length(width, base)
            return Strip([Segment(" " * width, base)], width)
        strip = self._lines.get(i)
        if strip is None:
            text = self._row_text(i)
            row_style = base + (self._style("cursor-row") if i == self.row else Style())
            text.stylize_before(row_style)
            strip = Strip(text.render(self.app.console), text.cell_len)
            self._lines[i] = strip
        fill = base + (self._style("cursor-row") if i == self.row else Style())
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, fill)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    # -- movement -------------------------------------------------------------------------------------
    def _scroll_into_view(self) -> None:
        shown = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.row < top:
            self.scroll_to(y=self.row, animate=False)
        elif self.row >= top + shown:
            self.scroll_to(y=self.row - shown + 1, animate=False)

    def move_to(self, row: int, col: int | None = None) -> None:
        if not self.rows:
            return
        old = self.row
        new_row = max(0, min(row, len(self.rows) - 1))
        new_col = self.col if col is None else max(0, min(col, len(self.columns) - 1))
        if (new_row, new_col) == (self.row, self.col):
            return
        self.row, self.col = new_row, new_col
        self._lines.pop(old, None)
        self._lines.pop(new_row, None)
        top = int(self.scroll_y)
        self._scroll_into_view()
        if int(self.scroll_y) == top:
            self.refresh_line(old + 1)
            self.refresh_line(new_row + 1)
        else:
            self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor_row, self.cursor_letter))

    def action_move(self, rows: int, cols: int) -> None:
        self.move_to(self.row + rows, self.col + cols)

    def action_page(self, direction: int) -> None:
        self.move_to(self.row + direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        self.move_to(0 if where == 0 else len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        i = int(self.scroll_y) + event.y - 1
        if event.y == 0 or not 0 <= i < len(self.rows):
            return
        lay = self._cols
        x = event.x + int(self.scroll_x) - (lay.pos + lay.key + lay.date + lay.kind + 4)
        col = x // (lay.cell + 1) if x >= 0 else None
        self.move_to(i, col if col is not None and col < len(self.columns) else None)

    def on_resize(self) -> None:
        self._scroll_into_view()

    # -- setting cells ----------------------------------------------------------------------------------
    def action_set(self, result: str) -> None:
        row, letter = self.cursor_row, self.cursor_letter
        if row is None or letter is None:
            return
        chosen = R(result)
        previous = self.cell_at(row, letter)
        self.post_message(self.CellChosen(self, row, letter, chosen, previous))

    def action_pass_row(self) -> None:
        if self.cursor_row is not None:
            self.post_message(self.RowPassed(self, self.cursor_row))

    def action_confirm(self) -> None:
        if self.cursor_row is not None and self.cursor_letter is not None:
            self.post_message(self.ConfirmRequested(self, self.cursor_letter, self.cursor_row))

    def action_confirm_column(self) -> None:
        if self.cursor_letter is not None:
            self.post_message(self.ConfirmRequested(self, self.cursor_letter, None))

    def advance(self) -> None:
        """After a cell is set: the next item, same attribute (the usual way down a column)."""
        self.move_to(self.row + 1)
