"""Gather what a sign-off covers — every row of a control's workpaper — and digest it.

The rule of what is content lives in `domain.workpaper`; this module applies it to the schema,
generically: it walks the foreign keys of the tables from the control down into every row recorded
for it (observations, files linked, re-performances and their differences, populations, samples
and items, exceptions and responses, and any table added later that hangs off these), then up into
the rows those show by reference (`SHOWN_REFERENCES`: evidence files with their as-of dates and
descriptions, interviews and statements, people). A table another part of the app adds later is
covered without a change here; one that is not workpaper content goes into
`domain.workpaper.NOT_CONTENT_TABLES`.

Queries: one per table and foreign key (a fixed number for all controls); for one control the
queries are restricted to its rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from fieldwork_tui.domain.workpaper import (
    NOT_CONTENT_TABLES,
    SHOWN_REFERENCES,
    content_row,
    workpaper_digest,
    workpaper_state,
)

Key = tuple[Any, ...]
#: {table name: {primary key: (row values, control ids it belongs to)}}
Collected = dict[str, dict[Key, tuple[dict[str, Any], set[int]]]]


@cache
def _defaults() -> dict[str, dict[str, Any]]:
    """Each table's column defaults as the models declare them (scalar defaults, and the empty
    list/dict of JSON columns); columns whose default is computed (a time, an id) have none."""
    out: dict[str, dict[str, Any]] = {}
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        cls = mapper.class_
        table = mapper.local_table.name
        values: dict[str, Any] = {}
        for name, info in getattr(cls, "model_fields", {}).items():
            if info.default is not PydanticUndefined:
                values[name] = info.default
            elif info.default_factory in (list, dict):
                values[name] = info.default_factory()
        out[table] = values
    return out


def _tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in NOT_CONTENT_TABLES]


def _key(table: Table, row: dict[str, Any]) -> Key:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _fetch(session: Session, table: Table, column, ids: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Rows of `table` whose `column` is one of `ids` (any non-null value when `ids` is None)."""
    q = select(table).where(column.is_not(None))
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        rows: list[dict[str, Any]] = []
        for i in range(0, len(ids), 500):  # stay far below SQLite's bound on parameters
            rows += [dict(r._mapping) for r in session.connection().execute(q.where(column.in_(ids[i:i + 500])))]
        return rows
    return [dict(r._mapping) for r in session.connection().execute(q)]


def _by_primary_key(fk) -> bool:
    """Whether a foreign key names its target row by the target's single-column primary key."""
    cols = list(fk.column.table.primary_key.columns)
    return len(cols) == 1 and cols[0] is fk.column


def collect(session: Session, only: int | None = None) -> Collected:
    """Every content row of every control (or of the control `only`), with the controls it belongs to."""
    tables = _tables()
    by_name = {t.name: t for t in tables}
    got: Collected = defaultdict(dict)
    control = by_name["control"]
    for row in _fetch(session, control, control.c.id, None if only is None else [only]):
        got["control"][_key(control, row)] = (row, {row["id"]})

    # Down: rows recorded for the control, table by table in foreign-key order (parents first).
    owned = {"control"}
    for table in tables:
        if table.name == "control" or table.name in SHOWN_REFERENCES:
            continue
        links = [fk for fk in table.foreign_keys if _by_primary_key(fk) and fk.column.table is not table
                 and fk.column.table.name in owned]
        self_links = [fk for fk in table.foreign_keys if _by_primary_key(fk) and fk.column.table is table]
        for fk in links:
            _link(session, table, fk, got, only)
        while self_links and any(_link(session, table, fk, got, only) for fk in self_links):
            pass
        if got.get(table.name):
            owned.add(table.name)

    # Up: the rows content rows show by reference (evidence files, interviews, statements, people).
    while True:
        wanted: dict[str, dict[Any, set[int]]] = defaultdict(lambda: defaultdict(set))
        for name, rows in list(got.items()):
            table = by_name.get(name)
            if table is None:
                continue
            for fk in table.foreign_keys:
                target = fk.column.table.name
                if target not in SHOWN_REFERENCES or not _by_primary_key(fk):
                    continue
                for row, owners in rows.values():
                    value = row.get(fk.parent.name)
                    if value is not None:
                        wanted[target][value] |= owners
        grew = False
        for target, refs in wanted.items():
            table = by_name[target]
            have = got[target]
            missing = [v for v in refs if (v,) not in have]
            for row in (_fetch(session, table, table.primary_key.columns[0], missing) if missing else []):
                have[_key(table, row)] = (row, set())
            for value, owners in refs.items():
                entry = have.get((value,))
                if entry is not None and not owners <= entry[1]:
                    entry[1].update(owners)
                    grew = True
        if not grew:
            return got


def _link(session: Session, table: Table, fk, got: Collected, only: int | None) -> bool:
    """Attach the rows of `table` that point at collected rows of fk's table; True when any was new."""
    parent = got.get(fk.column.table.name, {})
    if not parent:
        return False
    owners_of = {k[0]: owners for k, (_row, owners) in parent.items()}
    rows = _fetch(session, table, fk.parent, None if only is None else list(owners_of))
    grew = False
    mine = got[table.name]
    for row in rows:
        owners = owners_of.get(row[fk.parent.name])
        if not owners:
            continue
        key = _key(table, row)
        entry = mine.get(key)
        if entry is None:
            mine[key] = (row, set(owners))
            grew = True
        elif not owners <= entry[1]:
            entry[1].update(owners)
            grew = True
    return grew


def content_states(session: Session, only: int | None = None) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """{control id: the workpaper content a sign-off covers} (see `domain.workpaper`)."""
    defaults = _defaults()
    sections: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    got = collect(session, only)
    for cid in got.get("control", {}):
        sections[cid[0]]  # noqa: B018 - every control has a state, even an empty one
    for name, rows in got.items():
        table_defaults = defaults.get(name, {})
        for row, owners in rows.values():
            content = content_row(name, row, table_defaults)
            for cid in owners:
                sections[cid][name].append(content)
    return {cid: workpaper_state(parts) for cid, parts in sections.items()}


def content_digests(session: Session, only: int | None = None) -> dict[int, str]:
    """{control id: digest of its workpaper content} — what a current sign-off must match."""
    return {cid: workpaper_digest(state) for cid, state in content_states(session, only).items()}


def controls_using_evidence(session: Session, evidence_id: int) -> list[int]:
    """Ids of the controls whose workpaper shows the evidence file (linked, corroborating, a list
    compared, a sample item's evidence, ...): the sign-offs a change to the file makes stale."""
    got = collect(session)
    entry = got.get("evidencefile", {}).get((evidence_id,))
    return sorted(entry[1]) if entry else []
