"""Everything recorded for one control, read in one go: what the control detail tabs list and
what a workpaper shows."""

from __future__ import annotations

from sqlmodel import select

from fieldwork_tui.domain.coverage import flags_for, ordered_types
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.controls.facts import facts_and_statuses
from fieldwork_tui.services.controls.views import ControlRecords, StatementView
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    ControlException,
    EvidenceControl,
    EvidenceFile,
    InquiryStatement,
    Interview,
    ManagementResponse,
    Observation,
    Person,
    Reperformance,
    ReviewNote,
    Sample,
    SignOff,
    StatementControl,
)


def control_records(handle: EngagementHandle, ref: str) -> ControlRecords:
    with handle.read() as s:
        c = find_control(s, ref)
        all_facts, statuses = facts_and_statuses(s, only=c.id)
        facts = all_facts[c.id]
        owner = s.get(Person, c.owner_id) if c.owner_id else None
        rec = ControlRecords(control=c, owner=owner, evidence_types=[t.value for t in ordered_types(facts.evidence_types)],
                             flags=flags_for(facts), status=statuses[c.id].value)
        for st, iv, person in s.exec(
            select(InquiryStatement, Interview, Person)
            .join(StatementControl, StatementControl.statement_id == InquiryStatement.id)
            .join(Interview, Interview.id == InquiryStatement.interview_id)
            .join(Person, Person.id == Interview.person_id, isouter=True)
            .where(StatementControl.control_id == c.id)
            .order_by(Interview.held_on, InquiryStatement.position)
        ):
            rec.statements.append(StatementView(st, iv, person))
        rec.observations = list(s.exec(select(Observation).where(Observation.control_id == c.id)
                                       .order_by(Observation.observed_at)))
        rec.files = list(s.exec(select(EvidenceFile).join(EvidenceControl, EvidenceControl.evidence_id == EvidenceFile.id)
                                .where(EvidenceControl.control_id == c.id).order_by(EvidenceFile.added_at, EvidenceFile.id)))
        rec.reperformances = list(s.exec(select(Reperformance).where(Reperformance.control_id == c.id)
                                         .order_by(Reperformance.id)))
        from sqlalchemy import func

        from fieldwork_tui.services.evidence.reperformance import open_clause
        from fieldwork_tui.store.models import ReperformanceDifference

        rec.unresolved = dict(s.exec(
            select(ReperformanceDifference.reperformance_id, func.count())
            .where(ReperformanceDifference.reperformance_id.in_([r.id for r in rec.reperformances]),
                   open_clause())
            .group_by(ReperformanceDifference.reperformance_id)).all())
        rec.samples = list(s.exec(select(Sample).where(Sample.control_id == c.id).order_by(Sample.id)))
        for ex, resp in s.exec(
            select(ControlException, ManagementResponse)
            .join(ManagementResponse, ManagementResponse.exception_id == ControlException.id, isouter=True)
            .where(ControlException.control_id == c.id).order_by(ControlException.id)
        ):
            rec.exceptions.append((ex, resp))
        rec.signoffs = list(s.exec(select(SignOff).where(SignOff.control_id == c.id).order_by(SignOff.id)))
        rec.review_notes = list(s.exec(select(ReviewNote).where(ReviewNote.target_type == "control",
                                                                ReviewNote.target_id == c.id).order_by(ReviewNote.id)))
        return rec
