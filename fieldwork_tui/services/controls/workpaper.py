"""Everything recorded for one control, read in one go: what the control detail tabs list and
what a workpaper shows."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from fieldwork_tui.domain.coverage import flags_for, ordered_types
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.controls.facts import facts_and_statuses
from fieldwork_tui.services.controls.views import ControlRecords
from fieldwork_tui.services.evidence.interviews import control_statements
from fieldwork_tui.services.records import record, records
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    ControlException,
    EvidenceControl,
    EvidenceFile,
    ManagementResponse,
    Observation,
    Person,
    Reperformance,
    ReperformanceDifference,
)


def control_records(handle: EngagementHandle, ref: str) -> ControlRecords:
    with handle.read() as s:
        c = find_control(s, ref)
        all_facts, statuses = facts_and_statuses(s, only=c.id)
        facts = all_facts[c.id]
        owner = s.get(Person, c.owner_id) if c.owner_id else None
        statements = control_statements(s, c.id)
        observations = records(s.exec(select(Observation).where(Observation.control_id == c.id)
                                      .order_by(Observation.observed_at)))
        files = records(s.exec(select(EvidenceFile).join(EvidenceControl, EvidenceControl.evidence_id == EvidenceFile.id)
                               .where(EvidenceControl.control_id == c.id).order_by(EvidenceFile.added_at, EvidenceFile.id)))
        reperformances = records(s.exec(select(Reperformance).where(Reperformance.control_id == c.id)
                                        .order_by(Reperformance.id)))
        # deferred: evidence imports controls.catalog, whose package imports this module
        from fieldwork_tui.services.evidence.reperformance import open_clause

        unresolved = dict(s.exec(
            select(ReperformanceDifference.reperformance_id, func.count())
            .where(ReperformanceDifference.reperformance_id.in_([r.id for r in reperformances]), open_clause())
            .group_by(ReperformanceDifference.reperformance_id)).all())
        exceptions = [(record(ex), record(resp)) for ex, resp in s.exec(
            select(ControlException, ManagementResponse)
            .join(ManagementResponse, ManagementResponse.exception_id == ControlException.id, isouter=True)
            .where(ControlException.control_id == c.id).order_by(ControlException.id)
        )]
        return ControlRecords(control=record(c), owner=record(owner),
                              evidence_types=[t.value for t in ordered_types(facts.evidence_types)],
                              flags=flags_for(facts), status=statuses[c.id].value, statements=statements,
                              observations=observations, files=files, reperformances=reperformances,
                              unresolved=unresolved, exceptions=exceptions)
