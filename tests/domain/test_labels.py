"""Vocabulary labels: every status, conclusion and frequency reads as words, never as its code."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain import vocab
from fieldwork_tui.domain.labels import LABELS, label


@pytest.mark.parametrize("enum", [vocab.ControlStatus, vocab.Conclusion, vocab.Frequency, vocab.Phase,
                                  vocab.SampleResult, vocab.DeviationConclusion, vocab.RemediationStatus,
                                  vocab.Effectiveness, vocab.Nature, vocab.EngagementType])
def test_every_member_of_the_shown_vocabularies_has_a_label(enum):
    for member in enum:
        assert member in LABELS, member
        assert "_" not in label(member) and label(member)[0].isupper()


def test_labels_read_as_words():
    assert label(vocab.ControlStatus.not_started) == "Not started"
    assert label(vocab.Conclusion.effective_with_exceptions) == "Effective with exceptions"
    assert label(vocab.Frequency.as_needed) == "As needed (event-driven)"
    assert label(vocab.RequestStatus.needs_clarification) == "Needs clarification"  # not listed: its words
    assert label(None) == "" and label("in_progress") == "In progress"
