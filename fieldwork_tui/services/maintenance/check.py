"""`fieldwork check`: is the engagement folder still what the journal says it is?

Each problem is one line: SQLite's own integrity check (and foreign keys) — a corrupt database is
one line and the checks that need its rows are skipped; the final-report lock triggers (missing or
altered ones); every file in the evidence vault rehashed against the SHA-256 recorded when it was
added; every file in the vault that no record references (a stray, e.g. carried in by a crafted
backup); the journal's hash chain; on a team engagement, every check-in's reproduced entries rebuilding the
replica chain its `checkin` entry records; the journal replayed against every row of the database (a direct
SQL edit is found even when every hash was recomputed); every sign-off's signature (against the keys
the engagement recorded and the trust list); and the anchors record outside the engagement folder (a
chain rewritten after a signed sign-off or export no longer holds its anchored head). Hashing streams
in chunks (constant memory), so it runs on a vault of any size.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from fieldwork_tui.domain import anchors as anchor_rules
from fieldwork_tui.domain import replicas
from fieldwork_tui.services.findings import attestation
from fieldwork_tui.services.maintenance.replay import replay_findings
from fieldwork_tui.services.maintenance.views import CheckReport
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import anchors as anchor_store
from fieldwork_tui.store import journal
from fieldwork_tui.store.db import install_locks, integrity_problem
from fieldwork_tui.store.db import lock_problems as _lock_problems
from fieldwork_tui.store.handle import TMP_PREFIX, EngagementHandle
from fieldwork_tui.store.models import Control, EvidenceFile, JournalEntry, SignOff

CHUNK = 1024 * 1024
Progress = Callable[[int, int, str], None]


def evidence_path(handle: EngagementHandle, sha256: str) -> Path:
    """Where the vault keeps the file with this content (`<vault>/<sha[:2]>/<sha>`)."""
    return handle.vault().path_for(sha256)


def sha256_file(path: Path, on_chunk: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            if on_chunk:
                on_chunk(len(chunk))
    return digest.hexdigest()


def database_problems(handle: EngagementHandle) -> tuple[list[str], bool]:
    """(problems, corrupt): a corrupt file is one line, whatever SQLite lists."""
    name = handle.db_path.name
    with handle.read() as s:
        if s.connection().dialect.name != "sqlite":  # the server checks its own pages and foreign keys
            return [], False
    problem = integrity_problem(handle.db_path)
    if problem:
        return [f"database {name}: corrupt ({problem}); restore it from a backup (fieldwork restore)"], True
    out: list[str] = []
    with handle.read() as s:
        for table, rowid, parent, _fk in s.connection().execute(text("PRAGMA foreign_key_check")):
            out.append(f"database {name}: {table} row {rowid} points to a missing {parent} row")
    return out, False


def vault_problems(handle: EngagementHandle, progress: Progress | None = None) -> tuple[list[str], int]:
    with handle.read() as s:
        files: dict[str, tuple[str, int]] = {}
        for sha, name, size in s.exec(select(EvidenceFile.sha256, EvidenceFile.original_name, EvidenceFile.size)):
            files.setdefault(sha, (name, size))
    total = sum(size for _n, size in files.values()) or 1
    done = 0
    out: list[str] = []

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total, "vault")

    for sha, (name, _size) in sorted(files.items()):
        label = f"vault file {sha[:12]}… ({name})"
        try:
            path = evidence_path(handle, sha)
        except Exception:  # noqa: BLE001 - a recorded hash that is not a SHA-256 is itself a problem
            out.append(f"{label}: the recorded SHA-256 {sha!r} is not a valid digest")
            continue
        if not path.is_file():
            out.append(f"{label}: missing from {handle.vault_path}")
            continue
        actual = sha256_file(path, tick)
        if actual != sha:
            out.append(f"{label}: altered — its SHA-256 is now {actual[:12]}…, not the recorded one")
    return out, len(files)


def journal_problems(handle: EngagementHandle) -> tuple[list[str], int]:
    count = 0

    def rows():
        nonlocal count
        with handle.read() as s:
            for entry in journal.iter_entries(s):
                count += 1
                yield entry

    problems = list(journal.verify_chain(rows()))
    return problems, count


def _synced_copy_hash(prev: str, entry: dict) -> str:
    """The hash of `entry` (a server entry) as a sync appended it to a replica's chain after `prev`."""
    details = {**(entry["details"] or {}), replicas.SYNCED: {"entry": entry["id"], "hash": entry["hash"]}}
    return journal.entry_hash(prev, entry["at"], entry["actor"], entry["action"], entry["entity"], entry["entity_id"],
                              details)


