"""The plain data the controls area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fieldwork_tui.domain.flags import is_defensible
from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.imports.views import ImportPlan
from fieldwork_tui.services.records import (
    ControlExceptionRecord,
    ControlRecord,
    EvidenceFileRecord,
    ManagementResponseRecord,
    ObservationRecord,
    PersonRecord,
    ReperformanceRecord,
)

#: Refs a summary names before "…".
MAX_LISTED = 10

if TYPE_CHECKING:  # the evidence area's view of a statement (imported there, not here: no import cycle)
    from fieldwork_tui.services.evidence.views import ControlStatement


@dataclass
class ControlImportResult:
    created: int
    updated: int  # controls the file changed
    total: int
    unchanged: int = 0
    #: What was read and changed: the column mapping, the change lines, the notes (services.imports).
    plan: ImportPlan | None = None
    library_steps: int = 0  # new controls that took the firm library's test steps

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would be imported" if dry_run else "imported"
        text = (f"{self.total} controls {verb} ({self.created} new, {self.updated} updated, "
                f"{self.unchanged} unchanged)")
        if self.library_steps:
            text += f"; {self.library_steps} {'would take' if dry_run else 'took'} the firm library's test steps"
        return text

    def lines(self) -> list[str]:
        """The summary and what changed, as the CLI prints it."""
        return self.plan.lines() if self.plan else [self.describe()]


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


@dataclass(frozen=True)
class ControlRecords:
    """What the control detail screen shows (header and the technique tabs) and what the conclusion
    wording reads: plain copies, nothing the tabs do not read (sign-offs and review notes have their
    own calls, samples the sampling tab's)."""

    control: ControlRecord
    owner: PersonRecord | None
    evidence_types: list[str]
    flags: list[Flag]
    status: str = "not_started"  # derived from the work and the sign-offs, never stored
    statements: list[ControlStatement] = field(default_factory=list)  # plain views (evidence area)
    observations: list[ObservationRecord] = field(default_factory=list)
    files: list[EvidenceFileRecord] = field(default_factory=list)
    reperformances: list[ReperformanceRecord] = field(default_factory=list)
    #: re-performance id → differences still without a disposition
    unresolved: dict[int, int] = field(default_factory=dict)
    exceptions: list[tuple[ControlExceptionRecord, ManagementResponseRecord | None]] = field(default_factory=list)
