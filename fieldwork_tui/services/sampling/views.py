"""The plain data the sampling area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fieldwork_tui.domain import attributes as testing_rules
from fieldwork_tui.domain import sampling as rules
from fieldwork_tui.domain import selection
from fieldwork_tui.domain.vocab import Frequency, SampleKind, SampleResult
from fieldwork_tui.errors import NotFound
from fieldwork_tui.services.imports.views import ImportPlan
from fieldwork_tui.services.records import PopulationRecord, SampleItemRecord, SampleRecord


@dataclass(frozen=True)
class PopulationResult:
    id: int
    control: str
    rows: int
    sha256: str
    source_sha256: str
    source_name: str
    key_column: str
    date_column: str
    expected_count: int | None
    outside_period: int = 0
    period: tuple[dt.date, dt.date] | None = None
    #: What was read and written: the column mapping and the change (services.imports).
    plan: ImportPlan | None = None

    @property
    def reconciled(self) -> bool:
        return self.expected_count is None or self.expected_count == self.rows

    def lines(self) -> list[str]:
        return self.plan.lines() if self.plan else [self.describe()]

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would be imported" if dry_run else "imported"
        text = f"{self.rows} rows {verb} for {self.control} (population SHA-256 {self.sha256[:12]})"
        if self.expected_count is not None:
            text += (" · count reconciled" if self.reconciled
                     else f" · does NOT reconcile: the client stated {self.expected_count}")
        if self.outside_period:
            text += f" · {selection.reconciliation(0, None, outside_period=self.outside_period, period=self.period)[1]}"
        return text


@dataclass(frozen=True)
class PopulationRowView:
    row_number: int
    key: str
    occurred_on: dt.date | None
    data: list[str]


RATES = (0.05, 0.10)


@dataclass(frozen=True)
class SamplePlan:
    ref: str
    frequency: Frequency
    policy: rules.Policy
    period_days: int
    population: PopulationRecord | None
    decision: rules.SizeDecision
    expansion_total: int
    cannot_sample_away: bool

    @property
    def size(self) -> int:
        return self.decision.size

    def detection(self, size: int | None = None) -> dict[float, float]:
        n = self.size if size is None else size
        return {p: rules.detection_probability(p, n) for p in RATES}

    def describe(self) -> str:
        d = self.detection()
        return (f"policy {self.policy.name}: {self.size} ({self.decision.label}) · detects a 5% failure rate "
                f"{d[0.05]:.0%}, 10% {d[0.10]:.0%}")


@dataclass(frozen=True)
class SampleView:
    plan: SamplePlan
    initial: SampleRecord | None = None
    expansions: list[SampleRecord] = field(default_factory=list)
    items: list[SampleItemRecord] = field(default_factory=list)
    rule: rules.RuleOutcome | None = None
    #: the method's inputs and record (docs/sampling-method.md)
    engagement_uid: str = ""
    period: tuple[dt.date, dt.date] | None = None
    strata: dict[int, list[selection.Stratum]] = field(default_factory=dict)  # per sample (draw) id
    passed_over: list[selection.Skipped] = field(default_factory=list)
    replaced: list[selection.Replaced] = field(default_factory=list)
    #: item id → why it cannot be tested today (outside the period, dated after today)
    untestable: dict[int, str] = field(default_factory=dict)
    #: the population's reconciliation, in words (count against the client's; rows not in the sample and why)
    reconciliation: list[str] = field(default_factory=list)

    def count(self, result: SampleResult, kind: SampleKind | None = None) -> int:
        ids = {self.initial.id} if kind is SampleKind.initial and self.initial else None
        if kind is SampleKind.expansion:
            ids = {x.id for x in self.expansions}
        return sum(1 for i in self.items if i.result is result and (ids is None or i.sample_id in ids))

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def expanded(self) -> bool:
        return bool(self.expansions)


@dataclass(frozen=True)
class SampleVerifyReport:
    ref: str
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- attribute testing (services.sampling.testing, .workbook) -------------------------------------------
@dataclass(frozen=True)
class AttributeView:
    id: int
    letter: str
    description: str
    deviation: str
    rule: str
    position: int

    def spec(self) -> testing_rules.AttributeSpec:
        return testing_rules.AttributeSpec(self.letter, self.description, self.deviation, self.rule)


@dataclass(frozen=True)
class StepsView:
    ref: str
    objective: str
    attributes: tuple[AttributeView, ...]
    source: str = ""

    def spec(self) -> testing_rules.ControlSteps:
        return testing_rules.ControlSteps(self.objective, tuple(a.spec() for a in self.attributes))

    def letters(self) -> list[str]:
        return [a.letter for a in self.attributes]


@dataclass(frozen=True)
class MatrixItem:
    item_id: int
    position: int
    key: str
    date: str
    kind: str  # initial | expansion
    cells: tuple[testing_rules.Cell, ...]  # one per attribute, in the steps' order
    result: SampleResult
    note: str
    evidence_id: int | None
    values: Mapping[str, str] = field(default_factory=dict)  # the item's population columns


@dataclass(frozen=True)
class MatrixView:
    ref: str
    steps: StepsView
    items: tuple[MatrixItem, ...]
    counts: testing_rules.MatrixCounts
    wordings: tuple[testing_rules.AttributeWording, ...]
    noun: str
    approach: testing_rules.Approach
    sample_id: int | None = None
    population_id: int | None = None
    population_sha256: str = ""
    population_source: str = ""
    columns: tuple[str, ...] = ()
    extract: testing_rules.ExtractRecord = testing_rules.ExtractRecord()
    rule_problems: Mapping[str, str] = field(default_factory=dict)  # letter → why its rule cannot run

    @property
    def ipe_gaps(self) -> list[str]:
        return testing_rules.ipe_gaps(self.extract) if self.population_id else ["a population"]

    @property
    def rules_offered(self) -> bool:
        return self.population_id is not None and testing_rules.rules_offered(self.extract)

    def item(self, item_id: int) -> MatrixItem:
        for it in self.items:
            if it.item_id == item_id:
                return it
        raise NotFound(f"sample item #{item_id} is not in the sample of {self.ref}")


@dataclass(frozen=True)
class ProposalSummary:
    ref: str
    proposed: Mapping[str, tuple[int, int, int]]  # letter → (pass, deviation, undecided)
    skipped: Mapping[str, str]  # letter → why its rule could not run
    kept: int  # confirmed cells left as they were


@dataclass(frozen=True)
class RuleRun:
    reperformance_id: int
    letter: str
    rule: str
    rows: int
    met: int
    not_met: int
    undecided: int


@dataclass(frozen=True)
class SingleTestView:
    ref: str
    approach: testing_rules.Approach
    test: testing_rules.SingleTest | None
    problems: tuple[str, ...]
    performed_by: str = ""


@dataclass(frozen=True)
class TestingExport:
    __test__ = False
    path: Path
    items: int
    attributes: int

    def describe(self) -> str:
        return f"{self.items} items × {self.attributes} attributes written to {self.path}"


@dataclass(frozen=True)
class TestingImport:
    __test__ = False
    ref: str
    rows: int
    changed: int
    unchanged_items: tuple[str, ...]
    #: What was read and changed, cell by cell (services.imports; a dry run's plan writes nothing).
    plan: ImportPlan | None = None

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would change" if dry_run else "changed"
        text = f"{self.ref}: {self.rows} items read, {self.changed} cells {verb}"
        if self.unchanged_items:
            text += f"; {len(self.unchanged_items)} items not in the workbook were left as they were"
        return text

    def lines(self) -> list[str]:
        return self.plan.lines() if self.plan else [self.describe()]
