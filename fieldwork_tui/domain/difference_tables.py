"""Re-performance differences as tables a reader understands: the lists' own names ("HR leavers",
"AD disabled accounts") instead of "a" and "b", and the lists' own columns instead of a dump of the
stored details. Pure: the workpaper builds its difference tables here.

A difference is (kind, key, details) as `domain.compare` stores it:
`only_in_a`/`only_in_b` carry the row (`{"row": {column: value}}`), `differing` the fields
(`{"fields": {column: {"a": …, "b": …}}}`), `date_window` the breach (columns, dates, days, limit,
reason), `duplicate` a key listed more than once on one side (side "A"/"B", count, the keys as
written, the rows). Any other kind (a later one) is shown as its key and its details
written out as "name: value" — never as a Python repr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Kinds in the order their tables appear.
ORDER = ("only_in_a", "only_in_b", "differing", "date_window", "duplicate")


@dataclass(frozen=True)
class DifferenceRow:
    kind: str
    key: str
    details: Mapping[str, Any]
    #: extra cells shown after the table's own columns (e.g. the difference's disposition)
    extra: tuple[str, ...] = ()


@dataclass
class DifferenceTable:
    kind: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


def text(value: Any) -> str:
    """A stored value as a reader sees it: text as is, None as empty, lists joined, mappings as
    "name: value" pairs (recursively), never a repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(text(v) for v in value)
    return str(value)


def _titles(label_a: str, label_b: str) -> dict[str, str]:
    return {
        "only_in_a": f"In {label_a}, not in {label_b}",
        "only_in_b": f"In {label_b}, not in {label_a}",
        "differing": f"Different values in {label_a} and {label_b}",
        "date_window": "Outside the date window",
        "duplicate": f"Keys listed more than once (in {label_a} or {label_b})",
    }


def difference_tables(differences: Iterable[DifferenceRow], *, label_a: str, label_b: str, key_a: str,
                      key_b: str, extra_columns: Sequence[str] = (),
                      kind_title: Callable[[str], str] | None = None) -> list[DifferenceTable]:
    """One table per kind present, in ORDER (other kinds after, by first appearance)."""
    label_a, label_b = label_a or "A", label_b or "B"
    titles = _titles(label_a, label_b)
    groups: dict[str, list[DifferenceRow]] = {}
    for d in differences:
        groups.setdefault(d.kind, []).append(d)
    tables = []
    for kind in [*(k for k in ORDER if k in groups), *(k for k in groups if k not in ORDER)]:
        rows = groups[kind]
        if kind in ("only_in_a", "only_in_b"):
            cols: list[str] = []
            for d in rows:  # the list's own columns, in its order (the union, should rows differ)
                cols += [c for c in ((d.details or {}).get("row") or {}) if c not in cols]
            cols = cols or [(key_a if kind == "only_in_a" else key_b) or "Key"]
            other = any(not (d.details or {}).get("row") and d.details for d in rows)  # an older record's shape
            table = DifferenceTable(kind, titles[kind], [*cols, *(["Details"] if other else []), *extra_columns])
            for d in rows:
                row = (d.details or {}).get("row") or {cols[0]: d.key}
                more = [text({k: v for k, v in (d.details or {}).items() if k != "row"})] if other else []
                table.rows.append([*(text(row.get(c)) for c in cols), *more, *d.extra])
        elif kind == "differing":
            table = DifferenceTable(kind, titles[kind], [key_a or "Key", "Column", label_a, label_b, *extra_columns])
            for d in rows:
                fields = (d.details or {}).get("fields") or {"": {}}
                for i, (col, values) in enumerate(fields.items()):
                    values = values if isinstance(values, Mapping) else {"a": values}
                    table.rows.append([d.key if i == 0 else "", text(col), text(values.get("a")),
                                       text(values.get("b")), *(d.extra if i == 0 else ("",) * len(d.extra))])
        elif kind == "date_window":
            first = rows[0].details or {}
            col_a, col_b = first.get("column_a") or "date", first.get("column_b") or "date"
            table = DifferenceTable(kind, titles[kind], [key_a or "Key", f"{col_a} ({label_a})",
                                                         f"{col_b} ({label_b})", "Days", "Limit (days)",
                                                         *extra_columns])
            for d in rows:
                det = d.details or {}
                table.rows.append([d.key, text(det.get("a")), text(det.get("b")) or "none", text(det.get("days")),
                                   text(det.get("limit_days")), *d.extra])
        elif kind == "duplicate":
            table = DifferenceTable(kind, titles[kind], [key_a or "Key", "Listed in", "Rows", "Keys as written",
                                                         *extra_columns])
            for d in rows:
                det = d.details or {}
                side = label_b if det.get("side") == "B" else label_a
                table.rows.append([d.key, side, text(det.get("count", len(det.get("rows") or []) or 2)),
                                   text(det.get("keys") or [d.key]), *d.extra])
        else:
            title = (kind_title(kind) if kind_title else None) or titles.get(kind) or kind.replace("_", " ").capitalize()
            table = DifferenceTable(kind, title, ["Key", "Details", *extra_columns])
            table.rows.extend([d.key, text(d.details), *d.extra] for d in rows)
        tables.append(table)
    return tables

