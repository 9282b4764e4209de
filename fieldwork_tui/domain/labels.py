"""Words a reader sees for the shared vocabulary's codes (`not_started` → "Not started").

The codes stay the interface (CLI `--json`, OSCAL, the journal); people read labels: the workbook, the
workpapers and the index show these. One table, so a status reads the same everywhere. Flags have
their own labels in the flag table; an enum not listed here reads as its words ("needs_clarification"
→ "Needs clarification").
"""

from __future__ import annotations

from enum import Enum

from fieldwork_tui.domain.vocab import (
    Conclusion,
    ControlStatus,
    DeviationConclusion,
    Effectiveness,
    EngagementType,
    Frequency,
    Nature,
    Phase,
    RemediationStatus,
    SampleResult,
)

LABELS: dict[Enum, str] = {
    ControlStatus.not_started: "Not started",
    ControlStatus.in_progress: "In progress",
    ControlStatus.ready_for_review: "Ready for review",
    ControlStatus.reviewed: "Reviewed",
    Conclusion.effective: "Effective",
    Conclusion.effective_with_exceptions: "Effective with exceptions",
    Conclusion.not_effective: "Not effective",
    Conclusion.not_tested: "Not tested",
    Frequency.annual: "Annual",
    Frequency.semiannual: "Semiannual",
    Frequency.quarterly: "Quarterly",
    Frequency.monthly: "Monthly",
    Frequency.weekly: "Weekly",
    Frequency.daily: "Daily",
    Frequency.multiple_daily: "Several times a day",
    Frequency.as_needed: "As needed (event-driven)",
    Frequency.continuous: "Continuous (automated)",
    Phase.kickoff: "Kickoff",
    Phase.evidence_collection: "Evidence collection",
    Phase.fieldwork: "Fieldwork",
    Phase.draft_report: "Draft report",
    Phase.management_responses: "Management responses",
    Phase.final_report: "Final report",
    SampleResult.untested: "Untested",
    SampleResult.passed: "Passed",
    SampleResult.deviation: "Deviation",
    SampleResult.not_applicable: "Not applicable",
    DeviationConclusion.isolated: "Isolated",
    DeviationConclusion.systematic: "Systematic",
    Effectiveness.design: "Design",
    Effectiveness.operating: "Operating",
    RemediationStatus.not_started: "Not started",
    RemediationStatus.in_progress: "In progress",
    RemediationStatus.remediated: "Remediated",
    Nature.manual: "Manual",
    Nature.automated: "Automated",
    EngagementType.type1: "Type I",
    EngagementType.type2: "Type II",
}


def label(value: object) -> str:
    """The label of a vocabulary member (or of its code as text); "" for None."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        found = LABELS.get(value)
        if found is not None:
            return found
        value = value.value
    text = str(value)
    return text.replace("_", " ").capitalize() if text else ""
