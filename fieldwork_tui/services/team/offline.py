"""Offline work on a team engagement: `fieldwork checkout`, `fieldwork checkin`, `fieldwork sync`.

**Check-out** (one server transaction, under the engagement's write lock): refused in `final_report` and
for a control someone else holds; records one hold per control (`controlhold`, journaled), reserves an id
range for the replica's new rows (store/replica.py), then copies the engagement as the transaction sees it
— every table and the whole journal — into a new SQLite folder, with the evidence files, and verifies the
copy (each table's digest, the chain, the head) before committing. Any failure leaves the server as it was
and no folder behind.

**Check-in** verifies the replica first — its journal chain from the first entry, that it continues the
server's chain at the entry it was checked out at, its rows against its journal (the replay of `fieldwork
check`), every sign-off's signature, that every entry of its own changes only what it holds — and then, in
ONE server transaction: refuses a row changed on the server since the replica last saw it (with who and
when), appends a `checkin` entry recording the replica chain's head, appends each of the replica's own
entries unchanged (time, author, content) with a reference to the replica entry it reproduces
(domain/replicas.py; nothing re-signed), writes the rows they describe, uploads the new evidence files,
releases the holds, and verifies the chain. All or nothing.

**Sync** brings what the server recorded since the replica last saw it (review notes, other controls'
work) into the replica: the rows, and the entries, each marked with the server entry it mirrors (a
check-in does not send those back).
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldwork_tui.domain import replicas as rep
from fieldwork_tui.domain.vocab import Phase
from fieldwork_tui.services.errors import (
    EngagementLocked,
    FieldworkError,
    InvalidInput,
    NotFound,
    SaveConflict,
)
from fieldwork_tui.services.team.address import is_server_address, open_any, resolve_address
from fieldwork_tui.services.team.views import CheckinResult, CheckoutResult, HoldView, SyncResult
from fieldwork_tui.store import holds, journal, paths, replica, server_vault
from fieldwork_tui.store.handle import EngagementHandle, open_handle
from fieldwork_tui.store.holds import ReplicaInfo
from fieldwork_tui.store.models import ControlHold, Engagement, EvidenceFile, JournalEntry
from fieldwork_tui.store.server_vault import ServerVault
from fieldwork_tui.store.vault import Vault

Progress = Callable[[str], None]
_J = JournalEntry.__table__  # type: ignore[attr-defined]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _server(home, address: str) -> EngagementHandle:
    if not is_server_address(address):
        raise InvalidInput(f"{address!r}: check-out needs a team engagement's address (postgresql://…/ENG or "
                           "SERVER/ENG from config.toml [servers])")
    return open_any(home, address)


def _parse_controls(text_: str | list[str]) -> list[str]:
    items = text_.split(",") if isinstance(text_, str) else list(text_)
    refs = []
    for r in (i.strip() for i in items):
        if r and r not in refs:
            refs.append(r)
    if not refs:
        raise InvalidInput("--controls: name at least one control (e.g. --controls AC-01,AC-02)")
    return refs


def _phase(conn) -> str:
    return str(conn.execute(select(Engagement.__table__.c.phase)).scalar() or "")  # type: ignore[attr-defined]


def _refuse_locked(conn, what: str) -> None:
    phase = _phase(conn)
    if phase.rsplit(".", 1)[-1] == Phase.final_report.value:
        raise EngagementLocked(f"the engagement is locked (final report): {what} is refused; nothing was changed")


def _entries_after(conn, after_id: int):
    """The journal entries after `after_id`, in order (JSON form, `at` kept as the stored datetime)."""
    cols = [_J.c.id, _J.c.at, _J.c.actor, _J.c.action, _J.c.entity, _J.c.entity_id, _J.c.details, _J.c.prev_hash,
            _J.c.hash]
    last = after_id
    while True:
        rows = conn.execute(select(*cols).where(_J.c.id > last).order_by(_J.c.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            yield {"id": r[0], "at": r[1], "actor": r[2], "action": r[3], "entity": r[4], "entity_id": r[5],
                   "details": r[6] or {}, "prev_hash": r[7], "hash": r[8]}
        last = rows[-1][0]


def _entry_at(conn, entry_id: int) -> str | None:
    return conn.execute(select(_J.c.hash).where(_J.c.id == entry_id)).scalar()


# -- check-out --------------------------------------------------------------------------------------------
def default_replica_dir(home, slug: str) -> Path:
    return paths.resolve_home(home) / f"{slug}-replica"


def checkout(home, address: str, controls: str | list[str], out: Path | str | None = None,
             progress: Progress | None = None) -> CheckoutResult:
    """Check `controls` of the team engagement at `address` out into a new local replica folder."""
    say = progress or (lambda _m: None)
    refs = _parse_controls(controls)
    url = resolve_address(address) if is_server_address(address) else address
    server = _server(home, address)
    try:
        dest = Path(out) if out else default_replica_dir(home, server.slug)
        if dest.exists() and any(dest.iterdir()):
            raise InvalidInput(f"{dest}: already exists; check in (or remove) that replica, or choose another "
                               "folder with -o DIR")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".tmp-checkout-{uuid.uuid4().hex[:8]}"
        existed = dest.exists()
        try:
            return _checkout(home, server, url, refs, dest, tmp, say)
        except BaseException:
            if not existed and dest.exists():  # the server did not commit: no replica either
                shutil.rmtree(dest, ignore_errors=True)
            raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        server.close()


def _checkout(home, server: EngagementHandle, url: str, refs: list[str], dest: Path, tmp: Path, say: Progress):
    from fieldwork_tui.services.controls.catalog import find_control

    replica_id = uuid.uuid4().hex
    with server.session() as s:
        conn = s.connection()
        _refuse_locked(conn, "checking controls out")
        found = [find_control(s, ref) for ref in refs]
        held = holds.open_holds(conn)
        for c in found:
            if c.id in held:
                raise holds.ControlHeld(f"{held[c.id].describe()} (replica {held[c.id].replica[:8]}): nothing was "
                                        f"checked out; ask {held[c.id].holder} to check it in first")
        base, limit = replica.reserve_ids(conn)
        now = _now()
        for c in found:
            s.add(ControlHold(control_id=c.id, holder=server.actor, replica=replica_id, checked_out_at=now,
                              id_base=base, id_limit=limit))
        s.flush()
        journal.record(s, "checkout", "engagement", "", {
            "replica": replica_id, "controls": [c.ref for c in found], "holder": server.actor,
            "id_base": base, "id_limit": limit})
        s.flush()
        base_head, _n = journal.head(s)
        base_id = int(conn.execute(select(_J.c.id).order_by(_J.c.id.desc()).limit(1)).scalar())
        say("copying the engagement")
        paths.ensure_private_dir(tmp / paths.VAULT_NAME)
        engine = replica.create_database(tmp / paths.DB_NAME)
        try:
            with engine.begin() as dst:
                rows = replica.copy_all(conn, dst)
                replica.set_counters(dst, base, limit)
                _verify_copy(conn, dst, base_head)
                shas = sorted({sha for (sha,) in dst.execute(select(EvidenceFile.sha256).distinct())})  # type: ignore[call-overload]
        finally:
            engine.dispose()
        vault = ServerVault(tmp / paths.VAULT_NAME, server.read_engine)  # this session holds the write lock
        for i, sha in enumerate(shas, 1):
            say(f"fetching evidence file {i} of {len(shas)}")
            path = vault.path_for(sha)
            if not path.is_file():
                raise FieldworkError(f"evidence file {sha[:12]}…: not on the server; nothing was checked out "
                                     "(fieldwork check on the server names what is missing)")
        info = ReplicaInfo(replica=replica_id, server=url, holder=server.actor, controls=tuple(c.ref for c in found),
                           control_ids=tuple(int(c.id) for c in found), base_id=base_id, base_head=base_head,
                           server_seen=base_id, id_base=base, id_limit=limit, checked_out_at=now.isoformat())
        holds.write_marker(tmp, info)
        if dest.exists():
            dest.rmdir()  # empty (checked above)
        tmp.rename(dest)  # in place just before the server commits; a failed commit removes it (checkout)
    in_home = dest.resolve().parent == paths.resolve_home(home).resolve()
    return CheckoutResult(folder=str(dest), name=dest.name if in_home else str(dest), address=server.address, controls=info.controls, holder=info.holder,
                          rows=rows, blobs=len(shas), journal_head=base_head)


def _verify_copy(src, dst, head: str) -> None:
    from fieldwork_tui.services.team.publish import _digests

    mine, theirs = _digests(src), _digests(dst)
    for name, value in mine.items():
        if theirs.get(name) != value:
            raise FieldworkError(f"table {name} differs in the replica after copying; nothing was checked out")
    problems = list(journal.verify_chain(journal.iter_entries(Session(bind=dst))))
    if problems or replica.last_hash(dst) != head:
        raise FieldworkError(f"the replica's journal does not verify after copying "
                             f"({problems[0] if problems else 'head differs'}); nothing was checked out")


# -- the replica ------------------------------------------------------------------------------------------
def find_replica(home, name: str | None) -> Path:
    """The replica folder `name` names (a path or an engagement in home); without one, the current folder
    when it is a replica, else the only replica in home."""
    if name:
        p = Path(name)
        if (p / holds.MARKER).is_file():
            return p
        q = paths.resolve_home(home) / name
        if (q / holds.MARKER).is_file():
            return q
        raise NotFound(f"{name}: not a replica (no {holds.MARKER}; fieldwork checkout SERVER/ENG --controls … makes one)")
    if (Path.cwd() / holds.MARKER).is_file():
        return Path.cwd()
    root = paths.resolve_home(home)
    found = sorted(d for d in root.iterdir() if (d / holds.MARKER).is_file()) if root.is_dir() else []
    open_ = [d for d in found if not _marker(d).checked_in_at]
    if len(open_) == 1:
        return open_[0]
    if not open_:
        raise NotFound(f"no replica checked out in {root}: name one (fieldwork checkin DIR)")
    raise InvalidInput(f"several replicas in {root} ({', '.join(d.name for d in open_)}): name one")


def _marker(root: Path) -> ReplicaInfo:
    info = holds.read_marker(root)
    if info is None:
        raise NotFound(f"{root}: not a replica (no {holds.MARKER})")
    return info


def _own_entries(conn, info: ReplicaInfo) -> list[dict]:
    return [e for e in _entries_after(conn, info.base_id) if not rep.is_synced(e)]


def _jsonable(entry: dict) -> dict:
    return {**entry, "at": entry["at"].isoformat()}


def _verify_replica(rh: EngagementHandle, info: ReplicaInfo) -> list[str]:
    """Problems that refuse a check-in, one line each (empty: the replica may be checked in)."""
    from fieldwork_tui.services import signing
    from fieldwork_tui.services.findings import attestation
    from fieldwork_tui.services.findings.signoffs import recorded_keys
    from fieldwork_tui.services.maintenance.check import replay_problems
    from fieldwork_tui.store.models import SignOff

    where = f"replica {rh.root}"
    with rh.read() as s:
        conn = s.connection()
        chain = list(journal.verify_chain(journal.iter_entries(s)))
        if chain:
            return [f"{where}: its journal does not verify ({chain[0]}): it was changed outside the app"]
        if _entry_at(conn, info.base_id) != info.base_head:
            return [f"{where}: its journal no longer continues the server's at entry {info.base_id}"]
        problems = []
        for e in _own_entries(conn, info):
            problems += _entry_problems(conn, e, info)
        keys = recorded_keys(s)
        trusted = signing.trusted_fingerprints()
        made_here = (SignOff.id >= info.id_base) & (SignOff.id < info.id_limit)  # type: ignore[operator]
        for so in s.scalars(select(SignOff).where(made_here)):
            state = attestation.verify_signoff(so, keys, trusted)
            if not state.holds:
                problems.append(f"{where}: sign-off #{so.id}: {state.label} — {state.reason}")
    problems += [f"{where}: {p}" for p in replay_problems(rh)]
    return problems


def _entry_problems(conn, e: dict, info: ReplicaInfo) -> list[str]:
    t = replica.table(str(e["entity"]))
    if t is None or t.name in holds.UNGUARDED or e["action"] not in ("create", "update", "delete"):
        return []
    key = replica.key_of(t, e["entity_id"])
    values = replica.get_row(conn, t, key) if key else None
    if values is None:
        values = e["details"] if e["action"] != "update" else {}
    owners = holds.controls_of(conn, t.name, values)
    if owners - set(info.control_ids):
        return [f"journal entry {e['id']} changes {t.name} #{e['entity_id']}, which belongs to a control this "
                "replica does not hold"]
    if not owners and e["action"] != "create":
        return [f"journal entry {e['id']} changes {t.name} #{e['entity_id']}, a read-only copy in the replica"]
    if e["action"] == "create" and key and isinstance(key[0], int) and len(key) == 1 and t in replica.id_tables() \
            and not info.id_base <= key[0] < info.id_limit:
        return [f"journal entry {e['id']} creates {t.name} #{key[0]} outside the replica's id range"]
    return []


def _conflicts(server_conn, changes: replica.Changes, seen: int) -> list[str]:
    out = []
    for name, key in changes.existing_keys():
        row = server_conn.execute(
            select(_J.c.id, _J.c.actor, _J.c.at).where(_J.c.entity == name, _J.c.entity_id == "/".join(map(str, key)))
            .order_by(_J.c.id.desc()).limit(1)).first()
        if row is not None and row[0] > seen:
            when = row[2].strftime("%Y-%m-%d %H:%M UTC") if row[2] else "an unknown time"
            out.append(f"{name} #{'/'.join(map(str, key))} was changed on the server by {row[1] or 'someone'} at "
                       f"{when}")
    return out


def reproduce(conn, entries: list[dict], info: ReplicaInfo) -> int:
    """Append the replica's entries to the server's chain, each naming the entry it reproduces."""
    return replica.append_entries(conn, (_reproduced(e, info) for e in entries))


def _reproduced(e: dict, info: ReplicaInfo) -> dict:
    ref = {"replica": info.replica, "entry": e["id"], "hash": e["hash"], "prev_hash": e["prev_hash"]}
    return {**e, "details": {**e["details"], rep.REPRODUCES: ref}}


def _verify_reproduced(conn, after_id: int, own: list[dict], info: ReplicaInfo) -> None:
    """Each entry appended for the replica stands for its replica entry exactly: its content, stripped of
    the reference, hashes onto the replica entry's previous hash to the replica entry's own hash."""
    written = [e for e in _entries_after(conn, after_id) if (rep.reproduction(e) or {}).get("replica") == info.replica]
    if len(written) != len(own):
        raise FieldworkError(f"{len(written)} of the replica's {len(own)} entries reached the server's journal: "
                             "nothing was checked in")
    for e, mine in zip(written, own, strict=True):
        o, ref = rep.original(e), rep.reproduction(e) or {}
        again = journal.entry_hash(ref.get("prev_hash", ""), o["at"].isoformat(), o["actor"], o["action"],
                                   o["entity"], o["entity_id"], o["details"])
        if again != ref.get("hash") or again != mine["hash"]:
            raise FieldworkError(f"journal entry {e['id']} does not reproduce replica entry {mine['id']} exactly: "
                                 "nothing was checked in")


def checkin(home, name: str | None = None, progress: Progress | None = None) -> CheckinResult:
    """Check the replica `name` in to its server (see the module's docstring)."""
    say = progress or (lambda _m: None)
    root = find_replica(home, name)
    info = _marker(root)
    if info.checked_in_at:
        raise InvalidInput(f"{root}: already checked in at {info.checked_in_at}")
    rh = open_handle(root)
    try:
        say("verifying the replica")
        problems = _verify_replica(rh, info)
        if problems:
            raise FieldworkError(f"{problems[0]}; nothing was checked in"
                                 + (f" ({len(problems) - 1} more problem(s): fieldwork check {root})"
                                    if len(problems) > 1 else ""))
        server = open_any(home, info.server)
        try:
            result = _checkin(rh, server, info, say)
        finally:
            server.close()
    finally:
        rh.close()
    _server_committed(root)
    holds.write_marker(root, info.with_(checked_in_at=_now().isoformat()))
    return result


def _server_committed(_root: Path) -> None:
    """The point between the server's commit and the replica's marker (a test makes the process die here)."""


def _merged_already(conn, info: ReplicaInfo, replica_head: str) -> int | None:
    """The id of the server's `checkin` entry recording this replica at `replica_head`, if there is one: a
    check-in whose server transaction committed but whose marker was never written (the process died)."""
    rows = conn.execute(select(_J.c.id, _J.c.details).where(_J.c.action == "checkin", _J.c.entity == "engagement")
                        .order_by(_J.c.id)).all()
    for entry_id, details in rows:
        d = details or {}
        if d.get("replica") == info.replica and d.get("replica_head") == replica_head:
            return int(entry_id)
    return None


def _checkin(rh: EngagementHandle, server: EngagementHandle, info: ReplicaInfo, say: Progress) -> CheckinResult:
    with rh.read() as rs:
        src = rs.connection()
        own = _own_entries(src, info)
        changes = replica.Changes()
        for e in own:
            changes.add(e)
        replica_head, replica_entries = journal.head(rs)
        new_shas = sorted({sha for (sha,) in src.execute(
            select(EvidenceFile.sha256).where(EvidenceFile.id >= info.id_base,  # type: ignore[call-overload, operator]
                                              EvidenceFile.id < info.id_limit))})  # type: ignore[operator]
        with server.session() as s:
            conn = s.connection()
            if _merged_already(conn, info, replica_head) is not None:
                head = journal.head(s)
                return CheckinResult(address=server.address, controls=info.controls, entries=0, blobs=0,
                                     blob_bytes=0, replica_head=replica_head, journal_head=head[0], already=True)
            _refuse_locked(conn, "checking in")
            mine = [h for h in holds.open_holds(conn).values() if h.replica == info.replica]
            if not mine:
                raise FieldworkError(f"the server holds no open check-out {info.replica[:8]} (checked in already, "
                                     "or released): nothing was checked in")
            if _entry_at(conn, info.base_id) != info.base_head:
                raise FieldworkError(f"the server's journal entry {info.base_id} is not the one this replica was "
                                     "checked out at: nothing was checked in")
            clash = _conflicts(conn, changes, info.server_seen)
            if clash:
                raise SaveConflict(f"{clash[0]} since this replica last synced, and in the replica: nothing was "
                                   "checked in (fieldwork sync brings the server's change; then check in again)")
            journal.record(s, "checkin", "engagement", "", {
                "replica": info.replica, "holder": info.holder, "controls": list(info.controls),
                "replica_head": replica_head, "replica_entries": replica_entries,
                "base_id": info.base_id, "base_head": info.base_head, "entries": len(own), "blobs": len(new_shas)})
            s.flush()
            say("writing the replica's changes")
            replica.apply(src, conn, changes)
            merge_id = int(conn.execute(select(_J.c.id).order_by(_J.c.id.desc()).limit(1)).scalar())
            n = reproduce(conn, own, info)
            _verify_reproduced(conn, merge_id, own, info)
            vault = rh.vault()
            sent = 0
            for i, sha in enumerate(new_shas, 1):
                say(f"uploading evidence file {i} of {len(new_shas)}")
                sent += server_vault.upload(conn, vault.path_for(sha), sha)
            now = _now()
            for h in s.scalars(select(ControlHold).where(ControlHold.replica == info.replica,
                                                          ControlHold.released_at.is_(None))):  # type: ignore[union-attr]
                h.released_at, h.released_by = now, server.actor
            s.flush()
            say("verifying the server's journal")
            bad = list(journal.verify_chain(journal.iter_entries(s)))
            if bad:
                raise FieldworkError(f"the server's journal would not verify ({bad[0]}): nothing was checked in")
            head = journal.head(s)
    return CheckinResult(address=server.address, controls=info.controls, entries=n, blobs=len(new_shas),
                         blob_bytes=sent, replica_head=replica_head, journal_head=head[0])


# -- sync -------------------------------------------------------------------------------------------------
def sync(home, name: str | None = None) -> SyncResult:
    """Bring the server's changes since the replica last saw them into the replica."""
    root = find_replica(home, name)
    info = _marker(root)
    if info.checked_in_at:
        raise InvalidInput(f"{root}: checked in at {info.checked_in_at}; check out again to work offline")
    rh = open_handle(root)
    server = open_any(home, info.server)
    try:
        with server.read() as ss, rh.session() as s:
            src, dst = ss.connection(), s.connection()
            theirs = list(_entries_after(src, info.server_seen))
            if not theirs:
                return SyncResult(folder=str(root), entries=0, blobs=0, notes=0)
            changes = replica.Changes()
            for e in theirs:
                changes.add(e)
            own = replica.Changes()
            for e in _own_entries(dst, info):
                own.add(e)
            both = [(t, k) for t, keys in changes.keys.items() for k in keys if k in own.keys.get(t, set())]
            if both:
                t, k = both[0]
                raise SaveConflict(f"{t} #{'/'.join(map(str, k))} was changed both on the server and in this "
                                   "replica: nothing was synced (compare the two, then undo one change)")
            replica.apply(src, dst, changes)
            replica.append_entries(dst, ({**e, "details": {**e["details"], rep.SYNCED: {
                "entry": e["id"], "hash": e["hash"]}}} for e in theirs))
            replica.set_counters(dst, info.id_base, info.id_limit)
            shas = sorted({sha for (sha,) in dst.execute(select(EvidenceFile.sha256).distinct())})  # type: ignore[call-overload]
            notes = len(changes.keys.get("reviewnote", ()))
            last = theirs[-1]["id"]
        vault, local = ServerVault(root / paths.VAULT_NAME, server.read_engine), Vault(root / paths.VAULT_NAME)
        fetched = 0
        for sha in shas:
            if not local.path_for(sha).is_file():
                vault.path_for(sha)
                fetched += 1
    finally:
        server.close()
        rh.close()
    holds.write_marker(root, info.with_(server_seen=last))
    return SyncResult(folder=str(root), entries=len(theirs), blobs=fetched, notes=notes)


# -- who holds what (the TUI shows it) --------------------------------------------------------------------
def control_holds(handle: EngagementHandle) -> list[HoldView]:
    """Every control checked out now, with who holds it and since when (on a server or in a replica)."""
    with handle.read() as s:
        held = holds.open_holds(s.connection())
    mine = holds.read_marker(handle.root) if not hasattr(handle, "url") else None
    return [HoldView(ref=h.ref, holder=h.holder, since=h.since, replica=h.replica,
                     here=bool(mine and mine.replica == h.replica and not mine.checked_in_at))
            for h in sorted(held.values(), key=lambda h: h.ref)]
