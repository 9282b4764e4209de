"""Journal entries a check-in reproduces from an offline replica (docs/team.md), and those a sync brings
from the server to a replica.

A reproduced entry on the server carries the replica entry's content unchanged (time, author, action, row,
details) plus `details["_replica"]`: the replica, and the id, hash and previous hash of the replica entry
it reproduces — so the replica's own chain can be rebuilt from the server's journal and checked link by
link, and a statement signed offline (a sign-off naming the replica's journal head) still finds its head
in the engagement's history. Nothing is re-signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REPRODUCES = "_replica"
SYNCED = "_synced"


def reproduction(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    details = entry.get("details")
    if isinstance(details, Mapping) and isinstance(details.get(REPRODUCES), Mapping):
        return details[REPRODUCES]
    return None


def is_synced(entry: Mapping[str, Any]) -> bool:
    details = entry.get("details")
    return isinstance(details, Mapping) and isinstance(details.get(SYNCED), Mapping)


def original(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry as its author's replica (or the server, for a synced one) wrote it."""
    details = {k: v for k, v in (entry.get("details") or {}).items() if k not in (REPRODUCES, SYNCED)}
    return {**entry, "details": details}


def head_hashes(entry: Mapping[str, Any]) -> set[str]:
    """Every hash under which this entry stands in some chain of the engagement's history."""
    out = {str(entry.get("hash", ""))}
    rep = reproduction(entry)
    if rep is not None and isinstance(rep.get("hash"), str):
        out.add(rep["hash"])
    return out
