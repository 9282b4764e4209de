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

from fieldwork_tui.domain import flags as _flags
from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, Corroboration, EvidenceType, Flag, Nature, Phase

#: Phases from which an exception must carry a management response.
RESPONSE_PHASES = frozenset({Phase.draft_report, Phase.management_responses, Phase.final_report})

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

    @property
    def no_occurrences(self) -> bool:
        """A population of zero was documented (and the client's count, if stated, agrees): the
        control did not operate in the period."""
        return self.population_rows == 0 and self.size == 0 and self.expected_count in (None, 0)

    @property
    def meets_policy(self) -> bool:
        """A sample was drawn at the policy size (or below it with a recorded reason, or the whole
        population)."""
        if self.size <= 0:
            return False
        if self.population_rows and self.size >= self.population_rows:
            return True
        return self.size >= self.policy_size or bool(self.override_reason.strip())


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
    #: Type II engagement: the control's operation across the period must be tested.
    type2: bool = False
    nature: Nature = Nature.manual
    #: Automated controls: the IT general controls a test of one relies on, as the auditor recorded it.
    itgc_basis: str = ""
    #: A re-performance covered the whole population of the period (not one instance or one quarter).
    whole_population_reperformed: bool = False
    #: Automated controls: a test of one recorded complete (configuration, the ITGCs relied on and why,
    #: evidence for a pass) with a result — it carries its own ITGC basis (domain.attributes).
    test_of_one_done: bool = False
    #: Re-performance differences (duplicate keys included) that have no disposition yet.
    unresolved_differences: int = 0
    #: Possible coached answers on this control not dismissed by the auditor (domain.coaching).
    coached_answer_signals: int = 0
    #: Roles the interview plan asks for that nobody holding them was interviewed on (domain.interview_plan).
    missing_interview_roles: tuple[str, ...] = ()
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


def operating_effectiveness_tested(f: ControlFacts) -> bool:
    """Whether the control's operation across the period is evidenced (always True outside Type II).

    Any one of: a documented population of zero (no occurrences — nothing to test); a sample
    meeting policy; a re-performance over the whole population; or, for an automated control, a
    recorded test of one (attribute testing: configuration, ITGCs relied on and why) or a test of
    one (a re-performance, an observation, or a sample of one) with its IT general controls
    basis recorded in the control matrix. A sample of one of an automated control is such a test of one, so it counts
    only with the basis. Inspecting one quarter's review, or interviewing the owner, is not enough.
    """
    if not f.type2:
        return True
    s = f.sample
    if s is not None and s.no_occurrences:
        return True
    automated = Nature(f.nature) is Nature.automated
    has_basis = bool(f.itgc_basis.strip())
    if s is not None and s.meets_policy and (not automated or s.size > 1 or has_basis):
        return True
    if f.whole_population_reperformed:
        return True
    if automated and f.test_of_one_done:
        return True
    if automated and has_basis:
        tested_one = bool({EvidenceType.reperformance, EvidenceType.observation} & f.evidence_types)
        return tested_one or (s is not None and s.size >= 1)
    return False


def flags_for(f: ControlFacts) -> list[Flag]:
    """All flags of one control, in vocabulary order."""
    out: set[Flag] = set()
    types = f.evidence_types
    s = f.sample
    if s is not None and s.no_occurrences:
        # A documented population of zero is the work: nothing operated, so there is nothing to
        # triangulate (Section IV says "No occurrences — not tested for operating effectiveness.").
        types = f.required_types | types or frozenset({EvidenceType.inspection})
    if not types:
        out.add(Flag.no_evidence)
    elif len(types) == 1 and not (s is not None and s.no_occurrences):
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
    if s is not None:
        if s.size < s.policy_size and not s.override_reason.strip():
            out.add(Flag.sample_below_policy)
        if s.untested:
            out.add(Flag.untested_sample_items)
        if s.expected_count is not None and s.expected_count != s.population_rows:
            out.add(Flag.population_unreconciled)
        if s.initial_deviations and not s.expanded and not s.concluded:
            out.add(Flag.deviation_without_expansion)
    if not operating_effectiveness_tested(f):
        out.add(Flag.operating_effectiveness_untested)
    if f.unresolved_differences:
        out.add(Flag.unresolved_differences)
    if f.coached_answer_signals:
        out.add(Flag.possible_coached_answer)
    if f.missing_interview_roles:
        out.add(Flag.interview_missing_role)
    if f.exceptions_without_response and f.phase in RESPONSE_PHASES:
        out.add(Flag.exception_without_response)
    if not f.preparer_signed:
        out.add(Flag.unsigned)
    if f.signoff_stale:
        out.add(Flag.signoff_stale)
    return _flags.ordered(out)


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
