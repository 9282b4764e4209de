"""The bundle's re-performance of every sample (docs/sampling-method.md, section 8): each population in
its canonical form under `reperform/populations/`, `reperform/samples.json` with every input of every
draw, and `reperform/sample.py`, the standard-library script that re-derives them all.

The population file is streamed from the stored rows; the SHA-256 of its bytes is the population
SHA-256 the sample recorded (the script checks exactly that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources

from sqlmodel import Session, select

from fieldwork_tui.domain import sample_records as records
from fieldwork_tui.domain import selection as sel
from fieldwork_tui.domain.bundle_names import NameAllocator
from fieldwork_tui.domain.sampling import canonical_header, canonical_row
from fieldwork_tui.domain.vocab import SampleKind
from fieldwork_tui.services.sampling import draws, populations
from fieldwork_tui.store.models import Population, Sample, SampleItem

SCRIPT = "reperform/sample.py"
SAMPLES = "reperform/samples.json"
POPULATIONS = "reperform/populations"


def script_source() -> bytes:
    """`reperform/sample.py` as shipped in the package, byte for byte."""
    return resources.files("fieldwork_tui.services.bundle.reperform").joinpath("sample.py").read_bytes()


@dataclass
class DrawRecord:
    """One draw of a sample as the workpaper shows it."""

    sample: Sample
    strata: list[sel.Stratum]
    passed_over: list[sel.Skipped]
    replaced: list[sel.Replaced]

    @property
    def strata_period(self) -> tuple[dt.date, dt.date] | None:
        return draws.recorded_strata_period(self.sample)

    @property
    def empty_strata(self) -> list[sel.Stratum]:
        return [s for s in self.strata if s.empty]


@dataclass
class SampleInputs:
    """What a reviewer needs to re-derive one sample (an initial draw and its expansions)."""

    engagement_uid: str
    control: str
    seed: str
    population: Population
    population_member: str
    source_member: str | None
    draws: list[DrawRecord] = field(default_factory=list)


class SampleExport:
    """Collects the samples of a bundle control by control; names the population files once."""

    def __init__(self, session: Session, engagement_uid: str, period: tuple[dt.date, dt.date],
                 evidence_by_sha: dict[str, str]) -> None:
        self.s = session
        self.uid = engagement_uid
        self.period = period
        self._evidence = evidence_by_sha
        self._names = NameAllocator()
        self._members: dict[int, str] = {}
        self.pending: list[tuple[str, Population]] = []  # population files not yet written
        self.entries: list[dict] = []

    def _member(self, ref: str, pop: Population) -> str:
        if pop.id not in self._members:
            self._members[pop.id] = self._names.allocate(POPULATIONS, f"{ref}-population-{pop.id}.jsonl",
                                                         "population.jsonl")
            self.pending.append((self._members[pop.id], pop))
        return self._members[pop.id]

    def control(self, ref: str, control_id: int) -> list[SampleInputs]:
        """The samples of one control (each initial draw with its expansions), recorded for samples.json."""
        out = []
        initials = self.s.exec(select(Sample).where(Sample.control_id == control_id,
                                                    Sample.kind == SampleKind.initial).order_by(Sample.id))
        for initial in list(initials):
            group = [initial, *self.s.exec(select(Sample).where(Sample.parent_id == initial.id).order_by(Sample.id))]
            items = list(self.s.exec(select(SampleItem).where(SampleItem.sample_id.in_([x.id for x in group]))))
            pop = self.s.get(Population, initial.population_id)
            if pop is None:
                continue
            inputs = SampleInputs(self.uid, ref, initial.seed, pop, self._member(ref, pop),
                                  self._evidence.get(pop.source_sha256),
                                  [DrawRecord(x, draws.strata(x), draws.passed_over(x), draws.replaced(x))
                                   for x in group])
            out.append(inputs)
            parts = draws.parts(group, items)
            self.entries.append(records.sample_entry(
                control=ref, seed=initial.seed, population_file=inputs.population_member,
                population_sha256=initial.population_sha256, rows=pop.row_count, key_column=pop.key_column,
                date_column=pop.date_column, source_file=inputs.source_member, source_sha256=pop.source_sha256,
                parts=[(x.kind.value, x.id, part) for x, part in zip(group, parts, strict=True)]))
        return out

    def write_populations(self, open_member) -> None:
        """Write every population file named so far (`open_member(name)` is a context manager giving
        a writable member)."""
        while self.pending:
            name, pop = self.pending.pop(0)
            with open_member(name) as m:
                m.write(canonical_header(pop.columns, pop.key_column, pop.date_column))
                batch: list[bytes] = []
                for key, day, data in populations.iter_rows(self.s, pop.id):
                    line = canonical_row(key, day, data)
                    batch.append(line)
                    if len(batch) >= 2000:
                        m.write(b"".join(batch))
                        batch.clear()
                m.write(b"".join(batch))

    def document(self) -> dict:
        return records.samples_document(self.uid, self.period, self.entries)
