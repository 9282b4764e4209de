"""Differences as tables in the lists' own names and columns, never a Python repr (issue 21)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.difference_tables import DifferenceRow, difference_tables, text

REPR = re.compile(r"\{'|'\}|\['|'\]|: '|', '")

DIFFS = [
    DifferenceRow("only_in_a", "nkhan", {"row": {"login": "nkhan", "department": "Support", "left": "2026-03-02"}}),
    DifferenceRow("differing", "jdoe", {"fields": {"department": {"a": "Support", "b": "Sales"},
                                                   "manager": {"a": "R. Menon", "b": ""}}}),
    DifferenceRow("only_in_b", "ghost", {"row": {"Account": "ghost", "Enabled": "TRUE"}}),
    DifferenceRow("date_window", "lbrandt", {"column_a": "left", "column_b": "disabled", "a": "2026-02-01",
                                             "b": "2026-03-25", "days": 52, "limit_days": 1,
                                             "reason": "disabled 52 days after left (limit 1)"}),
    DifferenceRow("duplicate_key_a", "ALICE", {"rows": 2, "first_row": {"login": "alice"}}),
    DifferenceRow("duplicate", "alice", {"side": "A", "count": 2, "keys": ["alice", "ALICE"],
                                         "rows": [{"login": "alice"}, {"login": "ALICE"}]}),
]


def tables():
    return difference_tables(DIFFS, label_a="HR leavers", label_b="AD accounts", key_a="login", key_b="Account")


def test_tables_use_the_lists_names_and_columns():
    t = {x.kind: x for x in tables()}
    assert [x.kind for x in tables()] == ["only_in_a", "only_in_b", "differing", "date_window", "duplicate",
                                      "duplicate_key_a"]
    assert t["only_in_a"].title == "In HR leavers, not in AD accounts"
    assert t["only_in_a"].columns == ["login", "department", "left"]
    assert t["only_in_a"].rows == [["nkhan", "Support", "2026-03-02"]]
    assert t["only_in_b"].title == "In AD accounts, not in HR leavers"
    assert t["only_in_b"].columns == ["Account", "Enabled"]
    assert t["differing"].columns == ["login", "Column", "HR leavers", "AD accounts"]
    assert t["differing"].rows == [["jdoe", "department", "Support", "Sales"], ["", "manager", "R. Menon", ""]]
    assert t["date_window"].columns == ["login", "left (HR leavers)", "disabled (AD accounts)", "Days", "Limit (days)"]
    assert t["date_window"].rows == [["lbrandt", "2026-02-01", "2026-03-25", "52", "1"]]
    assert t["duplicate"].title == "Keys listed more than once (in HR leavers or AD accounts)"
    assert t["duplicate"].columns == ["login", "Listed in", "Rows", "Keys as written"]
    assert t["duplicate"].rows == [["alice", "HR leavers", "2", "alice, ALICE"]]
    assert t["duplicate_key_a"].rows == [["ALICE", "rows: 2; first_row: login: alice"]]


def test_no_table_cell_or_title_is_a_python_repr():
    for table in tables():
        for cell in [table.title, *table.columns, *(c for r in table.rows for c in r)]:
            assert not REPR.search(cell), cell


def test_rows_with_different_columns_share_one_table():
    diffs = [DifferenceRow("only_in_a", "a", {"row": {"id": "a", "x": "1"}}),
             DifferenceRow("only_in_a", "b", {"row": {"id": "b", "y": "2"}})]
    (t,) = difference_tables(diffs, label_a="A list", label_b="B list", key_a="id", key_b="id")
    assert t.columns == ["id", "x", "y"] and t.rows == [["a", "1", ""], ["b", "", "2"]]


def test_extra_columns_follow_the_lists_columns():
    diffs = [DifferenceRow("only_in_a", "a", {"row": {"id": "a"}}, extra=("explained",))]
    (t,) = difference_tables(diffs, label_a="A", label_b="B", key_a="id", key_b="id", extra_columns=["Disposition"])
    assert t.columns == ["id", "Disposition"] and t.rows == [["a", "explained"]]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet="abc xyz", max_size=5),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text("kvw", max_size=3), kids,
                                                                              max_size=3), max_leaves=10))
def test_any_stored_value_reads_without_repr(value):
    assert not re.search(r"\{'|\['|None|True|False", text(value))
