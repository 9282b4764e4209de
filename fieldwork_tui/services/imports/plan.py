"""`--dry-run` for every import: one mechanism.

An importer does all its work — reads every row, checks it, computes and flushes every change —
inside `import_session`. With `dry_run=True` that session is rolled back at its end, so the plan it
reports is exactly what the real import would do (the database's own constraints included) and
nothing is written: no row, no journal entry. Work outside the database (keeping the source file in
the evidence vault) is the importer's to skip when `dry_run` is set.

How an importer uses it::

    with import_session(handle, dry_run=dry_run) as s:
        ... parse, then write with `s` as for real, collecting change lines ...
    return ImportPlan(kind="interviews", source=table.label, summary=..., mapping=..., changes=...,
                      dry_run=dry_run)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from fieldwork_tui.services.imports.views import EXTRA, ColumnUse
from fieldwork_tui.store.handle import EngagementHandle


class _DryRun(Exception):
    """Raised at the end of a dry run's session to roll it back."""


@contextmanager
def import_session(handle: EngagementHandle, *, dry_run: bool) -> Iterator[Session]:
    """The one write session of an import: committed, or with `dry_run` rolled back at its end."""
    try:
        with handle.session() as session:
            session.info["dry_run"] = dry_run
            yield session
            if dry_run:
                session.flush()  # constraints are checked as for real
                raise _DryRun
    except _DryRun:
        pass


def column_mapping(headers: list[str], columns: dict[str, int], labels: dict[str, str] | None = None,
                   skip: set[int] = frozenset()) -> tuple[ColumnUse, ...]:
    """Every column of the header, in file order, with its use: the field it maps to (named by
    `labels`), or extra field. Columns in `skip` (blank headers over empty columns) are left out."""
    by_index = {idx: name for name, idx in columns.items()}
    labels = labels or {}
    out = []
    for i, header in enumerate(headers):
        if i in skip:
            continue
        name = by_index.get(i)
        out.append(ColumnUse(header, labels.get(name, name) if name else EXTRA))
    return tuple(out)


def field_map(headers: list[str], columns: dict[str, int], skip: set[int] = frozenset()) -> tuple[tuple[str, str], ...]:
    """(header, field name or "") for every column, in file order: what a mapping profile saves."""
    by_index = {idx: name for name, idx in columns.items()}
    return tuple((h, by_index.get(i, "")) for i, h in enumerate(headers) if i not in skip)
