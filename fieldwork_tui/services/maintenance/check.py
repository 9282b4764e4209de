"""`fieldwork check`: is the engagement folder still what the journal says it is?

Each problem is one line: SQLite's own integrity check (and foreign keys); the final-report lock
triggers (missing or altered ones); every file in the evidence vault rehashed against the SHA-256
recorded when it was added; the journal's hash chain; the journal replayed against every row of the
database (a direct SQL edit is found even when every hash was recomputed); every sign-off's
signature (against the keys the engagement recorded and the trust list); and the anchors record
outside the engagement folder (a chain rewritten after a signed sign-off or export no longer holds
its anchored head). Hashing streams in chunks (constant memory), so it runs on a vault of any size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from fieldwork_tui.domain import anchors as anchor_rules
from fieldwork_tui.services.findings import attestation
from fieldwork_tui.services.maintenance.replay import replay_findings
from fieldwork_tui.services.maintenance.views import CheckReport
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store import anchors as anchor_store
from fieldwork_tui.store import journal, locks
from fieldwork_tui.store.db import install_locks, lock_tables
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, EvidenceFile, SignOff
from fieldwork_tui.store.vault import Vault

CHUNK = 1024 * 1024
Progress = Callable[[int, int, str], None]


def evidence_path(handle: EngagementHandle, sha256: str) -> Path:
    """Where the vault keeps the file with this content (`<vault>/<sha[:2]>/<sha>`)."""
    return Vault(handle.vault_path).path_for(sha256)


def sha256_file(path: Path, on_chunk: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            if on_chunk:
                on_chunk(len(chunk))
    return digest.hexdigest()


def database_problems(handle: EngagementHandle) -> list[str]:
    out: list[str] = []
    with handle.read() as s:
        conn = s.connection()
        rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
        if rows != ["ok"]:
            out += [f"database {handle.db_path.name}: {r}" for r in rows]
        for table, rowid, parent, _fk in conn.execute(text("PRAGMA foreign_key_check")):
            out.append(f"database {handle.db_path.name}: {table} row {rowid} points to a missing {parent} row")
    return out


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


def lock_problems(handle: EngagementHandle) -> list[str]:
    with handle.read() as s:
        conn = s.connection()
        return locks.problems(conn, lock_tables(conn))


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
            hashes.add(entry["hash"])
        statements_in_db = set(s.exec(select(SignOff.statement)).all())
    trusted = signing.trusted_fingerprints()
    problems += anchor_rules.judge(parsed, hashes, engagement=eng.uid, trusted=lambda fp: fp in trusted, where=where)
    for a in parsed:
        if a.kind == "signoff" and a.engagement == eng.uid and a.statement_text not in statements_in_db:
            problems.append(f"{where} line {a.line} ({a.describe()}): that sign-off is no longer in the database")
    return problems, notes, len(parsed)


def check_engagement(handle: EngagementHandle, progress: Progress | None = None) -> CheckReport:
    report = CheckReport()
    report.problems += database_problems(handle)
    report.problems += lock_problems(handle)
    vault, report.vault_files = vault_problems(handle, progress)
    report.problems += vault
    chain, report.journal_entries = journal_problems(handle)
    report.problems += chain
    report.problems += replay_problems(handle)
    signoffs, report.signoffs = signoff_problems(handle)
    report.problems += signoffs
    anchored, notes, report.anchors = anchor_problems(handle)
    report.problems += anchored
    report.notes += notes
    return report
