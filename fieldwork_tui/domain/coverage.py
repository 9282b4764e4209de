"""Which conclusions are not yet defensible: the flags of one control, from plain facts.

Triangulation first: a control whose evidence is of one type is flagged, inquiry alone is flagged
harder (`inquiry_only` comes with `single_evidence_type`), required types are checked, and an
inquiry statement contradicted by evidence is a red flag. Sampling, exception and sign-off flags
follow the same pattern. Services gather `ControlFacts` (a fixed number of queries for all
controls); this module decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, Corroboration, EvidenceType, Flag, Nature, Phase

#: Phases from which an exception must carry a management response.
RESPONSE_PHASES = frozenset({Phase.draft_report, Phase.management_responses, Phase.final_report})

#: Flags that make a conclusion indefensible outright (shown red); the rest are warnings.
SEVERE = frozenset(
    {Flag.no_evidence, Flag.inquiry_only, Flag.contradicted_inquiry, Flag.deviation_without_expansion,
     Flag.exception_without_response}
)

FLAG_LABELS: dict[Flag, str] = {
    Flag.no_evidence: "no evidence",
    Flag.single_evidence_type: "one evidence type",
    Flag.inquiry_only: "inquiry only",
    Flag.missing_required_type: "missing required type",
    Flag.uncorroborated_inquiry: "uncorroborated inquiry",
    Flag.contradicted_inquiry: "contradicted inquiry",
    Flag.evidence_outside_period: "evidence outside period",
    Flag.sample_below_policy: "sample below policy",
    Flag.untested_sample_items: "untested sample items",
    Flag.population_unreconciled: "population unreconciled",
    Flag.deviation_without_expansion: "deviation not expanded",
    Flag.exception_without_response: "exception without response",
    Flag.unsigned: "unsigned",
    Flag.signoff_stale: "modified since review",
    Flag.possible_coached_answer: "possible coached answer",
    Flag.interview_missing_role: "role not interviewed",
}
#: Advisory flags: shown, never making a conclusion indefensible on their own.
ADVISORY = frozenset({Flag.possible_coached_answer, Flag.interview_missing_role})


@dataclass(frozen=True)
class SampleFacts:
    size: int
    policy_size: int
    override_reason: str = ""
    untested: int = 0
    initial_deviations: int = 0
    expanded: bool = False
    concluded: bool = False
    population_rows: int = 0
    expected_count: int | None = None


@dataclass(frozen=True)
class ControlFacts:
    ref: str
    required_types: frozenset[EvidenceType] = frozenset()
    evidence_types: frozenset[EvidenceType] = frozenset()
    uncorroborated_statements: int = 0
    contradicted_statements: int = 0
    evidence_dates: tuple[dt.date, ...] = ()
    period: tuple[dt.date, dt.date] | None = None
    sample: SampleFacts | None = None
    exceptions: int = 0
    exceptions_without_response: int = 0
    phase: Phase = Phase.fieldwork
    preparer_signed: bool = False
    signoff_stale: bool = False
    coached_answer_signals: int = 0                 # open possible coached answers on this control
    missing_interview_roles: tuple[str, ...] = ()   # planned roles not yet interviewed
    missing_role_blocking: bool = False             # the firm's plan makes a missing role blocking
    extra: dict = field(default_factory=dict)


def ordered_types(types: Iterable[EvidenceType | str]) -> list[EvidenceType]:
    present = {EvidenceType(t) for t in types}
    return [t for t in EVIDENCE_ORDER if t in present]


def badges(types: Iterable[EvidenceType | str]) -> str:
    """The I·O·N·R badge string: a letter where the type is present, a dot where it is not."""
    present = {EvidenceType(t) for t in types}
    return "".join(t.letter if t in present else "·" for t in EVIDENCE_ORDER)


def default_required_types(title: str, description: str = "", nature: Nature | str = Nature.manual) -> list[str]:
    """Sensible required evidence types by the kind of control (editable per control).

    Access reviews want inquiry, inspection and re-performance (the fieldwork guide's example);
    automated controls are inspected (configuration) and re-performed (test of one); any other
    manual control wants inquiry corroborated by inspection.
    """
    text = f"{title} {description}".lower()
    if "access" in text and ("review" in text or "recertif" in text):
        return [EvidenceType.inquiry, EvidenceType.inspection, EvidenceType.reperformance]
    if any(w in text for w in ("termination", "offboard", "deprovision", "revoked", "removal of access")):
        return [EvidenceType.inquiry, EvidenceType.inspection, EvidenceType.reperformance]
    if Nature(nature) is Nature.automated:
        return [EvidenceType.inspection, EvidenceType.reperformance]
    return [EvidenceType.inquiry, EvidenceType.inspection]


def outside_period(dates: Iterable[dt.date], period: tuple[dt.date, dt.date] | None) -> list[dt.date]:
    if period is None:
        return []
    start, end = period
    return [d for d in dates if d is not None and (d < start or d > end)]


def flags_for(f: ControlFacts) -> list[Flag]:
    """All flags of one control, in vocabulary order."""
    out: set[Flag] = set()
    types = f.evidence_types
    if not types:
        out.add(Flag.no_evidence)
    elif len(types) == 1:
        out.add(Flag.single_evidence_type)
        if types == {EvidenceType.inquiry}:
            out.add(Flag.inquiry_only)
    if f.required_types - types:
        out.add(Flag.missing_required_type)
    if f.uncorroborated_statements:
        out.add(Flag.uncorroborated_inquiry)
    if f.contradicted_statements:
        out.add(Flag.contradicted_inquiry)
    if outside_period(f.evidence_dates, f.period):
        out.add(Flag.evidence_outside_period)
    s = f.sample
    if s is not None:
        if s.size < s.policy_size and not s.override_reason.strip():
            out.add(Flag.sample_below_policy)
        if s.untested:
            out.add(Flag.untested_sample_items)
        if s.expected_count is not None and s.expected_count != s.population_rows:
            out.add(Flag.population_unreconciled)
        if s.initial_deviations and not s.expanded and not s.concluded:
            out.add(Flag.deviation_without_expansion)
    if f.exceptions_without_response and f.phase in RESPONSE_PHASES:
        out.add(Flag.exception_without_response)
    if not f.preparer_signed:
        out.add(Flag.unsigned)
    if f.signoff_stale:
        out.add(Flag.signoff_stale)
    if f.coached_answer_signals:
        out.add(Flag.possible_coached_answer)
    if f.missing_interview_roles:
        out.add(Flag.interview_missing_role)
    return [flag for flag in Flag if flag in out]


def is_defensible(flags: Iterable[Flag], blocking: Iterable[Flag] = ()) -> bool:
    """A conclusion is defensible when no flag other than the sign-off workflow and the advisory
    flags remains (an advisory flag listed in `blocking` counts: the firm made it blocking)."""
    return not (set(flags) - {Flag.unsigned, Flag.signoff_stale} - (ADVISORY - set(blocking)))


def corroboration_problem(state: str, evidence_id: int | None, note: str = "") -> str | None:
    """Why a corroboration cannot be recorded as given (None when it can).

    A statement is corroborated BY an evidence item and contradicted by one WITH a note saying
    what the documents show instead; "uncorroborated" carries neither.
    """
    try:
        value = Corroboration(state)
    except ValueError:
        return f"corroboration {state!r}: expected uncorroborated, corroborated or contradicted"
    if value is Corroboration.corroborated and evidence_id is None:
        return "corroborated: choose the evidence item that corroborates the statement"
    if value is Corroboration.contradicted:
        if evidence_id is None:
            return "contradicted: choose the evidence item that contradicts the statement"
        if not note.strip():
            return "contradicted: add a note saying what the evidence shows instead"
    return None
