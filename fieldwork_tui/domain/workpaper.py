"""What a sign-off covers: the canonical content of one control's workpaper and its digest.

A sign-off is bound to the digest of everything the workpaper shows: the control itself, the rows
recorded for it (statements, observations, inspected files, re-performances and their differences,
populations, samples and their items, exceptions and responses, and whatever rows later hang off
those), and the rows they show by reference — every evidence file the work uses (its as-of date and
description included), the interviews and people named. Any change to any of these changes the
digest, so the sign-off reads "modified since review" until signed again.

Not content: the review itself (review notes and sign-offs — a reviewer's note must not undo the
sign-off it is about), the journal, request-list bookkeeping, population rows (the population's
SHA-256 stands for them), and per-table bookkeeping columns (`NOT_CONTENT_COLUMNS`).

The rules are generic over tables, so rows another part of the app adds later are covered without
a change here: the services walk the schema's foreign keys from the control (down into the rows
recorded for it, up into `SHOWN_REFERENCES`). A column whose value equals its default is left out,
so adding a column (at its default) to the schema leaves every existing sign-off current, while
setting it to anything else is a change like any other.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

#: Bumped whenever what a digest covers changes; stored on every sign-off. A sign-off given under
#: another scheme cannot be checked against today's content and reads as needing a new signature.
HASH_SCHEME = 2

#: Tables whose rows are never part of a control's content, even when a foreign key leads to them.
NOT_CONTENT_TABLES = frozenset({
    "signoff", "reviewnote", "journalentry", "engagement",
    "populationrow",  # the population's sha256 and row count stand for its rows
    "requestcontrol", "evidencerequest", "followup", "requeststatuschange",  # request-list bookkeeping
})

#: Rows a content row shows by reference (followed up a foreign key, never down from there: an
#: interview shows its interviewee, but the interview's statements about other controls are not
#: this control's content).
SHOWN_REFERENCES = frozenset({"evidencefile", "person", "interview", "inquirystatement"})

#: Bookkeeping columns that change without changing what the workpaper says.
NOT_CONTENT_COLUMNS: dict[str, frozenset[str]] = {
    "control": frozenset({"status", "updated_at", "created_at"}),
    "inquirystatement": frozenset({"updated_at", "position"}),
    "interview": frozenset({"updated_at"}),
}


def canonical_value(value: Any) -> Any:
    """A JSON value that reads the same however the row was loaded (aware or naive UTC, enum or word)."""
    if isinstance(value, enum.Enum):
        return canonical_value(value.value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    return value


_MISSING = object()


def content_row(table: str, values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The part of one row that is workpaper content: bookkeeping columns and columns at their
    default left out, values in canonical JSON form."""
    skip = NOT_CONTENT_COLUMNS.get(table, frozenset())
    defaults = defaults or {}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in skip:
            continue
        v = canonical_value(value)
        default = defaults.get(key, _MISSING)
        if default is not _MISSING and v == canonical_value(default) and type(v) is type(canonical_value(default)):
            continue
        out[key] = v
    return out


def _canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def workpaper_state(sections: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The content of one control's workpaper: {table: rows}, rows in a canonical order, tables that
    are not content or hold no row left out (so a table added later changes no digest until used)."""
    state: dict[str, list[dict[str, Any]]] = {}
    for table, rows in sections.items():
        if table in NOT_CONTENT_TABLES:
            continue
        unique = {_canonical_json(r): dict(r) for r in rows}
        if unique:
            state[table] = [unique[k] for k in sorted(unique)]
    return state


def workpaper_digest(state: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a workpaper state; what a sign-off is bound to."""
    return hashlib.sha256(_canonical_json(canonical_value(dict(state))).encode("utf-8")).hexdigest()

