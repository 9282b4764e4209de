"""Re-performance: compare two lists by key (pure rules, plain data in and out).

The auditor pulls a list itself (A: e.g. every user in the identity provider) and compares it with
the list the client worked from (B: the reviewed list). Keys are normalised before matching —
Unicode NFC always (so "josé" typed with a combining accent is "josé"), then trimmed, inner spaces
collapsed, case-insensitive by default, optionally an e-mail reduced to the user name — because the
two systems rarely spell a user the same way; the result says which normalisation it used. The
result is what an auditor writes up: only in A, only in B, in both with differing fields,
(optionally) a date-window check such as "access removed more than N days after termination", and
keys that appear more than once on one side. Nothing is dropped: a duplicate is a difference that
needs a disposition like any other, and every row of a duplicated key is still compared.

Values compare loosely (trimmed, case-insensitive; two dates or two numbers compare by value) so
"2026-01-05" and "01/05/2026" are the same date, not a difference.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from fieldwork_tui.domain.dates import DateParseError, parse_date


class KeyMode(StrEnum):
    exact = "exact"  # trimmed only
    casefold = "casefold"  # trimmed, inner spaces collapsed, case-insensitive (default)
    username = "username"  # as casefold, and an e-mail address becomes its part before "@"


_SPACES = re.compile(r"\s+")


#: What each key mode does, in the words the result header prints.
KEY_NORMALISATION: dict[KeyMode, str] = {
    KeyMode.exact: "Unicode NFC, trimmed",
    KeyMode.casefold: "Unicode NFC, trimmed, inner spaces collapsed, case-insensitive",
    KeyMode.username: "Unicode NFC, trimmed, inner spaces collapsed, case-insensitive, e-mail reduced to the "
                      "user name",
}


def normalise_key(value: object, mode: KeyMode | str = KeyMode.casefold) -> str:
    text = "" if value is None else unicodedata.normalize("NFC", str(value)).strip()
    mode = KeyMode(mode)
    if mode is KeyMode.exact:
        return text
    text = _SPACES.sub(" ", text).casefold()
    if mode is KeyMode.username and "@" in text:
        text = text.split("@", 1)[0].strip()
    return text


def norm_column(name: object) -> str:
    return _SPACES.sub(" ", str(name or "").strip()).casefold()


def _as_number(text: str) -> float | None:
    t = text.replace(",", "")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", t):
        return None
    return float(t)


def _as_date(text: str) -> dt.date | None:
    if not re.search(r"\d[-/ ]|[A-Za-z]{3} \d", text):
        return None  # plain numbers are numbers, not Excel serials
    try:
        return parse_date(text)
    except DateParseError:
        return None


def same_value(a: object, b: object) -> bool:
    """Loose equality for a cell: trimmed and case-insensitive; dates and numbers by value."""
    ta = "" if a is None else unicodedata.normalize("NFC", str(a)).strip()
    tb = "" if b is None else unicodedata.normalize("NFC", str(b)).strip()
    if _SPACES.sub(" ", ta).casefold() == _SPACES.sub(" ", tb).casefold():
        return True
    if not ta or not tb:
        return False
    na, nb = _as_number(ta), _as_number(tb)
    if na is not None and nb is not None:
        return na == nb
    da, db = _as_date(ta), _as_date(tb)
    return da is not None and da == db


@dataclass(frozen=True)
class DateWindow:
    """Breach when the B date is more than `days` after the A date (or, `absolute`, that far apart
    either way), or when A has a date and B has none."""

    column_a: str
    column_b: str
    days: int
    absolute: bool = False


@dataclass(frozen=True)
class CompareSpec:
    key_a: str
    key_b: str | None = None  # same name as key_a when None
    key_mode: KeyMode = KeyMode.casefold
    #: (column in A, column in B) pairs to compare; None = every column whose name appears on both sides
    columns: tuple[tuple[str, str], ...] | None = None
    ignore: tuple[str, ...] = ()
    date_window: DateWindow | None = None


@dataclass
class Difference:
    kind: str  # only_in_a | only_in_b | differing | date_window | duplicate (DifferenceKind values)
    key: str
    details: dict


@dataclass
class CompareResult:
    key_a: str
    key_b: str
    columns: list[tuple[str, str]]
    count_a: int = 0
    count_b: int = 0
    matched: int = 0
    only_in_a: list[Difference] = field(default_factory=list)
    only_in_b: list[Difference] = field(default_factory=list)
    differing: list[Difference] = field(default_factory=list)
    date_window: list[Difference] = field(default_factory=list)
    #: One difference per key that appears more than once on a side (details: side, rows).
    duplicates: list[Difference] = field(default_factory=list)
    blank_keys_a: int = 0
    blank_keys_b: int = 0
    key_mode: KeyMode = KeyMode.casefold

    @property
    def normalisation(self) -> str:
        """How keys were normalised before matching (the result header says it)."""
        return KEY_NORMALISATION[self.key_mode]

    @property
    def duplicates_a(self) -> list[str]:
        return [d.key for d in self.duplicates if d.details.get("side") == "A"]

    @property
    def duplicates_b(self) -> list[str]:
        return [d.key for d in self.duplicates if d.details.get("side") == "B"]

    @property
    def compared(self) -> int:
        """Distinct items compared (keys on either side): the N of "For X of N <items> compared"."""
        return self.matched + len(self.only_in_a) + len(self.only_in_b)

    @property
    def differences(self) -> list[Difference]:
        return [*self.only_in_a, *self.only_in_b, *self.differing, *self.date_window, *self.duplicates]

    def counts(self) -> dict[str, int]:
        return {"count_a": self.count_a, "count_b": self.count_b, "matched": self.matched,
                "only_in_a": len(self.only_in_a), "only_in_b": len(self.only_in_b),
                "differing": len(self.differing), "date_window_breaches": len(self.date_window),
                "duplicates": len(self.duplicates)}


class CompareError(ValueError):
    """A column named in the spec is not in the list; the message names the side and column."""


def find_column(headers: Sequence[str], name: str, side: str) -> int:
    wanted = norm_column(name)
    for i, h in enumerate(headers):
        if norm_column(h) == wanted:
            return i
    raise CompareError(f"list {side}: no column {name!r} (columns: {', '.join(h for h in headers if h)})")


def matched_columns(headers_a: Sequence[str], headers_b: Sequence[str], spec: CompareSpec) -> list[tuple[str, str]]:
    """The column pairs compared: chosen ones, or every name present on both sides except the keys."""
    if spec.columns is not None:
        for a, b in spec.columns:
            find_column(headers_a, a, "A")
            find_column(headers_b, b, "B")
        return list(spec.columns)
    skip = {norm_column(spec.key_a), norm_column(spec.key_b or spec.key_a), *(norm_column(c) for c in spec.ignore)}
    b_by_norm = {norm_column(h): h for h in headers_b if h}
    return [(h, b_by_norm[norm_column(h)]) for h in headers_a
            if h and norm_column(h) in b_by_norm and norm_column(h) not in skip]


def _cell(row: Sequence[object], i: int) -> str:
    if i >= len(row) or row[i] is None:
        return ""
    return str(row[i]).strip()


def _index(headers: Sequence[str], rows: Iterable[Sequence[object]], key_i: int, mode: KeyMode,
           side: str, result: CompareResult) -> dict[str, list[Sequence[object]]]:
    """Every non-empty row by normalised key (first row first); a key seen twice is a duplicate."""
    out: dict[str, list[Sequence[object]]] = {}
    for row in rows:
        if all(_cell(row, i) == "" for i in range(len(row))):
            continue
        if side == "A":
            result.count_a += 1
        else:
            result.count_b += 1
        key = normalise_key(_cell(row, key_i), mode)
        if not key:
            if side == "A":
                result.blank_keys_a += 1
            else:
                result.blank_keys_b += 1
            continue
        out.setdefault(key, []).append(row)
    for group in out.values():
        if len(group) > 1:
            result.duplicates.append(Difference("duplicate", _cell(group[0], key_i), {
                "side": side, "count": len(group), "keys": [_cell(r, key_i) for r in group],
                "rows": [_as_dict(headers, r) for r in group]}))
    return out


def _as_dict(headers: Sequence[str], row: Sequence[object]) -> dict[str, str]:
    return {h: _cell(row, i) for i, h in enumerate(headers) if h}


def _parse(text: str) -> dt.date | None:
    try:
        return parse_date(text)
    except DateParseError:
        return None


def compare_lists(headers_a: Sequence[str], rows_a: Iterable[Sequence[object]], headers_b: Sequence[str],
                  rows_b: Iterable[Sequence[object]], spec: CompareSpec) -> CompareResult:
    """Compare two lists by key. Rows are sequences of cells aligned with their headers."""
    key_b_name = spec.key_b or spec.key_a
    ka = find_column(headers_a, spec.key_a, "A")
    kb = find_column(headers_b, key_b_name, "B")
    pairs = matched_columns(headers_a, headers_b, spec)
    idx_pairs = [(a, b, find_column(headers_a, a, "A"), find_column(headers_b, b, "B")) for a, b in pairs]
    window = spec.date_window
    if window is not None:
        wa = find_column(headers_a, window.column_a, "A")
        wb = find_column(headers_b, window.column_b, "B")
    result = CompareResult(key_a=headers_a[ka], key_b=headers_b[kb], columns=pairs, key_mode=spec.key_mode)
    a = _index(headers_a, rows_a, ka, spec.key_mode, "A", result)
    b = _index(headers_b, rows_b, kb, spec.key_mode, "B", result)
    for key, rows in a.items():
        others = b.get(key)
        if others is None:
            result.only_in_a.append(Difference("only_in_a", _cell(rows[0], ka), {"row": _as_dict(headers_a, rows[0])}))
            continue
        result.matched += 1
        # every row of a duplicated key is compared with every row of the other side's key, so no row
        # is dropped (a second "ALICE" keeps its late removal) and swapping the lists swaps the result
        for row in rows:
            for other in others:
                fields = {}
                for name_a, name_b, ia, ib in idx_pairs:
                    va, vb = _cell(row, ia), _cell(other, ib)
                    if not same_value(va, vb):
                        label = name_a if norm_column(name_a) == norm_column(name_b) else f"{name_a} / {name_b}"
                        fields[label] = {"a": va, "b": vb}
                if fields:
                    result.differing.append(Difference("differing", _cell(row, ka), {"fields": fields}))
                if window is not None:
                    breach = date_window_breach(_cell(row, wa), _cell(other, wb), window)
                    if breach is not None:
                        result.date_window.append(Difference("date_window", _cell(row, ka), breach))
    for key, rows in b.items():
        if key not in a:
            result.only_in_b.append(Difference("only_in_b", _cell(rows[0], kb), {"row": _as_dict(headers_b, rows[0])}))
    return result


def date_window_breach(text_a: str, text_b: str, window: DateWindow) -> dict | None:
    """None when within the window (or A has no date: nothing to check); else what breached."""
    da = _parse(text_a)
    if da is None:
        return None
    db = _parse(text_b)
    base = {"column_a": window.column_a, "column_b": window.column_b, "a": da.isoformat(), "limit_days": window.days}
    if db is None:
        return {**base, "b": None, "days": None, "reason": f"no {window.column_b} date"}
    days = (db - da).days
    late = abs(days) > window.days if window.absolute else days > window.days
    if not late:
        return None
    return {**base, "b": db.isoformat(), "days": days,
            "reason": f"{window.column_b} {days} days after {window.column_a} (limit {window.days})"}


def parse_window(text: str) -> DateWindow:
    """`COL_A=COL_B:DAYS` (the CLI's --date-window); `~` before DAYS makes it absolute."""
    try:
        cols, days_text = text.rsplit(":", 1)
        col_a, col_b = cols.split("=", 1) if "=" in cols else (cols, cols)
        absolute = days_text.strip().startswith("~")
        days = int(days_text.strip().lstrip("~"))
    except ValueError:
        raise CompareError(f"date window {text!r}: expected COL_A=COL_B:DAYS") from None
    if days < 0 or not col_a.strip() or not col_b.strip():
        raise CompareError(f"date window {text!r}: expected COL_A=COL_B:DAYS with DAYS >= 0")
    return DateWindow(col_a.strip(), col_b.strip(), days, absolute)


def parse_key(text: str) -> tuple[str, str]:
    """`COL_A[=COL_B]` (the CLI's --key)."""
    col_a, _, col_b = text.partition("=")
    if not col_a.strip():
        raise CompareError(f"key {text!r}: expected COL_A[=COL_B]")
    return col_a.strip(), (col_b.strip() or col_a.strip())


def describe_difference(kind: str, key: str, details: dict | None, label_a: str = "A", label_b: str = "B") -> str:
    """One line an auditor can read, naming the key (the result table, the CLI)."""
    d = details or {}
    if kind == "only_in_a":
        return f"{key}: in {label_a}, missing from {label_b}"
    if kind == "only_in_b":
        return f"{key}: in {label_b}, not in {label_a}"
    if kind == "differing":
        parts = [f"{col} {v.get('a')!r} vs {v.get('b')!r}" for col, v in (d.get("fields") or {}).items()]
        return f"{key}: " + "; ".join(parts)
    if kind == "duplicate":
        side = label_a if d.get("side") == "A" else label_b
        spellings = ", ".join(repr(k) for k in d.get("keys") or [key])
        return f"{key}: {d.get('count', 2)} rows in {side} for one key ({spellings})"
    return f"{key}: {d.get('reason', 'outside the date window')}"


def deviation_clause(kind: str, details: dict | None, label_a: str = "A", label_b: str = "B") -> str:
    """What went wrong, without naming the item: the default deviation of an exception raised from
    a difference, as the report words it ("For 1 of 5 terminated users compared, <this>")."""
    d = details or {}
    if kind == "only_in_a":
        return f"the item was in {label_a} but not in {label_b}"
    if kind == "only_in_b":
        return f"the item was in {label_b} but not in {label_a}"
    if kind == "differing":
        cols = ", ".join(d.get("fields") or {}) or "a field"
        return f"{cols} in {label_b} did not agree with {label_a}"
    if kind == "duplicate":
        side = label_a if d.get("side") == "A" else label_b
        return f"the item appeared more than once in {side}"
    if d.get("days") is None:
        return f"no {d.get('column_b', 'date')} was recorded"
    return f"{d.get('column_b', 'the date')} was {d['days']} days after {d.get('column_a', 'the reference date')} " \
           f"(limit {d.get('limit_days', '?')})"
