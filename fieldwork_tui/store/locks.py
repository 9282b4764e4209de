"""The `final_report` lock and the append-only journal, enforced by the database itself.

The ORM refuses edits of a locked engagement (`store/journal.py`), but anyone with `sqlite3` bypasses
the ORM. So the database holds the same rule as triggers — this module is their only definition:

- every table except the journal and review notes: UPDATE and DELETE abort while the engagement's
  phase is `final_report` (INSERT stays allowed: additions are dated and attributed by the journal);
- review notes: DELETE aborts while locked; UPDATE stays allowed (a note is still cleared);
- the journal (`journalentry`): UPDATE and DELETE always abort — it is append-only.
- the engagement row itself is a table like the others, so leaving `final_report` is refused too.

The triggers are derived from the table names of the metadata, so a table added by a migration is
covered by the triggers installed after that migration, with no change here. `problems()` names every
missing or altered trigger (for `fieldwork check`). Team engagements on PostgreSQL (issue 20) get the
same rule from a function and triggers written beside these.
"""

from __future__ import annotations

from collections.abc import Iterable

JOURNAL_TABLE = "journalentry"
#: Tables whose rows may still be updated after the lock (a review note is cleared).
UPDATABLE_WHEN_LOCKED = frozenset({"reviewnote"})
#: Tables outside the rule: Alembic's bookkeeping.
EXEMPT = frozenset({"alembic_version"})
PREFIX = "fw_lock_"
LOCKED = "(SELECT phase FROM engagement LIMIT 1) = 'final_report'"
LOCKED_MESSAGE = "fieldwork: the engagement is locked (final report)"
JOURNAL_MESSAGE = "fieldwork: the journal is append-only"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def trigger_name(table: str, op: str) -> str:
    return f"{PREFIX}{table}_{op}"


def triggers(tables: Iterable[str]) -> dict[str, str]:
    """{trigger name: CREATE TRIGGER statement} for every table."""
    out: dict[str, str] = {}
    for table in sorted(set(tables) - EXEMPT):
        for op in ("update", "delete"):
            if table == JOURNAL_TABLE:
                when, message = "", JOURNAL_MESSAGE
            elif op == "update" and table in UPDATABLE_WHEN_LOCKED:
                continue
            else:
                when, message = f" WHEN {LOCKED}", f"{LOCKED_MESSAGE}: {table} cannot be {op}d"
            name = trigger_name(table, op)
            out[name] = (f"CREATE TRIGGER {_quote(name)} BEFORE {op.upper()} ON {_quote(table)}{when} "
                         f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    return out


def _existing(conn) -> dict[str, str]:
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'fw\\_lock\\_%' ESCAPE '\\'"
    ).all()
    return {name: sql for name, sql in rows}


def install(conn, tables: Iterable[str]) -> list[str]:
    """Create the missing triggers and replace altered ones (in the caller's transaction); their names."""
    wanted = triggers(tables)
    have = _existing(conn)
    done = []
    for name, sql in wanted.items():
        if have.get(name) == sql:
            continue
        if name in have:
            conn.exec_driver_sql(f"DROP TRIGGER {_quote(name)}")
        conn.exec_driver_sql(sql)
        done.append(name)
    return done


def problems(conn, tables: Iterable[str]) -> list[str]:
    """One line per missing or altered lock trigger."""
    wanted = triggers(tables)
    have = _existing(conn)
    out = []
    for name, sql in wanted.items():
        if name not in have:
            out.append(f"database trigger {name} is missing: the final-report lock is not enforced there "
                       "(someone removed it; `fieldwork check --restore-locks` puts it back)")
        elif have[name] != sql:
            out.append(f"database trigger {name} was altered: the final-report lock may not hold there "
                       "(`fieldwork check --restore-locks` puts it back)")
    return out
