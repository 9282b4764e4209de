"""Sample selection: v1 stays re-derivable, v2 strata span the audit period, untestable rows are passed
over (or replaced later) in the method's own rank order, and a stored sample re-derives."""

from __future__ import annotations

import datetime as dt
import hashlib
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork_tui.domain import selection as sel

D = dt.date
YEAR = (D(2026, 1, 1), D(2026, 12, 31))
SEED = sel.derive_seed("demo-lumen-ledger-fy26", "CM-01", "0" * 64)


def _changes(n: int = 412, days: int = 364, start: dt.date = YEAR[0]) -> list[tuple[str, dt.date]]:
    return [(f"CHG-{2400 + i}", start + dt.timedelta(days=i * days // n)) for i in range(n)]


# -- v1 is frozen: these are the keys v1 drew before v2 existed ----------------------------------------
V1_INITIAL = ["CHG-2406", "CHG-2419", "CHG-2421", "CHG-2441", "CHG-2460", "CHG-2486", "CHG-2501", "CHG-2525",
              "CHG-2535", "CHG-2553", "CHG-2569", "CHG-2576", "CHG-2605", "CHG-2610", "CHG-2619", "CHG-2650",
              "CHG-2673", "CHG-2681", "CHG-2701", "CHG-2712", "CHG-2715", "CHG-2760", "CHG-2771", "CHG-2782",
              "CHG-2810"]
V1_EXPANSION = ["CHG-2420", "CHG-2440", "CHG-2500", "CHG-2505", "CHG-2533", "CHG-2567", "CHG-2579", "CHG-2611",
                "CHG-2634", "CHG-2649", "CHG-2690", "CHG-2738", "CHG-2740", "CHG-2777", "CHG-2780"]
V1_UNDATED = ["CHG-2681", "CHG-2460", "CHG-2619", "CHG-2760", "CHG-2701", "CHG-2810", "CHG-2771", "CHG-2610",
              "CHG-2525", "CHG-2441", "CHG-2421", "CHG-2406", "CHG-2782", "CHG-2501", "CHG-2419", "CHG-2420",
              "CHG-2780", "CHG-2715", "CHG-2712", "CHG-2777", "CHG-2770", "CHG-2738", "CHG-2673", "CHG-2576",
              "CHG-2605"]


def test_v1_selections_are_unchanged():
    rows = _changes()
    bounds = (rows[0][1], rows[-1][1])
    initial = sel.select(sel.METHOD_STRATIFIED_V1, rows, 25, SEED, strata_period=bounds)
    assert list(initial.keys) == V1_INITIAL
    more = sel.select(sel.METHOD_STRATIFIED_V1, rows, 15, SEED, strata_period=bounds, exclude=frozenset(V1_INITIAL))
    assert list(more.keys) == V1_EXPANSION
    undated = sel.select(sel.METHOD, [(k, None) for k, _ in rows], 25, SEED)
    assert list(undated.keys) == V1_UNDATED


def test_an_existing_v1_sample_with_expansion_rederives():
    rows = _changes()
    bounds = (rows[0][1], rows[-1][1])
    parts = [sel.Part("initial", sel.METHOD_STRATIFIED_V1, 25, bounds, None, tuple(V1_INITIAL)),
             sel.Part("expansion", sel.METHOD_STRATIFIED_V1, 15, bounds, None, tuple(V1_EXPANSION))]
    checks = sel.rederive(parts, lambda: iter(rows), SEED, YEAR)
    assert [c.ok for c in checks] == [True, True], checks
    tampered = [parts[0], sel.Part("expansion", sel.METHOD_STRATIFIED_V1, 15, bounds, None,
                                   ("CHG-2401", *V1_EXPANSION[1:]))]
    bad = sel.rederive(tampered, lambda: iter(rows), SEED, YEAR)
    assert bad[0].ok and not bad[1].ok and "CHG-2401" in bad[1].detail


def test_seed_and_rank_are_plain_sha256():
    assert sel.derive_seed("u", "AC-01", "ab") == hashlib.sha256(b"u|AC-01|ab").hexdigest()
    assert sel.rank("s", "k1") == hashlib.sha256(b"s|k1").hexdigest()
    assert sel.derive_seed("é", "AC-01", "ab") == hashlib.sha256("é|AC-01|ab".encode()).hexdigest()


# -- months and strata --------------------------------------------------------------------------------
def test_a_calendar_year_is_twelve_calendar_months():
    months = sel.period_months(*YEAR)
    assert len(months) == 12
    assert months[1] == (D(2026, 2, 1), D(2026, 2, 28))
    assert months[-1] == (D(2026, 12, 1), D(2026, 12, 31))


def test_months_anchor_on_the_period_start_and_clamp_short_months():
    months = sel.period_months(D(2025, 7, 15), D(2026, 7, 14))
    assert len(months) == 12 and months[0] == (D(2025, 7, 15), D(2025, 8, 14))
    assert months[-1] == (D(2026, 6, 15), D(2026, 7, 14))
    jan31 = sel.period_months(D(2028, 1, 31), D(2028, 4, 30))
    assert jan31[:3] == [(D(2028, 1, 31), D(2028, 2, 28)), (D(2028, 2, 29), D(2028, 3, 30)),
                         (D(2028, 3, 31), D(2028, 4, 29))]
    assert jan31[3] == (D(2028, 4, 30), D(2028, 4, 30))
    assert sel.period_months(D(2026, 3, 9), D(2026, 3, 9)) == [(D(2026, 3, 9), D(2026, 3, 9))]
    with pytest.raises(ValueError):
        sel.period_months(D(2026, 3, 9), D(2026, 3, 8))


@pytest.mark.parametrize(("size", "expected"), [
    (25, 12), (12, 12), (4, 4), (1, 1),
])
def test_strata_group_whole_months(size, expected):
    strata = sel.strata_v2(*YEAR, size)
    assert len(strata) == expected
    assert strata[0][0] == YEAR[0] and strata[-1][1] == YEAR[1]
    assert all(b + dt.timedelta(days=1) == c for (_a, b), (c, _d) in zip(strata, strata[1:], strict=False))


def test_four_strata_are_the_quarters_and_five_group_months_evenly():
    assert sel.strata_v2(*YEAR, 4) == [(D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 4, 1), D(2026, 6, 30)),
                                       (D(2026, 7, 1), D(2026, 9, 30)), (D(2026, 10, 1), D(2026, 12, 31))]
    widths = [(b.year * 12 + b.month) - (a.year * 12 + a.month) + 1 for a, b in sel.strata_v2(*YEAR, 5)]
    assert widths == [2, 2, 3, 2, 3]
    assert len(sel.strata_v2(D(2025, 12, 1), D(2026, 12, 31), 40)) == 12  # 13 months, at most 12 strata


# -- allocation ---------------------------------------------------------------------------------------
@settings(max_examples=300)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=12), st.integers(0, 700))
def test_exact_allocation_is_largest_remainder(counts, n):
    alloc = sel.allocate_exact(counts, n)
    total = sum(counts)
    assert sum(alloc) == min(n, total)
    assert all(0 <= a <= c for a, c in zip(alloc, counts, strict=True))
    if total:
        m = min(n, total)
        quotas = [Fraction(m * c, total) for c in counts]
        assert all(abs(a - q) < 1 for a, q in zip(alloc, quotas, strict=True))
        # a stratum rounded up never has a smaller remainder than one rounded down (ties: the earlier one)
        up = [i for i, (a, q) in enumerate(zip(alloc, quotas, strict=True)) if a > q]
        down = [i for i, (a, q) in enumerate(zip(alloc, quotas, strict=True)) if a < q]
        for i in up:
            for j in down:
                ri, rj = quotas[i] - int(quotas[i]), quotas[j] - int(quotas[j])
                assert ri > rj or (ri == rj and i < j)


