"""The flag table: every flag the app raises, its words, its severity and whether it blocks a
defensible conclusion — in ONE place.

A flag names a conclusion that is not yet defensible, or work the auditor still owes. Everything
that shows or counts flags reads this table: the controls table and dashboard (label, colour from
the severity), the `f` filter and every "not defensible" count (`is_defensible`), the `?` help (help
text), `status --json` (the name), the bundle index, Section IV and the OSCAL results.

Adding a flag is one edit: append a `FlagSpec` row to `FLAG_TABLE`. The `Flag` enum (the shared
vocabulary, re-exported by `domain.vocab`) is generated from these rows, in this order, which is
the vocabulary order every list of flags is shown in. Computing the flag is the rule's own code
(`domain.coverage.flags_for` for the facts it knows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Severity(StrEnum):
    """How loudly a flag is shown: severe (red), warning (amber), advisory (dim)."""

    severe = "severe"
    warning = "warning"
    advisory = "advisory"


class FlagGroup(StrEnum):
    """Which part of the work a flag belongs to (the help screen groups by it)."""

    evidence = "evidence"
    interviews = "interviews"
    sampling = "sampling"
    reperformance = "reperformance"
    exceptions = "exceptions"
    signoff = "signoff"


@dataclass(frozen=True)
class FlagSpec:
    """One row of the flag table."""

    name: str  # the vocabulary word (`status --json`, the bundle, the CLI)
    label: str  # what a person reads ("uncorroborated inquiry")
    compact: str  # the same in a table cell, where every column counts
    severity: Severity
    group: FlagGroup
    blocking: bool  # True: no conclusion is defensible while the flag stands
    help: str  # what it means and what clears it (the `?` screen, the bundle)


S, W, A = Severity.severe, Severity.warning, Severity.advisory
G = FlagGroup

FLAG_TABLE: tuple[FlagSpec, ...] = (
    FlagSpec("no_evidence", "no evidence", "no evidence", S, G.evidence, True,
             "Nothing recorded yet for this control."),
    FlagSpec("single_evidence_type", "one evidence type", "1 type", W, G.evidence, True,
             "All evidence is of one type: triangulate with another technique."),
    FlagSpec("inquiry_only", "inquiry only", "inquiry only", S, G.evidence, True,
             "Only interviews: inquiry alone never supports a conclusion."),
    FlagSpec("missing_required_type", "missing required type", "missing type", W, G.evidence, True,
             "A technique this control requires has not been performed."),
    FlagSpec("uncorroborated_inquiry", "uncorroborated inquiry", "uncorroborated", W, G.interviews, True,
             "A statement from an interview has not been corroborated by evidence yet."),
    FlagSpec("contradicted_inquiry", "contradicted inquiry", "contradicted", S, G.interviews, True,
             "Evidence contradicts what someone said: a red flag until it is raised as an exception or "
             "resolved by later evidence."),
    FlagSpec("evidence_outside_period", "evidence outside period", "outside period", W, G.evidence, True,
             "Evidence dated outside the observation period: it does not show the control in the period."),
    FlagSpec("sample_below_policy", "sample below policy", "sample < policy", W, G.sampling, True,
             "The sample is smaller than the policy size and no reason is recorded."),
    FlagSpec("untested_sample_items", "untested sample items", "untested items", W, G.sampling, True,
             "Sample items still to be tested."),
    FlagSpec("population_unreconciled", "population unreconciled", "unreconciled", W, G.sampling, True,
             "The population's count differs from the count the client stated."),
    FlagSpec("deviation_without_expansion", "deviation not expanded", "not expanded", S, G.sampling, True,
             "A deviation was found but the sample was neither expanded nor concluded."),
    FlagSpec("exception_without_response", "exception without response", "no response", S, G.exceptions, True,
             "An exception has no management response (draft report onwards)."),
    FlagSpec("unsigned", "unsigned", "unsigned", A, G.signoff, False,
             "No preparer sign-off yet."),
    FlagSpec("signoff_stale", "modified since review", "stale sign-off", W, G.signoff, False,
             "Modified since it was signed off: sign again."),
    FlagSpec("operating_effectiveness_untested", "operating effectiveness untested", "OE untested", S,
             G.sampling, True,
             "Type II: nothing shows the control operating across the period — no sample meeting policy, no "
             "re-performance over the whole population and (automated) no test of one with its IT general "
             "controls basis recorded. A documented population of zero (no occurrences) clears it."),
    FlagSpec("unresolved_differences", "unresolved differences", "open diffs", S, G.reperformance, True,
             "A re-performance difference (duplicates included) has no disposition: raise it as an exception, "
             "explain it, or mark it not a deviation with a reason."),
    FlagSpec("possible_coached_answer", "possible coached answer", "coached?", A, G.interviews, False,
             "Interviewees gave near-identical answers, or recited the control description: corroborate with "
             "documents rather than rely on the answers."),
    FlagSpec("interview_missing_role", "interview missing role", "missing role", A, G.interviews, False,
             "The interview plan expects a role that nobody holding it has been interviewed on."),
)
del S, W, A, G

#: The shared vocabulary's flags, generated from the table (member name == value == row name).
Flag = StrEnum("Flag", [(row.name, row.name) for row in FLAG_TABLE], module=__name__, qualname="Flag")

SPECS: Mapping[Flag, FlagSpec] = MappingProxyType({Flag(row.name): row for row in FLAG_TABLE})

#: Flags that block a defensible conclusion.
BLOCKING: frozenset[Flag] = frozenset(f for f, row in SPECS.items() if row.blocking)

#: Flags about the review workflow rather than the evidence (a determination is published only when
#: none of them stands either).
SIGNOFF: frozenset[Flag] = frozenset(f for f, row in SPECS.items() if row.group is FlagGroup.signoff)

_SEVERITY_ORDER = {Severity.severe: 0, Severity.warning: 1, Severity.advisory: 2}


def spec(flag: Flag | str) -> FlagSpec:
    return SPECS[Flag(flag)]


def label(flag: Flag | str) -> str:
    return SPECS[Flag(flag)].label


def severity(flag: Flag | str) -> Severity:
    return SPECS[Flag(flag)].severity


def ordered(flags: Iterable[Flag | str]) -> list[Flag]:
    """Flags in vocabulary order, each once."""
    present = {Flag(f) for f in flags}
    return [f for f in Flag if f in present]


def by_severity(flags: Iterable[Flag | str]) -> list[Flag]:
    """Flags most severe first (vocabulary order within a severity): how table cells show them."""
    return sorted(ordered(flags), key=lambda f: _SEVERITY_ORDER[SPECS[f].severity])


#: Advisory flags a firm may make blocking in its own configuration (`interview_missing_role`: the
#: `missing_role_blocking` setting of the firm's interview plan). Nothing else is configurable.
FIRM_CONFIGURABLE: frozenset[Flag] = frozenset({Flag("interview_missing_role")})
_firm_blocking: frozenset[Flag] = frozenset()


def set_firm_blocking(flags: Iterable[Flag | str]) -> None:
    """The configurable flags the firm's configuration makes blocking. The services call this each
    time they load that configuration (before computing flags), so it always reflects the file."""
    global _firm_blocking
    chosen = frozenset(Flag(f) for f in flags)
    if chosen - FIRM_CONFIGURABLE:
        raise ValueError(f"not configurable: {', '.join(sorted(chosen - FIRM_CONFIGURABLE))}")
    _firm_blocking = chosen


def blocks(flag: Flag | str) -> bool:
    """Whether this flag blocks a defensible conclusion (its row, or the firm's configuration)."""
    f = Flag(flag)
    return f in BLOCKING or f in _firm_blocking


def blocking(flags: Iterable[Flag | str]) -> list[Flag]:
    """The flags among `flags` that block a defensible conclusion, in vocabulary order."""
    return [f for f in ordered(flags) if blocks(f)]


def is_defensible(flags: Iterable[Flag | str]) -> bool:
    """THE rule: a conclusion is defensible when no blocking flag stands.

    Sign-off state (`unsigned`, `signoff_stale`) and advisory interview flags do not block: they
    say the review is not finished or that answers deserve a second look, not that the evidence
    fails to support the conclusion.
    """
    return not blocking(flags)
