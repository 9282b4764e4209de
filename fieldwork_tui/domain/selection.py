"""Re-performable selection of a sample: seed, ranking, strata, allocation, untestable rows.

`docs/sampling-method.md` specifies every step precisely enough to re-implement it without this code;
the bundle's `reperform/sample.py` is such a re-implementation (standard library only) and the tests
prove the two agree. Everything here is pure: rows come in as (key, date) pairs, in any order.

Methods (a sample records the one it was drawn with, and is always re-derived with that one):

* `sha256-rank-v1` — a population without a date column: the lowest ranks.
* `sha256-rank-stratified-v1` — legacy. Equal-width strata between the population's own first and
  last dates, so a quarter with no rows stayed invisible. Kept so samples drawn with it re-derive.
* `sha256-rank-stratified-v2` — strata of whole months spanning the audit period, so an empty
  month is reported; rows that cannot be tested (dated outside the audit period, or after the day the
  sample was drawn) are never selected: the rank order moves on to the next row of the same stratum,
  and each row it passed over is recorded with its reason and its replacement.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

METHOD = "sha256-rank-v1"
METHOD_STRATIFIED_V1 = "sha256-rank-stratified-v1"
METHOD_STRATIFIED_V2 = "sha256-rank-stratified-v2"
METHODS = (METHOD, METHOD_STRATIFIED_V1, METHOD_STRATIFIED_V2)
#: At most this many date strata (months of a 12-month period).
MAX_STRATA = 12

#: Why a row cannot be tested.
OUTSIDE_PERIOD = "outside_period"
AFTER_SELECTION = "after_selection_date"
AFTER_TODAY = "after_today"

Rows = Iterable[tuple[str, dt.date | None]]


def method_for(dated: bool) -> str:
    """The method a new sample is drawn with."""
    return METHOD_STRATIFIED_V2 if dated else METHOD


# -- seed and rank ------------------------------------------------------------------------------------
def derive_seed(engagement_uid: str, control_ref: str, population_sha256: str) -> str:
    """SHA-256 (lower-case hex) of the UTF-8 text "<engagement uid>|<control ref>|<population SHA-256>"."""
    return hashlib.sha256(f"{engagement_uid}|{control_ref}|{population_sha256}".encode()).hexdigest()


def rank(seed: str, key: str) -> str:
    """SHA-256 (lower-case hex) of the UTF-8 text "<seed>|<key>"; lower ranks are selected first."""
    return hashlib.sha256(f"{seed}|{key}".encode()).hexdigest()


def _rank_int(seed_prefix: bytes, key: str) -> int:
    return int.from_bytes(hashlib.sha256(seed_prefix + key.encode()).digest(), "big")


# -- what can be tested -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Untestable:
    code: str  # OUTSIDE_PERIOD, AFTER_SELECTION or AFTER_TODAY
    text: str  # "dated 2027-01-04, outside the audit period 2026-01-01 to 2026-12-31"


def untestable(day: dt.date | None, period: tuple[dt.date, dt.date] | None, *,
               selected_on: dt.date | None = None, today: dt.date | None = None) -> Untestable | None:
    """Why an instance dated `day` cannot be tested, or None when it can. An instance outside the audit
    period is not evidence of the control's operation in the period; one dated after the day the sample
    was drawn (or after today) has not happened yet, or the extract's dates are wrong."""
    if day is None:
        return None
    if period is not None and not (period[0] <= day <= period[1]):
        return Untestable(OUTSIDE_PERIOD, f"dated {day.isoformat()}, outside the audit period "
                                          f"{period[0].isoformat()} to {period[1].isoformat()}")
    if selected_on is not None and day > selected_on:
        return Untestable(AFTER_SELECTION, f"dated {day.isoformat()}, after the day the sample was drawn "
                                           f"({selected_on.isoformat()})")
    if today is not None and day > today:
        return Untestable(AFTER_TODAY, f"dated {day.isoformat()}, after today ({today.isoformat()})")
    return None


# -- strata -------------------------------------------------------------------------------------------
def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole calendar months, the day of month clamped to the target month's length
    (31 January + 1 month = 28 February, or 29 in a leap year)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The period cut into months anchored on its first day: month j runs from start + j months to the
    day before start + (j + 1) months; the last month ends at `end`."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    out = []
    j = 0
    while (first := add_months(start, j)) <= end:
        nxt = add_months(start, j + 1)
        out.append((first, min(nxt - dt.timedelta(days=1), end)))
        j += 1
    return out


