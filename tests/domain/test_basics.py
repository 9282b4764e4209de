"""Unit tests for the small pure rules: criteria, frequency words, dates, phases, vocabulary."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.criteria import CRITERIA, category_of, parse_criteria
from fieldwork_tui.domain.dates import DateParseError, parse_date
from fieldwork_tui.domain.parsing import parse_bool, parse_frequency, parse_nature
from fieldwork_tui.domain.phases import PHASES, info, is_at_or_after, next_phase, previous_phase
from fieldwork_tui.domain.vocab import EvidenceType, Flag, Frequency, Nature, Phase, RequestStatus


def test_sixty_one_criteria():
    assert len(CRITERIA) == 61
    assert category_of("PI1.3") == "processing_integrity" and category_of("P4.2") == "privacy"


@pytest.mark.parametrize(
    ("text", "known", "unknown"),
    [("CC6.1; CC6.2", ["CC6.1", "CC6.2"], []), ("cc6.1,CC6.1 a1.2", ["CC6.1", "A1.2"], []),
     ("CC6.9 CC1.1", ["CC1.1"], ["CC6.9"]), ("", [], [])],
)
def test_parse_criteria(text, known, unknown):
    assert parse_criteria(text) == (known, unknown)


@given(st.lists(st.sampled_from(sorted(CRITERIA)), max_size=8), st.sampled_from([";", ",", " ", "; ", " , "]))
def test_parse_criteria_roundtrip(ids, sep):
    known, unknown = parse_criteria(sep.join(ids))
    assert unknown == [] and known == list(dict.fromkeys(ids))


@pytest.mark.parametrize(
    ("word", "freq"),
    [("Annually", Frequency.annual), ("Semi-annually", Frequency.semiannual), ("Quarterly", Frequency.quarterly),
     ("Monthly", Frequency.monthly), ("Weekly", Frequency.weekly), ("Daily", Frequency.daily),
     ("Multiple times per day", Frequency.multiple_daily), ("As needed", Frequency.as_needed),
     ("Continuous", Frequency.continuous), ("Event-driven", Frequency.as_needed), ("multiple_daily",
                                                                                   Frequency.multiple_daily)],
)
def test_frequency_words(word, freq):
    assert parse_frequency(word) is freq


def test_unknown_frequency_and_nature_and_bool():
    assert parse_frequency("fortnightly-ish") is None
    assert parse_nature("Automated") is Nature.automated and parse_nature("IT-dependent manual") is Nature.manual
    assert parse_nature("robotic") is None
    assert parse_bool("Yes") is True and parse_bool("") is False and parse_bool("maybe") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-03-05", dt.date(2026, 3, 5)), ("03/05/2026", dt.date(2026, 3, 5)), (46086, dt.date(2026, 3, 5)),
     ("46086", dt.date(2026, 3, 5)), (dt.datetime(2026, 3, 5, 10, 0), dt.date(2026, 3, 5)), ("", None),
     (None, None), ("2026-03-05T10:00:00Z", dt.date(2026, 3, 5))],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["tomorrow", "13/45/2026", "2026-02-30"])
def test_parse_date_errors(value):
    with pytest.raises(DateParseError):
        parse_date(value)


def test_phases_order_and_weeks():
    assert [p.phase for p in PHASES] == list(Phase)
    assert next_phase(Phase.kickoff) is Phase.evidence_collection and next_phase(Phase.final_report) is None
    assert previous_phase(Phase.kickoff) is None
    assert info(Phase.fieldwork).weeks == "weeks 3–8"
    assert is_at_or_after(Phase.final_report, Phase.draft_report) and not is_at_or_after(Phase.kickoff, "fieldwork")
    start, end = info(Phase.kickoff).dates(dt.date(2026, 10, 5))
    assert (start, end) == (dt.date(2026, 10, 5), dt.date(2026, 10, 11))


def test_vocabulary_names_equal_values():
    for enum in (EvidenceType, Flag, Frequency, Phase, RequestStatus):
        assert all(m.name == m.value for m in enum)
    assert [t.letter for t in EvidenceType] == ["I", "O", "N", "R"]
