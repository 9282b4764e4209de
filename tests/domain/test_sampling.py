"""Sampling rules: sizes, probabilities, seed, canonical rows, selection, stratification, conclusions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork_tui.domain import sampling as r
from fieldwork_tui.domain.vocab import DeviationConclusion, Frequency

F = Frequency
YEAR = 365
START = dt.date(2026, 1, 1)


# -- presets and sizes --------------------------------------------------------------------------------
@pytest.mark.parametrize(("freq", "guide", "common"), [
    (F.annual, 1, 1), (F.quarterly, 2, 2), (F.monthly, 2, 2), (F.weekly, 25, 5), (F.daily, 25, 25),
    (F.multiple_daily, 25, 40), (F.as_needed, 25, 40), (F.continuous, 1, 1),
])
def test_presets_match_the_facts_sheet(freq, guide, common):
    assert r.policy_size(r.GUIDE, freq, YEAR).size == guide
    assert r.policy_size(r.COMMON_PRACTICE, freq, YEAR).size == common


def test_labels():
    assert r.policy_size(r.GUIDE, F.monthly, YEAR).label == "judgmental"
    assert r.policy_size(r.GUIDE, F.weekly, YEAR).label == "judgmental"
    assert r.policy_size(r.GUIDE, F.daily, YEAR).label == "statistical"
    assert r.policy_size(r.GUIDE, F.continuous, YEAR).label == "test of one"
    assert r.policy_size(r.GUIDE, F.daily, YEAR, population=12).label == "test all"


def test_six_month_period_halves_the_size():
    d = r.policy_size(r.GUIDE, F.daily, 181)
    assert d.size == 13 and "181-day" in d.reason
    assert r.policy_size(r.GUIDE, F.quarterly, 181).size == 2  # two quarters in the period: both
    assert r.policy_size(r.GUIDE, F.annual, 181).size == 1


def test_population_smaller_than_size_tests_all():
    d = r.policy_size(r.GUIDE, F.multiple_daily, YEAR, population=17)
    assert (d.size, d.label) == (17, "test all")


def test_expansion_totals():
    assert r.GUIDE.expanded_total(F.multiple_daily, 25) == 40
    assert r.COMMON_PRACTICE.expanded_total(F.multiple_daily, 40) == 60
    assert r.GUIDE.expanded_total(F.multiple_daily, 50) == 75  # beyond the table: half again


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(F)), st.integers(1, 800), st.one_of(st.none(), st.integers(0, 5000)),
       st.sampled_from(list(r.BUILTIN_POLICIES.values())))
def test_size_properties(freq, days, population, policy):
    d = r.policy_size(policy, freq, days, population)
    full = r.policy_size(policy, freq, YEAR).size
    assert d.size <= max(full, 0)  # a period never raises the size above the 12-month size
    if population is not None:
        assert d.size <= population
        if population <= full and days >= YEAR:
            assert d.size == population and d.label == "test all"
    else:
        assert d.size >= 1
    inst = r.instances_in_period(freq, days)
    if inst is not None:
        assert d.size <= inst


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(F)), st.integers(1, 364), st.integers(1, 364))
def test_size_grows_with_the_period(freq, a, b):
    lo, hi = sorted((a, b))
    assert r.policy_size(r.GUIDE, freq, lo).size <= r.policy_size(r.GUIDE, freq, hi).size


# -- firm presets -------------------------------------------------------------------------------------
def test_firm_preset_from_toml():
    text = """
    [presets.firm]
    label = "Firm 2026"
    base = "common-practice"
    weekly = 10
    [presets.firm.expansion]
    multiple-daily = 80
    """
    p = r.policies_from_toml(text)["firm"]
    assert p.label == "Firm 2026" and p.base_size(F.weekly) == 10 and p.base_size(F.daily) == 25
    assert p.base_size(F.multiple_daily) == 40 and p.expanded_total(F.multiple_daily, 40) == 80


@pytest.mark.parametrize(("text", "message"), [
    ("[presets.x]\nfortnightly = 3", "unknown frequency 'fortnightly'"),
    ("[presets.x]\ndaily = 0", "daily: expected a whole number"),
    ("[presets.x]\nbase = 'nope'", "unknown base preset 'nope'"),
    ("[presets.x\n", "not valid TOML"),
])
def test_bad_toml_names_the_field(text, message):
    with pytest.raises(r.PolicyError, match=message):
        r.policies_from_toml(text)


# -- probabilities and statistical sizes --------------------------------------------------------------
def test_detection_probabilities_from_the_facts_sheet():
    assert [round(r.detection_probability(0.05, n), 2) for n in (25, 40, 60)] == [0.72, 0.87, 0.95]
    assert round(r.detection_probability(0.10, 2), 2) == 0.19


@settings(max_examples=200)
@given(st.floats(0.001, 0.999), st.integers(0, 500), st.integers(0, 500))
def test_detection_probability_is_monotone_and_bounded(p, a, b):
    lo, hi = sorted((a, b))
    pa, pb = r.detection_probability(p, lo), r.detection_probability(p, hi)
    assert 0.0 <= pa <= pb <= 1.0


def test_attribute_sample_sizes():
    cases = [(0.90, 0.10), (0.95, 0.10), (0.90, 0.05), (0.95, 0.05)]
    assert [r.attribute_sample_size(c, t) for c, t in cases] == [22, 29, 45, 59]
    assert [r.attribute_sample_size(c, t, 1) for c, t in cases] == [38, 46, 77, 93]


@settings(max_examples=100)
@given(st.floats(0.5, 0.99), st.floats(0.01, 0.3))
def test_attribute_size_is_the_smallest_sufficient(conf, rate):
    n = r.attribute_sample_size(conf, rate)
    assert (1 - rate) ** n <= 1 - conf + 1e-9
    assert n == 1 or (1 - rate) ** (n - 1) > 1 - conf - 1e-9
    assert n == math.ceil(math.log(1 - conf) / math.log(1 - rate) - 1e-9)


def test_hypergeometric_small_populations():
    assert [r.hypergeometric_sample_size(n) for n in (52, 12, 250)] == [16, 8, 21]


# -- seed and canonical rows --------------------------------------------------------------------------
def test_seed_is_sha256_of_the_data():
    expected = hashlib.sha256(b"uid1|CM-01|abc").hexdigest()
    assert r.derive_seed("uid1", "CM-01", "abc") == expected


@given(st.text(), st.text(), st.text(), st.text())
def test_seed_changes_with_any_input(uid, ref, pop, other):
    seed = r.derive_seed(uid, ref, pop)
    assert seed == r.derive_seed(uid, ref, pop) and len(seed) == 64
    if other != pop:
        assert r.derive_seed(uid, ref, other) != seed


@given(st.text(), st.one_of(st.none(), st.dates()), st.lists(st.text(), max_size=5))
def test_canonical_row_fast_path_equals_plain_json(key, day, cells):
    plain = (json.dumps([key, day.isoformat() if day else "", *cells], ensure_ascii=False,
                        separators=(",", ":")) + "\n").encode()
    assert r.canonical_row(key, day, cells) == plain
    assert r.canonical_row_json(key, day.isoformat() if day else "", r.cells_json(cells)) == plain


def test_population_hash_covers_header_and_rows():
    a = r.PopulationHasher(["id", "d"], "id", "d")
    a.add("1", START, ["1", "2026-01-01"])
    b = r.PopulationHasher(["id", "d"], "id", "")
    b.add("1", START, ["1", "2026-01-01"])
    assert a.hexdigest() != b.hexdigest()


# -- selection ----------------------------------------------------------------------------------------
def _rows(n: int, days: int = YEAR) -> list[tuple[str, dt.date]]:
    return [(f"K{i:05d}", START + dt.timedelta(days=i * days // n)) for i in range(n)]


def test_selection_is_the_lowest_ranks_without_dates():
    rows = [(k, None) for k, _d in _rows(200)]
    picked = r.select_keys(rows, 10, "seed")
    ranked = sorted(rows, key=lambda kd: hashlib.sha256(f"seed|{kd[0]}".encode()).hexdigest())
    assert set(picked) == {k for k, _ in ranked[:10]}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(0, 60), st.text(min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_selection_is_deterministic_distinct_and_order_free(n, size, seed, rnd):
    rows = _rows(n)
    period = (rows[0][1], rows[-1][1])
    a = r.select_keys(rows, size, seed, period=period)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    b = r.select_keys(shuffled, size, seed, period=period)
    assert a == b
    assert len(a) == len(set(a)) == min(size, n)
    assert set(a) <= {k for k, _ in rows}


@settings(max_examples=60, deadline=None)
@given(st.integers(20, 400), st.integers(1, 30), st.integers(1, 30))
def test_expansion_excludes_the_selected(n, first, more):
    rows = _rows(n)
    period = (rows[0][1], rows[-1][1])
    initial = r.select_keys(rows, first, "s", period=period)
    extra = r.select_keys(rows, more, "s", exclude=frozenset(initial), period=period)
    assert not set(initial) & set(extra)
    assert len(extra) == min(more, n - len(initial))


@settings(max_examples=60, deadline=None)
@given(st.integers(100, 2000), st.integers(12, 60))
def test_stratification_spreads_the_sample_across_the_period(n, size):
    rows = _rows(n)
    period = (rows[0][1], rows[-1][1])
    picked = set(r.select_keys(rows, size, "seed", period=period))
    strata = min(size, r.MAX_STRATA)
    counts, got = [0] * strata, [0] * strata
    for k, d in rows:
        s = r.stratum_of(d, *period, strata)
        counts[s] += 1
        got[s] += k in picked
    assert got == r.allocate(counts, size)  # every stratum of the period gets its proportional share
    assert all(got)  # an evenly spread population is sampled in every stratum


@settings(max_examples=200)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=12), st.integers(0, 700))
def test_allocation_is_proportional_and_exact(counts, n):
    alloc = r.allocate(counts, n)
    assert sum(alloc) == min(n, sum(counts))
    assert all(0 <= a <= c for a, c in zip(alloc, counts, strict=True))
    total = sum(counts)
    if total and n <= total:
        for a, c in zip(alloc, counts, strict=True):
            assert abs(a - n * c / total) < 1 + 1e-9 or a == c


@given(st.dates(), st.integers(0, 900), st.integers(1, 12))
def test_stratum_of_is_in_range(start, span, strata):
    end = start + dt.timedelta(days=span) if start <= dt.date.max - dt.timedelta(days=span) else start
    for day in (start, end, start - dt.timedelta(days=1) if start > dt.date.min else start):
        assert 0 <= r.stratum_of(day, start, end, strata) < strata


# -- conclusions --------------------------------------------------------------------------------------
def test_conclusion_rule_cases():
    iso, sys_ = DeviationConclusion.isolated, DeviationConclusion.systematic
    assert r.conclusion_rule(F.daily, 0, 0, False).conclusion is None
    assert r.conclusion_rule(F.daily, 1, 0, True).conclusion is iso
    assert r.conclusion_rule(F.daily, 1, 1, True).conclusion is sys_
    assert r.conclusion_rule(F.daily, 2, 0, True).conclusion is sys_
    assert r.conclusion_rule(F.daily, 1, 0, False).conclusion is sys_
    assert r.conclusion_rule(F.daily, 1, 0, True, expansion_untested=3).conclusion is None
    out = r.conclusion_rule(F.monthly, 1, 0, True)
    assert out.conclusion is sys_ and "cannot be sampled away" in out.explanation


@settings(max_examples=300)
@given(st.sampled_from(list(F)), st.integers(0, 5), st.integers(0, 5), st.booleans(), st.integers(0, 5))
def test_conclusion_rule_properties(freq, initial, expansion, expanded, untested):
    if not expanded:
        expansion, untested = 0, 0
    out = r.conclusion_rule(freq, initial, expansion, expanded, untested)
    if initial + expansion == 0:
        assert out.conclusion is None
    elif out.conclusion is DeviationConclusion.isolated:
        assert initial == 1 and expansion == 0 and expanded and not untested and not r.cannot_sample_away(freq)
    if expansion or initial > 1 or r.cannot_sample_away(freq):
        assert out.conclusion in (None, DeviationConclusion.systematic) if initial + expansion == 0 else \
            out.conclusion is DeviationConclusion.systematic
    # concluding against the rule always needs a reason
    for chosen in DeviationConclusion:
        assert r.needs_reason(out, chosen) == (out.conclusion is not chosen)


@pytest.mark.parametrize("freq", [F.annual, F.semiannual, F.quarterly, F.monthly])
def test_cannot_sample_away(freq):
    assert r.cannot_sample_away(freq)
    assert "cannot be sampled away" in r.cannot_sample_away_message(freq)


@pytest.mark.parametrize("freq", [F.weekly, F.daily, F.multiple_daily, F.as_needed])
def test_frequent_controls_can_expand(freq):
    assert not r.cannot_sample_away(freq)