def strata_v2(start: dt.date, end: dt.date, size: int) -> list[tuple[dt.date, dt.date]]:
    """k = min(size, months, 12) strata of whole months (at least one): stratum i holds months
    floor(i·m/k) … floor((i+1)·m/k) − 1, so 12 months and a size of 4 give the four quarters."""
    months = period_months(start, end)
    m = len(months)
    k = max(1, min(size, m, MAX_STRATA))
    return [(months[i * m // k][0], months[(i + 1) * m // k - 1][1]) for i in range(k)]


def stratum_of(day: dt.date, start: dt.date, end: dt.date, strata: int) -> int:
    """v1: index of the equal-width date stratum holding `day` (strata cover start..end inclusive;
    days outside fall into the first or last stratum)."""
    span = (end - start).days + 1
    offset = min(max((day - start).days, 0), span - 1)
    return offset * strata // span


def strata_v1(start: dt.date, end: dt.date, size: int) -> list[tuple[dt.date, dt.date]]:
    """v1's equal-width strata as date ranges (for reporting)."""
    k = min(size, MAX_STRATA)
    span = (end - start).days + 1
    firsts = [-(-i * span // k) for i in range(k + 1)]  # first offset of stratum i: ceil(i·span/k)
    return [(start + dt.timedelta(days=firsts[i]), start + dt.timedelta(days=firsts[i + 1] - 1)) for i in range(k)]


# -- allocation ---------------------------------------------------------------------------------------
def allocate(counts: Sequence[int], n: int) -> list[int]:
    """v1: split n over strata in proportion to their sizes (largest remainder, ties to the earlier
    stratum, floating point), never more than a stratum holds."""
    total = sum(counts)
    n = min(n, total)
    if total == 0:
        return [0] * len(counts)
    quotas = [n * c / total for c in counts]
    alloc = [min(c, math.floor(q)) for c, q in zip(counts, quotas, strict=True)]
    order = sorted(range(len(counts)), key=lambda i: (-(quotas[i] - math.floor(quotas[i])), i))
    remaining = n - sum(alloc)
    while remaining > 0:
        progressed = False
        for i in order:
            if remaining and alloc[i] < counts[i]:
                alloc[i] += 1
                remaining -= 1
                progressed = True
        if not progressed:
            break
    return alloc


def allocate_exact(counts: Sequence[int], n: int) -> list[int]:
    """v2: largest remainder in whole numbers. With N = Σ counts and n ≤ N, stratum i gets
    floor(n·cᵢ / N), and the n − Σ floors left over go one each to the strata with the largest
    remainders (n·cᵢ mod N), ties to the earlier stratum. No stratum ever gets more than it holds."""
    total = sum(counts)
    n = min(n, total)
    if total <= 0:
        return [0] * len(counts)
    alloc = [n * c // total for c in counts]
    order = sorted(range(len(counts)), key=lambda i: (-(n * counts[i] % total), i))
    for i in order[: n - sum(alloc)]:
        alloc[i] += 1
    return alloc


# -- results ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stratum:
    number: int  # 1-based
    start: dt.date
    end: dt.date
    rows: int  # population rows dated in the stratum (not counting keys excluded as already selected)
    eligible: int  # of which can be tested
    selected: int

    @property
    def empty(self) -> bool:
        return self.rows == 0


@dataclass(frozen=True)
class Skipped:
    """A row the rank order reached that cannot be tested, and the row that took its place."""

    key: str
    day: dt.date | None
    stratum: int  # 1-based, 0 when the method has no strata
    code: str
    reason: str
    replaced_by: str | None  # None: the stratum held no further row that can be tested


@dataclass(frozen=True)
class Selection:
    method: str
    keys: tuple[str, ...]
    strata: tuple[Stratum, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    #: rows dated outside the audit period (v2: never selected)
    outside_period: int = 0
    #: rows dated after the selection date inside the period (v2: never selected)
    after_selection: int = 0

    @property
    def empty_strata(self) -> tuple[Stratum, ...]:
        return tuple(s for s in self.strata if s.empty)


class _Desc:
    """Max-heap entry on (rank, key): heapq keeps the smallest, so comparisons are reversed."""

    __slots__ = ("rank", "key", "day")

    def __init__(self, rank_: int, key: str, day: dt.date | None) -> None:
        self.rank, self.key, self.day = rank_, key, day

    def __lt__(self, other: _Desc) -> bool:
        return (self.rank, self.key) > (other.rank, other.key)


def _keep(heap: list[_Desc], cap: int, r: int, key: str, day: dt.date | None) -> None:
    """Keep the `cap` lowest (rank, key) entries seen."""
    if len(heap) < cap:
        heapq.heappush(heap, _Desc(r, key, day))
    elif cap and (r, key) < (heap[0].rank, heap[0].key):
        heapq.heapreplace(heap, _Desc(r, key, day))


def _ascending(heap: list[_Desc]) -> list[_Desc]:
    return sorted(heap, key=lambda e: (e.rank, e.key))


# -- v1 -----------------------------------------------------------------------------------------------
def select_keys(rows: Rows, size: int, seed: str, *, exclude: frozenset[str] | set[str] = frozenset(),
                period: tuple[dt.date, dt.date] | None = None) -> list[str]:
    """v1 (`sha256-rank-v1`, and `sha256-rank-stratified-v1` when `period` — the population's own first
    and last date — is given): the period is cut into min(size, 12) equal-width date strata, the size
    is allocated in proportion to their row counts, and each stratum contributes its lowest-ranked
    rows. The result is ordered by date, then rank."""
    return list(_select_v1(rows, size, seed, exclude=exclude, period=period)[0])


def _select_v1(rows: Rows, size: int, seed: str, *, exclude, period):
    if size <= 0:
        return [], [], []
    strata = min(size, MAX_STRATA) if period else 1
    heaps: list[list[tuple[int, str]]] = [[] for _ in range(strata)]  # max-heaps of (-rank, key)
    counts = [0] * strata
    dates: dict[str, dt.date | None] = {}
    for key, day in rows:
        if key in exclude:
            continue
        s = stratum_of(day, period[0], period[1], strata) if period and day is not None else 0
        counts[s] += 1
        item = (-int(rank(seed, key), 16), key)
        heap = heaps[s]
        if len(heap) < size:
            heapq.heappush(heap, item)
            dates[key] = day
        elif item > heap[0]:
            dropped = heapq.heapreplace(heap, item)
            dates.pop(dropped[1], None)
            dates[key] = day
    alloc = allocate(counts, size)
    chosen: list[tuple[dt.date, int, str]] = []
    for s, heap in enumerate(heaps):
        for neg_rank, key in sorted(heap, reverse=True)[: alloc[s]]:
            chosen.append((dates[key] or dt.date.min, -neg_rank, key))
    chosen.sort()
    return [key for _d, _r, key in chosen], counts, alloc


# -- v2 -----------------------------------------------------------------------------------------------
def _select_v2(rows: Rows, size: int, seed: str, *, period: tuple[dt.date, dt.date], selected_on: dt.date,
               exclude: frozenset[str] | set[str]) -> Selection:
    bounds = strata_v2(period[0], period[1], max(size, 1))
    starts = [b[0] for b in bounds]
    k = len(bounds)
    in_stratum, eligible = [0] * k, [0] * k
    good: list[list[_Desc]] = [[] for _ in range(k)]  # lowest `size` testable rows per stratum
    late: list[list[_Desc]] = [[] for _ in range(k)]  # lowest `size` rows dated after the selection date
    outside = after = 0
    prefix = f"{seed}|".encode()
    for key, day in rows:
        if key in exclude:
            continue
        if day is None or day < period[0] or day > period[1]:
            outside += 1
            continue
        s = bisect.bisect_right(starts, day) - 1
        in_stratum[s] += 1
        r = _rank_int(prefix, key)
        if day > selected_on:
            after += 1
            _keep(late[s], size, r, key, day)
        else:
            eligible[s] += 1
            _keep(good[s], size, r, key, day)
    alloc = allocate_exact(eligible, max(size, 0))
    chosen: list[_Desc] = []
    skipped: list[Skipped] = []
    for s in range(k):
        taken = _ascending(good[s])[: alloc[s]]
        chosen.extend(taken)
        if not taken:
            continue
        last = (taken[-1].rank, taken[-1].key)
        walk = sorted([*taken, *(e for e in late[s] if (e.rank, e.key) < last)], key=lambda e: (e.rank, e.key))
        drawn_late = [e for e in walk[: alloc[s]] if e.day > selected_on]
        replacements = [e for e in walk[alloc[s]:] if e.day <= selected_on]
        for gone, instead in zip(drawn_late, replacements, strict=True):
            why = untestable(gone.day, period, selected_on=selected_on)
            skipped.append(Skipped(gone.key, gone.day, s + 1, why.code, why.text, instead.key))
    chosen.sort(key=lambda e: (e.day, e.rank, e.key))
    strata = tuple(Stratum(i + 1, b[0], b[1], in_stratum[i], eligible[i], alloc[i]) for i, b in enumerate(bounds))
    return Selection(METHOD_STRATIFIED_V2, tuple(e.key for e in chosen), strata, tuple(skipped), outside, after)


def select(method: str, rows: Rows, size: int, seed: str, *, strata_period: tuple[dt.date, dt.date] | None = None,
           selected_on: dt.date | None = None, exclude: frozenset[str] | set[str] = frozenset()) -> Selection:
    """Draw `size` keys with `method`. `strata_period` is what the strata span: for
    `sha256-rank-stratified-v1` the population's own first and last date, for v2 the audit period;
    v2 also needs `selected_on`, the day the sample is drawn. `exclude`: keys already selected (an
    expansion) and rows earlier draws passed over."""
    if method == METHOD_STRATIFIED_V2:
        if strata_period is None or selected_on is None:
            raise ValueError(f"{method} needs the audit period and the selection date")
        return _select_v2(rows, size, seed, period=strata_period, selected_on=selected_on, exclude=exclude)
    if method == METHOD_STRATIFIED_V1:
        if strata_period is None:  # a population whose rows carry no dates has a single stratum
            return Selection(method, tuple(select_keys(rows, size, seed, exclude=exclude)))
        keys, counts, alloc = _select_v1(rows, size, seed, exclude=exclude, period=strata_period)
        strata = tuple(Stratum(i + 1, a, b, counts[i], counts[i], alloc[i])
                       for i, (a, b) in enumerate(strata_v1(*strata_period, size))) if size > 0 else ()
        return Selection(method, tuple(keys), strata)
    if method == METHOD:
        return Selection(method, tuple(select_keys(rows, size, seed, exclude=exclude)))
    raise ValueError(f"unknown sampling method {method!r} (known: {', '.join(METHODS)})")


def replacement(method: str, rows: Rows, seed: str, *, size: int, strata_period: tuple[dt.date, dt.date] | None,
                removed_day: dt.date | None, period: tuple[dt.date, dt.date] | None, today: dt.date,
                exclude: frozenset[str] | set[str]) -> str | None:
    """The row that replaces a sample item found untestable after it was drawn (e.g. a v1 item outside
    the audit period): the lowest-ranked row, not in `exclude`, that can be tested today, in the stratum
    the method put the removed item in (`size` is the size that sample part was drawn with). None when
    that stratum holds no such row."""
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r} (known: {', '.join(METHODS)})")
    same_stratum = _stratum_test(method, strata_period, size, removed_day)
    best: tuple[int, str] | None = None
    prefix = f"{seed}|".encode()
    for key, day in rows:
        if key in exclude or not same_stratum(day) or untestable(day, period, today=today) is not None:
            continue
        cand = (_rank_int(prefix, key), key)
        if best is None or cand < best:
            best = cand
    return best[1] if best else None


def _stratum_test(method: str, strata_period: tuple[dt.date, dt.date] | None, size: int,
                  removed_day: dt.date | None):
    """A predicate: is a row dated `day` in the stratum the method put `removed_day` in?"""
    if method == METHOD or strata_period is None or removed_day is None:
        return lambda day: True
    if method == METHOD_STRATIFIED_V2:
        found = [(a, b) for a, b in strata_v2(strata_period[0], strata_period[1], size) if a <= removed_day <= b]
        if not found:
            return lambda day: False  # v2 never selects outside its strata
        lo, hi = found[0]
        return lambda day: day is not None and lo <= day <= hi
    k = min(size, MAX_STRATA)
    target = stratum_of(removed_day, strata_period[0], strata_period[1], k)
    return lambda day: day is not None and stratum_of(day, strata_period[0], strata_period[1], k) == target


# -- re-deriving a stored sample ----------------------------------------------------------------------
@dataclass(frozen=True)
class Replaced:
    """An item removed after it was drawn because it cannot be tested, and what replaced it."""

    key: str
    day: dt.date | None
    code: str
    reason: str
    replaced_by: str | None
    on: dt.date  # the day of the replacement ("today" for the rule)


@dataclass(frozen=True)
class Part:
    """One draw of a sample as recorded: the initial selection or an expansion. `replaced` lists the
    replacements made while this was the sample's latest part, in the order they were made; the item
    replaced may belong to this part or an earlier one."""

    label: str
    method: str
    size: int
    strata_period: tuple[dt.date, dt.date] | None
    selected_on: dt.date | None
    keys: tuple[str, ...]  # the items as stored now, in position order
    skipped: tuple[Skipped, ...] = ()
    replaced: tuple[Replaced, ...] = ()


@dataclass(frozen=True)
class PartCheck:
    label: str
    ok: bool
    detail: str


def rederive(parts: Sequence[Part], rows, seed: str, period: tuple[dt.date, dt.date] | None) -> list[PartCheck]:
    """Re-derive every part from the population: `rows()` gives a fresh iterator of (key, date) pairs.
    Each part is drawn with its own method, excluding every key earlier parts drew, passed over or
    replaced; then the replacements recorded with it are replayed (each item must be untestable for its
    recorded reason on its recorded day, and replaced by what `replacement` finds). Each part must then
    equal its stored keys, in order."""
    seen: set[str] = set()
    derived: list[list[str]] = []
    problems: list[list[str]] = []
    days: dict[str, dt.date | None] | None = None
    for part in parts:
        sel = select(part.method, rows(), part.size, seed, strata_period=part.strata_period,
                     selected_on=part.selected_on, exclude=frozenset(seen))
        derived.append(list(sel.keys))
        problems.append([] if tuple(sel.skipped) == tuple(part.skipped)
                        else ["the rows passed over as untestable differ from those recorded"])
        seen.update(sel.keys)
        seen.update(x.key for x in sel.skipped)
        for rep in part.replaced:
            if days is None:
                days = dict(rows())
            holder = next((i for i, keys in enumerate(derived) if rep.key in keys), None)
            if holder is None:
                problems[-1].append(f"replaced item {rep.key} is not in the selection")
                continue
            owner = parts[holder]
            why = untestable(days.get(rep.key), period, today=rep.on)
            if why is None or why.code != rep.code:
                problems[holder].append(f"{rep.key} is recorded as untestable ({rep.code}) but is not")
            instead = replacement(owner.method, rows(), seed, size=owner.size, strata_period=owner.strata_period,
                                  removed_day=days.get(rep.key), period=period, today=rep.on,
                                  exclude=frozenset(seen))
            if instead != rep.replaced_by:
                problems[holder].append(f"{rep.key} should be replaced by {instead or 'nothing'}, "
                                        f"recorded {rep.replaced_by or 'nothing'}")
            at = derived[holder].index(rep.key)
            if instead is None:
                del derived[holder][at]
            else:
                derived[holder][at] = instead
                seen.add(instead)
    out = []
    for part, keys, probs in zip(parts, derived, problems, strict=True):
        if tuple(keys) != tuple(part.keys):
            missing = [k for k in keys if k not in part.keys]
            extra = [k for k in part.keys if k not in keys]
            probs.append("selection differs; re-derived but not stored: "
                         f"{', '.join(missing[:10]) or 'none'}; stored but not re-derived: "
                         f"{', '.join(extra[:10]) or 'none'}" + ("; order differs" if not missing and not extra
                                                                 else ""))
        out.append(PartCheck(part.label, not probs, "; ".join(probs) or f"{len(keys)} items re-derived"))
    return out


def reconciliation(rows: int, expected: int | None, *, outside_period: int = 0, after_selection: int = 0,
                   period: tuple[dt.date, dt.date] | None = None, passed_over: Sequence[Skipped] = (),
                   replaced: Sequence[Replaced] = ()) -> list[str]:
    """The population's reconciliation, in words: its count against the client's, and why rows that
    are in it were not (or are no longer) in the sample."""
    lines = [f"{rows} rows" + ("" if expected is None else
                               "; the client stated the same count: reconciled" if expected == rows else
                               f"; the client stated {expected}: NOT reconciled ({rows - expected:+d})")]
    where = f" ({period[0].isoformat()} to {period[1].isoformat()})" if period else ""
    if outside_period:
        lines.append(f"{_rows(outside_period)} dated outside the audit period{where}: not eligible for the "
                     "sample (an instance outside the period is not evidence of the control in the period)")
    if after_selection:
        lines.append(f"{_rows(after_selection)} dated after the day the sample was drawn: not eligible "
                     "(not yet happened, or the extract's dates are wrong)")
    for s in passed_over:
        lines.append(f"{s.key} ({s.reason}) was passed over"
                     + (f"; replaced by {s.replaced_by}, next in rank order in stratum {s.stratum}"
                        if s.replaced_by else "; no other row of its stratum can be tested"))
    for r in replaced:
        lines.append(f"{r.key} ({r.reason}) removed on {r.on.isoformat()}"
                     + (f"; replaced by {r.replaced_by}, next in rank order in its stratum" if r.replaced_by
                        else "; no other row of its stratum can be tested"))
    return lines


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"
