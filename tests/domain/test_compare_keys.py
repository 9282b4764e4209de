"""Issue 14 item 2: duplicate keys are differences to disposition; keys compared after NFC."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork_tui.domain.compare import CompareSpec, DateWindow, KeyMode, compare_lists, normalise_key


def test_a_casefold_duplicate_is_a_difference_and_its_row_is_still_compared() -> None:
    a = [["alice", "2026-01-10"], ["ALICE", "2026-02-01"], ["bob", "2026-03-01"]]
    b = [["alice", "2026-01-10"], ["bob", "2026-03-01"]]
    spec = CompareSpec("user", date_window=DateWindow("left", "removed", 1))
    r = compare_lists(["user", "left"], a, ["user", "removed"], b, spec)
    dup = [d for d in r.differences if d.kind == "duplicate"]
    assert len(dup) == 1 and dup[0].details["side"] == "A" and dup[0].details["keys"] == ["alice", "ALICE"]
    assert [row["left"] for row in dup[0].details["rows"]] == ["2026-01-10", "2026-02-01"]
    # the second ALICE row is compared with B too: removed on 2026-01-10, before the 2026-02-01 date: no breach
    assert not r.date_window
    assert r.duplicates_a == ["alice"] and r.counts()["duplicates"] == 1


def test_a_52_day_late_removal_on_a_duplicate_row_is_not_lost() -> None:
    a = [["alice", "2026-01-10"], ["ALICE", "2026-01-10"]]
    b = [["alice", "2026-03-03"]]
    spec = CompareSpec("user", columns=(), date_window=DateWindow("left", "removed", 1))
    r = compare_lists(["user", "left"], a, ["user", "removed"], b, spec)
    late = [d for d in r.date_window]
    assert [d.key for d in late] == ["alice", "ALICE"] and late[0].details["days"] == 52
    assert any(d.kind == "duplicate" for d in r.differences)


def test_duplicates_on_b_are_differences_too() -> None:
    r = compare_lists(["k"], [["x"]], ["k"], [["x"], ["X "]], CompareSpec("k"))
    assert [(d.kind, d.details["side"]) for d in r.differences] == [("duplicate", "B")]
    assert r.duplicates_b == ["x"]


def test_nfc_and_nfd_spellings_are_one_key() -> None:
    nfc = unicodedata.normalize("NFC", "josé")
    nfd = unicodedata.normalize("NFD", "josé")
    assert nfc != nfd
    r = compare_lists(["k"], [[nfc]], ["k"], [[nfd]], CompareSpec("k"))
    assert not r.differences and r.matched == 1
    r = compare_lists(["k"], [[nfc]], ["k"], [[nfd]], CompareSpec("k", key_mode=KeyMode.exact))
    assert not r.differences
    assert normalise_key(nfd, KeyMode.exact) == nfc


def test_the_result_says_which_normalisation_it_used() -> None:
    r = compare_lists(["k"], [["a"]], ["k"], [["a"]], CompareSpec("k", key_mode=KeyMode.username))
    assert r.normalisation.startswith("Unicode NFC") and "e-mail reduced to the user name" in r.normalisation
    assert compare_lists(["k"], [], ["k"], [], CompareSpec("k")).normalisation == \
        "Unicode NFC, trimmed, inner spaces collapsed, case-insensitive"


def test_items_compared_counts_distinct_keys_of_both_sides() -> None:
    r = compare_lists(["k"], [["a"], ["b"], ["b"]], ["k"], [["b"], ["c"]], CompareSpec("k"))
    assert r.compared == 3  # a, b, c


keys = st.text(alphabet="aAbB é\u0301", min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(st.lists(keys, max_size=12))
def test_every_row_is_accounted_for(values) -> None:
    """No key is silently dropped: each normalised key with several rows is one duplicate."""
    r = compare_lists(["k"], [[v] for v in values], ["k"], [], CompareSpec("k"))
    normal = [normalise_key(v) for v in values if normalise_key(v)]
    repeated = {k for k in normal if normal.count(k) > 1}
    assert {normalise_key(k) for k in r.duplicates_a} == repeated
    assert len(r.only_in_a) == len(set(normal))


def test_differences_described_with_and_without_the_key() -> None:
    from fieldwork_tui.domain.compare import describe_difference, deviation_clause

    dup = {"side": "A", "count": 2, "keys": ["alice", "ALICE"]}
    assert describe_difference("duplicate", "alice", dup, "HR", "IdP") == "alice: 2 rows in HR for one key ('alice', 'ALICE')"
    assert deviation_clause("duplicate", dup, "HR", "IdP") == "the item appeared more than once in HR"
    late = {"column_a": "Last day", "column_b": "deactivated_on", "days": 6, "limit_days": 1}
    assert deviation_clause("date_window", late) == "deactivated_on was 6 days after Last day (limit 1)"
    assert deviation_clause("date_window", {**late, "days": None}) == "no deactivated_on was recorded"
    assert "alice" not in deviation_clause("only_in_a", {"row": {"user": "alice"}}, "HR", "IdP")
