"""Keyed two-list comparison: key normalisation, only-in-A/B, differing fields, date windows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork_tui.domain.compare import (
    CompareError,
    CompareSpec,
    DateWindow,
    KeyMode,
    compare_lists,
    date_window_breach,
    normalise_key,
    parse_key,
    parse_window,
    same_value,
)

A_HEAD = ["login", "role", "Department"]
B_HEAD = ["User Email", "Role", "department", "Reviewer"]


def test_user_access_review_missing_extra_changed() -> None:
    a = [["jdoe", "admin", "Eng"], ["asmith", "user", "Sales"], ["svc-deploy", "admin", "Eng"]]
    b = [["JDoe@corp.example", "Admin", "eng", "pm"], ["asmith@corp.example", "admin", "Sales", "pm"],
         ["bwright@corp.example", "user", "Sales", "pm"]]
    r = compare_lists(A_HEAD, a, B_HEAD, b, CompareSpec("login", "User Email", KeyMode.username))
    assert [d.key for d in r.only_in_a] == ["svc-deploy"]
    assert [d.key for d in r.only_in_b] == ["bwright@corp.example"]
    assert [(d.key, d.details["fields"]) for d in r.differing] == [("asmith", {"role": {"a": "user", "b": "admin"}})]
    assert r.columns == [("role", "Role"), ("Department", "department")]
    assert (r.count_a, r.count_b, r.matched) == (3, 3, 2)


def test_keys_trimmed_and_case_insensitive_by_default() -> None:
    r = compare_lists(["id"], [["  Alice  Smith "]], ["ID"], [["alice smith"]], CompareSpec("id"))
    assert r.matched == 1 and not r.differences


def test_exact_mode_keeps_case() -> None:
    r = compare_lists(["id"], [["Alice"]], ["id"], [["alice"]], CompareSpec("id", key_mode=KeyMode.exact))
    assert len(r.only_in_a) == 1 and len(r.only_in_b) == 1


def test_chosen_columns_only() -> None:
    r = compare_lists(A_HEAD, [["x", "admin", "Eng"]], B_HEAD, [["x", "user", "Ops", ""]],
                      CompareSpec("login", "User Email", columns=(("role", "Role"),)))
    assert list(r.differing[0].details["fields"]) == ["role"]


def test_ignore_column() -> None:
    r = compare_lists(A_HEAD, [["x", "admin", "Eng"]], B_HEAD, [["x", "user", "Ops", ""]],
                      CompareSpec("login", "User Email", ignore=("role",)))
    assert list(r.differing[0].details["fields"]) == ["Department"]


def test_values_compare_dates_and_numbers_by_value() -> None:
    assert same_value("2026-01-05", "01/05/2026")
    assert same_value("1,000", "1000.0")
    assert same_value(" Admin ", "admin")
    assert not same_value("2026-01-05", "2026-01-06")
    assert not same_value("", "x")


def test_duplicates_and_blank_keys_are_reported() -> None:
    r = compare_lists(["k", "v"], [["a"], ["A"], ["", "x"], ["b"]], ["k"], [["a"], ["b"]], CompareSpec("k"))
    assert r.duplicates_a == ["a"] and r.blank_keys_a == 1 and r.matched == 2


def test_blank_rows_are_skipped() -> None:
    r = compare_lists(["k"], [["a"], ["", ""], []], ["k"], [["a"]], CompareSpec("k"))
    assert r.count_a == 1


def test_unknown_column_names_the_side() -> None:
    with pytest.raises(CompareError, match="list B: no column 'user'"):
        compare_lists(["user"], [], ["login"], [], CompareSpec("user"))


def test_date_window_termination_vs_removal() -> None:
    a = [["ptan", "2026-07-17"], ["eo", "2026-09-11"], ["ys", "2026-08-28"], ["nt", ""]]
    b = [["ptan", "2026-07-23"], ["eo", "09/11/2026"], ["ys", ""], ["nt", "2026-01-01"]]
    r = compare_lists(["user", "last day"], a, ["user", "removed"], b,
                      CompareSpec("user", columns=(), date_window=DateWindow("last day", "removed", 1)))
    late = {d.key: d.details for d in r.date_window}
    assert set(late) == {"ptan", "ys"}
    assert late["ptan"]["days"] == 6 and late["ys"]["b"] is None


def test_date_window_absolute_and_early_removal() -> None:
    w = DateWindow("a", "b", 2)
    assert date_window_breach("2026-01-10", "2026-01-01", w) is None  # removed before termination: fine
    assert date_window_breach("2026-01-10", "2026-01-01", DateWindow("a", "b", 2, absolute=True)) is not None
    assert date_window_breach("2026-01-10", "2026-01-12", w) is None


def test_parse_cli_specs() -> None:
    assert parse_key("login=User Email") == ("login", "User Email")
    assert parse_key("email") == ("email", "email")
    assert parse_window("Last day=removed:3") == DateWindow("Last day", "removed", 3)
    assert parse_window("end=start:~5").absolute
    for bad in ("x", "a=b:z", "a=b:-1", "=b:3"):
        with pytest.raises(CompareError):
            parse_window(bad)
    with pytest.raises(CompareError):
        parse_key("=b")


def test_normalise_key_username() -> None:
    assert normalise_key(" J.Doe@Corp.example ", KeyMode.username) == "j.doe"
    assert normalise_key("J.Doe", "username") == "j.doe"


# -- properties --------------------------------------------------------------------------------------
keys = st.text(alphabet="abcdefXYZ -", min_size=1, max_size=6).filter(lambda k: k.strip())
values = st.sampled_from(["admin", "user", "read", ""])


@st.composite
def lists(draw):
    a = draw(st.dictionaries(keys, values, max_size=15))
    b = draw(st.dictionaries(keys, values, max_size=15))
    return a, b


def _rows(d: dict[str, str]) -> list[list[str]]:
    return [[k, v] for k, v in d.items()]


@settings(max_examples=200, deadline=None)
@given(lists())
def test_partition_of_keys(data) -> None:
    """Every normalised key lands in exactly one of: only in A, only in B, matched."""
    a, b = data
    r = compare_lists(["k", "v"], _rows(a), ["k", "v"], _rows(b), CompareSpec("k"))
    na = {normalise_key(k) for k in a}
    nb = {normalise_key(k) for k in b}
    assert {normalise_key(d.key) for d in r.only_in_a} == na - nb
    assert {normalise_key(d.key) for d in r.only_in_b} == nb - na
    assert r.matched == len(na & nb)
    assert {normalise_key(d.key) for d in r.differing} <= na & nb
    unique = {k for k in na & nb if [normalise_key(x) for x in a].count(k) == 1
              and [normalise_key(x) for x in b].count(k) == 1}
    assert sum(1 for d in r.differing if normalise_key(d.key) in unique) <= len(unique)


@settings(max_examples=200, deadline=None)
@given(lists())
def test_swapping_sides_swaps_the_result(data) -> None:
    a, b = data
    ab = compare_lists(["k", "v"], _rows(a), ["k", "v"], _rows(b), CompareSpec("k"))
    ba = compare_lists(["k", "v"], _rows(b), ["k", "v"], _rows(a), CompareSpec("k"))
    assert {normalise_key(d.key) for d in ab.only_in_a} == {normalise_key(d.key) for d in ba.only_in_b}
    assert len(ab.differing) == len(ba.differing)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, values, max_size=20))
def test_a_list_compared_with_itself_has_no_differences_but_its_duplicate_keys(a) -> None:
    r = compare_lists(["k", "v"], _rows(a), ["K", "V"], _rows(a), CompareSpec("k"))
    normal = [normalise_key(k) for k in a if normalise_key(k)]
    repeated = {k for k in normal if normal.count(k) > 1}
    # only repeated keys differ: their other rows are compared too (with the other side's first row)
    assert all(d.kind in ("duplicate", "differing") and normalise_key(d.key) in repeated for d in r.differences)
    r_dups = [d for d in r.differences if d.kind == "duplicate"]
    # each repeated key once per side (issue 14 item 2: a duplicate is never silently dropped)
    assert sorted(normalise_key(d.key) for d in r_dups) == sorted([*repeated, *repeated])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(-90, 90))
def test_date_window_breach_iff_later_than_limit(limit: int, delta: int) -> None:
    import datetime as dt

    a = dt.date(2026, 3, 1)
    b = a + dt.timedelta(days=delta)
    breach = date_window_breach(a.isoformat(), b.isoformat(), DateWindow("a", "b", limit))
    assert (breach is not None) == (delta > limit)
