"""Hash-chained journal of every change, written in the same transaction as the change.

A session listener turns every ORM insert, update and delete into a `journalentry` row whose
`hash = sha256(prev_hash + canonical JSON)`; bulk writes (population rows) record one summary entry
through `record()`. In the `final_report` phase the engagement is locked: updates and deletes are
refused, additions are still allowed (dated and attributed by the journal).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from fieldwork_tui.domain import replay
from fieldwork_tui.domain.journal_chain import GENESIS, entry_hash, verify_chain  # noqa: F401 - the store's API
from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.errors import EngagementLocked
from fieldwork_tui.store import locks
from fieldwork_tui.store.models import Engagement, JournalEntry, utcnow

_TABLE = JournalEntry.__table__  # type: ignore[attr-defined]
TABLE_NAME: str = _TABLE.name  # the change marker reads its last id (store/handle.py)
#: Tables whose edits stay allowed after the engagement locks (additions are always allowed): the same
#: rule the database's triggers enforce (store/locks.py holds it once).
_EDITABLE_WHEN_LOCKED = locks.UPDATABLE_WHEN_LOCKED


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _last_hash(session: Session) -> str:
    row = session.connection().execute(select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)).first()
    return row[0] if row else GENESIS


def record(session: Session, action: str, entity: str, entity_id: Any = "", details: dict | None = None) -> None:
    """Append one journal entry in the session's transaction."""
    actor = session.info.get("actor", "")
    _append(session, [(action, entity, str(entity_id), _jsonable(details or {}))], actor)


def record_bulk(session: Session, action: str, entity: str, entity_id: Any, details: dict, *, table: str,
                where: dict[str, Any], bulk: dict[str, Any] | None = None) -> None:
    """Journal rows written in bulk (Core inserts, not the ORM): one entry whose `bulk` descriptor
    holds their count and digest, so `fieldwork check` can replay them. `bulk`: a descriptor the
    writer computed as it wrote; without it the rows are digested as stored."""
    from fieldwork_tui.store.table_rows import bulk_descriptor

    if bulk is None:
        bulk = bulk_descriptor(session.connection(), table, where)
    record(session, action, entity, entity_id, {**(details or {}), "bulk": bulk})


def head(session: Session) -> tuple[str, int]:
    """(hash of the last entry, number of entries): the chain as a signer sees it now."""
    from sqlalchemy import func

    conn = session.connection()
    count = conn.execute(select(func.count()).select_from(_TABLE)).scalar_one()
    return _last_hash(session), int(count)


def _append(session: Session, entries: Iterable[tuple[str, str, str, Any]], actor: str) -> None:
    prev = _last_hash(session)
    now = utcnow()
    at = now.isoformat()
    rows = []
    for action, entity, entity_id, details in entries:
        h = entry_hash(prev, at, actor, action, entity, entity_id, details)
        rows.append(
            {"at": now, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
             "details": details, "prev_hash": prev, "hash": h}
        )
        prev = h
    if rows:
        session.connection().execute(insert(_TABLE), rows)


def _row_values(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {c.key: _jsonable(getattr(obj, c.key)) for c in mapper.column_attrs}


def _changes(obj: Any) -> dict[str, Any]:
    """{column: {"from", "to"}} for each changed column; a long text as a delta that replays to the
    new text (domain/replay.py: an autosave of a 1 MB statement journals what was typed, not 2 MB)."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            if replay.wants_delta(old, new):
                out[attr.key] = replay.text_delta(old, new)
            else:
                out[attr.key] = {"from": _jsonable(old), "to": _jsonable(new)}
    return out


def _pk(obj: Any) -> str:
    state = inspect(obj)
    # A new row has no identity key until the flush completes, but its primary key is already set.
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    return "/".join(str(i) for i in ident) if ident and all(i is not None for i in ident) else ""


def _is_locked(session: Session) -> bool:
    cached = session.info.get("_phase_checked")
    if cached is not None:
        return cached
    row = session.connection().execute(select(Engagement.__table__.c.phase).limit(1)).first()  # type: ignore[attr-defined]
    locked = bool(row and row[0] == Phase.final_report.value)
    session.info["_phase_checked"] = locked
    return locked


def _before_flush(session: Session, _ctx, _instances) -> None:
    session.info.pop("_phase_checked", None)
    touched = [o for o in list(session.dirty) + list(session.deleted) if not isinstance(o, JournalEntry)]
    touched = [o for o in touched if o in session.deleted or session.is_modified(o, include_collections=False)]
    if not touched or not _is_locked(session):
        return
    for obj in touched:
        table = obj.__tablename__
        if obj in session.deleted:
            raise EngagementLocked("the engagement is locked (final report): nothing can be deleted")
        if table in _EDITABLE_WHEN_LOCKED:
            continue
        raise EngagementLocked(f"the engagement is locked (final report): {table} #{_pk(obj)} cannot be edited")


def _after_flush(session: Session, _ctx) -> None:
    entries: list[tuple[str, str, str, Any]] = []
    for obj in session.new:
        if isinstance(obj, JournalEntry):
            continue
        entries.append(("create", obj.__tablename__, _pk(obj), _row_values(obj)))
    for obj in session.dirty:
        if isinstance(obj, JournalEntry):
            continue
        changes = _changes(obj)
        if changes:
            entries.append(("update", obj.__tablename__, _pk(obj), changes))
    for obj in session.deleted:
        if isinstance(obj, JournalEntry):
            continue
        entries.append(("delete", obj.__tablename__, _pk(obj), _row_values(obj)))
    if entries:
        _append(session, entries, session.info.get("actor", ""))


def install(session: Session, actor: str) -> Session:
    session.info["actor"] = actor
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "after_flush", _after_flush)
    return session


_FIELDS = ("id", "at", "actor", "action", "entity", "entity_id", "details", "prev_hash", "hash")


def iter_entries(session: Session, batch: int = 1000, *, after: int = 0,
                 before: int | None = None) -> Iterator[dict[str, Any]]:
    """Every journal entry in order (or those with `after` < id < `before`), in its JSON form (the lines
    of a bundle's `journal.jsonl`), fetched in batches so a long journal never sits in memory."""
    last = after
    cols = [_TABLE.c[f] for f in _FIELDS]
    while True:
        q = select(*cols).where(_TABLE.c.id > last)
        if before is not None:
            q = q.where(_TABLE.c.id < before)
        rows = session.connection().execute(q.order_by(_TABLE.c.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield {f: _jsonable(v) for f, v in zip(_FIELDS, row, strict=True)}
        last = rows[-1][0]


def entry_line(entry: dict[str, Any]) -> str:
    """One `journal.jsonl` line (canonical JSON, keys sorted)."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
