"""Gather the facts behind every control's flags in a fixed number of grouped queries
(never one query per control), then let `domain.coverage` decide."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from fieldwork_tui.domain.coverage import ControlFacts, SampleFacts, flags_for
from fieldwork_tui.domain.signoff import StatusFacts, derive_status
from fieldwork_tui.domain.vocab import (
    ControlStatus,
    Corroboration,
    EngagementType,
    EvidenceType,
    Flag,
    SampleKind,
    SampleResult,
)
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    Engagement,
    EvidenceControl,
    EvidenceFile,
    InquiryStatement,
    ManagementResponse,
    Observation,
    Population,
    Reperformance,
    ReperformanceDifference,
    Sample,
    SampleItem,
    SingleTest,
    StatementControl,
)


@dataclass
class SampleSummary:
    sample_id: int
    population_rows: int
    size: int
    seed: str
    population_sha256: str
    tested: int
    deviations: int
    expanded: bool
    conclusion: str | None
    policy_size: int
    override_reason: str
    expected_count: int | None
    untested: int
    initial_deviations: int
    initial_size: int

    def to_json(self) -> dict:
        return {
            "population_rows": self.population_rows,
            "size": self.size,
            "seed": self.seed,
            "population_sha256": self.population_sha256,
            "tested": self.tested,
            "deviations": self.deviations,
            "expanded": self.expanded,
            "conclusion": self.conclusion,
        }


def _only(query, column, only: int | None):
    """Restrict a grouped query to one control when the caller needs just that one."""
    return query if only is None else query.where(column == only)


def evidence_types_by_control(session: Session, only: int | None = None) -> dict[int, set[EvidenceType]]:
    types: dict[int, set[EvidenceType]] = defaultdict(set)
    for cid in session.exec(_only(select(StatementControl.control_id).distinct(), StatementControl.control_id, only)):
        types[cid].add(EvidenceType.inquiry)
    for cid in session.exec(_only(select(Observation.control_id).distinct(), Observation.control_id, only)):
        types[cid].add(EvidenceType.observation)
    for cid in session.exec(_only(select(EvidenceControl.control_id).distinct(), EvidenceControl.control_id, only)):
        types[cid].add(EvidenceType.inspection)
    tested = (
        select(Sample.control_id)
        .join(SampleItem, SampleItem.sample_id == Sample.id)
        .where(SampleItem.result.in_([SampleResult.passed, SampleResult.deviation]))
        .distinct()
    )
    for cid in session.exec(_only(tested, Sample.control_id, only)):
        types[cid].add(EvidenceType.inspection)
    for cid in session.exec(_only(select(Reperformance.control_id).distinct(), Reperformance.control_id, only)):
        types[cid].add(EvidenceType.reperformance)
    return types


def sample_summaries(session: Session, only: int | None = None) -> dict[int, SampleSummary]:
    """The latest initial sample of each control, with its expansions folded in."""
    samples = session.exec(_only(select(Sample), Sample.control_id, only).order_by(Sample.id)).all()
    if not samples:
        return {}
    counts: dict[tuple[int, SampleResult], int] = {}
    item_counts = select(SampleItem.sample_id, SampleItem.result, func.count())
    if only is not None:
        item_counts = item_counts.where(SampleItem.sample_id.in_([x.id for x in samples]))
    for sid, result, n in session.exec(item_counts.group_by(SampleItem.sample_id, SampleItem.result)):
        counts[(sid, SampleResult(result))] = n
    pops = {p.id: p for p in session.exec(_only(select(Population), Population.control_id, only))}
    initial: dict[int, Sample] = {}
    expansions: dict[int, list[Sample]] = defaultdict(list)
    for s in samples:
        if s.kind is SampleKind.initial:
            initial[s.control_id] = s
        elif s.parent_id is not None:
            expansions[s.parent_id].append(s)
    out: dict[int, SampleSummary] = {}
    for cid, s in initial.items():
        group = [s, *expansions.get(s.id, [])]

        def c(sample: Sample, result: SampleResult) -> int:
            return counts.get((sample.id, result), 0)

        tested = sum(c(x, SampleResult.passed) + c(x, SampleResult.deviation) + c(x, SampleResult.not_applicable)
                     for x in group)
        deviations = sum(c(x, SampleResult.deviation) for x in group)
        pop = pops.get(s.population_id)
        out[cid] = SampleSummary(
            sample_id=s.id,
            population_rows=pop.row_count if pop else 0,
            size=sum(x.size for x in group),
            seed=s.seed,
            population_sha256=s.population_sha256,
            tested=tested,
            deviations=deviations,
            expanded=len(group) > 1,
            conclusion=s.conclusion.value if s.conclusion else None,
            policy_size=s.policy_size,
            override_reason=s.override_reason,
            expected_count=pop.expected_count if pop else None,
            untested=sum(c(x, SampleResult.untested) for x in group),
            initial_deviations=c(s, SampleResult.deviation),
            initial_size=s.size,
        )
    return out


def control_facts(session: Session, only: int | None = None) -> dict[int, ControlFacts]:
    """ControlFacts for every control (or for the control `only`), keyed by control id."""
    return facts_and_statuses(session, only)[0]


def control_flags_of(session: Session, control_id: int) -> list[Flag]:
    """The flags of one control."""
    return flags_for(control_facts(session, control_id)[control_id])


def has_work(f: ControlFacts, concluded: bool) -> bool:
    """Any work recorded on the control: evidence of any type, a population or sample, an exception,
    a conclusion (what moves a control from "not started" to "in progress")."""
    return bool(f.evidence_types) or f.sample is not None or f.exceptions > 0 or concluded


def facts_and_statuses(session: Session, only: int | None = None
                       ) -> tuple[dict[int, ControlFacts], dict[int, ControlStatus]]:
    """ControlFacts and the derived status of every control (or of `only`), from one pass: the
    status is never stored, so it follows the work and the sign-offs (domain.signoff)."""
    from fieldwork_tui.services.evidence.reperformance import open_clause
    from fieldwork_tui.services.findings.signoffs import Standing, standings

    eng = session.exec(select(Engagement)).first()
    period = (eng.period_start, eng.period_end) if eng else None
    phase = eng.phase if eng else None
    controls = session.exec(_only(select(Control), Control.id, only)).all()
    types = evidence_types_by_control(session, only)

    statements: dict[tuple[int, Corroboration], int] = {}
    # A contradiction counts while it is open: no exception raised for it, no later evidence resolving it.
    open_contradiction = (InquiryStatement.exception_id.is_(None)) & (InquiryStatement.resolution_evidence_id.is_(None))
    for cid, corr, n in session.exec(
        select(StatementControl.control_id, InquiryStatement.corroboration, func.count())
        .join(InquiryStatement, InquiryStatement.id == StatementControl.statement_id)
        .where(True if only is None else StatementControl.control_id == only)
        .where((InquiryStatement.corroboration != Corroboration.contradicted) | open_contradiction)
        .group_by(StatementControl.control_id, InquiryStatement.corroboration)
    ):
        statements[(cid, Corroboration(corr))] = n
    # the evidence area imports this one: kept local
    from fieldwork_tui.services.evidence.coaching import signals_by_control
    from fieldwork_tui.services.evidence.interview_plan import missing_roles, plan_table

    table = plan_table()
    coached = signals_by_control(session, only, table.coaching)
    missing = missing_roles(session, table, only)

    dates: dict[int, list[dt.date]] = defaultdict(list)
    for cid, as_of in session.exec(
        select(EvidenceControl.control_id, EvidenceFile.as_of)
        .join(EvidenceFile, EvidenceFile.id == EvidenceControl.evidence_id)
        .where(EvidenceFile.as_of.is_not(None))
        .where(True if only is None else EvidenceControl.control_id == only)
    ):
        dates[cid].append(as_of)
    for cid, when in session.exec(_only(select(Observation.control_id, Observation.observed_at), Observation.control_id, only)):
        dates[cid].append(when.date())

    exc_total: dict[int, int] = defaultdict(int)
    exc_open: dict[int, int] = defaultdict(int)
    for cid, resp_id in session.exec(
        select(ControlException.control_id, ManagementResponse.id).join(
            ManagementResponse, ManagementResponse.exception_id == ControlException.id, isouter=True
        ).where(True if only is None else ControlException.control_id == only)
    ):
        exc_total[cid] += 1
        if resp_id is None:
            exc_open[cid] += 1

    samples = sample_summaries(session, only)
    # A population is reconciled (or not) before any sample is drawn: use the latest one per control.
    latest_pops: dict[int, Population] = {}
    for pop in session.exec(_only(select(Population), Population.control_id, only).order_by(Population.id)):
        latest_pops[pop.control_id] = pop
    signed_off = standings(session, only)
    unresolved: dict[int, int] = dict(session.exec(
        _only(select(Reperformance.control_id, func.count())
              .join(ReperformanceDifference, ReperformanceDifference.reperformance_id == Reperformance.id)
              .where(open_clause()), Reperformance.control_id, only)
        .group_by(Reperformance.control_id)).all())
    whole: set[int] = set(session.exec(_only(select(Reperformance.control_id).where(
        Reperformance.whole_population.is_(True)).distinct(), Reperformance.control_id, only)))
    type2 = eng is not None and eng.type is EngagementType.type2
    tested_one = _tests_of_one_done(session, only)
    out: dict[int, ControlFacts] = {}
    statuses: dict[int, ControlStatus] = {}
    for c in controls:
        s = samples.get(c.id)
        st = signed_off.get(c.id, Standing())
        signed, stale = st.preparer_signed, st.stale
        out[c.id] = ControlFacts(
            ref=c.ref,
            required_types=frozenset(EvidenceType(t) for t in c.required_types),
            evidence_types=frozenset(types.get(c.id, set())),
            uncorroborated_statements=statements.get((c.id, Corroboration.uncorroborated), 0),
            contradicted_statements=statements.get((c.id, Corroboration.contradicted), 0),
            evidence_dates=tuple(dates.get(c.id, ())),
            period=period,
            sample=_population_only(latest_pops.get(c.id)) if s is None else SampleFacts(
                size=s.initial_size,
                policy_size=s.policy_size,
                override_reason=s.override_reason,
                untested=s.untested,
                initial_deviations=s.initial_deviations,
                expanded=s.expanded,
                concluded=s.conclusion is not None,
                population_rows=s.population_rows,
                expected_count=s.expected_count,
            ),
            exceptions=exc_total.get(c.id, 0),
            exceptions_without_response=exc_open.get(c.id, 0),
            phase=phase,
            preparer_signed=signed,
            signoff_stale=stale,
            coached_answer_signals=coached.get(c.ref, 0),
            missing_interview_roles=tuple(r.value for r in missing.get(c.id, ())),
            type2=type2,
            nature=c.nature,
            itgc_basis=c.itgc_basis,
            whole_population_reperformed=c.id in whole,
            test_of_one_done=c.id in tested_one,
            unresolved_differences=unresolved.get(c.id, 0),
        )
        statuses[c.id] = derive_status(StatusFacts(
            has_work=has_work(out[c.id], c.conclusion is not None), preparer_signed=st.preparer_signed,
            preparer_current=st.preparer_current, reviewer_signed=st.reviewer_signed,
            reviewer_current=st.reviewer_current))
    return out, statuses


def _tests_of_one_done(session: Session, only: int | None) -> set[int]:
    """Controls whose test of one is recorded complete with a result (passed, or a deviation that is
    then an exception): the same completeness rule the testing view shows (domain.attributes)."""
    from fieldwork_tui.domain import attributes

    done: set[int] = set()
    rows = session.exec(_only(select(SingleTest).where(SingleTest.kind == attributes.TEST_OF_ONE),
                              SingleTest.control_id, only)).all()
    for row in rows:
        if row.result not in (SampleResult.passed, SampleResult.deviation):
            continue
        t = attributes.SingleTest(row.kind, row.instance, row.performed_on.isoformat() if row.performed_on else "",
                                  row.description, row.configuration, tuple(row.itgc_refs), row.itgc_basis,
                                  tuple(row.evidence_ids), row.result)
        if not attributes.single_test_problems(t):
            done.add(row.control_id)
    return done


def _population_only(pop: Population | None) -> SampleFacts | None:
    if pop is None:
        return None
    return SampleFacts(size=0, policy_size=0, population_rows=pop.row_count, expected_count=pop.expected_count)


def control_flags(session: Session) -> dict[int, list[Flag]]:
    return {cid: flags_for(f) for cid, f in control_facts(session).items()}
