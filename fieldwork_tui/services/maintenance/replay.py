"""Replay the journal against the database (`fieldwork check`), generic over every table.

The rules are `domain/replay.py`'s; the rows come from `store/table_rows.py`.
"""

from __future__ import annotations

from fieldwork_tui.domain import replay as rp
from fieldwork_tui.store.table_rows import raw_rows, table_specs


def replay_findings(conn, entries) -> tuple[list[rp.Finding], int]:
    """(findings, journal entries replayed) for the database behind `conn`."""
    specs = table_specs()
    replay = rp.Replay(specs)
    for entry in entries:
        replay.apply(entry)
    by_name = {s.name: s for s in specs}
    return replay.compare(lambda name: raw_rows(conn, by_name[name])), replay.entries
