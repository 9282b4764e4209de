"""Section IV results never claim more than the recorded work (domain.reporting.section_iv_result)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain import reporting as rp
from fieldwork_tui.domain.flags import BLOCKING, Flag
from fieldwork_tui.domain.reporting import ResultFacts, section_iv_result
from fieldwork_tui.domain.vocab import Conclusion


def test_tests_performed_and_nothing_open() -> None:
    assert section_iv_result(ResultFacts(True, flags=[Flag.unsigned])) == "No exceptions noted."


def test_no_tests_at_all() -> None:
    assert section_iv_result(ResultFacts(False, flags=[Flag.no_evidence])) == "Tests not yet performed."
    row = rp.section_iv_row("AC-04", rp.ProcedureFacts("MFA is enforced."), [], flags=[Flag.no_evidence])
    assert row.procedures == [] and row.results == "Tests not yet performed."


def test_inquiry_only_names_the_open_work() -> None:
    text = section_iv_result(ResultFacts(True, flags=[Flag.single_evidence_type, Flag.inquiry_only,
                                                      Flag.missing_required_type, Flag.unsigned]))
    assert text == "Testing not complete — open: one evidence type, inquiry only, missing required type."
    assert "No exceptions noted" not in text


def test_contradicted_inquiry_and_evidence_outside_period_are_open_work() -> None:
    assert "contradicted inquiry" in section_iv_result(ResultFacts(True, flags=[Flag.contradicted_inquiry]))
    assert "evidence outside period" in section_iv_result(ResultFacts(True, flags=[Flag.evidence_outside_period]))


def test_exceptions_give_their_wording() -> None:
    w = "For 1 of 40 changes sampled, the change was deployed without an approving peer review."
    assert section_iv_result(ResultFacts(True, wordings=[w, w])) == w


def test_exceptions_found_while_work_is_open_are_kept() -> None:
    w = "For 1 of 5 terminated users compared, access was removed 6 days late."
    text = section_iv_result(ResultFacts(True, flags=[Flag.unresolved_differences], wordings=[w]))
    assert text == f"Testing not complete — open: unresolved differences. Exceptions noted so far: {w}"


def test_documented_zero_population() -> None:
    assert section_iv_result(ResultFacts(False, no_occurrences=True)) == \
        "No occurrences — not tested for operating effectiveness."
    f = rp.ProcedureFacts("Emergency changes are reviewed.", items="emergency changes", no_occurrences=True)
    row = rp.section_iv_row("CM-03", f, [], flags=[Flag.unsigned])
    assert row.procedures == ["Inspected the population of emergency changes for the period and noted that no "
                              "emergency changes occurred."]
    assert row.results == rp.NO_OCCURRENCES


def test_blocking_flags_come_from_the_table() -> None:
    advisory = [Flag.possible_coached_answer, Flag.interview_missing_role, Flag.signoff_stale]
    assert section_iv_result(ResultFacts(True, flags=advisory)) == "No exceptions noted."


@given(st.booleans(), st.sets(st.sampled_from(list(Flag))), st.lists(st.sampled_from(["For 1 of 2 x sampled, y."]),
                                                                        max_size=2))
def test_no_exceptions_noted_only_when_tested_and_nothing_open(performed, flags, wordings) -> None:
    text = section_iv_result(ResultFacts(performed, flags=sorted(flags), wordings=wordings))
    if text == rp.NO_EXCEPTIONS:
        assert performed and not (flags & BLOCKING) and not wordings


def test_suggested_conclusion_waits_for_open_work() -> None:
    c, why = rp.suggest_conclusion(rp.ConclusionFacts(tested=True, flags=[Flag.unresolved_differences,
                                                                         Flag.unsigned]))
    assert c is Conclusion.not_tested and why == "Not yet defensible — open: unresolved differences."
    assert rp.suggest_conclusion(rp.ConclusionFacts(tested=True, flags=[Flag.unsigned]))[0] is Conclusion.effective
