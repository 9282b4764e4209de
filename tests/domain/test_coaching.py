"""possible_coached_answer: near-identical answers by different interviewees on one control, or a
recital of the control description; never short generic answers, never a genuine paraphrase."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fieldwork_tui.domain.coaching import (
    CoachingError,
    CoachingSettings,
    SignalDecision,
    SignalKind,
    SignalReview,
    StatementText,
    coaching_settings,
    coaching_signals,
    is_open,
    near_identical,
    normalise,
    recites,
    review_problem,
    similarity,
)

DIEGO = "Every quarter I export all production users and each manager confirms or removes access."
COACHED = "Every quarter we export all the production users, and each manager confirms or removes access!"
PARAPHRASE = ("Managers get a list of their team's production accounts from Diego twice a year; they tick what "
              "to keep in Jira and he deletes the rest within a week.")
DESCRIPTION = ("Managers review user access to production systems each quarter and revoke inappropriate access.")


def test_near_identical_answers_are_flagged_and_a_paraphrase_with_different_facts_is_not():
    assert near_identical(DIEGO, COACHED)
    assert not near_identical(DIEGO, PARAPHRASE)
    assert similarity(DIEGO, PARAPHRASE) < 90


@pytest.mark.parametrize("short", ["yes", "we do", "Yes, we do.", "Yes we do that every time", "correct"])
def test_short_generic_answers_never_trigger(short):
    assert not near_identical(short, short)
    assert not near_identical(short, f"{short}!")
    assert not recites(short, short)


def test_a_short_statement_inside_a_long_different_one_is_not_near_identical():
    short = "We review production access every quarter with every manager"
    long = (short + " and then I export the list from Okta, send it to the managers, wait for their tickets, "
            "remove the accounts they reject and file the evidence in the GRC folder by the fifth working day.")
    assert similarity(short, long) == 100  # the token-set ratio alone would call them identical
    assert not near_identical(short, long)


def test_reciting_the_control_description():
    assert recites("Managers review user access to production systems each quarter and revoke inappropriate "
                   "access.", DESCRIPTION)
    assert recites("Yes: managers review user access to production systems each quarter and revoke "
                   "inappropriate access", DESCRIPTION)
    assert not recites(DIEGO, DESCRIPTION)
    assert not recites(PARAPHRASE, DESCRIPTION)


def test_normalisation_folds_case_width_and_punctuation():
    assert normalise("ＡＣＣＥＳＳ  Review—Quarterly!") == "access review quarterly"


def test_signals_need_different_interviewees_on_the_same_control():
    statements = [StatementText(1, 10, DIEGO, ("AC-01",)), StatementText(2, 11, COACHED, ("AC-01", "AC-02")),
                  StatementText(3, 10, COACHED, ("AC-01",)),  # Diego again: not coaching
                  StatementText(4, 12, COACHED, ("AC-09",)),  # another control: not compared
                  StatementText(5, 13, PARAPHRASE, ("AC-01",))]
    signals = coaching_signals(statements, {"AC-01": DESCRIPTION})
    assert [(s.kind, s.control_ref, s.statement_ids) for s in signals] == [
        (SignalKind.similar_answers, "AC-01", (1, 2)), (SignalKind.similar_answers, "AC-01", (2, 3))]
    assert signals[0].key == "similar_answers:AC-01:1-2" and signals[0].score >= 90


def test_a_recital_is_a_signal_of_its_own():
    statements = [StatementText(7, 10, DESCRIPTION, ("AC-01",))]
    (signal,) = coaching_signals(statements, {"AC-01": DESCRIPTION})
    assert signal.kind is SignalKind.recited_description and signal.statement_ids == (7,)


def test_dismissal_needs_a_reason_and_lapses_when_a_text_changes():
    (signal,) = coaching_signals([StatementText(1, 10, DIEGO, ("AC-01",)), StatementText(2, 11, COACHED, ("AC-01",))])
    assert review_problem("dismissed", "  ")
    assert review_problem("maybe", "x")
    assert review_problem("kept", "") is None
    dismissed = {signal.key: SignalReview(signal.key, signal.fingerprint, SignalDecision.dismissed, "same runbook")}
    kept = {signal.key: SignalReview(signal.key, signal.fingerprint, SignalDecision.kept)}
    assert not is_open(signal, dismissed)
    assert is_open(signal, kept) and is_open(signal, {})
    (edited,) = coaching_signals([StatementText(1, 10, DIEGO + " Really.", ("AC-01",)),
                                  StatementText(2, 11, COACHED, ("AC-01",))])
    assert edited.key == signal.key and edited.fingerprint != signal.fingerprint
    assert is_open(edited, dismissed)


def test_thresholds_are_configurable():
    strict = CoachingSettings(threshold=99.5)
    assert not near_identical(DIEGO, COACHED, strict)
    loose = CoachingSettings(min_words=3)
    assert near_identical("we rotate keys yearly", "We rotate keys yearly.", loose)
    s = coaching_settings({"threshold": 95, "min_words": 10})
    assert s.threshold == 95 and s.min_words == 10 and s.recital_threshold == 90
    for bad, msg in [({"threshold": 101}, "threshold"), ({"min_words": 2.5}, "whole"),
                     ({"threshhold": 90}, "unknown setting"), ({"min_shared": True}, "min_shared"),
                     (3, "must be a table")]:
        with pytest.raises(CoachingError, match=msg):
            coaching_settings(bad, "interview_plan.toml")


# -- properties ------------------------------------------------------------------------------------------
texts = st.text(max_size=300)
words = st.lists(st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=8), max_size=40)


@settings(max_examples=300, deadline=None)
@given(texts, texts)
@example("", "")
@example("\x00\u202e\U0001f600", "ǅ ǆ ß SS")
def test_similarity_is_symmetric_and_bounded_for_any_text(a, b):
    assert similarity(a, b) == similarity(b, a)
    assert 0 <= similarity(a, b) <= 100
    assert near_identical(a, b) == near_identical(b, a)
    recites(a, b)


@settings(max_examples=200, deadline=None)
@given(words, words)
def test_word_lists_are_symmetric(a, b):
    x, y = " ".join(a), " ".join(b)
    assert similarity(x, y) == similarity(y, x)
    assert near_identical(x, y) == near_identical(y, x)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["yes", "we", "do", "it", "that", "always", "correct", "sure", "ok"]), max_size=30))
def test_generic_answers_of_few_distinct_words_never_trigger(ws):
    text = " ".join(ws)
    assert not near_identical(text, text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), texts, st.sampled_from(["AC-01", "AC-02"])), max_size=8))
def test_signals_never_crash_and_pair_different_people(rows):
    statements = [StatementText(i, p, t, (ref,)) for i, (p, t, ref) in enumerate(rows)]
    people = {s.statement_id: s.person_id for s in statements}
    for signal in coaching_signals(statements, {"AC-01": DESCRIPTION}):
        if signal.kind is SignalKind.similar_answers:
            a, b = signal.statement_ids
            assert a < b and people[a] != people[b]


def test_open_signals_per_control():
    from fieldwork_tui.domain.coaching import coached_controls

    signals = coaching_signals([StatementText(1, 10, DIEGO, ("AC-01", "AC-02")), StatementText(2, 11, COACHED, ("AC-01", "AC-02"))])
    a, b = signals
    reviews = {a.key: SignalReview(a.key, a.fingerprint, SignalDecision.dismissed, "both read the runbook")}
    assert coached_controls(signals, reviews) == {"AC-02": 1}
    assert coached_controls(signals, {}) == {"AC-01": 1, "AC-02": 1}
