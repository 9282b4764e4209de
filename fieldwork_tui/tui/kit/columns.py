"""Which columns a table shows at the width it has, by priority.

At 80 columns the controls table cannot show everything; scrolling sideways one column per key is
no answer. Each column says how important it is (`priority`: 0 always shown, higher hidden first),
how narrow it may get (`min_width`: truncated with an ellipsis below its natural width) and whether
it takes spare room (`grow`). `fit()`:

1. hides the least important columns until the must-show columns (priority 0) fit at their natural
   widths and the others at their minimum widths — a column that may be hidden never squeezes one
   that must be shown;
2. gives the room left back, most important column first, up to each column's natural width;
3. gives what is still left to the growing columns.

If even the must-show columns do not fit at their natural widths they shrink to their minimums, and
below that the last ones are cut.

The highlighted row's full text is shown in a detail line under the table, so nothing hidden or
truncated is out of reach. Pure: no Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Sized(Protocol):
    width: int
    min_width: int | None
    priority: int
    grow: bool


@dataclass(frozen=True)
class Fitted:
    index: int  # position in the table's column list
    width: int


def _min(col: Sized) -> int:
    return col.width if col.min_width is None else min(col.min_width, col.width)


def fit(columns: Sequence[Sized], available: int, *, gap: int = 1) -> list[Fitted]:
    """The columns to show (in table order) and their widths, for `available` cells."""
    visible = list(range(len(columns)))

    def need(indexes: list[int]) -> int:
        return sum((columns[i].width if columns[i].priority == 0 else _min(columns[i])) + gap for i in indexes)

    # 1. hide the least important (highest priority number; the rightmost among equals) until it fits
    while need(visible) > available:
        hideable = [i for i in visible if columns[i].priority > 0]
        if not hideable:
            break
        victim = max(hideable, key=lambda i: (columns[i].priority, i))
        visible.remove(victim)
    widths = {i: _min(columns[i]) for i in visible}
    room = available - sum(w + gap for w in widths.values())
    # 2. back to natural widths, most important first (table order among equals)
    for i in sorted(visible, key=lambda i: (columns[i].priority, i)):
        if room <= 0:
            break
        extra = min(room, columns[i].width - widths[i])
        widths[i] += extra
        room -= extra
    # 3. spare room to the growing columns, shared evenly
    growing = [i for i in visible if columns[i].grow]
    if room > 0 and growing:
        share, rest = divmod(room, len(growing))
        for n, i in enumerate(growing):
            widths[i] += share + (1 if n < rest else 0)
    # a table narrower than its must-show columns: the last ones are cut
    if room < 0:
        for i in reversed(visible):
            cut = min(-room, widths[i] - 1)
            widths[i] -= cut
            room += cut
            if room >= 0:
                break
    return [Fitted(i, widths[i]) for i in visible]
