"""How flags and evidence badges look: severe flags red, warnings amber, badges I·O·N·R."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from fieldwork_tui.domain.coverage import FLAG_LABELS, SEVERE
from fieldwork_tui.domain.vocab import EVIDENCE_ORDER, EvidenceType, Flag


def badges_text(types: Iterable[str]) -> Text:
    present = {EvidenceType(t) for t in types}
    text = Text()
    for t in EVIDENCE_ORDER:
        if t in present:
            text.append(t.letter, style="bold green" if len(present) > 1 else "bold yellow")
        else:
            text.append("·", style="dim")
    return text


def flag_style(flag: Flag) -> str:
    if flag in SEVERE:
        return "bold red"
    if flag in (Flag.unsigned, Flag.possible_coached_answer, Flag.interview_missing_role):
        return "dim"
    return "yellow"


#: Compact labels for table cells, where every column counts. Severe flags come first.
COMPACT: dict[Flag, str] = {
    Flag.no_evidence: "no evidence",
    Flag.single_evidence_type: "1 type",
    Flag.inquiry_only: "inquiry only",
    Flag.missing_required_type: "missing type",
    Flag.uncorroborated_inquiry: "uncorroborated",
    Flag.contradicted_inquiry: "contradicted",
    Flag.evidence_outside_period: "outside period",
    Flag.sample_below_policy: "sample < policy",
    Flag.untested_sample_items: "untested items",
    Flag.population_unreconciled: "unreconciled",
    Flag.deviation_without_expansion: "not expanded",
    Flag.exception_without_response: "no response",
    Flag.unsigned: "unsigned",
    Flag.signoff_stale: "stale sign-off",
    Flag.possible_coached_answer: "coached?",
    Flag.interview_missing_role: "role not heard",
}


def flags_text(flags: Iterable[Flag], *, compact: bool = True) -> Text:
    """Flags as coloured words; compact for table cells (severe first), full labels elsewhere."""
    flags = list(flags)
    if compact:
        flags.sort(key=lambda f: (f not in SEVERE, f is Flag.unsigned))
    text = Text()
    for i, flag in enumerate(flags):
        if i:
            text.append(" · " if not compact else " ", style="dim")
        text.append(COMPACT[flag] if compact else FLAG_LABELS[flag], style=flag_style(flag))
    return text
