"""A request imported without a request date ages from the import, and says so (issue 15 item 9)."""

from __future__ import annotations

import datetime as dt

from fieldwork_tui.domain.requests import age_start, request_age
from fieldwork_tui.domain.vocab import RequestStatus as S

TODAY = dt.date(2026, 11, 20)  # a Friday


def test_request_date_wins():
    assert request_age(S.open, dt.date(2026, 11, 13), None, TODAY, imported_on=dt.date(2026, 11, 18)) == 5
    assert age_start(dt.date(2026, 11, 13), dt.date(2026, 11, 18)) == "requested"


def test_without_request_date_the_age_counts_from_the_import():
    assert request_age(S.open, None, None, TODAY, imported_on=dt.date(2026, 11, 18)) == 2
    assert age_start(None, dt.date(2026, 11, 18)) == "imported"


def test_neither_known():
    assert request_age(S.open, None, None, TODAY) is None and age_start(None, None) is None
