"""The shared vocabulary (DESIGN.md). Member names equal their values, so the database,
`status --json`, the bundle and the CLI all speak the same words."""

from __future__ import annotations

from enum import StrEnum

from fieldwork_tui.domain import flags as _flags


class EvidenceType(StrEnum):
    inquiry = "inquiry"
    observation = "observation"
    inspection = "inspection"
    reperformance = "reperformance"

    @property
    def letter(self) -> str:
        """One-letter badge used in tables: I·O·N·R (N for iNspection)."""
        return {"inquiry": "I", "observation": "O", "inspection": "N", "reperformance": "R"}[self.value]


EVIDENCE_ORDER: tuple[EvidenceType, ...] = tuple(EvidenceType)


#: The flags are generated from the flag table (`domain.flags`): one row per flag holds its label,
#: severity, help and whether it blocks a defensible conclusion.
Flag = _flags.Flag


class Frequency(StrEnum):
    annual = "annual"
    semiannual = "semiannual"
    quarterly = "quarterly"
    monthly = "monthly"
    weekly = "weekly"
    daily = "daily"
    multiple_daily = "multiple_daily"
    as_needed = "as_needed"
    continuous = "continuous"


class Phase(StrEnum):
    kickoff = "kickoff"
    evidence_collection = "evidence_collection"
    fieldwork = "fieldwork"
    draft_report = "draft_report"
    management_responses = "management_responses"
    final_report = "final_report"


class RequestStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    needs_clarification = "needs_clarification"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"
    not_applicable = "not_applicable"


#: What the client still owes (the open-items list).
OPEN_REQUEST_STATUSES: frozenset[RequestStatus] = frozenset(
    {RequestStatus.open, RequestStatus.in_progress, RequestStatus.needs_clarification, RequestStatus.returned}
)


class RequestWave(StrEnum):
    general = "general"
    population = "population"
    sample = "sample"


class Nature(StrEnum):
    manual = "manual"
    automated = "automated"


class ControlType(StrEnum):
    """What a control does (a firm's "Control Type"), apart from its nature (manual or automated)."""

    preventive = "preventive"
    detective = "detective"
    corrective = "corrective"
    directive = "directive"
    compensating = "compensating"
    entity_level = "entity_level"
    monitoring = "monitoring"


class ControlStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    ready_for_review = "ready_for_review"
    reviewed = "reviewed"


class Conclusion(StrEnum):
    effective = "effective"
    effective_with_exceptions = "effective_with_exceptions"
    not_effective = "not_effective"
    not_tested = "not_tested"


class Corroboration(StrEnum):
    uncorroborated = "uncorroborated"
    corroborated = "corroborated"
    contradicted = "contradicted"


class PersonSide(StrEnum):
    client = "client"
    audit = "audit"


class PersonRole(StrEnum):
    """What a person does at the service organisation, for the interview plan (who to interview for
    which control). The job title stays free text; the role is one of these words."""

    engineering = "engineering"
    hr = "hr"
    it_administration = "it_administration"
    security_operations = "security_operations"
    finance = "finance"
    executive = "executive"
    other = "other"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[PersonRole, str] = {
    PersonRole.engineering: "Engineering",
    PersonRole.hr: "HR",
    PersonRole.it_administration: "IT administration",
    PersonRole.security_operations: "Security operations",
    PersonRole.finance: "Finance",
    PersonRole.executive: "Executive",
    PersonRole.other: "Other",
}


class EngagementType(StrEnum):
    type1 = "type1"
    type2 = "type2"


class SampleKind(StrEnum):
    initial = "initial"
    expansion = "expansion"


class SampleResult(StrEnum):
    untested = "untested"
    passed = "passed"
    deviation = "deviation"
    not_applicable = "not_applicable"


class DeviationConclusion(StrEnum):
    isolated = "isolated"
    systematic = "systematic"


class ExceptionSource(StrEnum):
    sample = "sample"
    reperformance = "reperformance"
    manual = "manual"


class ExceptionType(StrEnum):
    timing = "timing"
    execution = "execution"
    evidence = "evidence"
    scope = "scope"


class Effectiveness(StrEnum):
    design = "design"
    operating = "operating"


class RemediationStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    remediated = "remediated"


class DifferenceKind(StrEnum):
    only_in_a = "only_in_a"
    only_in_b = "only_in_b"
    differing = "differing"
    date_window = "date_window"
    duplicate = "duplicate"  # a key that appears more than once on one side
    rule = "rule"  # a population row an attribute's rule does not meet or cannot decide (attribute testing)


class Disposition(StrEnum):
    """What the auditor decided about a re-performance difference."""

    exception = "exception"  # raised as an exception on the control
    explained = "explained"  # explained (text, and the evidence where it exists)
    not_deviation = "not_deviation"  # not a deviation of the control (reason)


class SignOffRole(StrEnum):
    preparer = "preparer"
    reviewer = "reviewer"


class NoteStatus(StrEnum):
    open = "open"
    cleared = "cleared"


class ReviewTarget(StrEnum):
    control = "control"
    exception = "exception"
