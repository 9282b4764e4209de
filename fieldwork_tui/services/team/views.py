"""Plain results of the team area (frozen dataclasses: what the CLI and the TUI receive)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishResult:
    address: str  # postgresql://user@host:port/db, never a password
    slug: str
    tables: int
    rows: int
    journal_entries: int
    journal_head: str
    blobs: int
    blob_bytes: int

    def summary(self) -> str:
        return (f"published {self.slug} to {self.address}: {self.rows} rows in {self.tables} tables, "
                f"{self.journal_entries} journal entries (head {self.journal_head[:12]}), {self.blobs} evidence "
                f"files ({self.blob_bytes} bytes); every table, the journal and every file verified on the server")
