"""Interviews and inquiry statements.

An interview is logged while it happens, so statements are saved as they are typed
(`save_statement_text` is cheap and idempotent; the screen calls it at least once a second).
Each statement speaks to one or more controls (`StatementControl`, which makes it inquiry evidence
for them) and carries a corroboration state: uncorroborated, corroborated by an evidence item, or
contradicted by one with a note — a contradiction is a red flag (`contradicted_inquiry`).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func
from sqlmodel import Session, select

from fieldwork_tui.domain.coverage import corroboration_problem
from fieldwork_tui.domain.vocab import Corroboration, PersonSide
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence.views import InterviewDetail, InterviewSummary, StatementRow
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    EvidenceFile,
    InquiryStatement,
    Interview,
    Person,
    StatementControl,
    utcnow,
)

#: Roles offered for client personnel (free text is accepted too).
ROLES = ["engineering", "hr", "it administration", "security", "compliance", "finance", "legal", "operations",
         "management"]


def list_interviews(handle: EngagementHandle) -> list[InterviewSummary]:
    with handle.read() as s:
        counts = dict(s.exec(select(InquiryStatement.interview_id, func.count())
                             .where(InquiryStatement.text != "")
                             .group_by(InquiryStatement.interview_id)).all())
        return [
            InterviewSummary(iv.id, iv.held_on.isoformat(), p.name if p else "", p.role if p else "", iv.topic,
                             iv.interviewer, counts.get(iv.id, 0))
            for iv, p in s.exec(select(Interview, Person).join(Person, isouter=True)
                                .order_by(Interview.held_on.desc(), Interview.id.desc()))
        ]


def interviewees(handle: EngagementHandle) -> list[Person]:
    with handle.read() as s:
        return list(s.exec(select(Person).where(Person.side == PersonSide.client).order_by(Person.name)))


def create_interview(handle: EngagementHandle, person: str, *, role: str = "", held_on: str | dt.date | None = None,
                     interviewer: str = "", topic: str = "") -> Interview:
    """Start an interview with a person (found by name, or added as client personnel with `role`)."""
    from fieldwork_tui.services.evidence.files import parse_as_of
    from fieldwork_tui.store.clock import today

    name = (person or "").strip()
    if not name:
        raise InvalidInput("interviewee: give the person's name")
    try:
        date = parse_as_of(held_on) if held_on not in (None, "") else today()
    except InvalidInput:
        raise InvalidInput(f"date: {held_on!r} is not a date (YYYY-MM-DD)") from None
    with handle.session() as s:
        p = s.exec(select(Person).where(func.lower(Person.name) == name.lower())).first()
        if p is None:
            p = Person(name=name, side=PersonSide.client, role=role.strip())
            s.add(p)
            s.flush()
        elif role.strip() and not p.role:
            p.role = role.strip()
            s.add(p)
        iv = Interview(person_id=p.id, held_on=date, interviewer=interviewer.strip() or handle.actor,
                       topic=topic.strip())
        s.add(iv)
    return iv


def interview_detail(handle: EngagementHandle, interview_id: int) -> InterviewDetail:
    with handle.read() as s:
        iv = s.get(Interview, interview_id)
        if iv is None:
            raise NotFound(f"interview #{interview_id} not found")
        detail = InterviewDetail(iv, s.get(Person, iv.person_id))
        refs: dict[int, list[str]] = {}
        for sid, ref in s.exec(select(StatementControl.statement_id, Control.ref)
                               .join(Control, Control.id == StatementControl.control_id)
                               .join(InquiryStatement, InquiryStatement.id == StatementControl.statement_id)
                               .where(InquiryStatement.interview_id == interview_id).order_by(Control.ref)):
            refs.setdefault(sid, []).append(ref)
        for st, ev_name in s.exec(select(InquiryStatement, EvidenceFile.original_name)
                                  .join(EvidenceFile, EvidenceFile.id == InquiryStatement.evidence_id, isouter=True)
                                  .where(InquiryStatement.interview_id == interview_id)
                                  .order_by(InquiryStatement.position, InquiryStatement.id)):
            detail.statements.append(StatementRow(st.id, st.position, st.text, refs.get(st.id, []),
                                                  st.corroboration.value, st.evidence_id, ev_name or "",
                                                  st.corroboration_note))
        return detail


def parse_refs(text: str | list[str]) -> list[str]:
    """Control refs as typed: 'AC-01 ac-03, CM-01' -> ['AC-01', 'AC-03', 'CM-01']."""
    items = text if isinstance(text, list) else re.split(r"[\s,;]+", text or "")
    return list(dict.fromkeys(i.strip().upper() for i in items if i.strip()))


def _link_controls(s: Session, statement_id: int, refs: list[str]) -> list[str]:
    """Make the statement's control links exactly `refs` (ORM changes, so the journal sees them)."""
    wanted = {c.id: c for c in (find_control(s, r) for r in refs)}
    for link in s.exec(select(StatementControl).where(StatementControl.statement_id == statement_id)).all():
        if wanted.pop(link.control_id, None) is None:
            s.delete(link)
    for c in wanted.values():
        s.add(StatementControl(statement_id=statement_id, control_id=c.id))
    s.flush()
    return sorted(s.exec(select(Control.ref).join(StatementControl, StatementControl.control_id == Control.id)
                         .where(StatementControl.statement_id == statement_id)).all())


