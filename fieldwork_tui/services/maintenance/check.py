"""`fieldwork check`: is the engagement folder still what the journal says it is?

Three checks, each problem one line: SQLite's own integrity check (and foreign keys), every file in
the evidence vault rehashed against the SHA-256 recorded when it was added, and the journal's hash
chain. Hashing streams in chunks (constant memory), so it runs on a vault of any size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from fieldwork_tui.services.maintenance.views import CheckReport
from fieldwork_tui.store import journal
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import EvidenceFile
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


def check_engagement(handle: EngagementHandle, progress: Progress | None = None) -> CheckReport:
    report = CheckReport()
    report.problems += database_problems(handle)
    vault, report.vault_files = vault_problems(handle, progress)
    report.problems += vault
    chain, report.journal_entries = journal_problems(handle)
    report.problems += chain
    return report
