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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from fieldwork_tui.errors import SaveConflict
from fieldwork_tui.store.models import JournalEntry

_J = JournalEntry.__table__  # type: ignore[attr-defined]
MAX_NAMED = 5  # rows a bulk refusal names (then "and N more")


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


def versions_of(session: Session, table: str, pks: Iterable[Any]) -> dict[Any, int]:
    """The versions of many rows of `table` at once ({pk: version}; 0 for a row never journaled), read
    in chunks by the journal's (entity, entity_id) index: a list screen reads them with its rows."""
    keys = {str(pk): pk for pk in pks}
    out = dict.fromkeys(keys.values(), 0)
    names = sorted(keys)
    for chunk in (names[i:i + 500] for i in range(0, len(names), 500)):
        q = (select(_J.c.entity_id, func.max(_J.c.id)).where(_J.c.entity == table, _J.c.entity_id.in_(chunk))
             .group_by(_J.c.entity_id))
        for entity_id, last in session.connection().execute(q):
            out[keys[entity_id]] = int(last)
    return out


def version_expr(table: str, pk_column: Any) -> Any:
    """A row's version as a SQL expression (a correlated subquery on the journal's (entity, entity_id)
    index), for a list that reads its rows' versions in the query that reads the rows; 0 for none."""
    return func.coalesce(select(func.max(_J.c.id)).where(_J.c.entity == table,
                                                         _J.c.entity_id == cast(pk_column, String))
                         .scalar_subquery(), 0)


def _when(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "an unknown time"


def expect_all(session: Session, table: str, expected: dict[Any, int | None], what: dict[Any, str],
               noun: str = "rows") -> None:
    """`expect` for a bulk change, all or nothing: refused (SaveConflict) when any row changed since the
    caller read it, naming every such row with who changed it and when; rows without a version (None,
    or absent from `expected`) are not checked."""
    changed = []
    for pk, version in expected.items():
        if version is None:
            continue
        current = version_of(session, table, pk)
        if current.version != version:
            changed.append((what.get(pk, str(pk)), current.actor or "someone", _when(current.at)))
    if len(changed) == 1:
        name, actor, when = changed[0]
        raise SaveConflict(f"{name} was changed by {actor} at {when} since you read it; nothing was saved "
                           "(your text is kept: look at their change, then save again)")
    if changed:
        listed = "; ".join(f"{name} (by {actor} at {when})" for name, actor, when in changed[:MAX_NAMED])
        more = f" and {len(changed) - MAX_NAMED} more" if len(changed) > MAX_NAMED else ""
        raise SaveConflict(f"{len(changed)} {noun} were changed by someone else since you read them: {listed}{more}; "
                           "nothing was saved, on any of them (your text is kept: look at their changes, then save "
                           "again)")


def expect(session: Session, table: str, pk: Any, expected: int | None, what: str) -> None:
    """Refuse the save (SaveConflict) when the row changed since the caller read version `expected`;
    nothing to check when `expected` is None (a caller that read no version)."""
    if expected is None:
        return
    current = version_of(session, table, pk)
    if current.version != expected:
        raise SaveConflict(f"{what} was changed by {current.actor or 'someone'} at {_when(current.at)} "
                           "since you opened it; "
                           "nothing was saved (your text is kept: compare it with theirs, then save again)")