# -- v2 -----------------------------------------------------------------------------------------------
def _v2(rows, size, *, selected_on=YEAR[1], exclude=frozenset(), period=YEAR):
    return sel.select(sel.METHOD_STRATIFIED_V2, rows, size, SEED, strata_period=period, selected_on=selected_on,
                      exclude=exclude)


def test_v2_strata_span_the_audit_period_and_report_empty_months():
    rows = _changes(300, days=272)  # 1 January to 30 September: the last quarter has no rows
    got = _v2(rows, 25)
    assert len(got.keys) == 25
    assert [s.number for s in got.empty_strata] == [10, 11, 12]
    assert all(s.selected == 0 for s in got.empty_strata)
    assert all(s.selected >= 2 for s in got.strata if not s.empty)
    # v1 stretched its strata over the rows' own dates: the empty quarter was invisible
    v1 = sel.select(sel.METHOD_STRATIFIED_V1, rows, 25, SEED, strata_period=(rows[0][1], rows[-1][1]))
    assert not [s for s in v1.strata if s.rows == 0] and v1.strata[-1].end == rows[-1][1] < D(2026, 10, 1)
    for s in v1.strata:  # the reported v1 ranges are the strata stratum_of assigns
        assert s.rows == sum(1 for _k, d in rows if s.start <= d <= s.end)


