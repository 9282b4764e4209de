"""Row versions, so a save over a row someone else changed is refused with who changed it and when.

Every change to a row is journaled in the same transaction (store/journal.py), so a row's version is the
id of its last journal entry: it grows with every change, the entry names who made it and when, and no
table needs a column of its own. A caller that shows a row to a person reads its version with it
(`version_of`); the save passes it back (`expect`), inside the write session. The write session holds the
engagement's write lock from its first statement (`BEGIN IMMEDIATE` on SQLite, the advisory lock on
PostgreSQL), so no one can slip a change between the check and the save. The refusal changes nothing:
the person's typed text stays where it is, to be compared and saved again over the new version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldwork_tui.errors import SaveConflict
from fieldwork_tui.store.models import JournalEntry

_J = JournalEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RowVersion:
    version: int  # 0: never journaled (e.g. a row older than the journal)
    actor: str = ""
    at: dt.datetime | None = None


def version_of(session: Session, table: str, pk: Any) -> RowVersion:
    """`pk` None: a row not there yet (a response not recorded): version 0."""
    if pk is None:
        return RowVersion(0)
    row = session.connection().execute(
        select(_J.c.id, _J.c.actor, _J.c.at).where(_J.c.entity == table, _J.c.entity_id == str(pk))
        .order_by(_J.c.id.desc()).limit(1)
    ).first()
    return RowVersion(int(row[0]), row[1], row[2]) if row else RowVersion(0)


def expect(session: Session, table: str, pk: Any, expected: int | None, what: str) -> None:
    """Refuse the save (SaveConflict) when the row changed since the caller read version `expected`;
    nothing to check when `expected` is None (a caller that read no version)."""
    if expected is None:
        return
    current = version_of(session, table, pk)
    if current.version != expected:
        when = current.at.strftime("%Y-%m-%d %H:%M UTC") if current.at else "an unknown time"
        raise SaveConflict(f"{what} was changed by {current.actor or 'someone'} at {when} since you opened it; "
                           "nothing was saved (your text is kept: compare it with theirs, then save again)")
