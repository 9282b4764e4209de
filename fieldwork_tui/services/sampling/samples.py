"""Sampling use cases: the engagement's size policy, selecting a re-performable sample, testing its
items, expanding after a deviation, concluding, and verifying a stored selection.

The rules (sizes, seed, selection algorithm, conclusion rule) live in `domain.sampling`; this module
reads and writes the engagement. A selection reads the whole population, so callers in the TUI run it
in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.domain import sampling as rules
from fieldwork_tui.domain.vocab import DeviationConclusion, SampleKind, SampleResult
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.sampling import populations
from fieldwork_tui.services.sampling.views import SamplePlan, SampleVerifyReport, SampleView
from fieldwork_tui.store import paths
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    Engagement,
    EvidenceFile,
    Population,
    PopulationRow,
    Sample,
    SampleItem,
    utcnow,
)

CONFIG_FILE = "sampling.toml"


# -- policy -------------------------------------------------------------------------------------------
def config_path() -> Path:
    return paths.config_dir() / CONFIG_FILE


def policies() -> dict[str, rules.Policy]:
    """The built-in presets plus the firm's presets from `sampling.toml` in the config dir."""
    out = dict(rules.BUILTIN_POLICIES)
    path = config_path()
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: cannot read ({exc.__class__.__name__})") from None
        try:
            out.update(rules.policies_from_toml(text, str(path)))
        except rules.PolicyError as exc:
            raise InvalidInput(str(exc)) from None
    return out


def engagement_policy(handle: EngagementHandle) -> rules.Policy:
    name = handle.engagement().sampling_preset or rules.DEFAULT_POLICY
    known = policies()
    if name not in known:
        raise InvalidInput(f"sampling preset {name!r} (chosen for this engagement) is not defined; known: "
                           f"{', '.join(known)}; add it to {config_path()}")
    return known[name]


def set_preset(handle: EngagementHandle, name: str) -> rules.Policy:
    known = policies()
    if name not in known:
        raise InvalidInput(f"sampling preset {name!r}: expected one of {', '.join(known)}")
    with handle.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.sampling_preset = name
        s.add(eng)
    return known[name]


# -- views --------------------------------------------------------------------------------------------


def _period_days(session: Session) -> int:
    eng = session.exec(select(Engagement)).one()
    return rules.period_days(eng.period_start, eng.period_end)


def _plan(session: Session, control: Control, policy: rules.Policy) -> SamplePlan:
    pop = populations.latest_population(session, control.id)
    days = _period_days(session)
    decision = rules.policy_size(policy, control.frequency, days, pop.row_count if pop else None)
    return SamplePlan(ref=control.ref, frequency=control.frequency, policy=policy, period_days=days, population=pop,
                      decision=decision, expansion_total=policy.expanded_total(control.frequency, decision.size),
                      cannot_sample_away=rules.cannot_sample_away(control.frequency))


def plan(handle: EngagementHandle, ref: str) -> SamplePlan:
    policy = engagement_policy(handle)
    with handle.read() as s:
        return _plan(s, find_control(s, ref), policy)


def _latest_initial(session: Session, control_id: int) -> Sample | None:
    return session.exec(select(Sample).where(Sample.control_id == control_id, Sample.kind == SampleKind.initial)
                        .order_by(Sample.id.desc())).first()


def _group(session: Session, initial: Sample) -> tuple[list[Sample], list[SampleItem]]:
    expansions = list(session.exec(select(Sample).where(Sample.parent_id == initial.id).order_by(Sample.id)))
    ids = [initial.id, *(x.id for x in expansions)]
    items = list(session.exec(select(SampleItem).where(SampleItem.sample_id.in_(ids))
                              .order_by(SampleItem.sample_id, SampleItem.position)))
    return expansions, items


def sample_view(handle: EngagementHandle, ref: str) -> SampleView:
    """The control's plan and its latest sample (with expansions and items) and the conclusion rule."""
    policy = engagement_policy(handle)
    with handle.read() as s:
        control = find_control(s, ref)
        view = SampleView(plan=_plan(s, control, policy))
        initial = _latest_initial(s, control.id)
        if initial is None:
            return view
        view.initial = initial
        view.expansions, view.items = _group(s, initial)
    view.rule = rules.conclusion_rule(
        view.plan.frequency, view.count(SampleResult.deviation, SampleKind.initial),
        view.count(SampleResult.deviation, SampleKind.expansion), view.expanded,
        view.count(SampleResult.untested, SampleKind.expansion))
    return view