def test_v2_never_selects_rows_outside_the_period():
    rows = _changes(200) + [(f"OLD-{i}", D(2025, 12, 31 - i)) for i in range(30)] + [("NEXT-1", D(2027, 1, 2))]
    got = _v2(rows, 25)
    assert got.outside_period == 31
    assert not [k for k in got.keys if not k.startswith("CHG-")]
    assert sum(s.rows for s in got.strata) == 200


def _reference_v2(rows, size, selected_on, exclude=frozenset(), period=YEAR):
    """A plain re-statement of v2 (no heaps), to check the streaming implementation against."""
    bounds = sel.strata_v2(*period, max(size, 1))
    members = [[] for _ in bounds]
    for key, day in rows:
        if key in exclude or not (period[0] <= day <= period[1]):
            continue
        s = next(i for i, (a, b) in enumerate(bounds) if a <= day <= b)
        members[s].append((int(sel.rank(SEED, key), 16), key, day))
    alloc = sel.allocate_exact([sum(1 for m in ms if m[2] <= selected_on) for ms in members], size)
    chosen, passed = [], []
    for s, ms in enumerate(members):
        ms.sort()
        eligible = [m for m in ms if m[2] <= selected_on][: alloc[s]]
        draw = ms[: alloc[s]]
        late = [m for m in draw if m[2] > selected_on]
        instead = [m for m in eligible if m not in draw]
        passed += [(m[1], s + 1, i[1]) for m, i in zip(late, instead, strict=True)]
        chosen += eligible
    chosen.sort(key=lambda m: (m[2], m[0], m[1]))
    return [m[1] for m in chosen], passed


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=6), st.dates(D(2025, 11, 1), D(2027, 2, 1))),
                max_size=120, unique_by=lambda kd: kd[0]),
       st.integers(0, 40), st.dates(D(2026, 1, 1), D(2026, 12, 31)), st.randoms(use_true_random=False))
def test_v2_matches_its_plain_statement_in_any_row_order(rows, size, selected_on, rnd):
    got = _v2(rows, size, selected_on=selected_on)
    keys, passed = _reference_v2(rows, size, selected_on)
    assert list(got.keys) == keys
    assert [(s.key, s.stratum, s.replaced_by) for s in got.skipped] == passed
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    assert _v2(shuffled, size, selected_on=selected_on) == got


def test_rows_after_the_selection_date_are_passed_over_for_the_next_in_the_stratum():
    rows = _changes(412)
    selected_on = D(2026, 1, 13)  # drawn early: most of January's top-ranked rows have not happened yet
    got = _v2(rows, 25, selected_on=selected_on)
    testable = sum(1 for _k, d in rows if d <= selected_on)
    assert len(got.keys) == testable == 15 and len(got.skipped) == 9  # every testable row, 9 passed over
    assert all(d <= selected_on for k, d in rows if k in got.keys)
    assert got.after_selection == sum(1 for _k, d in rows if d > selected_on)
    for s in got.skipped:  # each passed-over row ranks below its replacement, in the same stratum
        assert s.code == sel.AFTER_SELECTION and s.day > selected_on and "after the day the sample was drawn" in s.reason
        assert sel.rank(SEED, s.key) < sel.rank(SEED, s.replaced_by)
        stratum = got.strata[s.stratum - 1]
        assert stratum.start <= dict(rows)[s.replaced_by] <= stratum.end


