"""The journal's hash chain: `hash = sha256(prev_hash + canonical JSON of the entry)`, from GENESIS.

Pure (no database): the store appends entries with `entry_hash`; `fieldwork check` and `fieldwork verify`
re-compute the chain with `verify_chain`, verify over a bundle's `journal.jsonl` without loading the ORM.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: str, action: str, entity: str, entity_id: str, details: Any) -> str:
    payload = json.dumps(
        {"at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id, "details": details},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def verify_chain(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield one problem line per broken link; rows as dicts with the JournalEntry fields (JSON form)."""
    prev = GENESIS
    for row in rows:
        at = row["at"] if isinstance(row["at"], str) else row["at"].isoformat()
        expected = entry_hash(prev, at, row["actor"], row["action"], row["entity"], row["entity_id"], row["details"])
        if row["prev_hash"] != prev:
            yield f"journal entry {row['id']}: previous-hash link broken"
        elif row["hash"] != expected:
            yield f"journal entry {row['id']}: content does not match its hash"
        prev = row["hash"]
