"""Sign-off rules, the review-note workflow and the derived control status (pure functions)."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.signoff import (
    NoteFacts,
    SignOffFacts,
    StatusFacts,
    clear_problem,
    decide_signoff,
    derive_status,
    identity_key,
    parse_flag_names,
    respond_problem,
)
from fieldwork_tui.domain.vocab import ControlStatus, Flag, SignOffRole

H = "a" * 64


def reviewer(**kw) -> SignOffFacts:
    base = dict(ref="AC-01", role=SignOffRole.reviewer, signer="sam", current_hash=H, preparer_hash=H,
                preparers=frozenset({"elena"}))
    return SignOffFacts(**(base | kw))


def preparer(**kw) -> SignOffFacts:
    return SignOffFacts(**(dict(ref="AC-01", role=SignOffRole.preparer, signer="elena", current_hash=H) | kw))


def test_a_clean_review_is_allowed_and_records_nothing_special():
    d = decide_signoff(reviewer())
    assert d.allowed and d.reason == "" and d.confirmed == () and not d.self_review


def test_the_reviewer_signs_after_the_preparer_on_the_same_content():
    d = decide_signoff(reviewer(preparer_hash="", preparers=frozenset()))
    assert not d.allowed and d.reason == "control AC-01: the preparer has not signed yet; the reviewer signs after"
    d = decide_signoff(reviewer(preparer_hash="b" * 64))
    assert not d.allowed and "modified since the preparer signed" in d.reason
    assert not d.needs_confirmation


@pytest.mark.parametrize("who", ["elena", "Elena", "  ELENA ", "elena\t"])
def test_a_preparer_cannot_review_their_own_work(who):
    d = decide_signoff(reviewer(signer=who))
    assert not d.allowed
    assert d.reason.startswith("control AC-01: ") and "cannot also review it" in d.reason
    assert "self-review is not allowed" in d.reason and "\n" not in d.reason


def test_any_earlier_preparer_counts_not_only_the_latest():
    d = decide_signoff(reviewer(signer="elena", preparers=frozenset({"elena", "omar"})))
    assert not d.allowed and "cannot also review" in d.reason


def test_self_review_is_allowed_by_the_engagement_setting_and_recorded():
    d = decide_signoff(reviewer(signer="elena", allow_self_review=True))
    assert d.allowed and d.self_review
    assert not decide_signoff(reviewer(allow_self_review=True)).self_review  # another person: not self-review


def test_the_reviewer_cannot_sign_over_open_notes():
    d = decide_signoff(reviewer(open_notes=(7, 3)))
    assert not d.allowed and not d.needs_confirmation
    assert d.reason == ("control AC-01: 2 review notes still open (#3, #7); the preparer answers and the "
                        "author clears them before the reviewer signs")
    assert "1 review note still open (#3)" in decide_signoff(reviewer(open_notes=(3,))).reason


def test_open_notes_do_not_stop_the_preparer():
    assert decide_signoff(preparer(open_notes=(3,))).allowed


@pytest.mark.parametrize("make", [reviewer, preparer])
def test_blocking_flags_need_a_confirmation_by_name_which_is_recorded(make):
    flags = (Flag.sample_below_policy.value, Flag.untested_sample_items.value)
    d = decide_signoff(make(blocking_flags=flags))
    assert not d.allowed and d.needs_confirmation and d.unconfirmed == flags
    assert "sample_below_policy, untested_sample_items needs a confirmation" in d.reason
    d = decide_signoff(make(blocking_flags=flags, confirmed_flags=frozenset({"sample_below_policy"})))
    assert not d.allowed and d.unconfirmed == ("untested_sample_items",) and "flag untested_sample_items " in d.reason
    d = decide_signoff(make(blocking_flags=flags, confirmed_flags=frozenset(flags) | {"no_evidence"}))
    assert d.allowed and d.confirmed == flags  # only the flags that were open are recorded


def test_workflow_flags_never_block_signing():
    d = decide_signoff(preparer(blocking_flags=("unsigned", "signoff_stale")))
    assert d.allowed and d.confirmed == ()


def test_refusals_come_in_order_notes_before_flags():
    d = decide_signoff(reviewer(open_notes=(1,), blocking_flags=("no_evidence",)))
    assert "review note" in d.reason and not d.needs_confirmation


def test_identity_key():
    assert identity_key(" Elena  Ruiz ") == identity_key("elena ruiz") != identity_key("elena")


# -- review notes --------------------------------------------------------------------------------

NOTE = NoteFacts(id=4, author="sam", is_open=True)


def test_the_preparer_answers_a_note_not_its_author():
    assert respond_problem(NOTE, "elena", "Tied to the HR roster, see file.") is None
    assert "sam wrote it; the preparer answers it" in respond_problem(NOTE, "Sam", "fine")
    assert respond_problem(NOTE, "sam", "fine", allow_self_review=True) is None
    assert respond_problem(NOTE, "elena", "   ") == "response: the answer needs text"
    closed = NoteFacts(id=4, author="sam", is_open=False, response="x", responded_by="elena")
    assert "is cleared" in respond_problem(closed, "elena", "again")


def test_only_the_author_clears_and_only_once_answered():
    assert clear_problem(NOTE, "sam") == "review note #4: not answered yet; the preparer answers it before it is cleared"
    answered = NoteFacts(id=4, author="sam", is_open=True, response="done", responded_by="elena")
    assert clear_problem(answered, "elena") == "review note #4: only its author (sam) clears it"
    assert clear_problem(answered, " SAM ") is None
    assert clear_problem(NoteFacts(id=4, author="sam", is_open=False), "sam") == "review note #4 is already cleared"


# -- status --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "status"), [
    (StatusFacts(), ControlStatus.not_started),
    (StatusFacts(has_work=True), ControlStatus.in_progress),
    (StatusFacts(has_work=True, preparer_signed=True, preparer_current=True), ControlStatus.ready_for_review),
    (StatusFacts(has_work=True, preparer_signed=True, preparer_current=True, reviewer_signed=True,
                 reviewer_current=True), ControlStatus.reviewed),
    # signed, then changed: back to in progress (even if the change removed the last piece of work)
    (StatusFacts(has_work=True, preparer_signed=True, reviewer_signed=True), ControlStatus.in_progress),
    (StatusFacts(preparer_signed=True), ControlStatus.in_progress),
    # the preparer signed again after a change; the review is stale
    (StatusFacts(has_work=True, preparer_signed=True, preparer_current=True, reviewer_signed=True),
     ControlStatus.ready_for_review),
])
def test_status_follows_the_work(facts, status):
    assert derive_status(facts) is status


def test_a_current_review_without_a_current_preparer_is_not_reviewed():
    f = StatusFacts(has_work=True, preparer_signed=True, reviewer_signed=True, reviewer_current=True)
    assert derive_status(f) is ControlStatus.in_progress


def test_parse_flag_names():
    known = [f.value for f in Flag]
    assert parse_flag_names("sample_below_policy, untested_sample_items", known) == {
        "sample_below_policy", "untested_sample_items"}
    assert parse_flag_names(["a_b"], ["a_b"]) == {"a_b"}
    assert parse_flag_names(None, known) == frozenset()
    with pytest.raises(ValueError, match="unknown flag 'nope'"):
        parse_flag_names("nope", known)
