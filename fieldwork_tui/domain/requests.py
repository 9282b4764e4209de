"""Rules of the evidence request list (PBC): what the client's status words mean, how old a
request is in business days, when it is overdue, which status changes make sense, and how a cell
is made safe before it goes into a spreadsheet the client will open.

Pure functions on plain data; the services apply them (the triage query mirrors `business_days`
and `is_overdue` in SQL so sorting and filtering never leave the database).
"""

from __future__ import annotations

import datetime as dt
import re

from fieldwork_tui.domain.vocab import OPEN_REQUEST_STATUSES, RequestStatus, RequestWave

S = RequestStatus

#: What trackers write in their status column, normalised (lower case, punctuation as spaces).
STATUS_WORDS: dict[str, RequestStatus] = {
    # the client still has to act
    "open": S.open, "outstanding": S.open, "pending": S.open, "not started": S.open, "new": S.open,
    "requested": S.open, "to do": S.open, "todo": S.open, "not received": S.open, "not provided": S.open,
    "awaiting client": S.open, "awaiting evidence": S.open, "overdue": S.open, "past due": S.open,
    "in progress": S.in_progress, "wip": S.in_progress, "started": S.in_progress,
    "working": S.in_progress, "partially provided": S.in_progress, "partial": S.in_progress,
    "partially received": S.in_progress, "ongoing": S.in_progress,
    "needs clarification": S.needs_clarification, "clarification needed": S.needs_clarification,
    "clarification": S.needs_clarification, "question": S.needs_clarification, "query": S.needs_clarification,
    "on hold": S.needs_clarification, "blocked": S.needs_clarification, "need info": S.needs_clarification,
    # the client has delivered; the auditor has to look
    "submitted": S.submitted, "provided": S.submitted, "uploaded": S.submitted, "received": S.submitted,
    "delivered": S.submitted, "sent": S.submitted, "awaiting review": S.submitted, "awaiting our review": S.submitted,
    "under review": S.submitted, "in review": S.submitted, "ready for review": S.submitted,
    "pending review": S.submitted,
    # the auditor sent it back
    "returned": S.returned, "rejected": S.returned, "reopened": S.returned, "re opened": S.returned,
    "insufficient": S.returned, "incomplete": S.returned, "resubmit": S.returned,
    # done
    "accepted": S.accepted, "closed": S.accepted, "complete": S.accepted, "completed": S.accepted,
    "done": S.accepted, "approved": S.accepted, "reviewed": S.accepted, "cleared": S.accepted,
    "n a": S.not_applicable, "na": S.not_applicable, "not applicable": S.not_applicable,
    "not required": S.not_applicable, "cancelled": S.not_applicable, "canceled": S.not_applicable,
    "withdrawn": S.not_applicable, "out of scope": S.not_applicable,
}

WAVE_WORDS: dict[str, RequestWave] = {
    "general": RequestWave.general, "": RequestWave.general, "pbc": RequestWave.general,
    "population": RequestWave.population, "populations": RequestWave.population, "pop": RequestWave.population,
    "1": RequestWave.population, "wave 1": RequestWave.population, "w1": RequestWave.population,
    "sample": RequestWave.sample, "samples": RequestWave.sample, "2": RequestWave.sample,
    "wave 2": RequestWave.sample, "w2": RequestWave.sample, "sample selection": RequestWave.sample,
}

#: Which status may follow which. The client side moves among the owed statuses and submits;
#: only a submitted (or previously accepted) item can be accepted or returned.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.open: frozenset({S.in_progress, S.needs_clarification, S.submitted, S.not_applicable}),
    S.in_progress: frozenset({S.open, S.needs_clarification, S.submitted, S.not_applicable}),
    S.needs_clarification: frozenset({S.open, S.in_progress, S.submitted, S.not_applicable}),
    S.submitted: frozenset({S.accepted, S.returned, S.needs_clarification, S.in_progress}),
    S.returned: frozenset({S.open, S.in_progress, S.needs_clarification, S.submitted, S.not_applicable}),
    S.accepted: frozenset({S.returned}),
    S.not_applicable: frozenset({S.open}),
}

#: Statuses whose change needs a written reason (the client must know why).
REASON_REQUIRED: frozenset[RequestStatus] = frozenset({S.returned, S.needs_clarification, S.not_applicable})

#: Monday 1900-01-01: business days are counted from here so the count is one subtraction.
BUSINESS_EPOCH = dt.date(1900, 1, 1)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Typical response time the client is given (SOC2-FACTS: ~2 business days); a sample wave gets longer.
RESPONSE_BUSINESS_DAYS = 2
SAMPLE_RESPONSE_BUSINESS_DAYS = 5


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def parse_status(text: str) -> RequestStatus | None:
    """The status a tracker's word means; `open` for an empty cell; None for a word we do not know."""
    if not (text or "").strip():
        return S.open
    key = _norm(text)
    if key.replace(" ", "_") in S.__members__:
        return S(key.replace(" ", "_"))
    return STATUS_WORDS.get(key)