# -- selection ----------------------------------------------------------------------------------------
def _select(session: Session, pop: Population, method: str, size: int, seed: str,
            exclude: frozenset[str] = frozenset()) -> list[str]:
    period = populations.date_bounds(session, pop.id) if method == rules.METHOD_STRATIFIED else None
    return rules.select_keys(populations.iter_keys(session, pop.id), size, seed, exclude=exclude, period=period)


def _add_items(session: Session, sample: Sample, pop: Population, keys: list[str]) -> None:
    order = {k: i for i, k in enumerate(keys)}
    found: dict[str, PopulationRow] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for row in session.exec(select(PopulationRow).where(PopulationRow.population_id == pop.id,
                                                            PopulationRow.key.in_(chunk))):
            found[row.key] = row
    for k in keys:
        row = found[k]
        session.add(SampleItem(sample_id=sample.id, population_row_id=row.id, position=order[k] + 1, key=k,
                               occurred_on=row.occurred_on, attributes=dict(zip(pop.columns, row.data, strict=False))))


def take_sample(handle: EngagementHandle, ref: str, size: int | None = None, reason: str = "") -> SampleView:
    """Select the control's sample from its latest population. The policy size applies unless `size`
    is given, which then needs a `reason`. Asking again for the same size returns the stored sample."""
    policy = engagement_policy(handle)
    eng = handle.engagement()
    with handle.read() as s:
        control = find_control(s, ref)
        p = _plan(s, control, policy)
        pop = p.population
        if pop is None:
            raise InvalidInput(f"{control.ref}: no population imported yet "
                               f"(fieldwork import population ENGAGEMENT {control.ref} FILE)")
        if pop.row_count == 0:
            raise InvalidInput(f"{control.ref}: the population is empty (no occurrences in the period): "
                               f"nothing to sample; conclude the control as not tested")
        if size is not None and size < 1:
            raise InvalidInput(f"--size: expected 1 or more, got {size}")
        n = min(size, pop.row_count) if size is not None else p.size
        existing = _latest_initial(s, control.id)
        if existing is not None and existing.population_id == pop.id:
            if size is None or n == existing.size:
                return sample_view(handle, ref)
            raise InvalidInput(f"{control.ref}: a sample of {existing.size} was already drawn from this population "
                               f"(sample #{existing.id}); it cannot be redrawn")
        reason = (reason or "").strip()
        if n != p.size and not reason:
            raise InvalidInput(f"--reason: a size of {n} instead of the policy's {p.size} needs a reason")
        method = rules.METHOD_STRATIFIED if pop.date_column else rules.METHOD
        seed = rules.derive_seed(eng.uid, control.ref, pop.sha256)
        keys = _select(s, pop, method, n, seed)
    with handle.session() as s:
        sample = Sample(control_id=control.id, population_id=pop.id, kind=SampleKind.initial, method=method, seed=seed,
                        size=len(keys), policy_preset=policy.name, policy_size=p.size,
                        override_reason=reason if n != p.size else "", population_sha256=pop.sha256,
                        created_by=handle.actor)
        s.add(sample)
        s.flush()
        _add_items(s, sample, pop, keys)
    return sample_view(handle, ref)


def expand(handle: EngagementHandle, ref: str, total: int | None = None, reason: str = "") -> SampleView:
    """Draw more items after a deviation (the policy's expanded total, e.g. 25 → 40), excluding those
    already selected. Refused for controls whose deviations cannot be sampled away."""
    view = sample_view(handle, ref)
    p = view.plan
    if view.initial is None:
        raise InvalidInput(f"{p.ref}: no sample to expand (take the sample first)")
    if p.cannot_sample_away:
        raise InvalidInput(f"{p.ref}: {rules.cannot_sample_away_message(p.frequency)}")
    if view.expanded:
        raise InvalidInput(f"{p.ref}: the sample was already expanded to {view.size}")
    if not view.count(SampleResult.deviation):
        raise InvalidInput(f"{p.ref}: no deviation found; an expansion follows a deviation")
    if view.initial.conclusion is not None:
        raise InvalidInput(f"{p.ref}: the deviation is already concluded ({view.initial.conclusion.value})")
    current = view.initial.size
    policy_total = p.policy.expanded_total(p.frequency, current)
    want = policy_total if total is None else total
    reason = (reason or "").strip()
    if want <= current:
        raise InvalidInput(f"--size: the expanded total must exceed the current {current}")
    if want != policy_total and not reason:
        raise InvalidInput(f"--reason: an expanded total of {want} instead of the policy's {policy_total} needs a reason")
    with handle.read() as s:
        pop = s.get(Population, view.initial.population_id)
        already = frozenset(i.key for i in view.items)
        extra = min(want - current, pop.row_count - len(already))
        if extra <= 0:
            raise InvalidInput(f"{p.ref}: every row of the population is already in the sample")
        keys = _select(s, pop, view.initial.method, extra, view.initial.seed, already)
    with handle.session() as s:
        sample = Sample(control_id=view.initial.control_id, population_id=pop.id, kind=SampleKind.expansion,
                        parent_id=view.initial.id, method=view.initial.method, seed=view.initial.seed, size=len(keys),
                        policy_preset=p.policy.name, policy_size=policy_total,
                        override_reason=reason if want != policy_total else "", population_sha256=pop.sha256,
                        created_by=handle.actor)
        s.add(sample)
        s.flush()
        _add_items(s, sample, pop, keys)
    return sample_view(handle, ref)