@settings(max_examples=40, deadline=None)
@given(st.integers(30, 400), st.integers(1, 30), st.integers(1, 30))
def test_v2_expansion_excludes_the_selected(n, first, more):
    rows = _changes(n)
    initial = _v2(rows, first)
    extra = _v2(rows, more, exclude=frozenset(initial.keys))
    assert not set(initial.keys) & set(extra.keys)
    assert len(extra.keys) == min(more, n - len(initial.keys))


def test_unknown_method_and_missing_inputs_are_refused():
    with pytest.raises(ValueError, match="unknown sampling method"):
        sel.select("random-v0", [], 3, SEED)
    with pytest.raises(ValueError, match="audit period"):
        sel.select(sel.METHOD_STRATIFIED_V2, [], 3, SEED)


# -- untestable items, replacements and reconciliation -------------------------------------------------
def test_untestable_reasons():
    assert sel.untestable(D(2026, 5, 1), YEAR, today=D(2026, 6, 1)) is None
    assert sel.untestable(None, YEAR) is None
    out = sel.untestable(D(2027, 1, 4), YEAR)
    assert out.code == sel.OUTSIDE_PERIOD and out.text == ("dated 2027-01-04, outside the audit period 2026-01-01 "
                                                           "to 2026-12-31")
    assert sel.untestable(D(2026, 7, 2), YEAR, today=D(2026, 7, 1)).code == sel.AFTER_TODAY
    assert sel.untestable(D(2026, 7, 2), YEAR, selected_on=D(2026, 7, 1)).code == sel.AFTER_SELECTION


def test_a_v1_item_outside_the_period_is_replaced_by_the_next_in_its_stratum():
    rows = _changes(100, days=400)  # the last rows fall in 2027, outside the period
    bounds = (rows[0][1], rows[-1][1])
    first = sel.select(sel.METHOD_STRATIFIED_V1, rows, 12, SEED, strata_period=bounds)
    days = dict(rows)
    gone = [k for k in first.keys if days[k] > YEAR[1]]
    assert gone, "the scenario needs a v1 item outside the period"
    key = gone[0]
    today = D(2027, 2, 1)
    instead = sel.replacement(sel.METHOD_STRATIFIED_V1, rows, SEED, size=12, strata_period=bounds,
                              removed_day=days[key], period=YEAR, today=today, exclude=frozenset(first.keys))
    last_stratum = [k for k, d in rows if sel.stratum_of(d, *bounds, 12) == 11 and k not in first.keys
                    and d <= YEAR[1]]
    assert instead == min(last_stratum, key=lambda k: sel.rank(SEED, k))
    why = sel.untestable(days[key], YEAR, today=today)
    rep = sel.Replaced(key, days[key], why.code, why.text, instead, today)
    stored = tuple(instead if k == key else k for k in first.keys)
    part = sel.Part("initial", sel.METHOD_STRATIFIED_V1, 12, bounds, None, stored, replaced=(rep,))
    assert sel.rederive([part], lambda: iter(rows), SEED, YEAR)[0].ok
    wrong = sel.Part("initial", sel.METHOD_STRATIFIED_V1, 12, bounds, None, stored,
                     replaced=(sel.Replaced(key, days[key], why.code, why.text, "CHG-2400", today),))
    assert "should be replaced by" in sel.rederive([wrong], lambda: iter(rows), SEED, YEAR)[0].detail


def test_no_replacement_when_the_stratum_holds_nothing_testable():
    rows = [("A", D(2026, 12, 30)), ("B", D(2026, 12, 31))]
    assert sel.replacement(sel.METHOD_STRATIFIED_V2, rows, SEED, size=12, strata_period=YEAR,
                           removed_day=D(2026, 12, 30), period=YEAR, today=D(2026, 12, 1),
                           exclude=frozenset({"A"})) is None


