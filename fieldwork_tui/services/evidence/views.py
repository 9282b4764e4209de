"""The plain data the evidence area returns to the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldwork_tui.domain.compare import CompareResult
from fieldwork_tui.store.models import EvidenceFile, Interview, Person, Reperformance


@dataclass
class AttachedFile:
    evidence: EvidenceFile
    already_in_vault: bool
    already_linked: bool


@dataclass
class InterviewSummary:
    id: int
    held_on: str
    person: str
    role: str
    topic: str
    interviewer: str
    statements: int


@dataclass
class StatementRow:
    id: int
    position: int
    text: str
    controls: list[str]
    corroboration: str
    evidence_id: int | None
    evidence_name: str
    note: str


@dataclass
class InterviewDetail:
    interview: Interview
    person: Person | None
    statements: list[StatementRow] = field(default_factory=list)


@dataclass
class ComparisonOutcome:
    reperformance: Reperformance
    result: CompareResult
    list_a: EvidenceFile
    list_b: EvidenceFile
    options: dict = field(default_factory=dict)

    def to_json(self, control_ref: str) -> dict:
        r = self.result
        rows = [{"kind": d.kind, "key": d.key, **d.details} for d in r.differences]
        return {
            "reperformance_id": self.reperformance.id,
            "control": control_ref,
            "title": self.reperformance.title,
            "list_a": {"name": self.list_a.original_name, "sha256": self.list_a.sha256, "rows": r.count_a,
                       "key": r.key_a, "label": self.reperformance.list_a_label},
            "list_b": {"name": self.list_b.original_name, "sha256": self.list_b.sha256, "rows": r.count_b,
                       "key": r.key_b, "label": self.reperformance.list_b_label},
            "columns_compared": [list(p) for p in r.columns],
            "matched": r.matched,
            "only_in_a": len(r.only_in_a),
            "only_in_b": len(r.only_in_b),
            "differing": len(r.differing),
            "date_window_breaches": len(r.date_window),
            "duplicates_a": r.duplicates_a,
            "duplicates_b": r.duplicates_b,
            "rows": rows,
        }


@dataclass
class ReperformanceView:
    reperformance: Reperformance
    control_ref: str
    list_a: EvidenceFile | None
    list_b: EvidenceFile | None