# -- testing items ------------------------------------------------------------------------------------
def _item(session: Session, item_id: int) -> SampleItem:
    item = session.get(SampleItem, item_id)
    if item is None:
        raise NotFound(f"sample item #{item_id} not found")
    return item


def mark(handle: EngagementHandle, item_id: int, result: SampleResult | str, note: str | None = None) -> SampleItem:
    """Record the test result of one item (pass, deviation, not applicable; or back to untested)."""
    try:
        result = SampleResult(result)
    except ValueError:
        raise InvalidInput(f"result {result!r}: expected one of {', '.join(SampleResult)}") from None
    with handle.session() as s:
        item = _item(s, item_id)
        item.result = result
        if note is not None:
            item.note = note.strip()
        item.tested_by = handle.actor if result is not SampleResult.untested else ""
        item.tested_at = utcnow() if result is not SampleResult.untested else None
        s.add(item)
    return item


def set_note(handle: EngagementHandle, item_id: int, note: str) -> SampleItem:
    with handle.session() as s:
        item = _item(s, item_id)
        item.note = (note or "").strip()
        s.add(item)
    return item


def link_evidence(handle: EngagementHandle, item_id: int, evidence_id: int | None) -> SampleItem:
    """Link an evidence file (already in the vault) to a sample item; None unlinks."""
    with handle.session() as s:
        item = _item(s, item_id)
        if evidence_id is not None and s.get(EvidenceFile, evidence_id) is None:
            raise NotFound(f"evidence file #{evidence_id} not found")
        item.evidence_id = evidence_id
        s.add(item)
    return item


def attach_item_file(handle: EngagementHandle, item_id: int, path: Path | str, progress=None) -> SampleItem:
    """Copy a file into the vault as inspection evidence of the item's control and link it to the item."""
    from fieldwork_tui.services.evidence import files as evidence  # evidence imports sampling: kept local
    with handle.read() as s:
        item = _item(s, item_id)
        control = s.get(Control, s.get(Sample, item.sample_id).control_id)
    attached = evidence.attach(handle, control.ref, [Path(path).expanduser()], progress=progress,
                               description=f"sample item {item.key}")
    return link_evidence(handle, item_id, attached[0].evidence.id)


def sample_evidence_choices(handle: EngagementHandle, ref: str) -> list[tuple[int, str]]:
    """Evidence files linked to the control, for the item's 'link evidence' choice."""
    from fieldwork_tui.store.models import EvidenceControl

    with handle.read() as s:
        control = find_control(s, ref)
        rows = s.exec(select(EvidenceFile).join(EvidenceControl, EvidenceControl.evidence_id == EvidenceFile.id)
                      .where(EvidenceControl.control_id == control.id).order_by(EvidenceFile.id))
        return [(f.id, f"#{f.id} {f.original_name or f.description or f.sha256[:12]}") for f in rows]


# -- conclusion ---------------------------------------------------------------------------------------
def conclude_deviations(handle: EngagementHandle, ref: str, conclusion: DeviationConclusion | str | None = None,
             reason: str = "") -> SampleView:
    """Conclude on the deviation(s): by the rule unless `conclusion` says otherwise, which needs a reason."""
    view = sample_view(handle, ref)
    if view.initial is None:
        raise InvalidInput(f"{view.plan.ref}: no sample yet")
    rule = view.rule
    if rule is None or (rule.conclusion is None and not view.count(SampleResult.deviation)):
        raise InvalidInput(f"{view.plan.ref}: no deviation to conclude on")
    if conclusion is None:
        if rule.conclusion is None:
            raise InvalidInput(f"{view.plan.ref}: {rule.explanation}")
        chosen = rule.conclusion
    else:
        try:
            chosen = DeviationConclusion(conclusion)
        except ValueError:
            raise InvalidInput(f"conclusion {conclusion!r}: expected isolated or systematic") from None
    reason = (reason or "").strip()
    if rules.needs_reason(rule, chosen) and not reason:
        raise InvalidInput(f"reason: concluding {chosen.value} when the rule says "
                           f"{rule.conclusion.value if rule.conclusion else 'not yet'} needs a reason "
                           f"({rule.explanation})")
    with handle.session() as s:
        sample = s.get(Sample, view.initial.id)
        sample.conclusion = chosen
        sample.conclusion_reason = reason
        s.add(sample)
    return sample_view(handle, ref)