def add_statement(handle: EngagementHandle, interview_id: int, text: str = "",
                  controls: str | list[str] = "") -> InquiryStatement:
    refs = parse_refs(controls)
    with handle.session() as s:
        if s.get(Interview, interview_id) is None:
            raise NotFound(f"interview #{interview_id} not found")
        last = s.exec(select(func.max(InquiryStatement.position))
                      .where(InquiryStatement.interview_id == interview_id)).one()
        st = InquiryStatement(interview_id=interview_id, position=(last or 0) + 1, text=text)
        s.add(st)
        s.flush()
        _link_controls(s, st.id, refs)
    return st


def save_statement_text(handle: EngagementHandle, statement_id: int, text: str) -> bool:
    """Save what has been typed so far; False (and no write) when nothing changed."""
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None:
            raise NotFound(f"statement #{statement_id} not found")
        if st.text == text:
            return False
        st.text = text
        st.updated_at = utcnow()
        s.add(st)
    return True


def set_statement_controls(handle: EngagementHandle, statement_id: int, controls: str | list[str]) -> list[str]:
    with handle.session() as s:
        if s.get(InquiryStatement, statement_id) is None:
            raise NotFound(f"statement #{statement_id} not found")
        return _link_controls(s, statement_id, parse_refs(controls))


def delete_statement(handle: EngagementHandle, statement_id: int) -> None:
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None:
            return
        for link in s.exec(select(StatementControl).where(StatementControl.statement_id == statement_id)).all():
            s.delete(link)
        s.flush()
        s.delete(st)


def set_corroboration(handle: EngagementHandle, statement_id: int, state: Corroboration | str,
                      evidence_id: int | None = None, note: str = "") -> InquiryStatement:
    """Record whether evidence corroborates or contradicts a statement (rules: domain.coverage)."""
    problem = corroboration_problem(str(state), evidence_id, note)
    if problem:
        raise InvalidInput(problem)
    value = Corroboration(state)
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None:
            raise NotFound(f"statement #{statement_id} not found")
        if evidence_id is not None and s.get(EvidenceFile, evidence_id) is None:
            raise NotFound(f"evidence #{evidence_id} not found")
        st.corroboration = value
        st.evidence_id = None if value is Corroboration.uncorroborated else evidence_id
        st.corroboration_note = "" if value is Corroboration.uncorroborated else note.strip()
        st.updated_at = utcnow()
        s.add(st)
    return st


def statement_evidence_choices(handle: EngagementHandle, statement_id: int | None = None) -> list[tuple[int, str]]:
    """(evidence id, label) for the corroboration picker: files of the statement's controls first,
    then every other file in the vault."""
    from fieldwork_tui.store.models import EvidenceControl

    with handle.read() as s:
        linked: list[int] = []
        if statement_id is not None:
            ids = select(StatementControl.control_id).where(StatementControl.statement_id == statement_id)
            linked = list(s.exec(select(EvidenceControl.evidence_id).where(EvidenceControl.control_id.in_(ids))
                                 .distinct()))
        files = list(s.exec(select(EvidenceFile).order_by(EvidenceFile.original_name, EvidenceFile.id)))
    first = [f for f in files if f.id in linked]
    rest = [f for f in files if f.id not in linked]

    def label(f: EvidenceFile) -> str:
        return f"{f.original_name} (#{f.id}{', ' + f.as_of.isoformat() if f.as_of else ''})"

    return [(f.id, label(f)) for f in first + rest]
