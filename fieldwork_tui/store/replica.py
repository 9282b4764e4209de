"""The SQLite database of an offline replica of a team engagement, and moving rows between a server and
a replica (services/team/offline.py says when).

A replica is an ordinary engagement folder (`fieldwork.db` + `vault/`, the same migrations) with one
difference in its schema: every table keyed by an integer id is AUTOINCREMENT, its counter set to the
start of the id range the server reserved for this check-out (`reserve_ids`: the server's sequences are
moved past the range). A row the replica creates — by the ORM or in bulk — so takes an id no other replica
and no one on the server can take, and keeps it on the server at check-in: nothing the journal recorded
(ids inside entries, signed statements) needs rewriting.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, and_, delete, insert, select, text, update
from sqlalchemy.engine import Engine

from fieldwork_tui.store import locks

#: Ids reserved per check-out and table (ids are 32-bit on PostgreSQL: 21,000 check-outs).
ID_BLOCK = 100_000
BATCH = 1000


def tables() -> list[Table]:
    from sqlmodel import SQLModel

    import fieldwork_tui.store.models  # noqa: F401 - registers the tables

    return [t for t in SQLModel.metadata.sorted_tables if t.name not in locks.EXEMPT]


def id_tables() -> list[Table]:
    """Tables whose rows get a generated integer id (the journal's own ids are never reproduced)."""
    out = []
    for t in tables():
        pk = list(t.primary_key.columns)
        if (len(pk) == 1 and t.name != locks.JOURNAL_TABLE and pk[0].autoincrement in (True, "auto")
                and pk[0].type.python_type is int):
            out.append(t)
    return out


def reserve_ids(conn) -> tuple[int, int]:
    """On the server (in the check-out's transaction): [base, limit), an id range no sequence will hand out."""
    seqs, base = [], 1
    for t in id_tables():
        pk = next(iter(t.primary_key.columns)).name
        q = '"' + t.name.replace('"', '""') + '"'
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": q, "c": pk}).scalar()
        top = conn.execute(text(f'SELECT COALESCE(max("{pk}"), 0) FROM {q}')).scalar()
        base = max(base, int(top) + 1)
        if seq:
            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
            base = max(base, int(last) + (1 if called else 0))
            seqs.append(seq)
    limit = base + ID_BLOCK
    for seq in seqs:
        conn.execute(text("SELECT setval(:s, :v, false)"), {"s": seq, "v": limit})
    return base, limit


def create_database(db_path: Path) -> Engine:
    """A new, empty engagement database for a replica: migrated, its id tables AUTOINCREMENT."""
    from fieldwork_tui.store.db import install_locks, open_database

    engine = open_database(db_path, create=True)
    copy = MetaData()
    for t in tables():
        t.to_metadata(copy)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                for t in id_tables():
                    if t.dialect_options["sqlite"].get("autoincrement"):
                        continue
                    conn.exec_driver_sql(f'DROP TABLE "{t.name}"')
                    mine = copy.tables[t.name]
                    mine.dialect_options["sqlite"]["autoincrement"] = True
                    mine.create(conn)
                install_locks(conn)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
    return engine


def set_counters(conn, base: int, limit: int) -> None:
    """Each id table's next id: the next free one inside [base, limit) (SQLite's AUTOINCREMENT counter)."""
    for t in id_tables():
        pk = next(iter(t.primary_key.columns)).name
        top = conn.execute(text(f'SELECT COALESCE(max("{pk}"), 0) FROM "{t.name}" WHERE "{pk}" < :l'),
                           {"l": limit}).scalar()
        conn.execute(text("DELETE FROM sqlite_sequence WHERE name = :n"), {"n": t.name})
        conn.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:n, :s)"),
                     {"n": t.name, "s": max(int(top), base - 1)})


def copy_all(src, dst) -> int:
    """Every row of every table (the journal included), parents first; the rows copied."""
    n = 0
    for t in tables():
        result = src.execute(select(t), execution_options={"stream_results": True})
        while rows := result.fetchmany(BATCH):
            dst.execute(insert(t), [dict(r._mapping) for r in rows])
            n += len(rows)
    return n


# -- rows named by journal entries ------------------------------------------------------------------------
def table(name: str) -> Table | None:
    return next((t for t in tables() if t.name == name), None)


def key_of(t: Table, entity_id: str) -> tuple | None:
    cols = list(t.primary_key.columns)
    # one key column: the whole id (a key fingerprint holds "/"); several: joined by "/" (store/journal.py)
    parts = [str(entity_id)] if len(cols) == 1 else str(entity_id).split("/")
    if len(parts) != len(cols) or not all(parts):
        return None
    try:
        return tuple(int(p) if c.type.python_type is int else p for c, p in zip(cols, parts, strict=True))
    except (ValueError, NotImplementedError):
        return None


