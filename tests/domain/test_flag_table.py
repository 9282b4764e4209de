"""The flag table (domain.flags): one row per flag of the shared vocabulary, one defensibility rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain import coverage, flags, vocab
from fieldwork_tui.domain.flags import BLOCKING, FLAG_TABLE, Flag, Severity, is_defensible

#: The shared vocabulary's flags, in the order the design lists them.
VOCABULARY = [
    "no_evidence", "single_evidence_type", "inquiry_only", "missing_required_type", "uncorroborated_inquiry",
    "contradicted_inquiry", "evidence_outside_period", "sample_below_policy", "untested_sample_items",
    "population_unreconciled", "deviation_without_expansion", "exception_without_response", "unsigned",
    "signoff_stale", "operating_effectiveness_untested", "unresolved_differences", "possible_coached_answer",
    "interview_missing_role",
]


def test_the_table_holds_every_vocabulary_flag_once_in_order() -> None:
    assert [row.name for row in FLAG_TABLE] == VOCABULARY
    assert [f.value for f in Flag] == VOCABULARY
    assert all(f.name == f.value for f in Flag)


def test_the_vocabulary_enum_is_the_table_s_enum() -> None:
    assert vocab.Flag is flags.Flag
    assert set(flags.SPECS) == set(Flag)


def test_every_row_is_complete_and_distinct() -> None:
    for row in FLAG_TABLE:
        assert row.label.strip() and row.compact.strip() and row.help.strip().endswith(".")
        assert len(row.compact) <= 16, row.name
        assert isinstance(row.severity, Severity)
    assert len({r.label for r in FLAG_TABLE}) == len(FLAG_TABLE)
    assert len({r.compact for r in FLAG_TABLE}) == len(FLAG_TABLE)


def test_which_flags_block() -> None:
    assert Flag.unsigned not in BLOCKING and Flag.signoff_stale not in BLOCKING
    assert Flag.possible_coached_answer not in BLOCKING and Flag.interview_missing_role not in BLOCKING
    assert {Flag.operating_effectiveness_untested, Flag.unresolved_differences, Flag.no_evidence,
            Flag.contradicted_inquiry, Flag.uncorroborated_inquiry} <= BLOCKING
    assert flags.severity(Flag.possible_coached_answer) is Severity.advisory
    assert flags.severity(Flag.interview_missing_role) is Severity.advisory
    assert flags.severity(Flag.unresolved_differences) is Severity.severe


def test_is_defensible_is_the_one_rule() -> None:
    assert is_defensible([])
    assert is_defensible([Flag.unsigned, Flag.signoff_stale, Flag.possible_coached_answer])
    assert not is_defensible([Flag.unsigned, Flag.uncorroborated_inquiry])
    assert not is_defensible(["unresolved_differences"])


@given(st.sets(st.sampled_from(list(Flag))))
def test_defensible_iff_no_blocking_flag(chosen: set) -> None:
    assert is_defensible(chosen) == (not chosen & BLOCKING)
    assert flags.blocking(chosen) == [f for f in Flag if f in chosen and f in BLOCKING]


def test_order_and_severity_order() -> None:
    mixed = [Flag.unsigned, Flag.no_evidence, Flag.single_evidence_type, Flag.no_evidence]
    assert flags.ordered(mixed) == [Flag.no_evidence, Flag.single_evidence_type, Flag.unsigned]
    assert flags.by_severity([Flag.unsigned, Flag.single_evidence_type, Flag.inquiry_only]) == \
        [Flag.inquiry_only, Flag.single_evidence_type, Flag.unsigned]


def test_labels_come_from_the_table() -> None:
    assert flags.label(Flag.signoff_stale) == "modified since review"
    assert flags.label(Flag.operating_effectiveness_untested) == "operating effectiveness untested"
    assert not hasattr(coverage, "FLAG_LABELS") and not hasattr(coverage, "SEVERE")  # one table, no copies