def _checkin_problems(s, merge: dict) -> list[str]:
    """Rebuild the replica chain a `checkin` entry records, from the server's own journal: from the server
    entry the replica was checked out at, through the server entries the replica received by sync (each
    hashed as the sync appended it) and the entries reproduced after the `checkin` entry (each hashed from
    its content onto the previous hash it records, and linked onto the chain rebuilt so far), to the replica
    head the `checkin` entry records. The first broken link, naming the entry, or nothing."""
    m, d = merge["id"], merge["details"] or {}
    label = f"check-in entry {m} (replica {str(d.get('replica', ''))[:8]}, {d.get('holder') or 'someone'})"
    try:
        base_id, base_head, head = int(d["base_id"]), str(d["base_head"]), str(d["replica_head"])
        count = int(d["entries"])
    except (KeyError, TypeError, ValueError):
        return [f"{label}: it does not record the replica chain it merged (base entry, base head, replica head, "
                "entries): it was changed after check-in"]
    first = s.connection().execute(select(JournalEntry.hash).where(JournalEntry.id == base_id)).scalar()
    if first != base_head:
        return [f"{label}: the server entry {base_id} it continued no longer has the hash it records"]
    synced = journal.iter_entries(s, after=base_id, before=m)  # what the replica may have received by sync
    cur, last = base_head, None
    reproduced = list(itertools.islice(journal.iter_entries(s, after=m), count))
    if len(reproduced) < count:
        return [f"{label}: it records {count} reproduced entries; the journal holds {len(reproduced)} after it"]
    for e in reproduced:
        ref = replicas.reproduction(e) or {}
        if ref.get("replica") != d.get("replica"):
            return [f"journal entry {e['id']}: {label} is followed by {count} entries reproducing the replica's; "
                    "this one does not name that replica: it was changed after check-in"]
        o = replicas.original(e)
        again = journal.entry_hash(str(ref.get("prev_hash", "")), o["at"], o["actor"], o["action"], o["entity"],
                                   o["entity_id"], o["details"])
        if again != ref.get("hash"):
            return [f"journal entry {e['id']} (reproducing replica entry {ref.get('entry')} of {label}): its "
                    "content no longer hashes to the replica entry's hash it records: it was changed after "
                    "check-in"]
        while cur != ref.get("prev_hash"):
            nxt = next(synced, None)
            if nxt is None:
                after = f"journal entry {last}" if last else f"server entry {base_id}"
                return [f"journal entry {e['id']} (reproducing replica entry {ref.get('entry')} of {label}): the "
                        f"replica entry it records as its predecessor is not in the replica chain rebuilt from "
                        f"the server's journal (after {after}): one of them was changed after check-in"]
            cur = _synced_copy_hash(cur, nxt)
        cur, last = str(ref["hash"]), e["id"]
    while cur != head:
        nxt = next(synced, None)
        if nxt is None:
            after = f"journal entry {last}" if last else f"server entry {base_id}"
            return [f"{label}: the replica chain rebuilt from its reproduced entries (up to {after}) ends at "
                    f"{cur[:12]}…, not at the replica head {head[:12]}… it records: one of them was changed "
                    "after check-in"]
        cur = _synced_copy_hash(cur, nxt)
    return []


def replica_chain_problems(handle: EngagementHandle) -> list[str]:
    """On a team engagement: every check-in's reproduced entries still rebuild the replica chain whose head
    its `checkin` entry records (`_checkin_problems`), so a reproduced entry rewritten on the server — its
    content, or the replica hashes it records — is found even when the server's chain was rehashed."""
    out: list[str] = []
    with handle.read() as s:
        merges = s.connection().execute(
            select(JournalEntry.id).where(JournalEntry.action == "checkin", JournalEntry.entity == "engagement")
            .order_by(JournalEntry.id)).scalars().all()
        for m in merges:
            [merge] = journal.iter_entries(s, after=m - 1, before=m + 1)
            if replicas.is_synced(merge):
                continue  # a replica's copy of a server's check-in: the server checks it
            out += _checkin_problems(s, merge)
    return out


def database_warning(handle: EngagementHandle) -> str | None:
    """The background check the app runs after an open that skipped the full scan (see
    `EngagementHandle.scanned_on_open`): SQLite's `quick_check` of every page, as one warning line."""
    problem = integrity_problem(handle.db_path, quick=True)
    if problem is None:
        return None
    return (f"{handle.slug}: the database is damaged ({problem}). Stop entering work: back up nothing over "
            "your last good backup, run `fieldwork check`, and restore from a backup (fieldwork restore).")


def stray_vault_files(handle: EngagementHandle) -> list[str]:
    """Files in the vault that no evidence record references (its own `tmp/` and `.tmp-*` files aside)."""
    with handle.read() as s:
        expected = {f"{sha[:2]}/{sha}" for sha in s.exec(select(EvidenceFile.sha256))}
    vault = handle.vault_path
    out = []
    for p in sorted(vault.rglob("*")):
        rel = p.relative_to(vault).as_posix()
        if p.is_dir() or rel == "tmp" or rel.startswith("tmp/") or p.name.startswith(TMP_PREFIX) or rel in expected:
            continue
        out.append(f"vault file {printable(rel)}: no evidence record references it "
                   f"({p.lstat().st_size} bytes; not part of the engagement — remove it)")
    return out


