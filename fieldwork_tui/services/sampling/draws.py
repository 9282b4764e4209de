"""One draw of a sample as the database records it: drawing with the sample's method and its inputs,
recording what the method reports (strata, rows passed over), rebuilding the recorded draws for
re-derivation, and replacing items found untestable after they were drawn.

The method itself is `domain.selection` (docs/sampling-method.md); this module only reads the
population from the database and writes the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, select

from fieldwork_tui.domain import sample_records as records
from fieldwork_tui.domain import selection as sel
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.store.models import Engagement, Population, Sample, SampleItem


def period_of(session: Session) -> tuple[dt.date, dt.date]:
    eng = session.exec(select(Engagement)).one()
    return eng.period_start, eng.period_end


def strata_period(session: Session, method: str, pop: Population) -> tuple[dt.date, dt.date] | None:
    """What a new draw's strata span: v2 the audit period, v1 the population's own first and last date."""
    if method == sel.METHOD_STRATIFIED_V2:
        return period_of(session)
    if method == sel.METHOD_STRATIFIED_V1:
        return populations.date_bounds(session, pop.id)
    return None


def recorded_strata_period(sample: Sample) -> tuple[dt.date, dt.date] | None:
    if sample.strata_start and sample.strata_end:
        return sample.strata_start, sample.strata_end
    return None


def draw_size(sample: Sample) -> int:
    """The size the draw was made with (older records: the item count)."""
    return sample.draw_size or sample.size


def draw(session: Session, pop: Population, method: str, size: int, seed: str, *,
         span: tuple[dt.date, dt.date] | None, selected_on: dt.date | None,
         exclude: frozenset[str] = frozenset()) -> sel.Selection:
    return sel.select(method, populations.iter_keys(session, pop.id), size, seed, strata_period=span,
                      selected_on=selected_on if method == sel.METHOD_STRATIFIED_V2 else None, exclude=exclude)


def record(sample: Sample, selection: sel.Selection, size: int, span: tuple[dt.date, dt.date] | None,
           selected_on: dt.date | None) -> None:
    """Write the draw's inputs and what the method reported onto its Sample row."""
    sample.size = len(selection.keys)
    sample.draw_size = size
    sample.strata_start, sample.strata_end = span if span else (None, None)
    sample.selected_on = selected_on if selection.method == sel.METHOD_STRATIFIED_V2 else None
    sample.strata = [records.stratum_json(s) for s in selection.strata]
    sample.passed_over = [records.skipped_json(s) for s in selection.skipped]
    sample.after_selection = selection.after_selection


def used_keys(samples: Sequence[Sample], items: Sequence[SampleItem]) -> set[str]:
    """Every key a sample has used: its items, the rows its draws passed over, the items replaced."""
    keys = {i.key for i in items}
    for s in samples:
        keys.update(x["key"] for x in s.passed_over or [])
        keys.update(x["key"] for x in s.replaced or [])
        keys.update(x["replaced_by"] for x in s.replaced or [] if x.get("replaced_by"))
    return keys


def parts(samples: Sequence[Sample], items: Sequence[SampleItem]) -> list[sel.Part]:
    """The recorded draws in the order they were made, as the domain re-derives them."""
    out = []
    for s in samples:
        keys = [i.key for i in sorted((i for i in items if i.sample_id == s.id), key=lambda i: i.position)]
        out.append(records.part_from(s.kind.value, s.id, s.method, draw_size(s), recorded_strata_period(s),
                                     s.selected_on, keys, s.passed_over or [], s.replaced or []))
    return out


def strata(sample: Sample) -> list[sel.Stratum]:
    return [records.stratum_from(x) for x in sample.strata or []]


def passed_over(sample: Sample) -> list[sel.Skipped]:
    return [records.skipped_from(x) for x in sample.passed_over or []]


def replaced(sample: Sample) -> list[sel.Replaced]:
    return [records.replaced_from(x) for x in sample.replaced or []]


def untestable_items(items: Sequence[SampleItem], period: tuple[dt.date, dt.date],
                     today: dt.date) -> dict[int, sel.Untestable]:
    """Items that cannot be tested today (outside the audit period, or dated after today)."""
    out = {}
    for i in items:
        why = sel.untestable(i.occurred_on, period, today=today)
        if why is not None:
            out[i.id] = why
    return out


def replacement_for(session: Session, pop: Population, owner: Sample, item: SampleItem, *,
                    period: tuple[dt.date, dt.date], today: dt.date, exclude: set[str]) -> str | None:
    return sel.replacement(owner.method, populations.iter_keys(session, pop.id), owner.seed, size=draw_size(owner),
                           strata_period=recorded_strata_period(owner), removed_day=item.occurred_on, period=period,
                           today=today, exclude=frozenset(exclude))
