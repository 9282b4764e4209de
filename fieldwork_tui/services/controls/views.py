"""The plain data the controls area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from fieldwork_tui.domain.flags import is_defensible
from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    EvidenceFile,
    InquiryStatement,
    Interview,
    ManagementResponse,
    Observation,
    Person,
    Reperformance,
    ReviewNote,
    Sample,
    SignOff,
)


@dataclass
class ControlImportResult:
    created: int
    updated: int
    total: int

    def describe(self) -> str:
        return f"{self.total} controls imported ({self.created} new, {self.updated} updated)"


@dataclass
class ControlRow:
    """One line of the controls table (everything the table shows, computed once)."""

    id: int
    ref: str
    title: str
    criteria: list[str]
    frequency: str
    evidence_types: list[str]
    flags: list[Flag]
    status: str
    conclusion: str | None
    owner: str = ""
    exceptions: int = 0

    @property
    def defensible(self) -> bool:
        """THE rule (`domain.flags.is_defensible`): no blocking flag stands."""
        return is_defensible(self.flags)


@dataclass
class Overview:
    engagement: dict
    controls: list[ControlRow]
    flag_counts: Counter = field(default_factory=Counter)
    status_counts: Counter = field(default_factory=Counter)
    requests_by_status: dict[str, int] = field(default_factory=dict)
    requests_overdue: int = 0
    oldest_overdue: dt.date | None = None
    exceptions_total: int = 0
    exceptions_without_response: int = 0
    open_review_notes: int = 0

    @property
    def not_defensible(self) -> list[ControlRow]:
        """The controls whose conclusion is not yet defensible: the dashboard's count, `f`'s list."""
        return [c for c in self.controls if not c.defensible]


@dataclass
class StatementView:
    statement: InquiryStatement
    interview: Interview
    person: Person | None


@dataclass
class ControlRecords:
    control: Control
    owner: Person | None
    evidence_types: list[str]
    flags: list[Flag]
    status: str = "not_started"  # derived from the work and the sign-offs, never stored
    statements: list[StatementView] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    files: list[EvidenceFile] = field(default_factory=list)
    reperformances: list[Reperformance] = field(default_factory=list)
    #: re-performance id → differences still without a disposition
    unresolved: dict[int, int] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    exceptions: list[tuple[ControlException, ManagementResponse | None]] = field(default_factory=list)
    signoffs: list[SignOff] = field(default_factory=list)
    review_notes: list[ReviewNote] = field(default_factory=list)