def _where_key(t: Table, key: tuple):
    return and_(*[c == v for c, v in zip(t.primary_key.columns, key, strict=True)])


def _where(t: Table, where: dict[str, Any]):
    return and_(*[t.c[c] == v for c, v in where.items()])


def get_row(conn, t: Table, key: tuple) -> dict[str, Any] | None:
    row = conn.execute(select(t).where(_where_key(t, key))).mappings().first()
    return dict(row) if row is not None else None


class Changes:
    """The rows a run of journal entries touched: {table: {key}}, and groups written or removed in bulk."""

    def __init__(self) -> None:
        self.keys: dict[str, set[tuple]] = {}
        self.groups: dict[str, list[dict[str, Any]]] = {}
        self.group_deletes: dict[str, list[dict[str, Any]]] = {}
        self.created: dict[str, set[tuple]] = {}

    def add(self, entry: dict[str, Any]) -> None:
        details = entry.get("details") or {}
        if not isinstance(details, dict):
            return
        bulk_delete = details.get("bulk_delete")
        if isinstance(bulk_delete, dict) and table(str(bulk_delete.get("table"))) is not None:
            self.group_deletes.setdefault(bulk_delete["table"], []).append(dict(bulk_delete.get("where") or {}))
        bulk = details.get("bulk")
        if isinstance(bulk, dict):
            if table(str(bulk.get("table"))) is not None and isinstance(bulk.get("where"), dict):
                self.groups.setdefault(bulk["table"], []).append(dict(bulk["where"]))
            return
        t = table(str(entry.get("entity")))
        if t is None or entry.get("action") not in ("create", "update", "delete"):
            return
        key = key_of(t, entry.get("entity_id", ""))
        if key is None:
            return
        self.keys.setdefault(t.name, set()).add(key)
        if entry["action"] == "create":
            self.created.setdefault(t.name, set()).add(key)

    def existing_keys(self) -> Iterable[tuple[str, tuple]]:
        """Rows changed that the run did not create (their version on the other side matters)."""
        for name, keys in self.keys.items():
            for key in keys - self.created.get(name, set()):
                yield name, key


def apply(src, dst, changes: Changes) -> None:
    """Make every row `changes` names in `dst` what it is in `src` (inserted, updated or deleted), parents
    first, deletions children first."""
    order = tables()
    for t in order:
        for where in changes.group_deletes.get(t.name, []):
            dst.execute(delete(t).where(_where(t, where)))
    gone: list[tuple[Table, tuple]] = []
    for t in order:
        for key in sorted(changes.keys.get(t.name, ()), key=str):
            row = get_row(src, t, key)
            if row is None:
                gone.append((t, key))
            elif get_row(dst, t, key) is None:
                dst.execute(insert(t).values(**row))
            else:
                dst.execute(update(t).where(_where_key(t, key)).values(**row))
        for where in changes.groups.get(t.name, []):
            rows = [dict(r._mapping) for r in src.execute(select(t).where(_where(t, where)))]
            have = {tuple(r) for r in dst.execute(select(*t.primary_key.columns).where(_where(t, where)))}
            fresh = [r for r in rows if tuple(r[c.name] for c in t.primary_key.columns) not in have]
            for i in range(0, len(fresh), BATCH):
                dst.execute(insert(t), fresh[i:i + BATCH])
    for t, key in reversed(gone):
        dst.execute(delete(t).where(_where_key(t, key)))


def last_hash(conn) -> str:
    from fieldwork_tui.store.journal import GENESIS
    from fieldwork_tui.store.models import JournalEntry

    j = JournalEntry.__table__  # type: ignore[attr-defined]
    row = conn.execute(select(j.c.hash).order_by(j.c.id.desc()).limit(1)).first()
    return row[0] if row else GENESIS


def append_entries(conn, entries: Iterable[dict[str, Any]]) -> int:
    """Append entries (each {at: datetime, actor, action, entity, entity_id, details}) to the chain of
    `conn`'s journal, each hashed onto the one before; the number appended."""
    from fieldwork_tui.store.journal import entry_hash
    from fieldwork_tui.store.models import JournalEntry

    j = JournalEntry.__table__  # type: ignore[attr-defined]
    prev, n = last_hash(conn), 0
    for e in entries:
        h = entry_hash(prev, e["at"].isoformat(), e["actor"], e["action"], e["entity"], e["entity_id"], e["details"])
        conn.execute(insert(j).values(at=e["at"], actor=e["actor"], action=e["action"], entity=e["entity"],
                                      entity_id=e["entity_id"], details=e["details"], prev_hash=prev, hash=h))
        prev, n = h, n + 1
    return n
