"""The plain data the sampling area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fieldwork_tui.domain import sampling as rules
from fieldwork_tui.domain.vocab import Frequency, SampleKind, SampleResult
from fieldwork_tui.store.models import Population, Sample, SampleItem


@dataclass
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

    @property
    def reconciled(self) -> bool:
        return self.expected_count is None or self.expected_count == self.rows

    def describe(self) -> str:
        text = f"{self.rows} rows imported for {self.control} (population SHA-256 {self.sha256[:12]})"
        if self.expected_count is not None:
            text += (" · count reconciled" if self.reconciled
                     else f" · does NOT reconcile: the client stated {self.expected_count}")
        return text


@dataclass
class PopulationRowView:
    row_number: int
    key: str
    occurred_on: dt.date | None
    data: list[str]


RATES = (0.05, 0.10)


@dataclass
class SamplePlan:
    ref: str
    frequency: Frequency
    policy: rules.Policy
    period_days: int
    population: Population | None
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


@dataclass
class SampleView:
    plan: SamplePlan
    initial: Sample | None = None
    expansions: list[Sample] = field(default_factory=list)
    items: list[SampleItem] = field(default_factory=list)
    rule: rules.RuleOutcome | None = None

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


@dataclass
class SampleVerifyReport:
    ref: str
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
