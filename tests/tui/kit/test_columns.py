"""Column priorities: what fits at a given width (kit.columns.fit)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.tui.kit.columns import fit


@dataclass
class Col:
    key: str
    width: int
    min_width: int | None = None
    priority: int = 0
    grow: bool = False


CONTROLS = [Col("ref", 7), Col("title", 24, 14, 1, grow=True), Col("criteria", 14, 12, 3),
            Col("frequency", 12, 10, 4), Col("evidence", 4, None, 1), Col("flags", 26, 16, 0, grow=True),
            Col("status", 12, 11, 0)]


def shown(columns, width):
    return {columns[f.index].key: f.width for f in fit(columns, width)}


def test_everything_fits_when_wide():
    got = shown(CONTROLS, 160)
    assert list(got) == [c.key for c in CONTROLS]
    assert got["title"] > 24 and got["flags"] > 26  # the growing columns take the spare room
    assert sum(w + 1 for w in got.values()) == 160


def test_at_80_columns_ref_flags_and_status_stay():
    got = shown(CONTROLS, 78)
    assert got == {"ref": 7, "title": 24, "evidence": 4, "flags": 26, "status": 12}


def test_table_order_is_kept():
    fitted = fit(CONTROLS, 60)
    assert [f.index for f in fitted] == sorted(f.index for f in fitted)


def test_narrower_than_the_must_show_columns_cuts_the_last():
    got = shown(CONTROLS, 40)
    assert set(got) == {"ref", "flags", "status"} and sum(w + 1 for w in got.values()) <= 40
    assert got["flags"] < 26  # shrunk towards its minimum
    got = shown(CONTROLS, 20)
    assert set(got) == {"ref", "flags", "status"} and sum(w + 1 for w in got.values()) <= 20


columns = st.lists(st.builds(Col, key=st.text(min_size=1, max_size=3), width=st.integers(1, 40),
                             min_width=st.one_of(st.none(), st.integers(1, 40)), priority=st.integers(0, 5),
                             grow=st.booleans()), min_size=1, max_size=10)


@given(columns, st.integers(10, 250))
def test_fit_never_overflows_when_the_must_show_columns_fit(cols, width):
    must = sum(min(c.width, c.min_width or c.width) + 1 for c in cols if c.priority == 0)
    fitted = fit(cols, width)
    total = sum(f.width + 1 for f in fitted)
    if must <= width:
        assert total <= width
    assert {i for i, c in enumerate(cols) if c.priority == 0} <= {f.index for f in fitted}
    assert all(f.width >= 1 for f in fitted)
