"""The plain data the requests area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from fieldwork_tui.domain.requests import age_start
from fieldwork_tui.domain.vocab import RequestStatus, RequestWave
from fieldwork_tui.services.imports.views import ImportPlan
from fieldwork_tui.services.records import FollowUpRecord, RequestStatusChangeRecord


@dataclass
class RequestQuery:
    """What the triage table shows: a text filter, quick filters and a sort."""

    text: str = ""
    overdue: bool = False
    owner_id: int | None = None  # UNASSIGNED for requests without an owner
    statuses: frozenset[RequestStatus] = frozenset()
    control_id: int | None = None
    wave: RequestWave | None = None
    sort: str = "due"
    descending: bool = False


@dataclass
class RequestRow:
    id: int
    ref: str
    description: str
    controls: str
    owner: str
    owner_id: int | None
    status: RequestStatus
    due_on: dt.date | None
    age: int | None
    last_follow_up_on: dt.date | None
    last_follow_up: str
    overdue: bool
    priority: str = ""
    wave: RequestWave = RequestWave.general
    requested_on: dt.date | None = None
    received_on: dt.date | None = None
    imported_on: dt.date | None = None
    version: int = 0  # the row's version when read (store/versions.py): hand it back to a change

    @property
    def age_from(self) -> str | None:
        """What the age counts from: "requested" or "imported" (`domain.requests.age_start`)."""
        return age_start(self.requested_on, self.imported_on)


@dataclass
class OwnerCount:
    id: int
    name: str
    open: int
    overdue: int
    total: int


@dataclass
class ReceivedFile:
    id: int
    name: str
    sha256: str
    size: int
    added_at: dt.datetime
    added_by: str


@dataclass(frozen=True)
class RequestDetail:
    id: int
    ref: str
    description: str
    status: RequestStatus
    owner: str
    priority: str
    wave: RequestWave
    requested_on: dt.date | None
    due_on: dt.date | None
    received_on: dt.date | None
    age: int | None
    overdue: bool
    sample_id: int | None
    controls: list[tuple[str, str]] = field(default_factory=list)
    follow_ups: list[FollowUpRecord] = field(default_factory=list)
    history: list[RequestStatusChangeRecord] = field(default_factory=list)
    files: list[ReceivedFile] = field(default_factory=list)
    #: Columns of the imported tracker no field takes ({header: text}).
    extra_fields: dict[str, str] = field(default_factory=dict)
    imported_on: dt.date | None = None
    version: int = 0  # the row's version when read (store/versions.py): hand it back to a change


MAX_LISTED = 8


@dataclass
class RequestImportResult:
    created: int
    updated: int
    total: int
    kept: list[str] = field(default_factory=list)  # IDs stored before and absent from this file
    new_people: list[str] = field(default_factory=list)
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)  # one line per new or changed request
    #: What was read and changed: the column mapping, the change lines, the notes (services.imports).
    plan: ImportPlan | None = None

    def lines(self) -> list[str]:
        """The summary and what changed, as the CLI prints it."""
        return self.plan.lines() if self.plan else [self.describe()]

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would be imported" if dry_run else "imported"
        text = f"{self.total} requests {verb} ({self.created} new, {self.updated} updated, {self.unchanged} unchanged)"
        if self.new_people:
            text += f"; {len(self.new_people)} new client owner(s): {', '.join(self.new_people[:MAX_LISTED])}"
        if self.kept:
            listed = ", ".join(self.kept[:MAX_LISTED]) + (" …" if len(self.kept) > MAX_LISTED else "")
            text += f"; {len(self.kept)} request(s) not in this file were kept unchanged: {listed}"
        return text


@dataclass
class RequestExportResult:
    path: Path
    rows: int

    def describe(self) -> str:
        return f"{self.rows} requests written to {self.path}"


@dataclass
class SampleChoice:
    id: int
    control_ref: str
    control_title: str
    kind: str
    size: int
    items: int
    created_at: dt.datetime
    request_ref: str | None

    @property
    def label(self) -> str:
        done = f" — requested in {self.request_ref}" if self.request_ref else ""
        return f"{self.control_ref} {self.kind} sample #{self.id}: {self.items} items{done}"
