"""Dispositions of re-performance differences (domain.dispositions)."""

from __future__ import annotations

import pytest

from fieldwork_tui.domain.dispositions import (
    DispositionError,
    check_disposition,
    disposition_problem,
    parse_disposition,
    unresolved_count,
)
from fieldwork_tui.domain.vocab import Disposition


@pytest.mark.parametrize("text, expected", [
    ("exception", Disposition.exception), ("explained", Disposition.explained),
    ("not-deviation", Disposition.not_deviation), ("not_deviation", Disposition.not_deviation),
    ("Not a deviation", Disposition.not_deviation), (Disposition.explained, Disposition.explained),
])
def test_spellings(text, expected) -> None:
    assert parse_disposition(text) is expected


def test_unknown_spelling_names_the_choices() -> None:
    with pytest.raises(DispositionError, match="expected exception, explained or not-deviation"):
        parse_disposition("ignore")


def test_explained_needs_text_evidence_optional() -> None:
    assert disposition_problem("explained", "") == "reason: say what explains the difference"
    assert disposition_problem("explained", "Service account approved in IT-5230.") is None
    assert disposition_problem("explained", "Service account approved in IT-5230.", evidence_id=7) is None


def test_not_a_deviation_needs_its_reason() -> None:
    assert disposition_problem("not-deviation", "  ") == "reason: say why the difference is not a deviation"
    assert disposition_problem("not-deviation", "Department renamed in June.") is None


def test_exception_reason_is_optional_and_evidence_belongs_to_explanations() -> None:
    assert disposition_problem("exception", "") is None
    assert "only an explanation cites evidence" in disposition_problem("exception", "late", evidence_id=3)
    assert "only an explanation cites evidence" in disposition_problem("not-deviation", "renamed", evidence_id=3)


def test_check_returns_the_disposition_or_raises() -> None:
    assert check_disposition("explained", "ok") is Disposition.explained
    with pytest.raises(DispositionError):
        check_disposition("explained", "")


def test_unresolved_count() -> None:
    assert unresolved_count([None, Disposition.exception, "", "explained", None]) == 3
