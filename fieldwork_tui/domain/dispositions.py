"""Dispositions of re-performance differences: every difference is decided, none is left open.

A difference between the list the auditor pulled and the list the client used (duplicates
included) is either raised as an **exception** on the control, **explained** (a text, and the
evidence where it exists — e.g. the ticket that approved a service account), or marked **not a
deviation** with the reason (a department renamed, a user created after the review date). Until
then it is unresolved and the control carries `unresolved_differences`.
"""

from __future__ import annotations

from collections.abc import Iterable

from fieldwork_tui.domain.vocab import Disposition

LABELS: dict[Disposition, str] = {
    Disposition.exception: "exception",
    Disposition.explained: "explained",
    Disposition.not_deviation: "not a deviation",
}

_SPELLINGS = {"exception": Disposition.exception, "explained": Disposition.explained,
              "not_deviation": Disposition.not_deviation, "not-deviation": Disposition.not_deviation,
              "not a deviation": Disposition.not_deviation, "not-a-deviation": Disposition.not_deviation}


class DispositionError(ValueError):
    """A disposition that cannot be recorded as given; the message says which field and why."""


def parse_disposition(text: Disposition | str) -> Disposition:
    """`exception`, `explained` or `not-deviation` (also `not_deviation`, "not a deviation")."""
    if isinstance(text, Disposition):
        return text
    found = _SPELLINGS.get(" ".join(str(text or "").split()).casefold())
    if found is None:
        raise DispositionError(f"disposition {text!r}: expected exception, explained or not-deviation")
    return found


def disposition_problem(disposition: Disposition | str, reason: str, evidence_id: int | None = None) -> str | None:
    """Why this disposition cannot be recorded as given (None when it can).

    An explanation and a "not a deviation" need their reason; evidence supports an explanation
    only. An exception's reason, when given, is its deviation text (else one is generated).
    """
    try:
        kind = parse_disposition(disposition)
    except DispositionError as exc:
        return str(exc)
    text = " ".join((reason or "").split())
    if kind is Disposition.explained and not text:
        return "reason: say what explains the difference"
    if kind is Disposition.not_deviation and not text:
        return "reason: say why the difference is not a deviation"
    if evidence_id is not None and kind is not Disposition.explained:
        return f"evidence: only an explanation cites evidence (this is {LABELS[kind]})"
    return None


def check_disposition(disposition: Disposition | str, reason: str, evidence_id: int | None = None) -> Disposition:
    """The disposition, or DispositionError saying what is missing."""
    problem = disposition_problem(disposition, reason, evidence_id)
    if problem:
        raise DispositionError(problem)
    return parse_disposition(disposition)


def unresolved_count(dispositions: Iterable[Disposition | str | None]) -> int:
    """How many differences have no disposition yet."""
    return sum(1 for d in dispositions if not d)
