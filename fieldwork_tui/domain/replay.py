"""Journal replay: rebuild the state the journal describes, then compare it with the database.

The journal is generic over tables (every ORM insert, update and delete is an entry), so the replay
is too: it knows tables only through `TableSpec` (primary key, column kinds, scalar defaults), which
the service derives from the metadata — a table another helper adds is replayed without a change here.

Entry forms it understands (the journal format, docs/journal-format.md):
- `create`  details = the whole row (column -> value);
- `update`  details = {column: {"from": old, "to": new}} or, for a long text, a delta
  {column: {"delta": [at, cut, insert], "from_sha256": …, "to_sha256": …}} (`text_delta`): replace
  `cut` code points at code point `at` by `insert`; the hashes are of the UTF-8 text before and after;
- `delete`  details = the whole row as it was;
- any entry whose details carry `bulk` = {"table", "where": {column: value}, "rows", "sha256"}: rows
  written in bulk (population rows, re-performance differences); they are checked by count and by
  `rows_digest` of the rows matching `where`, in primary-key order. `bulk_delete` = {"table", "where"}
  removes such a group and every journaled row matching it.

The comparison reports, one `Finding` each: rows that differ (column by column), rows the journal
has and the database lacks, rows the database has that the journal never recorded, bulk groups whose
count or digest differ, and entries that contradict the replayed state (an update whose `from` is not
what the journal itself last said). Memory: the journaled rows are held; bulk rows are streamed.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import heapq
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Texts shorter than this (old + new, in code points) are journaled whole; longer ones as a delta.
DELTA_MIN = 2048

Key = tuple[Any, ...]


# -- values --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """What the replay needs to know of a table. `kinds`: column -> one of datetime, date, json, bool,
    int, float, str. `defaults`: the value a column has when no entry mentions it (a column added by a
    migration after the row was journaled)."""

    name: str
    primary_key: tuple[str, ...]
    kinds: Mapping[str, str]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def normalisers(self) -> dict[str, Callable[[Any], Any]]:
        return {c: _NORMALISERS.get(k, _norm_str) for c, k in self.kinds.items()}


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_canonical_json = _ENCODER.encode


def _norm_datetime(value: Any) -> Any:
    v = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if v.tzinfo is not None:  # timestamps are stored as naive UTC (sqlmodel's UTCDateTime)
        v = v.astimezone(dt.UTC).replace(tzinfo=None)
    return v.isoformat()


def _norm_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)).isoformat()


def _norm_bool(value: Any) -> Any:
    return value.lower() in ("1", "true") if isinstance(value, str) else bool(int(value))


def _norm_int(value: Any) -> Any:
    return value if type(value) is int else int(value)


def _norm_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return _canonical_json(value)


def _norm_str(value: Any) -> Any:
    return value if type(value) is str else str(value)


_NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _norm_datetime, "date": _norm_date, "bool": _norm_bool, "int": _norm_int, "float": float,
    "json": _norm_json, "str": _norm_str,
}


def normalise(kind: str, value: Any) -> Any:
    """One comparable form of a value, whether it comes from a journal entry (JSON) or the database."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    try:
        return _NORMALISERS.get(kind, _norm_str)(value)
    except (TypeError, ValueError, OverflowError):
        return str(value)


def normalise_row(spec: TableSpec, row: Mapping[str, Any]) -> dict[str, Any]:
    norms = spec.normalisers
    out: dict[str, Any] = {}
    for c, v in row.items():
        norm = norms.get(c)
        if norm is None:
            continue
        if v is None:
            out[c] = None
            continue
        if isinstance(v, enum.Enum):
            v = v.value
        try:
            out[c] = norm(v)
        except (TypeError, ValueError, OverflowError):
            out[c] = str(v)
    return out


def row_line(row: Mapping[str, Any], columns: Sequence[str]) -> bytes:
    """One digest line: the canonical JSON array of the row's values in `columns` order, and a newline."""
    return (_canonical_json([row.get(c) for c in columns]) + "\n").encode("utf-8")


