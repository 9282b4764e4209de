"""The plain data the maintenance area returns to the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"  # the archive member holding every other member's SHA-256


@dataclass
class BackupResult:
    path: Path
    files: int
    bytes: int

    def describe(self) -> str:
        return f"backup written to {self.path} ({self.files} files, {self.bytes} bytes, hashes in {MANIFEST})"


@dataclass
class RestoreResult:
    slug: str
    root: Path
    files: int
    replaced: bool

    def describe(self) -> str:
        how = "replaced" if self.replaced else "restored"
        return f"{how} {self.slug} at {self.root} ({self.files} files, every hash verified)"


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth saying, not a failure
    vault_files: int = 0
    journal_entries: int = 0
    signoffs: int = 0
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems
