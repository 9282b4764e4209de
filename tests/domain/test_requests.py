"""Request-list rules: status words, business-day ageing, overdue, transitions, safe spreadsheet cells."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork_tui.domain.requests import (
    TRANSITIONS,
    add_business_days,
    business_days,
    can_transition,
    is_overdue,
    neutralise_cell,
    next_ref,
    parse_due_change,
    parse_status,
    parse_wave,
    request_age,
    split_refs,
    transition_problem,
)
from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, RequestStatus, RequestWave

S = RequestStatus
FRI, SAT, SUN, MON = dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22), dt.date(2026, 11, 23)


@pytest.mark.parametrize(("word", "status"), [
    ("Outstanding", S.open), ("PENDING", S.open), ("", S.open), ("Not started", S.open),
    ("In Progress", S.in_progress), ("in-progress", S.in_progress), ("WIP", S.in_progress),
    ("Needs clarification", S.needs_clarification), ("needs_clarification", S.needs_clarification),
    ("Provided", S.submitted), ("uploaded", S.submitted), ("Received", S.submitted),
    ("Awaiting our review", S.submitted), ("Returned", S.returned), ("Rejected", S.returned),
    ("Closed", S.accepted), ("Complete", S.accepted), ("completed", S.accepted), ("Accepted", S.accepted),
    ("N/A", S.not_applicable), ("n/a", S.not_applicable), ("NA", S.not_applicable),
    ("Not Applicable", S.not_applicable), ("not_applicable", S.not_applicable),
])
def test_status_words(word, status):
    assert parse_status(word) is status


@pytest.mark.parametrize("word", ["Waiting", "maybe", "???", "42"])
def test_unknown_status_words(word):
    assert parse_status(word) is None


def test_wave_words():
    assert parse_wave("Population") is RequestWave.population
    assert parse_wave("Wave 2") is RequestWave.sample
    assert parse_wave("") is RequestWave.general
    assert parse_wave("third") is None


def test_business_days_examples():
    assert business_days(FRI, MON) == 1  # made on Friday: one business day old on Monday
    assert business_days(MON, MON) == 0
    assert business_days(MON, dt.date(2026, 11, 30)) == 5
    assert business_days(SAT, SUN) == 0
    assert business_days(MON, FRI) == 0  # never negative


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 400))
def test_business_days_matches_counting(start, span):
    end = start + dt.timedelta(days=span)
    expected = sum(1 for i in range(span) if (start + dt.timedelta(days=i)).weekday() < 5)
    assert business_days(start, end) == expected


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(-60, 60))
def test_add_business_days_lands_on_a_weekday(day, n):
    moved = add_business_days(day, n)
    if n:
        assert moved.weekday() < 5
        assert (moved > day) == (n > 0)
    else:
        assert moved == day


def test_add_business_days_skips_weekends():
    assert add_business_days(FRI, 1) == MON
    assert add_business_days(MON, -1) == FRI


def test_overdue_rule():
    past, today = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
    for status in S:
        assert is_overdue(status, past, today) is (status in OPEN_REQUEST_STATUSES)
    assert not is_overdue(S.open, today, today)  # due today is not overdue yet
    assert not is_overdue(S.open, None, today)


def test_age_stops_when_received():
    req, rec, today = dt.date(2026, 11, 2), dt.date(2026, 11, 4), dt.date(2026, 11, 20)
    assert request_age(S.open, req, None, today) == 14
    assert request_age(S.submitted, req, rec, today) == 2
    assert request_age(S.returned, req, rec, today) == 14  # owed again: ages to today
    assert request_age(S.open, None, None, today) is None


def test_transitions():
    assert can_transition(S.open, S.submitted)
    assert can_transition(S.submitted, S.accepted)
    assert not can_transition(S.open, S.accepted)  # accept only what was submitted
    assert can_transition(S.accepted, S.accepted)  # unchanged is fine
    assert "cannot go from open to accepted" in transition_problem(S.open, S.accepted)
    assert "reason is required" in transition_problem(S.submitted, S.returned)
    assert transition_problem(S.submitted, S.returned, "only Q1") is None
    assert all(s not in targets for s, targets in TRANSITIONS.items())


@pytest.mark.parametrize(("text", "safe"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("plain", "plain"), ("", ""), ("Köhler", "Köhler"),
])
def test_neutralise_cell(text, safe):
    assert neutralise_cell(text) == safe


def test_split_refs():
    assert split_refs("AC-01, AC-02; CM-01") == ["AC-01", "AC-02", "CM-01"]
    assert split_refs("AC-01\nac-01 AC-02") == ["AC-01", "AC-02"]
    assert split_refs("") == []


def test_next_ref_never_reuses():
    assert next_ref([]) == "R-001"
    assert next_ref(["R-001", "R-007", "PBC-9"]) == "R-008"
    assert next_ref(["R-0099"]) == "R-0100"


def test_parse_due_change():
    assert parse_due_change("+3") == ("days", 3)
    assert parse_due_change("-2") == ("days", -2)
    assert parse_due_change("12/01/2026") == ("date", dt.date(2026, 12, 1))
    with pytest.raises(ValueError, match="business days"):
        parse_due_change("soon")