class RowsDigest:
    """SHA-256 over the digest lines of normalised rows, fed in primary-key order, and their count.
    `columns` (sorted) are the columns digested: recorded with the digest, so a column a migration adds
    later does not change what an old digest covers."""

    def __init__(self, spec: TableSpec, columns: Sequence[str] | None = None) -> None:
        self.spec = spec
        self.columns = sorted(columns if columns is not None else spec.kinds)
        self._h = hashlib.sha256()
        self.count = 0

    def add(self, row: Mapping[str, Any], normalised: bool = False) -> None:
        self._h.update(row_line(row if normalised else normalise_row(self.spec, row), self.columns))
        self.count += 1

    def hexdigest(self) -> str:
        return self._h.hexdigest()


class NormalisedDigest:
    """`rows_digest` fed with rows already in normalised form, as value lists in sorted-column order
    (an importer that knows its canonical values digests them as it writes, with no read-back)."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.count = 0

    def add(self, values: Sequence[Any]) -> None:
        self._h.update((_canonical_json(list(values)) + "\n").encode("utf-8"))
        self.count += 1

    def add_lines(self, text: str, count: int) -> None:
        """`count` digest lines at once, already in canonical form (each exactly what `add` would encode,
        newline included): for an importer that formats its rows faster than the general encoder."""
        self._h.update(text.encode("utf-8"))
        self.count += count

    def hexdigest(self) -> str:
        return self._h.hexdigest()


#: A JSON string literal exactly as the canonical encoder writes it (non-ASCII kept).
json_string = json.encoder.encode_basestring


def digest_tuples(spec: TableSpec, columns: Sequence[str], values: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """`rows_digest` of rows given as value tuples in `columns` order (sorted): the fast path for a
    million population rows (no dict per row)."""
    norms = [_NORMALISERS.get(spec.kinds.get(c, "str"), _norm_str) for c in columns]
    h = hashlib.sha256()
    count = 0
    encode = _canonical_json
    for row in values:
        out = []
        for norm, v in zip(norms, row, strict=True):
            if v is None:
                out.append(None)
                continue
            try:
                out.append(norm(v.value if isinstance(v, enum.Enum) else v))
            except (TypeError, ValueError, OverflowError):
                out.append(str(v))
        h.update((encode(out) + "\n").encode("utf-8"))
        count += 1
    return count, h.hexdigest()


def rows_digest(spec: TableSpec, rows: Iterable[Mapping[str, Any]],
                columns: Sequence[str] | None = None) -> tuple[int, str]:
    d = RowsDigest(spec, columns)
    for r in rows:
        d.add(r)
    return d.count, d.hexdigest()


# -- text deltas ---------------------------------------------------------------------------------------


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_delta(old: str, new: str) -> dict[str, Any]:
    """The smallest single replacement turning `old` into `new` (common prefix and suffix kept)."""
    limit = min(len(old), len(new))
    pre = 0
    while pre < limit and old[pre] == new[pre]:
        pre += 1
    suf = 0
    while suf < limit - pre and old[len(old) - 1 - suf] == new[len(new) - 1 - suf]:
        suf += 1
    return {"delta": [pre, len(old) - pre - suf, new[pre : len(new) - suf]],
            "from_sha256": sha256_text(old), "to_sha256": sha256_text(new)}


def wants_delta(old: Any, new: Any) -> bool:
    return isinstance(old, str) and isinstance(new, str) and len(old) + len(new) >= DELTA_MIN


class DeltaError(ValueError):
    pass


def apply_delta(old: Any, change: Mapping[str, Any]) -> str:
    """Apply a text delta; DeltaError when the text it starts from or the result is not the one hashed."""
    if not isinstance(old, str) or sha256_text(old) != change.get("from_sha256"):
        raise DeltaError("the text it changes is not the one the journal last recorded")
    try:
        at, cut, insert = change["delta"]
        at, cut = int(at), int(cut)
    except (KeyError, TypeError, ValueError):
        raise DeltaError("malformed text delta") from None
    if at < 0 or cut < 0 or at + cut > len(old) or not isinstance(insert, str):
        raise DeltaError("text delta out of range")
    new = old[:at] + insert + old[at + cut :]
    if sha256_text(new) != change.get("to_sha256"):
        raise DeltaError("the text it produces does not match its recorded hash")
    return new


# -- findings ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One difference between the journal and the database. kind: differs, missing, added, bulk, journal."""

    kind: str
    table: str
    key: str
    message: str