def test_a_v2_sample_with_passed_over_rows_rederives_and_detects_a_changed_record():
    rows = _changes(412)
    got = _v2(rows, 25, selected_on=D(2026, 1, 13))
    assert got.skipped
    part = sel.Part("initial", sel.METHOD_STRATIFIED_V2, 25, YEAR, D(2026, 1, 13), got.keys, got.skipped)
    assert sel.rederive([part], lambda: iter(rows), SEED, YEAR)[0].ok
    forged = sel.Part("initial", sel.METHOD_STRATIFIED_V2, 25, YEAR, D(2026, 1, 13), got.keys, ())
    assert "passed over" in sel.rederive([forged], lambda: iter(rows), SEED, YEAR)[0].detail


def test_reconciliation_says_why_rows_are_not_in_the_sample():
    skipped = sel.Skipped("CHG-2801", D(2026, 11, 2), 11, sel.AFTER_SELECTION, "dated 2026-11-02, after the day "
                          "the sample was drawn (2026-10-15)", "CHG-2790")
    lines = sel.reconciliation(412, 410, outside_period=2, after_selection=1, period=YEAR, passed_over=[skipped])
    assert lines[0] == "412 rows; the client stated 410: NOT reconciled (+2)"
    assert lines[1].startswith("2 rows dated outside the audit period (2026-01-01 to 2026-12-31): not eligible")
    assert lines[2].startswith("1 row dated after the day the sample was drawn")
    assert lines[3] == ("CHG-2801 (dated 2026-11-02, after the day the sample was drawn (2026-10-15)) was passed "
                        "over; replaced by CHG-2790, next in rank order in stratum 11")
    assert sel.reconciliation(5, 5) == ["5 rows; the client stated the same count: reconciled"]


# -- the specification's worked example is what the code computes ---------------------------------------
def test_the_worked_example_in_the_method_document_is_true():
    from pathlib import Path

    from fieldwork_tui.domain.sampling import PopulationHasher, canonical_header, canonical_row

    doc = (Path(__file__).parents[2] / "docs" / "sampling-method.md").read_text(encoding="utf-8")
    cols = ["Ticket", "Granted on", "System"]
    raw = [("IT-1", "2026-01-05", "ledger-db"), ("IT-2", "2026-01-20", "web-portal"),
           ("IT-3", "2026-02-03", "ledger-db"), ("IT-4", "2026-02-17", "billing-api"),
           ("IT-5", "2026-03-09", "ledger-db"), ("IT-6", "2026-03-30", "auth-service"),
           ("IT-7", "2026-04-02", "ledger-db")]
    hasher = PopulationHasher(cols, "Ticket", "Granted on")
    text = canonical_header(cols, "Ticket", "Granted on")
    for key, day, system in raw:
        hasher.add(key, D.fromisoformat(day), [key, day, system])
        text += canonical_row(key, D.fromisoformat(day), [key, day, system])
    for line in text.decode().splitlines():
        assert f"    {line}\n" in doc
    pop = hasher.hexdigest()
    seed = sel.derive_seed("eng-7c1e", "AC-02", pop)
    assert pop in doc and seed in doc
    for key, day, _ in raw:
        assert f"| {key} | {day} | {sel.rank(seed, key)[:8]} |" in doc
    rows = [(k, D.fromisoformat(d)) for k, d, _ in raw]
    got = sel.select(sel.METHOD_STRATIFIED_V2, rows, 3, seed, strata_period=(D(2026, 1, 1), D(2026, 3, 31)),
                     selected_on=D(2026, 3, 20))
    assert got.keys == ("IT-1", "IT-4", "IT-5") and "The\nsample is IT-1, IT-4, IT-5" in doc
    assert [(s.key, s.replaced_by, s.stratum) for s in got.skipped] == [("IT-6", "IT-5", 3)]
    assert [s.selected for s in got.strata] == [1, 1, 1] and got.outside_period == 1
