"""The OSCAL state mapping (domain.determination): no untested or flagged control is `satisfied`,
and open work is not a `not-satisfied` finding."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.determination import NOT_SATISFIED, SATISFIED, determination
from fieldwork_tui.domain.flags import BLOCKING, SIGNOFF, Flag
from fieldwork_tui.domain.vocab import Conclusion


def test_defensible_effective_is_satisfied_with_or_without_exceptions() -> None:
    assert determination(Conclusion.effective, []).state == SATISFIED
    d = determination(Conclusion.effective_with_exceptions, [Flag.possible_coached_answer])
    assert d.state == SATISFIED and d.reason == "pass"


def test_defensible_not_effective_is_not_satisfied() -> None:
    d = determination(Conclusion.not_effective, [])
    assert d.state == NOT_SATISFIED and d.reason == "fail"


def test_untested_controls_have_no_finding() -> None:
    d = determination(None, [Flag.no_evidence, Flag.unsigned], tests_performed=False)
    assert not d.published and d.remarks == "Tests not yet performed."
    assert not determination(Conclusion.not_tested, []).published


def test_flagged_controls_are_not_satisfied_even_when_concluded_effective() -> None:
    # demo AC-02: concluded effective, uncorroborated inquiry, unsigned
    d = determination(Conclusion.effective, [Flag.uncorroborated_inquiry, Flag.unsigned])
    assert d.state is None and "uncorroborated inquiry" in d.remarks


def test_a_determination_needs_a_current_sign_off() -> None:
    assert determination(Conclusion.effective, [Flag.unsigned]).state is None
    assert "modified since review" in determination(Conclusion.effective, [Flag.signoff_stale]).remarks


@given(st.sampled_from([None, *Conclusion]), st.sets(st.sampled_from(list(Flag))), st.booleans())
def test_satisfied_only_when_tested_concluded_defensible_and_signed(conclusion, flags, performed) -> None:
    d = determination(conclusion, flags, tests_performed=performed)
    if d.state == SATISFIED:
        assert performed and conclusion in (Conclusion.effective, Conclusion.effective_with_exceptions)
        assert not flags & BLOCKING and not flags & SIGNOFF
    if d.state is None:
        assert d.remarks
