"""Contradictions stay visible until an exception or later evidence; autosave never overwrites
another writer's version."""

from __future__ import annotations

from fieldwork_tui.domain.inquiry import (
    ContradictionState,
    SaveAction,
    StatementEvidence,
    autosave_action,
    change_problem,
    contradiction_state,
    resolution_problem,
)
from fieldwork_tui.domain.vocab import Corroboration as C


def test_a_contradiction_is_open_until_an_exception_or_later_evidence():
    assert contradiction_state(C.corroborated, None, None) is None
    assert contradiction_state(C.contradicted, None, None) is ContradictionState.open
    assert contradiction_state(C.contradicted, 9, None) is ContradictionState.resolved_by_evidence
    assert contradiction_state(C.contradicted, None, 3) is ContradictionState.exception_raised


def test_a_reason_alone_never_clears_a_contradiction():
    assert change_problem(C.contradicted, C.uncorroborated)
    assert change_problem(C.contradicted, C.corroborated)
    assert change_problem(C.contradicted, C.contradicted) is None  # another contradicting file is fine
    assert change_problem(C.uncorroborated, C.corroborated) is None
    assert change_problem(C.corroborated, C.contradicted) is None
    assert "no evidence" not in (resolution_problem(C.contradicted, 7, None, "explained by phone") or "no evidence")
    assert "a reason alone is not enough" in resolution_problem(C.contradicted, 7, None, "explained by phone")
    assert "cannot also resolve" in resolution_problem(C.contradicted, 7, 7, "same file")
    assert "say how" in resolution_problem(C.contradicted, 7, 8, " ")
    assert "only a contradicted" in resolution_problem(C.corroborated, 7, 8, "x")
    assert "already resolved" in resolution_problem(C.contradicted, 7, 8, "x", already_resolved=True)
    assert resolution_problem(C.contradicted, 7, 8, "Certificates for LL-1044 and LL-1051 received") is None


def test_the_statement_names_the_evidence_that_contradicted_it_in_every_state():
    e = StatementEvidence(C.contradicted, 7, "disposal-log.xlsx", "no certificate for LL-1044")
    assert e.red_flag
    assert e.describe() == ("contradicted by disposal-log.xlsx (#7): no certificate for LL-1044 — open: raise an "
                            "exception or resolve with later evidence")
    resolved = StatementEvidence(C.contradicted, 7, "disposal-log.xlsx", "no certificate", 9, "certs.pdf", "received")
    assert not resolved.red_flag
    assert resolved.describe() == ("contradicted by disposal-log.xlsx (#7): no certificate — resolved by certs.pdf "
                                   "(#9): received")
    raised = StatementEvidence(C.contradicted, 7, "disposal-log.xlsx", "", exception_id=4)
    assert raised.describe() == "contradicted by disposal-log.xlsx (#7) — exception #4 raised"
    assert StatementEvidence(C.corroborated, 2, "review.pdf", "signed").describe() == "corroborated by review.pdf (#2): signed"
    assert StatementEvidence(C.uncorroborated).describe() == "uncorroborated"


def test_autosave_writes_only_over_the_version_it_read():
    assert autosave_action(True, 3, 3, "old", "old and new") is SaveAction.update
    assert autosave_action(True, 3, 3, "same", "same") is SaveAction.unchanged
    assert autosave_action(True, 4, 3, "theirs", "mine") is SaveAction.keep_as_new
    assert autosave_action(True, 4, 3, "mine", "mine") is SaveAction.unchanged
    assert autosave_action(False, None, 3, "", "mine") is SaveAction.recreate
    assert autosave_action(False, None, 3, "", "  ") is SaveAction.unchanged