def show(value: Any, width: int = 40) -> str:
    """A value for a one-line message: repr'd (control characters escaped), cut to `width`."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _label(table: str, key: Key, row: Mapping[str, Any] | None) -> str:
    ident = "/".join(str(k) for k in key)
    ref = (row or {}).get("ref")
    return f"{table} #{ident}" + (f" ({show(ref, 30)})" if isinstance(ref, str) and ref else "")


# -- the replay ------------------------------------------------------------------------------------------


@dataclass
class _Group:
    entry_id: Any
    table: str
    where: dict[str, Any]
    rows: int | None
    sha256: str | None
    columns: list[str] | None = None
    digest: RowsDigest | None = None
    deleted: list = field(default_factory=list)  # (key, base row) of group rows deleted one by one

    def matches(self, row: Mapping[str, Any]) -> bool:
        return all(row.get(c) == v for c, v in self.where.items())


@dataclass
class _Overlay:
    """Journaled changes to a row written in bulk: the first `from` and last `to` of each column."""

    first: dict[str, Any] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


class Replay:
    def __init__(self, specs: Iterable[TableSpec]) -> None:
        self.specs = {s.name: s for s in specs}
        self.rows: dict[str, dict[Key, dict[str, Any]]] = {t: {} for t in self.specs}
        self.groups: dict[str, list[_Group]] = {}
        self.overlays: dict[str, dict[Key, _Overlay]] = {}
        self.findings: list[Finding] = []
        self.entries = 0

    # -- applying entries ----------------------------------------------------------------------------

    def _key_of_id(self, spec: TableSpec, entity_id: str) -> Key | None:
        parts = str(entity_id).split("/")
        if len(parts) != len(spec.primary_key) or not all(parts):
            return None
        return tuple(normalise(spec.kinds.get(c, "str"), p) for c, p in zip(spec.primary_key, parts, strict=True))

    def _key_of_row(self, spec: TableSpec, row: Mapping[str, Any]) -> Key | None:
        if not all(row.get(c) is not None for c in spec.primary_key):
            return None
        return tuple(row[c] for c in spec.primary_key)

    def _journal(self, entry: Mapping[str, Any], table: str, key: str, message: str) -> None:
        self.findings.append(Finding("journal", table, key, f"journal entry {entry.get('id')}: {message}"))

    def apply(self, entry: Mapping[str, Any]) -> None:
        self.entries += 1
        details = entry.get("details") or {}
        if not isinstance(details, Mapping):
            return
        bulk = details.get("bulk") or legacy_bulk(entry)
        if isinstance(details.get("bulk_delete"), Mapping):
            self._bulk_delete(details["bulk_delete"])
        if isinstance(bulk, Mapping):
            self._bulk(entry, bulk)
            return  # a summary entry: its rows are the group's
        action, table = entry.get("action"), entry.get("entity")
        spec = self.specs.get(str(table))
        if spec is None or action not in ("create", "update", "delete"):
            return
        if action == "create":
            row = normalise_row(spec, details)
            key = self._key_of_row(spec, row)
            if key is None:
                self._journal(entry, spec.name, str(entry.get("entity_id")), f"creates a {spec.name} row without a key")
                return
            if key in self.rows[spec.name]:
                self._journal(entry, spec.name, "/".join(map(str, key)),
                              f"creates {_label(spec.name, key, row)}, which the journal already holds")
            self.rows[spec.name][key] = row
            return
        key = self._key_of_id(spec, str(entry.get("entity_id", "")))
        if key is None:
            self._journal(entry, spec.name, str(entry.get("entity_id")), f"names no {spec.name} row")
            return
        current = self.rows[spec.name].get(key)
        if current is None:
            if self._bulk_row_change(entry, spec, key, action, details):
                return
            self._journal(entry, spec.name, "/".join(map(str, key)),
                          f"{action}s {_label(spec.name, key, None)}, which the journal never created")
            return
        if action == "delete":
            del self.rows[spec.name][key]
            return
        for column, change in details.items():
            if column not in spec.kinds or not isinstance(change, Mapping):
                continue
            kind = spec.kinds[column]
            before = current.get(column, spec.defaults.get(column))
            if "delta" in change:
                try:
                    current[column] = apply_delta(before, change)
                except DeltaError as exc:
                    self._journal(entry, spec.name, "/".join(map(str, key)),
                                  f"{_label(spec.name, key, current)} {column}: {exc}")
                    current[column] = None
                continue
            if normalise(kind, change.get("from")) != before:
                self._journal(entry, spec.name, "/".join(map(str, key)),
                              f"{_label(spec.name, key, current)} {column} changes from {show(change.get('from'))}, "
                              f"but the journal last recorded {show(before)}")
            current[column] = normalise(kind, change.get("to"))

    def _bulk(self, entry: Mapping[str, Any], bulk: Mapping[str, Any]) -> None:
        spec = self.specs.get(str(bulk.get("table")))
        where = bulk.get("where")
        if spec is None or not isinstance(where, Mapping):
            return
        where_n = {c: normalise(spec.kinds.get(c, "str"), v) for c, v in where.items()}
        rows = bulk.get("rows")
        columns = bulk.get("columns")
        columns = [c for c in columns if isinstance(c, str)] if isinstance(columns, list) else None
        self.groups.setdefault(spec.name, []).append(
            _Group(entry.get("id"), spec.name, where_n, int(rows) if isinstance(rows, int) else None,
                   bulk.get("sha256") if isinstance(bulk.get("sha256"), str) else None, columns))

    def _bulk_delete(self, bulk: Mapping[str, Any]) -> None:
        spec = self.specs.get(str(bulk.get("table")))
        where = bulk.get("where")
        if spec is None or not isinstance(where, Mapping):
            return
        where_n = {c: normalise(spec.kinds.get(c, "str"), v) for c, v in where.items()}
        self.groups[spec.name] = [g for g in self.groups.get(spec.name, []) if g.where != where_n]
        rows = self.rows[spec.name]
        for key in [k for k, r in rows.items() if all(r.get(c) == v for c, v in where_n.items())]:
            del rows[key]

    def _bulk_row_change(self, entry, spec: TableSpec, key: Key, action: str, details: Mapping[str, Any]) -> bool:
        """An update or delete of a row written in bulk: remembered as an overlay on its group."""
        if not self.groups.get(spec.name):
            return False
        ov = self.overlays.setdefault(spec.name, {}).setdefault(key, _Overlay())
        if ov.deleted:
            return False
        if action == "delete":
            row = normalise_row(spec, details)
            ov.deleted = True
            base = {**row, **ov.first}
            for g in self.groups[spec.name]:
                if g.matches(base):
                    g.deleted.append((key, base))
                    return True
            return False
        for column, change in details.items():
            if column not in spec.kinds or not isinstance(change, Mapping) or "delta" in change:
                continue
            kind = spec.kinds[column]
            ov.first.setdefault(column, normalise(kind, change.get("from")))
            ov.last[column] = normalise(kind, change.get("to"))
        return True

    # -- comparing -------------------------------------------------------------------------------------

    def compare(self, table_rows: Callable[[str], Iterable[Mapping[str, Any]]]) -> list[Finding]:
        """Compare with the database. `table_rows(name)` yields the table's rows in primary-key order."""
        out = list(self.findings)
        for name, spec in self.specs.items():
            out += self._compare_table(spec, table_rows(name))
        return out

    def _compare_table(self, spec: TableSpec, db_rows: Iterable[Mapping[str, Any]]) -> Iterator[Finding]:
        expected = self.rows[spec.name]
        groups = self.groups.get(spec.name, [])
        overlays = self.overlays.get(spec.name, {})
        for g in groups:
            g.digest = RowsDigest(spec, g.columns)
            heapq.heapify(g.deleted)
        index: dict[tuple[str, ...], dict[tuple, _Group]] = {}
        for g in groups:  # the first group of a `where` wins, as a linear search would
            index.setdefault(tuple(g.where), {}).setdefault(tuple(g.where.values()), g)
        seen: set[Key] = set()
        for raw in db_rows:
            row = normalise_row(spec, raw)
            key = self._key_of_row(spec, row)
            if key is None:
                continue
            want = expected.get(key)
            if want is not None:
                seen.add(key)
                yield from self._compare_row(spec, key, want, row)
                continue
            ov = overlays.get(key)
            if ov is not None and ov.deleted:
                yield Finding("added", spec.name, _k(key),
                              f"{_label(spec.name, key, row)}: in the database, but the journal deleted it")
                continue
            if ov is not None:
                seen.add(key)
                for column, value in ov.last.items():
                    if row.get(column) != value:
                        yield Finding("differs", spec.name, _k(key),
                                      f"{_label(spec.name, key, row)}: {column} is {show(row.get(column))} in the "
                                      f"database, {show(value)} in the journal")
                base = {**row, **ov.first}
            else:
                base = row
            group = _find_group(index, base) if index else None
            if group is None:
                yield Finding("added", spec.name, _k(key),
                              f"{_label(spec.name, key, row)}: in the database but never recorded in the journal "
                              "(added outside the app)")
                continue
            _feed(group, key, base)
        for key, want in expected.items():
            if key not in seen:
                yield Finding("missing", spec.name, _k(key),
                              f"{_label(spec.name, key, want)}: recorded in the journal but missing from the database")
        for key, ov in overlays.items():
            if key not in seen and not ov.deleted:
                yield Finding("missing", spec.name, _k(key),
                              f"{_label(spec.name, key, None)}: changed in the journal but missing from the database")
        for g in groups:
            while g.deleted:
                _, base = heapq.heappop(g.deleted)
                g.digest.add(base, normalised=True)
            where = ", ".join(f"{c}={v}" for c, v in g.where.items())
            if g.rows is not None and g.digest.count != g.rows:
                yield Finding("bulk", spec.name, where,
                              f"{spec.name} rows with {where}: {g.digest.count} in the database, {g.rows} recorded "
                              f"by journal entry {g.entry_id}")
            elif g.sha256 is not None and g.digest.hexdigest() != g.sha256:
                yield Finding("bulk", spec.name, where,
                              f"{spec.name} rows with {where}: their content differs from what journal entry "
                              f"{g.entry_id} recorded (SHA-256 {g.digest.hexdigest()[:12]}…, not {g.sha256[:12]}…)")

    def _compare_row(self, spec: TableSpec, key: Key, want: Mapping[str, Any], row: Mapping[str, Any]):
        diffs = []
        for column in spec.kinds:
            if column in want:
                expected = want[column]
            elif column in spec.defaults:
                expected = normalise(spec.kinds[column], spec.defaults[column])
            else:
                continue  # a column no entry and no default speaks of: nothing to compare it with
            if row.get(column) != expected:
                diffs.append((column, expected, row.get(column)))
        for column, expected, actual in diffs:
            yield Finding("differs", spec.name, _k(key),
                          f"{_label(spec.name, key, row)}: {column} is {show(actual)} in the database, "
                          f"{show(expected)} in the journal")


