"""Interviews and inquiry statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select

from fieldwork_tui.models import InquiryStatement, Interview, Person
from fieldwork_tui.services.engagements import EngagementHandle


@dataclass
class InterviewSummary:
    id: int
    held_on: str
    person: str
    role: str
    topic: str
    interviewer: str
    statements: int


def list_interviews(handle: EngagementHandle) -> list[InterviewSummary]:
    with handle.read() as s:
        counts = dict(s.exec(select(InquiryStatement.interview_id, func.count())
                             .group_by(InquiryStatement.interview_id)).all())
        return [
            InterviewSummary(iv.id, iv.held_on.isoformat(), p.name if p else "", p.role if p else "", iv.topic,
                             iv.interviewer, counts.get(iv.id, 0))
            for iv, p in s.exec(select(Interview, Person).join(Person, isouter=True).order_by(Interview.held_on.desc()))
        ]