# -- verification -------------------------------------------------------------------------------------


def verify_sample(handle: EngagementHandle, ref: str) -> SampleVerifyReport:
    """Re-derive everything from the stored population: its hash, the seed and every selected key."""
    eng = handle.engagement()
    with handle.read() as s:
        control = find_control(s, ref)
        report = SampleVerifyReport(ref=control.ref)
        initial = _latest_initial(s, control.id)
        if initial is None:
            raise InvalidInput(f"{control.ref}: no sample to verify")
        expansions, items = _group(s, initial)
        pop = s.get(Population, initial.population_id)
        digest = populations.rehash(s, pop)
        rows = populations.count_rows(handle, pop.id)
        _check(report, rows == pop.row_count, f"population rows: {rows}",
               f"population has {rows} rows, {pop.row_count} recorded")
        _check(report, digest == pop.sha256, f"population SHA-256 {digest}",
               f"population SHA-256 is {digest}, {pop.sha256} recorded at import")
        _check(report, initial.population_sha256 == pop.sha256, "sample points at that population",
               f"sample records population SHA-256 {initial.population_sha256}, population is {pop.sha256}")
        seed = rules.derive_seed(eng.uid, control.ref, digest)
        _check(report, seed == initial.seed, f"seed {seed}", f"seed re-derived as {seed}, {initial.seed} recorded")
        selected: set[str] = set()
        for sample in [initial, *expansions]:
            stored = [i.key for i in items if i.sample_id == sample.id]
            if sample.method not in (rules.METHOD, rules.METHOD_STRATIFIED):
                report.problems.append(f"sample #{sample.id}: unknown method {sample.method!r}")
                continue
            again = _select(s, pop, sample.method, sample.size, seed, frozenset(selected))
            label = f"{sample.kind.value} sample #{sample.id} ({sample.method}, {sample.size} items)"
            if again == stored:
                report.checks.append(f"{label}: same items re-derived")
            else:
                missing = [k for k in again if k not in stored]
                extra = [k for k in stored if k not in again]
                report.problems.append(f"{label}: selection differs; re-derived but not stored: "
                                       f"{', '.join(missing[:10]) or 'none'}; stored but not re-derived: "
                                       f"{', '.join(extra[:10]) or 'none'}"
                                       + ("; order differs" if not missing and not extra else ""))
            selected.update(stored)
        return report


def _check(report: SampleVerifyReport, ok: bool, good: str, bad: str) -> None:
    (report.checks if ok else report.problems).append(good if ok else bad)


# -- export -------------------------------------------------------------------------------------------
def _date(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def sample_json(view: SampleView) -> dict:
    """The `fieldwork sample --json` document."""
    p = view.plan
    init = view.initial
    kinds = {init.id: "initial", **{x.id: "expansion" for x in view.expansions}} if init else {}
    det = p.detection(init.size if init else None)
    return {
        "control": p.ref,
        "frequency": p.frequency.value,
        "policy": {"preset": p.policy.name, "size": p.size, "label": p.decision.label, "reason": p.decision.reason,
                   "detection_5pct": round(det[0.05], 4), "detection_10pct": round(det[0.10], 4)},
        "size": view.size,
        "initial_size": init.size if init else 0,
        "override_reason": init.override_reason if init else "",
        "method": init.method if init else None,
        "seed": init.seed if init else None,
        "population_sha256": init.population_sha256 if init else None,
        "population_rows": p.population.row_count if p.population else 0,
        "expanded": view.expanded,
        "conclusion": init.conclusion.value if init and init.conclusion else None,
        "rule": view.rule.conclusion.value if view.rule and view.rule.conclusion else None,
        "items": [{"key": i.key, "date": _date(i.occurred_on), "sample": kinds.get(i.sample_id),
                   "result": i.result.value, "note": i.note, "evidence_id": i.evidence_id} for i in view.items],
    }
