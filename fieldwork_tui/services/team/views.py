"""Plain results of the team area (frozen dataclasses: what the CLI and the TUI receive)."""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True)
class CheckoutResult:
    folder: str  # the replica: an engagement folder every command opens
    name: str  # what to type for it: its folder name when it is in the fieldwork home, else its path
    address: str
    controls: tuple[str, ...]
    holder: str
    rows: int
    blobs: int
    journal_head: str

    def summary(self) -> str:
        return (f"checked out {', '.join(self.controls)} of {self.address} to {self.holder}: {self.folder} "
                f"({self.rows} rows, {self.blobs} evidence files, journal head {self.journal_head[:12]}); "
                "the rest of the engagement is a read-only copy there")


@dataclass(frozen=True)
class CheckinResult:
    address: str
    controls: tuple[str, ...]
    entries: int  # replica entries reproduced on the server
    blobs: int
    blob_bytes: int
    replica_head: str
    journal_head: str
    already: bool = False  # the server held this replica's merge already (a retry after a lost marker)

    def summary(self) -> str:
        if self.already:
            return (f"already checked in: {self.address} holds this replica's check-in (replica head "
                    f"{self.replica_head[:12]}); nothing was appended again, the replica is marked checked in")
        return (f"checked in {', '.join(self.controls)} to {self.address}: {self.entries} journal entries "
                f"(replica head {self.replica_head[:12]}), {self.blobs} new evidence files; server head "
                f"{self.journal_head[:12]}; the controls are released")


@dataclass(frozen=True)
class SyncResult:
    folder: str
    entries: int  # server entries brought to the replica
    blobs: int
    notes: int  # review notes among the rows brought

    def summary(self) -> str:
        if not self.entries:
            return f"{self.folder}: up to date with the server"
        return (f"{self.folder}: {self.entries} journal entries from the server ({self.notes} review notes), "
                f"{self.blobs} evidence files fetched")


@dataclass(frozen=True)
class HoldView:
    """A control checked out to an offline replica: who holds it and since when."""

    ref: str
    holder: str
    since: dt.datetime | None
    replica: str
    here: bool  # held by the replica this handle opens
