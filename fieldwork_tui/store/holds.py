"""Controls checked out to offline replicas (docs/team.md): which control a row belongs to, the rule the
server applies while a control is held, the rule a replica applies to what it does not hold, and the
replica's marker file.

- On the server, a write session refuses (before anything is flushed) any change to the work of a control
  someone holds — its row, its evidence links, samples, tests, exceptions, sign-offs — naming who holds it
  and since when. Review notes stay open to the reviewer: `fieldwork sync` brings them to the replica.
- In a replica, a write session refuses a change to the work of a control the replica does not hold, and
  to an existing row that belongs to no control (the engagement, people, requests, evidence records): those
  are read-only copies, changed on the server. New rows of its own (a person interviewed, an evidence file)
  are allowed, and review notes (a preparer answers them offline).

A row belongs to a control through its foreign keys, followed through the tables that are part of one
control's work (a population row → its population → the control), never through shared records (a person,
an evidence file, a request), which many controls cite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from fieldwork_tui.errors import FieldworkError

MARKER = "replica.json"
#: Shared records: a row citing one of these does not belong to that record's control(s).
SHARED = frozenset({"engagement", "person", "evidencefile", "evidencerequest", "interview", "inquirystatement",
                    "signerkey"})
#: Tables neither rule guards: review notes (the reviewer writes them on the server, the preparer answers
#: in the replica; a check-in refuses a note changed on both sides), the holds themselves, the journal.
UNGUARDED = frozenset({"reviewnote", "controlhold", "journalentry", "alembic_version"})


class ControlHeld(FieldworkError):
    """A change to a control checked out to someone else (or read-only in a replica); nothing was saved."""


@dataclass(frozen=True)
class Hold:
    control_id: int
    ref: str
    holder: str
    since: dt.datetime | None
    replica: str

    def describe(self) -> str:
        when = self.since.strftime("%Y-%m-%d %H:%M UTC") if self.since else "an unknown time"
        return f"{self.ref} is checked out to {self.holder or 'someone'} since {when}"


def _tables():
    from sqlmodel import SQLModel

    import fieldwork_tui.store.models  # noqa: F401 - registers the tables

    return SQLModel.metadata.tables


def controls_of(conn, table: str, values: dict[str, Any], _depth: int = 0) -> set[int]:
    """The ids of the controls the row `values` of `table` belongs to (empty: none, a shared record)."""
    tables = _tables()
    if table == "control":
        return {int(values["id"])} if values.get("id") is not None else set()
    t = tables.get(table)
    if t is None or table in SHARED or _depth > 6:
        return set()
    out: set[int] = set()
    parents = []
    for fk in t.foreign_keys:
        target = fk.column.table.name
        value = values.get(fk.parent.name)
        if value is None:
            continue
        if target == "control":
            out.add(int(value))
        elif target not in SHARED:
            parents.append((fk.column.table, fk.column, value))
    if table == "reviewnote" and str(values.get("target_type", "")).rsplit(".", 1)[-1] == "control":
        out.add(int(values["target_id"]))
    if out:
        return out
    for parent, column, value in parents:
        row = conn.execute(select(parent).where(column == value)).mappings().first()
        if row is not None:
            out |= controls_of(conn, parent.name, dict(row), _depth + 1)
    return out


def _values(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {a.key: getattr(obj, a.key) for a in state.mapper.column_attrs}


def _touched(session: Session):
    for obj in list(session.new):
        yield "create", obj
    for obj in list(session.dirty):
        if session.is_modified(obj, include_collections=False):
            yield "update", obj
    for obj in list(session.deleted):
        yield "delete", obj


def open_holds(conn) -> dict[int, Hold]:
    """{control id: its open hold} (empty on an engagement that never checked anything out)."""
    t = _tables()
    holds, controls = t["controlhold"], t["control"]
    if not inspect(conn).has_table("controlhold"):
        return {}
    rows = conn.execute(select(holds.c.control_id, controls.c.ref, holds.c.holder, holds.c.checked_out_at,
                               holds.c.replica).join(controls, controls.c.id == holds.c.control_id)
                        .where(holds.c.released_at.is_(None))).all()
    return {int(r[0]): Hold(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows}


def _refs(conn, ids) -> str:
    c = _tables()["control"]
    refs = sorted(r for (r,) in conn.execute(select(c.c.ref).where(c.c.id.in_(sorted(ids)))))
    return ", ".join(refs) or ", ".join(map(str, sorted(ids)))


def install_server_rules(session: Session) -> None:
    """A server write session refuses changes to held controls (the check-in writes below the ORM)."""
    from sqlalchemy import event

    def guard(s: Session, _ctx, _instances) -> None:
        conn = s.connection()
        held = None
        for _op, obj in _touched(s):
            table = getattr(obj, "__tablename__", "")
            if table in UNGUARDED:
                continue
            if held is None:
                held = open_holds(conn)
                if not held:
                    return
            blocked = sorted(controls_of(conn, table, _values(obj)) & set(held))
            if blocked:
                hold = held[blocked[0]]
                raise ControlHeld(f"{hold.describe()} (an offline replica): nothing was saved; {hold.ref} can be "
                                  f"changed here again once {hold.holder or 'they'} check(s) it in (fieldwork checkin)")

    event.listen(session, "before_flush", guard)


# -- the replica's marker ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplicaInfo:
    replica: str  # the check-out's id (the holds' `replica`)
    server: str  # the postgresql:// address it came from (never a password)
    holder: str
    controls: tuple[str, ...]  # refs held
    control_ids: tuple[int, ...]
    base_id: int  # the server's last journal entry when checked out: the replica's chain continues from it
    base_head: str
    server_seen: int  # the server's last journal entry brought here (check-out, then each sync)
    id_base: int
    id_limit: int
    checked_out_at: str
    checked_in_at: str = ""

    def with_(self, **changes) -> ReplicaInfo:
        data = {**asdict(self), **changes}
        return ReplicaInfo(**data)


def read_marker(root: Path) -> ReplicaInfo | None:
    path = Path(root) / MARKER
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["controls"] = tuple(data["controls"])
        data["control_ids"] = tuple(int(i) for i in data["control_ids"])
        return ReplicaInfo(**data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FieldworkError(f"{path}: not a readable replica record ({exc}); check the replica out again") from None


def write_marker(root: Path, info: ReplicaInfo) -> None:
    path = Path(root) / MARKER
    tmp = path.with_name(f".tmp-{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(info), fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def install_replica_rules(session: Session, info: ReplicaInfo) -> None:
    from sqlalchemy import event

    held = set(info.control_ids)

    def guard(s: Session, _ctx, _instances) -> None:
        conn = s.connection()
        for op, obj in _touched(s):
            table = getattr(obj, "__tablename__", "")
            if table in UNGUARDED and not info.checked_in_at:
                continue
            if info.checked_in_at:
                raise ControlHeld(f"this replica was checked in at {info.checked_in_at}: nothing was saved; "
                                  f"work on the server or check out again (fieldwork checkout … --controls …)")
            owners = controls_of(conn, table, _values(obj))
            if owners - held:
                refs = _refs(conn, owners - held)
                raise ControlHeld(f"{refs}: a read-only copy in this replica (it holds {', '.join(info.controls)}): "
                                  f"nothing was saved; check {refs} out to change it")
            if not owners and op != "create":
                raise ControlHeld(f"{table} #{'/'.join(str(v) for v in inspect(obj).identity or ())}: a read-only "
                                  "copy in this replica (it belongs to no control checked out here): nothing was "
                                  "saved; change it on the server")

    event.listen(session, "before_flush", guard)


def attach_replica_rules(handle) -> None:
    """Called by open_handle: a folder holding a replica marker gets the replica's rule."""
    info = read_marker(handle.root)
    if info is not None:
        handle.session_hooks.append(lambda s: install_replica_rules(s, info))
