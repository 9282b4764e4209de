"""The plain data the evidence area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fieldwork_tui.domain.compare import CompareResult
from fieldwork_tui.domain.inquiry import ContradictionState, SaveAction, StatementEvidence
from fieldwork_tui.domain.people import person_label, role_and_title
from fieldwork_tui.domain.vocab import Corroboration, PersonSide
from fieldwork_tui.services.records import EvidenceFileRecord, ReperformanceRecord


@dataclass(frozen=True)
class AttachedFile:
    evidence: EvidenceFileRecord
    already_in_vault: bool
    already_linked: bool
    #: Fields of an already-stored record this attach changed (asked for with `update`), and the
    #: other controls using the file, whose workpapers changed with it.
    updated: tuple[str, ...] = ()
    also_used_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceView:
    """An evidence file as the app and `status --json` show it."""

    id: int
    sha256: str
    name: str
    size: int
    as_of: dt.date | None
    description: str
    used_by: tuple[str, ...] = ()
    version: int = 0  # the record's version when read (store/versions.py): hand it back to edit_evidence

    @property
    def label(self) -> str:
        return f"evidence #{self.id} ({self.name})"

    def to_json(self) -> dict:
        return {"id": self.id, "sha256": self.sha256, "name": self.name, "size": self.size,
                "as_of": self.as_of.isoformat() if self.as_of else None, "description": self.description,
                "used_by": list(self.used_by), "version": self.version}


@dataclass(frozen=True)
class EvidenceEdit:
    """What an edit changed: the fields (from → to), and the sign-offs it made stale."""

    evidence: EvidenceView
    changes: dict[str, tuple[str, str]]
    staled: tuple[str, ...]  # "AC-01 preparer", "AC-01 reviewer", ...

    def describe(self) -> str:
        if not self.changes:
            return f"{self.evidence.label}: nothing changed"
        what = "; ".join(f"{'as of' if k == 'as_of' else k} {a or '(none)'} → {b or '(none)'}"
                         for k, (a, b) in self.changes.items())
        used = ", ".join(self.evidence.used_by) or "no control"
        stale = f"; sign-offs now modified since review: {', '.join(self.staled)}" if self.staled else ""
        return f"{self.evidence.label}: {what}; used by {used}{stale}"


@dataclass(frozen=True)
class ComparisonOutcome:
    reperformance: ReperformanceRecord
    result: CompareResult
    list_a: EvidenceFileRecord
    list_b: EvidenceFileRecord
    options: dict = field(default_factory=dict)
    #: The stored difference ids, in the order of `result.differences` (`fieldwork differences`).
    difference_ids: list[int] = field(default_factory=list)

    def to_json(self, control_ref: str) -> dict:
        r = self.result
        ids = self.difference_ids or [None] * len(r.differences)
        rows = [{"id": i, "kind": d.kind, "key": d.key, "disposition": None, **d.details}
                for i, d in zip(ids, r.differences, strict=True)]
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
            "duplicates": len(r.duplicates),
            "duplicates_a": r.duplicates_a,
            "duplicates_b": r.duplicates_b,
            "key_normalisation": r.normalisation,
            "whole_population": self.reperformance.whole_population,
            "differences": len(rows),
            "unresolved": len(rows),
            "rows": rows,
        }


@dataclass(frozen=True)
class ReperformanceView:
    reperformance: ReperformanceRecord
    control_ref: str
    list_a: EvidenceFileRecord | None
    list_b: EvidenceFileRecord | None


# -- interviews ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    role: str | None = None  # a PersonRole value, None when nobody said yet
    title: str = ""
    side: str = PersonSide.client.value

    @property
    def label(self) -> str:
        """"Diego Alvarez (IT administration, IT Administrator)": how a person is named everywhere."""
        return person_label(self.name, self.role, self.title)

    @property
    def role_title(self) -> str:
        return role_and_title(self.role, self.title)


@dataclass(frozen=True)
class InterviewSummary:
    id: int
    held_on: str
    person: PersonView
    topic: str
    interviewer: str
    statements: int
    red_flags: int = 0  # contradicted statements still open

    @property
    def person_name(self) -> str:
        return self.person.name


@dataclass(frozen=True)
class StatementRow:
    id: int
    interview_id: int
    position: int
    text: str
    controls: tuple[str, ...]
    version: int
    evidence: StatementEvidence

    @property
    def corroboration(self) -> str:
        return Corroboration(self.evidence.corroboration).value

    @property
    def evidence_id(self) -> int | None:
        return self.evidence.evidence_id

    @property
    def evidence_name(self) -> str:
        return self.evidence.evidence_name

    @property
    def note(self) -> str:
        return self.evidence.note

    @property
    def red_flag(self) -> bool:
        return self.evidence.red_flag

    @property
    def contradiction(self) -> ContradictionState | None:
        return self.evidence.contradiction

    def describe(self) -> str:
        return self.evidence.describe()


@dataclass(frozen=True)
class InterviewDetail:
    id: int
    held_on: dt.date
    interviewer: str
    topic: str
    person: PersonView
    statements: tuple[StatementRow, ...] = ()


@dataclass(frozen=True)
class ControlStatement:
    """A statement as one control's Inquiry tab and workpaper show it."""

    statement: StatementRow
    interview_id: int
    held_on: dt.date
    interviewer: str
    person: PersonView


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the statement that now holds the typed text (its id and version), and a
    message when someone else's change made it a new statement."""

    statement_id: int
    version: int
    action: SaveAction
    message: str = ""

    @property
    def wrote(self) -> bool:
        return self.action is not SaveAction.unchanged


@dataclass(frozen=True)
class EvidenceChoice:
    id: int
    label: str
    linked: bool  # attached to one of the statement's controls
@dataclass(frozen=True)
class DifferenceRow:
    """One re-performance difference with its disposition (None: still open). `id` is the stable
    difference id the CLI and the TUI name it by."""

    id: int
    reperformance_id: int
    control_ref: str
    kind: str
    key: str
    description: str
    disposition: str | None = None
    reason: str = ""
    evidence_id: int | None = None
    exception_id: int | None = None
    disposed_by: str = ""
    disposed_at: str = ""

    @property
    def open(self) -> bool:
        return self.disposition is None

    def to_json(self) -> dict:
        return {"id": self.id, "reperformance_id": self.reperformance_id, "control": self.control_ref,
                "kind": self.kind, "key": self.key, "description": self.description,
                "disposition": self.disposition, "reason": self.reason, "evidence_id": self.evidence_id,
                "exception_id": self.exception_id, "disposed_by": self.disposed_by, "disposed_at": self.disposed_at}
