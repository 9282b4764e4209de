"""Triangulation flags from plain facts (domain.coverage)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork_tui.domain.coverage import (
    ControlFacts,
    badges,
    corroboration_problem,
    default_required_types,
    flags_for,
    outside_period,
)
from fieldwork_tui.domain.flags import is_defensible
from fieldwork_tui.domain.vocab import EvidenceType as E
from fieldwork_tui.domain.vocab import Flag, Nature

PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
TRIANGULATION = {Flag.no_evidence, Flag.single_evidence_type, Flag.inquiry_only, Flag.missing_required_type,
                 Flag.uncorroborated_inquiry, Flag.contradicted_inquiry, Flag.evidence_outside_period}


def tri(**kw) -> set[Flag]:
    return set(flags_for(ControlFacts(ref="X-1", preparer_signed=True, period=PERIOD, **kw))) & TRIANGULATION


def test_no_evidence() -> None:
    assert tri() == {Flag.no_evidence}


def test_inquiry_alone_is_flagged_harder() -> None:
    assert tri(evidence_types=frozenset({E.inquiry})) == {Flag.single_evidence_type, Flag.inquiry_only}


def test_one_file_only_then_a_second_technique_clears_it() -> None:
    assert tri(evidence_types=frozenset({E.inspection})) == {Flag.single_evidence_type}
    assert tri(evidence_types=frozenset({E.inspection, E.observation})) == set()


def test_missing_required_type() -> None:
    req = frozenset({E.inquiry, E.inspection, E.reperformance})
    assert tri(evidence_types=frozenset({E.inquiry, E.inspection}), required_types=req) == {Flag.missing_required_type}
    assert tri(evidence_types=req, required_types=req) == set()


def test_statements() -> None:
    both = frozenset({E.inquiry, E.inspection})
    assert tri(evidence_types=both, uncorroborated_statements=1) == {Flag.uncorroborated_inquiry}
    assert tri(evidence_types=both, contradicted_statements=2) == {Flag.contradicted_inquiry}


def test_evidence_outside_period() -> None:
    both = frozenset({E.inquiry, E.inspection})
    assert tri(evidence_types=both, evidence_dates=(dt.date(2025, 12, 31),)) == {Flag.evidence_outside_period}
    assert tri(evidence_types=both, evidence_dates=(dt.date(2026, 1, 1), dt.date(2026, 12, 31))) == set()
    assert outside_period([dt.date(2027, 1, 1)], None) == []


def test_default_required_types() -> None:
    assert default_required_types("Quarterly user access review") == ["inquiry", "inspection", "reperformance"]
    assert default_required_types("Terminated users removed", "offboarding within a day") == [
        "inquiry", "inspection", "reperformance"]
    assert default_required_types("MFA enforced", nature=Nature.automated) == ["inspection", "reperformance"]
    assert default_required_types("Policies reviewed") == ["inquiry", "inspection"]


def test_badges() -> None:
    assert badges(["inquiry", "reperformance"]) == "I··R"


def test_corroboration_rules() -> None:
    assert corroboration_problem("uncorroborated", None) is None
    assert corroboration_problem("corroborated", 3) is None
    assert "choose the evidence" in corroboration_problem("corroborated", None)
    assert "add a note" in corroboration_problem("contradicted", 3, " ")
    assert corroboration_problem("contradicted", 3, "log shows otherwise") is None
    assert "expected" in corroboration_problem("maybe", None)


types_st = st.frozensets(st.sampled_from(list(E)))


@settings(max_examples=300, deadline=None)
@given(types_st, types_st, st.integers(0, 3), st.integers(0, 3),
       st.lists(st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)), max_size=4))
def test_flag_rules_hold_for_any_facts(types, required, unc, con, dates) -> None:
    flags = tri(evidence_types=types, required_types=required, uncorroborated_statements=unc,
                contradicted_statements=con, evidence_dates=tuple(dates))
    assert (Flag.no_evidence in flags) == (not types)
    assert (Flag.single_evidence_type in flags) == (len(types) == 1)
    assert (Flag.inquiry_only in flags) == (types == {E.inquiry})
    assert Flag.inquiry_only not in flags or Flag.single_evidence_type in flags
    assert (Flag.missing_required_type in flags) == bool(required - types)
    assert (Flag.uncorroborated_inquiry in flags) == (unc > 0)
    assert (Flag.contradicted_inquiry in flags) == (con > 0)
    assert (Flag.evidence_outside_period in flags) == any(d < PERIOD[0] or d > PERIOD[1] for d in dates)
    if flags:
        assert not is_defensible(flags)


@settings(max_examples=200, deadline=None)
@given(types_st, types_st)
def test_adding_a_technique_never_adds_a_triangulation_flag(types, extra) -> None:
    """Recording more evidence can only clear type flags, never raise new ones."""
    before = tri(evidence_types=types) & {Flag.no_evidence, Flag.single_evidence_type, Flag.inquiry_only}
    after = tri(evidence_types=types | extra) & {Flag.no_evidence, Flag.single_evidence_type, Flag.inquiry_only}
    if types | extra != types and len(types) >= 1:
        assert after <= before


def test_documented_no_occurrences_needs_no_triangulation() -> None:
    """A population of zero, documented (and agreeing with the client's count), is the work itself: no
    evidence or type flags, and operating effectiveness is not flagged as untested."""
    from fieldwork_tui.domain.coverage import ControlFacts, SampleFacts, flags_for
    from fieldwork_tui.domain.vocab import EvidenceType, Flag

    none = SampleFacts(size=0, policy_size=0, population_rows=0, expected_count=0)
    f = ControlFacts(ref="CM-03", required_types=frozenset({EvidenceType.inquiry, EvidenceType.inspection}),
                     sample=none, type2=True, preparer_signed=True)
    assert flags_for(f) == []
    disagreeing = SampleFacts(size=0, policy_size=0, population_rows=0, expected_count=3)
    flags = flags_for(ControlFacts(ref="CM-03", sample=disagreeing, type2=True, preparer_signed=True))
    assert Flag.no_evidence in flags and Flag.population_unreconciled in flags
