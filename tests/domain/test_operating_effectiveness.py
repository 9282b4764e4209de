"""`operating_effectiveness_untested` and `unresolved_differences` (domain.coverage)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.coverage import ControlFacts, SampleFacts, flags_for, operating_effectiveness_tested
from fieldwork_tui.domain.vocab import EvidenceType as E
from fieldwork_tui.domain.vocab import Flag, Nature

PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
ALL = frozenset({E.inquiry, E.inspection, E.reperformance})
OE = Flag.operating_effectiveness_untested


def facts(**kw) -> ControlFacts:
    base = dict(ref="AC-01", preparer_signed=True, period=PERIOD, type2=True, evidence_types=ALL)
    base.update(kw)
    return ControlFacts(**base)


def test_type2_control_with_one_quarter_inspected_and_no_sample_is_flagged() -> None:
    # demo AC-01: inquiry, one quarter's review inspected, one quarter re-performed — nothing across the period
    assert OE in flags_for(facts())


def test_type1_never_raises_it() -> None:
    assert OE not in flags_for(facts(type2=False))


def test_a_sample_meeting_policy_clears_it() -> None:
    assert OE not in flags_for(facts(sample=SampleFacts(size=2, policy_size=2, population_rows=4)))
    assert OE not in flags_for(facts(sample=SampleFacts(size=40, policy_size=25, population_rows=412)))


def test_a_sample_below_policy_does_not_unless_a_reason_is_recorded() -> None:
    below = SampleFacts(size=10, policy_size=25, population_rows=412)
    assert OE in flags_for(facts(sample=below))
    reasoned = SampleFacts(size=10, policy_size=25, population_rows=412, override_reason="Risk assessed low.")
    assert OE not in flags_for(facts(sample=reasoned))


def test_testing_the_whole_small_population_meets_policy() -> None:
    assert OE not in flags_for(facts(sample=SampleFacts(size=3, policy_size=25, population_rows=3)))


def test_a_population_without_a_sample_is_not_enough() -> None:
    assert OE in flags_for(facts(sample=SampleFacts(size=0, policy_size=0, population_rows=137)))


def test_a_reperformance_over_the_whole_population_clears_it() -> None:
    assert OE not in flags_for(facts(whole_population_reperformed=True))


def test_documented_no_occurrence_is_not_flagged() -> None:
    none = SampleFacts(size=0, policy_size=0, population_rows=0, expected_count=0)
    assert OE not in flags_for(facts(sample=none))
    # the client said 3 occurred but the population is empty: not "no occurrences"
    unreconciled = SampleFacts(size=0, policy_size=0, population_rows=0, expected_count=3)
    assert OE in flags_for(facts(sample=unreconciled))


def test_automated_test_of_one_needs_its_itgc_basis() -> None:
    auto = dict(nature=Nature.automated, evidence_types=frozenset({E.inspection, E.reperformance}))
    assert OE in flags_for(facts(**auto))
    assert OE not in flags_for(facts(**auto, itgc_basis="CA-02 and CM-01 tested effective (ITGC workpapers)."))
    assert OE in flags_for(facts(**auto, itgc_basis="   "))
    # inspection of the configuration alone is not a test of one
    inspected = dict(nature=Nature.automated, evidence_types=frozenset({E.inspection}))
    assert OE in flags_for(facts(**inspected, itgc_basis="ITGCs effective."))


def test_automated_sample_of_one_is_a_test_of_one() -> None:
    one = SampleFacts(size=1, policy_size=1, population_rows=12)
    assert OE in flags_for(facts(nature=Nature.automated, sample=one, evidence_types=frozenset({E.inspection})))
    assert OE not in flags_for(facts(nature=Nature.automated, sample=one, itgc_basis="ITGCs tested.",
                                     evidence_types=frozenset({E.inspection})))
    # a manual annual control: one instance in the period, one sampled, is the policy
    assert OE not in flags_for(facts(sample=SampleFacts(size=1, policy_size=1, population_rows=1)))


def test_a_recorded_test_of_one_carries_its_own_itgc_basis() -> None:
    """Regression: a complete test of one (attribute testing: configuration, ITGCs relied on and why)
    left an automated control "operation across the period untested" unless the control matrix also
    had an ITGC basis column."""
    auto = dict(nature=Nature.automated, evidence_types=frozenset({E.inspection}))
    assert OE not in flags_for(facts(**auto, test_of_one_done=True))
    assert OE in flags_for(facts(**auto, test_of_one_done=False))
    assert OE in flags_for(facts(test_of_one_done=True))  # a manual control needs its sample


def test_itgc_basis_means_nothing_for_a_manual_control() -> None:
    assert OE in flags_for(facts(itgc_basis="ITGCs tested."))


def test_unresolved_differences_flagged_until_none_left() -> None:
    assert Flag.unresolved_differences in flags_for(facts(unresolved_differences=5))
    assert Flag.unresolved_differences not in flags_for(facts(unresolved_differences=0))


@given(st.booleans(), st.booleans(), st.integers(0, 60), st.integers(0, 60), st.integers(0, 500),
       st.sampled_from(list(Nature)), st.text(max_size=5))
def test_untested_iff_no_route_applies(type2, whole, size, policy, rows, nature, basis) -> None:
    s = SampleFacts(size=size, policy_size=policy, population_rows=rows)
    f = facts(type2=type2, whole_population_reperformed=whole, sample=s, nature=nature, itgc_basis=basis)
    assert (OE in flags_for(f)) == (not operating_effectiveness_tested(f))
    if not type2 or whole or (rows == 0 and size == 0):
        assert OE not in flags_for(f)