def parse_wave(text: str) -> RequestWave | None:
    return WAVE_WORDS.get(_norm(text))


def weekday_ordinal(day: dt.date) -> int:
    """Weekdays from BUSINESS_EPOCH up to (not including) `day`."""
    n = (day - BUSINESS_EPOCH).days
    weeks, rest = divmod(n, 7)
    return weeks * 5 + min(rest, 5)


def business_days(start: dt.date, end: dt.date) -> int:
    """Weekdays in [start, end): a request made on Friday is one business day old on Monday. Never negative."""
    return max(0, weekday_ordinal(end) - weekday_ordinal(start))


def add_business_days(day: dt.date, n: int) -> dt.date:
    """Move `n` weekdays forward (or back when negative); a weekend start counts from the next/previous weekday."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def is_open(status: RequestStatus | str) -> bool:
    """The client still owes this item."""
    return S(status) in OPEN_REQUEST_STATUSES


def is_overdue(status: RequestStatus | str, due_on: dt.date | None, today: dt.date) -> bool:
    """Overdue = the client still owes it and the due date has passed (due today is not overdue)."""
    return due_on is not None and is_open(status) and due_on < today


def age_end(status: RequestStatus | str, received_on: dt.date | None, today: dt.date) -> dt.date:
    """Until when a request ages: today while owed, the receipt date once the client delivered."""
    if not is_open(status) and received_on is not None:
        return received_on
    return today


def request_age(status: RequestStatus | str, requested_on: dt.date | None, received_on: dt.date | None,
                today: dt.date, imported_on: dt.date | None = None) -> int | None:
    """Age in business days from the request date; a request imported without one ages from the day it
    was imported (`age_start` says which); None when neither is known."""
    start = requested_on or imported_on
    if start is None:
        return None
    return business_days(start, age_end(status, received_on, today))


def age_start(requested_on: dt.date | None, imported_on: dt.date | None) -> str | None:
    """What a request's age counts from: "requested", "imported" (the client's list gave no request
    date — shown so, never passed off as a request date) or None."""
    if requested_on is not None:
        return "requested"
    return "imported" if imported_on is not None else None


def can_transition(old: RequestStatus | str, new: RequestStatus | str) -> bool:
    old, new = S(old), S(new)
    return old == new or new in TRANSITIONS[old]


def transition_problem(old: RequestStatus | str, new: RequestStatus | str, reason: str = "") -> str | None:
    """Why a status change is refused (None when allowed)."""
    old, new = S(old), S(new)
    if not can_transition(old, new):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[old]))
        return f"cannot go from {old.value} to {new.value} (allowed: {allowed})"
    if old != new and new in REASON_REQUIRED and not reason.strip():
        return f"a reason is required to mark it {new.value}"
    return None


def neutralise_cell(text: str) -> str:
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe, so an exported list can never execute what a client typed into a request."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def split_refs(text: str) -> list[str]:
    """Control refs as trackers list them: "AC-01, AC-02", "AC-01; AC-02", "AC-01 AC-02", one per line."""
    out: list[str] = []
    for part in re.split(r"[,;|/\s]+", text or ""):
        p = part.strip()
        if p and p.upper() not in (o.upper() for o in out):
            out.append(p)
    return out


def next_ref(existing: list[str], prefix: str = "R-") -> str:
    """A new request ID after the highest number ever used with `prefix` (IDs are never reused)."""
    highest = 0
    width = 3
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$", re.IGNORECASE)
    for ref in existing:
        m = pattern.match(ref.strip())
        if m:
            highest = max(highest, int(m.group(1)))
            width = max(width, len(m.group(1)))
    return f"{prefix}{highest + 1:0{width}d}"


def parse_due_change(text: str) -> tuple[str, int | dt.date]:
    """What the auditor typed in the due-date dialog: "+3" / "-2" / "3" (business days) or a date.
    Returns ("days", n) or ("date", d); ValueError with a readable message otherwise."""
    from fieldwork_tui.domain.dates import DateParseError, parse_date

    t = (text or "").strip()
    if re.fullmatch(r"[+-]?\d{1,3}", t):
        return "days", int(t)
    try:
        d = parse_date(t)
    except DateParseError:
        d = None
    if d is None:
        raise ValueError(f"{text!r}: type +N / -N business days, or a date (YYYY-MM-DD or MM/DD/YYYY)")
    return "date", d