def _find_group(index: dict[tuple[str, ...], dict[tuple, _Group]], row: Mapping[str, Any]) -> _Group | None:
    for columns, groups in index.items():
        g = groups.get(tuple(row.get(c) for c in columns))
        if g is not None:
            return g
    return None


def _feed(group: _Group, key: Key, base: Mapping[str, Any]) -> None:
    while group.deleted and group.deleted[0][0] < key:
        _, deleted = heapq.heappop(group.deleted)
        group.digest.add(deleted, normalised=True)
    group.digest.add(base, normalised=True)


def _k(key: Key) -> str:
    return "/".join(str(k) for k in key)


def legacy_bulk(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """Bulk entries journaled before the `bulk` descriptor existed: population rows (counted) and
    re-performance differences (accepted by their re-performance). Their content was not hashed then."""
    details = entry.get("details") or {}
    if entry.get("action") == "import" and entry.get("entity") == "population":
        rows = details.get("rows")
        return {"table": "populationrow", "where": {"population_id": entry.get("entity_id")},
                "rows": rows if isinstance(rows, int) else None}
    if entry.get("action") == "create" and entry.get("entity") == "reperformancedifference" \
            and "reperformance_id" in details and "kind" not in details:
        return {"table": "reperformancedifference", "where": {"reperformance_id": details["reperformance_id"]}}
    return None


def bulk_descriptor(spec: TableSpec, where: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The `bulk` value a service journals after writing rows in bulk (rows in primary-key order)."""
    columns = sorted(spec.kinds)
    count, digest = rows_digest(spec, rows, columns)
    return {"table": spec.name, "where": dict(where), "rows": count, "columns": columns, "sha256": digest}