def printable(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")


def lock_problems(handle: EngagementHandle) -> list[str]:
    with handle.read() as s:
        conn = s.connection()
        return _lock_problems(conn)


def restore_locks(handle: EngagementHandle) -> list[str]:
    """Put back missing or altered lock triggers (journaled); the names restored."""
    with handle.session() as s:
        done = install_locks(s.connection())
        if done:
            journal.record(s, "restore_locks", "engagement", "", {"triggers": done})
    return done


def replay_problems(handle: EngagementHandle) -> list[str]:
    with handle.read() as s:
        findings, _n = replay_findings(s.connection(), journal.iter_entries(s))
    return [f.message for f in findings]


def signoff_problems(handle: EngagementHandle) -> tuple[list[str], int]:
    from fieldwork_tui.services.findings.signoffs import recorded_keys

    out: list[str] = []
    trusted = signing.trusted_fingerprints()
    with handle.read() as s:
        keys = recorded_keys(s)
        refs = dict(s.exec(select(Control.id, Control.ref)).all())
        rows = s.exec(select(SignOff).order_by(SignOff.id)).all()
    for so in rows:
        label = f"sign-off #{so.id} ({refs.get(so.control_id, so.control_id)} as {so.role.value} by {so.signed_by})"
        state = attestation.verify_signoff(so, keys, trusted)
        if not state.holds:
            out.append(f"{label}: {state.label} — {state.reason}; it counts as absent")
        elif not state.trusted:
            out.append(f"{label}: signed by {so.fingerprint}, a key not in your trust list "
                       "(compare its fingerprint with the signer, then `fieldwork keys trust THEIR.pub`)")
    return out, len(rows)


def anchor_problems(handle: EngagementHandle) -> tuple[list[str], list[str], int]:
    """(problems, notes, anchors judged) for the engagement's anchors record."""
    home = handle.root.parent
    eng = handle.engagement()
    where = f"anchors record {anchor_store.anchors_file(home, eng.uid)}"
    parsed, problems = anchor_rules.parse_anchors(anchor_store.read_lines(home, eng.uid), where)
    notes: list[str] = []
    for other in anchor_store.records(home):
        if other.stem == eng.uid:
            continue
        theirs, _ = anchor_rules.parse_anchors(other.read_text(encoding="utf-8").splitlines(), str(other))
        if any(a.folder == handle.slug for a in theirs):
            problems.append(f"anchors record {other} holds signed heads for the folder {handle.slug!r} under "
                            f"engagement id {theirs[0].engagement}, but the database now says {eng.uid}: "
                            "the engagement was rewritten under a new id")
    if not parsed:
        with handle.read() as s:
            signed = s.exec(select(SignOff.id).where(SignOff.signature != "")).first()
        if signed is not None:
            notes.append(f"no anchors record for this engagement here ({where}): signed sign-offs exist, so it was "
                         "signed on another machine or the record was removed")
        return problems, notes, 0
    hashes: set[str] = set()
    with handle.read() as s:
        for entry in journal.iter_entries(s):
            hashes.update(replicas.head_hashes(entry))  # a head signed in an offline replica (docs/team.md)
        statements_in_db = set(s.exec(select(SignOff.statement)).all())
    trusted = signing.trusted_fingerprints()
    problems += anchor_rules.judge(parsed, hashes, engagement=eng.uid, trusted=lambda fp: fp in trusted, where=where)
    for a in parsed:
        if a.kind == "signoff" and a.engagement == eng.uid and a.statement_text not in statements_in_db:
            problems.append(f"{where} line {a.line} ({a.describe()}): that sign-off is no longer in the database")
    return problems, notes, len(parsed)


def check_engagement(handle: EngagementHandle, progress: Progress | None = None) -> CheckReport:
    report = CheckReport()
    problems, corrupt = database_problems(handle)
    report.problems += problems
    if corrupt:
        return report  # the other checks read the rows the damage may have taken
    report.problems += lock_problems(handle)
    vault, report.vault_files = vault_problems(handle, progress)
    report.problems += vault
    report.problems += stray_vault_files(handle)
    chain, report.journal_entries = journal_problems(handle)
    report.problems += chain
    report.problems += replica_chain_problems(handle)
    report.problems += replay_problems(handle)
    signoffs, report.signoffs = signoff_problems(handle)
    report.problems += signoffs
    anchored, notes, report.anchors = anchor_problems(handle)
    report.problems += anchored
    report.notes += notes
    return report
