"""Every table's rows as stored, for the journal replay and for bulk-write digests.

The tables are taken from the metadata (`SQLModel.metadata`), so a table another area adds is
covered with no change here; rows are read raw (`SELECT`, primary-key order, keyset-paginated) so a
value written with `sqlite3` that the ORM could not even load is still compared. The replay rules
are `domain/replay.py`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric, Table, TypeDecorator

from fieldwork_tui.domain import replay as rp
from fieldwork_tui.store import locks

#: Never compared: the journal itself and Alembic's bookkeeping.
SKIP = frozenset({locks.JOURNAL_TABLE}) | locks.EXEMPT


def _kind(column) -> str:
    t = column.type
    while isinstance(t, TypeDecorator):  # sqlmodel's AutoString, UTCDateTime
        t = t.impl_instance
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, JSON):
        return "json"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, Integer):
        return "int"
    if isinstance(t, Float | Numeric):
        return "float"
    return "str"


def _default(column) -> tuple[bool, Any]:
    d = column.default
    if d is None or not getattr(d, "is_scalar", False):
        return False, None
    return True, d.arg


def table_spec(table: Table) -> rp.TableSpec:
    kinds = {c.name: _kind(c) for c in table.columns}
    defaults = {}
    for c in table.columns:
        has, value = _default(c)
        if has:
            defaults[c.name] = value
        elif c.nullable and not c.primary_key:
            defaults[c.name] = None
    return rp.TableSpec(table.name, tuple(c.name for c in table.primary_key.columns), kinds, defaults)


def table_specs(metadata=None) -> list[rp.TableSpec]:
    if metadata is None:
        from sqlmodel import SQLModel

        import fieldwork_tui.store.models  # noqa: F401 - registers the tables

        metadata = SQLModel.metadata
    return [table_spec(t) for t in metadata.sorted_tables if t.name not in SKIP]


def spec_for(table_name: str) -> rp.TableSpec:
    for spec in table_specs():
        if spec.name == table_name:
            return spec
    raise KeyError(table_name)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(conn, spec: rp.TableSpec, columns, where: Mapping[str, Any] | None):
    existing = {r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({_q(spec.name)})").all()}
    if not existing:
        return None, []
    cols = [c for c in columns if c in existing]
    conds, params = [], []
    for c, v in (where or {}).items():
        conds.append(f"{_q(c)} = ?")
        params.append(v)
    sql = (f"SELECT {', '.join(_q(c) for c in cols)} FROM {_q(spec.name)}"
           + (" WHERE " + " AND ".join(conds) if conds else "")
           + " ORDER BY " + ", ".join(_q(c) for c in spec.primary_key))
    # the DB-API cursor streams: rows are fetched as they are read, never all at once
    return conn.exec_driver_sql(sql, tuple(params)), cols


def _batched(result):
    while rows := result.fetchmany(5000):
        yield from rows


def raw_rows(conn, spec: rp.TableSpec, where: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The table's rows as stored, in primary-key order, streamed."""
    result, cols = _select(conn, spec, list(spec.kinds), where)
    if result is None:
        return
    while rows := result.fetchmany(5000):
        for r in rows:
            yield dict(zip(cols, r, strict=True))


def bulk_descriptor(conn, table_name: str, where: Mapping[str, Any]) -> dict[str, Any]:
    """The `bulk` descriptor to journal after writing rows in bulk, digesting them as stored."""
    spec = spec_for(table_name)
    columns = sorted(spec.kinds)
    result, cols = _select(conn, spec, columns, where)
    count, digest = rp.digest_tuples(spec, cols, _batched(result) if result is not None else [])
    return {"table": spec.name, "where": dict(where), "rows": count, "columns": cols, "sha256": digest}


