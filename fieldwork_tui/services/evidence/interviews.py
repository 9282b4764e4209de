"""Interviews and inquiry statements.

An interview is logged while it happens, so statements are saved as they are typed
(`save_statement_text` is cheap and idempotent; the screen calls it at least once a second). A save
writes only over the version of the statement its writer last read: when another app instance
changed or deleted the statement meanwhile, the typed text is kept as a new statement and the
result says so (domain.inquiry). Statement ids are never reused (AUTOINCREMENT).

Each statement speaks to one or more controls (`StatementControl`, which makes it inquiry evidence
for them) and carries a corroboration state: uncorroborated, corroborated by an evidence item, or
contradicted by one with a note — a red flag (`contradicted_inquiry`) until later evidence resolves
it or an exception is raised for it; a reason alone never clears it.

Everything returned to the UI is plain frozen data (PersonView, InterviewSummary, InterviewDetail,
StatementRow); people are named with their role and title by one rule (domain.people.person_label).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from fieldwork_tui.domain.coverage import corroboration_problem
from fieldwork_tui.domain.inquiry import (
    ContradictionState,
    SaveAction,
    StatementEvidence,
    autosave_action,
    change_problem,
    resolution_problem,
)
from fieldwork_tui.domain.people import RoleParseError, parse_role, role_label
from fieldwork_tui.domain.vocab import Corroboration, PersonRole, PersonSide
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.evidence.views import (
    ControlStatement,
    EvidenceChoice,
    InterviewDetail,
    InterviewSummary,
    PersonView,
    SaveResult,
    StatementRow,
)
from fieldwork_tui.services.lookup import find_person
from fieldwork_tui.store.clock import today
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    EvidenceControl,
    EvidenceFile,
    InquiryStatement,
    Interview,
    Person,
    StatementControl,
    utcnow,
)


def person_view(p: Person | None) -> PersonView:
    if p is None:
        return PersonView(0, "(unknown person)")
    return PersonView(p.id, p.name, p.role.value if p.role else None, p.title, p.side.value)


# -- reading ------------------------------------------------------------------------------------------------
def list_interviews(handle: EngagementHandle) -> list[InterviewSummary]:
    with handle.read() as s:
        counts = dict(s.exec(select(InquiryStatement.interview_id, func.count())
                             .where(InquiryStatement.text != "")
                             .group_by(InquiryStatement.interview_id)).all())
        flags = dict(s.exec(select(InquiryStatement.interview_id, func.count())
                            .where(InquiryStatement.corroboration == Corroboration.contradicted,
                                   InquiryStatement.exception_id.is_(None),
                                   InquiryStatement.resolution_evidence_id.is_(None))
                            .group_by(InquiryStatement.interview_id)).all())
        return [
            InterviewSummary(iv.id, iv.held_on.isoformat(), person_view(p), iv.topic, iv.interviewer,
                             counts.get(iv.id, 0), flags.get(iv.id, 0))
            for iv, p in s.exec(select(Interview, Person).join(Person, isouter=True)
                                .order_by(Interview.held_on.desc(), Interview.id.desc()))
        ]


def interviewees(handle: EngagementHandle) -> list[PersonView]:
    """Client personnel, by name, with their role and title (the new-interview dialog suggests them)."""
    with handle.read() as s:
        return [person_view(p) for p in s.exec(select(Person).where(Person.side == PersonSide.client)
                                                 .order_by(Person.name))]


def _statement_rows(s: Session, where) -> list[tuple[InquiryStatement, StatementRow]]:
    """Statements matching `where`, with control refs and the names of the evidence they rest on."""
    contra, resolved = aliased(EvidenceFile), aliased(EvidenceFile)
    rows = s.exec(select(InquiryStatement, contra.original_name, resolved.original_name)
                  .join(contra, contra.id == InquiryStatement.evidence_id, isouter=True)
                  .join(resolved, resolved.id == InquiryStatement.resolution_evidence_id, isouter=True)
                  .where(where)
                  .order_by(InquiryStatement.interview_id, InquiryStatement.position, InquiryStatement.id)).all()
    ids = [st.id for st, _a, _b in rows]
    refs: dict[int, list[str]] = defaultdict(list)
    if ids:
        for sid, ref in s.exec(select(StatementControl.statement_id, Control.ref)
                               .join(Control, Control.id == StatementControl.control_id)
                               .where(StatementControl.statement_id.in_(ids)).order_by(Control.ref)):
            refs[sid].append(ref)
    return [(st, statement_row(st, refs.get(st.id, []), a or "", b or "")) for st, a, b in rows]


def statement_row(st: InquiryStatement, refs: list[str], evidence_name: str = "",
                  resolution_name: str = "") -> StatementRow:
    ev = StatementEvidence(st.corroboration, st.evidence_id, evidence_name, st.corroboration_note,
                           st.resolution_evidence_id, resolution_name, st.resolution_note, st.exception_id)
    return StatementRow(st.id, st.interview_id, st.position, st.text, tuple(refs), st.version, ev)


def interview_detail(handle: EngagementHandle, interview_id: int) -> InterviewDetail:
    with handle.read() as s:
        iv = s.get(Interview, interview_id)
        if iv is None:
            raise NotFound(f"interview #{interview_id} not found")
        rows = tuple(r for _st, r in _statement_rows(s, InquiryStatement.interview_id == interview_id))
        return InterviewDetail(iv.id, iv.held_on, iv.interviewer, iv.topic, person_view(s.get(Person, iv.person_id)),
                               rows)


def control_statements(s: Session, control_id: int) -> list[ControlStatement]:
    """The statements linked to one control, in interview order (the Inquiry tab, the workpaper)."""
    linked = select(StatementControl.statement_id).where(StatementControl.control_id == control_id)
    rows = _statement_rows(s, InquiryStatement.id.in_(linked))
    ivs = {iv.id: (iv, p) for iv, p in s.exec(
        select(Interview, Person).join(Person, Person.id == Interview.person_id, isouter=True)
        .where(Interview.id.in_({st.interview_id for st, _r in rows})))}
    out = [ControlStatement(r, st.interview_id, ivs[st.interview_id][0].held_on, ivs[st.interview_id][0].interviewer,
                            person_view(ivs[st.interview_id][1])) for st, r in rows]
    out.sort(key=lambda c: (c.held_on, c.interview_id, c.statement.position))
    return out


def get_statement(handle: EngagementHandle, statement_id: int) -> StatementRow:
    with handle.read() as s:
        rows = _statement_rows(s, InquiryStatement.id == statement_id)
        if not rows:
            raise NotFound(f"statement #{statement_id} not found")
        return rows[0][1]


# -- people -------------------------------------------------------------------------------------------------
def _role(text: str | PersonRole | None) -> PersonRole | None:
    if text is None or isinstance(text, PersonRole):
        return text
    if not text.strip():
        return None
    try:
        return parse_role(text)
    except RoleParseError as exc:
        raise InvalidInput(str(exc)) from None


def set_person_role(handle: EngagementHandle, name: str, role: str | PersonRole | None,
                    title: str | None = None) -> PersonView:
    """Say what a person does (the plan's role) and, optionally, their job title."""
    value = _role(role)
    with handle.session() as s:
        p = find_person(s, name)
        if p is None:
            raise NotFound(f"no person named {name.strip()!r}")
        p.role = value
        if title is not None:
            p.title = " ".join(title.split())
        s.add(p)
        s.flush()
        return person_view(p)


def _person_for_interview(s: Session, name: str, role: PersonRole | None, title: str) -> Person:
    p = find_person(s, name)
    if p is None:
        p = Person(name=" ".join(name.split()), side=PersonSide.client, role=role, title=title)
        s.add(p)
        s.flush()
        return p
    changed = False
    if role is not None and p.role is None:
        p.role, changed = role, True
    if title and not p.title:
        p.title, changed = title, True
    if changed:
        s.add(p)
    return p


# -- interviews ---------------------------------------------------------------------------------------------
def _date(held_on: str | dt.date | None) -> dt.date:
    try:
        return evidence.parse_as_of(held_on) if held_on not in (None, "") else today()
    except InvalidInput:
        raise InvalidInput(f"date: {held_on!r} is not a date (YYYY-MM-DD)") from None


def create_interview(handle: EngagementHandle, person: str, *, role: str | PersonRole | None = None,
                     title: str = "", held_on: str | dt.date | None = None, interviewer: str = "",
                     topic: str = "") -> InterviewSummary:
    """Start an interview with a person (found by name, or added as client personnel with `role`).
    A known person's role is set when it was not known yet; a different role is refused (say it with
    `set_person_role`), so one person never counts for two roles in the plan."""
    name = " ".join((person or "").split())
    if not name:
        raise InvalidInput("interviewee: give the person's name")
    value = _role(role)
    date = _date(held_on)
    with handle.session() as s:
        known = find_person(s, name)
        if known is not None and value is not None and known.role is not None and known.role is not value:
            raise InvalidInput(f"role: {known.name} is {known.role.value}; change the person's role first "
                               f"if they now work in {value.value}")
        p = _person_for_interview(s, name, value, " ".join((title or "").split()))
        iv = Interview(person_id=p.id, held_on=date, interviewer=interviewer.strip() or handle.actor,
                       topic=topic.strip())
        s.add(iv)
        s.flush()
        return InterviewSummary(iv.id, iv.held_on.isoformat(), person_view(p), iv.topic, iv.interviewer, 0)


# -- statements ---------------------------------------------------------------------------------------------
def parse_refs(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Control refs as typed: 'AC-01 ac-03, CM-01' -> ['AC-01', 'AC-03', 'CM-01']."""
    items = text if isinstance(text, list | tuple) else re.split(r"[\s,;]+", text or "")
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


def _new_statement(s: Session, interview_id: int, text: str, refs: list[str]) -> InquiryStatement:
    last = s.exec(select(func.max(InquiryStatement.position))
                  .where(InquiryStatement.interview_id == interview_id)).one()
    st = InquiryStatement(interview_id=interview_id, position=(last or 0) + 1, text=text)
    s.add(st)
    s.flush()
    _link_controls(s, st.id, refs)
    return st


def add_statement(handle: EngagementHandle, interview_id: int, text: str = "",
                  controls: str | list[str] = "") -> StatementRow:
    refs = parse_refs(controls)
    with handle.session() as s:
        if s.get(Interview, interview_id) is None:
            raise NotFound(f"interview #{interview_id} not found")
        st = _new_statement(s, interview_id, text, refs)
        return statement_row(st, sorted({r.upper() for r in refs}))


def save_statement_text(handle: EngagementHandle, statement_id: int, text: str,
                        read_version: int | None = None, *, interview_id: int | None = None,
                        controls: str | list[str] = "") -> SaveResult:
    """Save what has been typed so far over the version last read (`read_version`; None: whatever
    is stored). Another writer's change or delete in between keeps the typed text as a new statement
    of the same interview (with the old statement's controls, or `controls`)."""
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None and interview_id is None:
            raise NotFound(f"statement #{statement_id} not found")
        stored_version = st.version if st else None
        action = autosave_action(st is not None, stored_version,
                                 stored_version if read_version is None else read_version,
                                 st.text if st else "", text)
        if action is SaveAction.unchanged:
            return SaveResult(statement_id, stored_version or 0, action)
        if action is SaveAction.update:
            st.text = text
            st.version += 1
            st.updated_at = utcnow()
            s.add(st)
            return SaveResult(st.id, st.version, action)
        iv_id = st.interview_id if st else interview_id
        if s.get(Interview, iv_id) is None:
            raise NotFound(f"interview #{iv_id} not found; the typed text could not be kept")
        refs = (list(s.exec(select(Control.ref).join(StatementControl, StatementControl.control_id == Control.id)
                            .where(StatementControl.statement_id == st.id)).all()) if st else parse_refs(controls))
        new = _new_statement(s, iv_id, text, refs)
        why = "changed" if action is SaveAction.keep_as_new else "deleted"
        return SaveResult(new.id, new.version, action,
                          f"Statement #{statement_id} was {why} in another window meanwhile; "
                          f"your text was kept as new statement #{new.id}.")


def set_statement_controls(handle: EngagementHandle, statement_id: int, controls: str | list[str]) -> list[str]:
    with handle.session() as s:
        if s.get(InquiryStatement, statement_id) is None:
            raise NotFound(f"statement #{statement_id} not found")
        return _link_controls(s, statement_id, parse_refs(controls))


def delete_statement(handle: EngagementHandle, statement_id: int) -> bool:
    """Delete a statement and its control links (the TUI asks first). False when already gone."""
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None:
            return False
        for link in s.exec(select(StatementControl).where(StatementControl.statement_id == statement_id)).all():
            s.delete(link)
        s.flush()
        s.delete(st)
    return True


# -- corroboration and contradictions --------------------------------------------------------------------------
def set_corroboration(handle: EngagementHandle, statement_id: int, state: Corroboration | str,
                      evidence_id: int | None = None, note: str = "") -> StatementRow:
    """Record whether evidence corroborates or contradicts a statement (rules: domain.coverage and
    domain.inquiry: a contradiction is never undone by changing the state)."""
    problem = corroboration_problem(str(state), evidence_id, note)
    if problem:
        raise InvalidInput(problem)
    value = Corroboration(state)
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None:
            raise NotFound(f"statement #{statement_id} not found")
        problem = change_problem(st.corroboration, value)
        if problem:
            raise InvalidInput(f"statement #{statement_id}: {problem}")
        if evidence_id is not None and s.get(EvidenceFile, evidence_id) is None:
            raise NotFound(f"evidence #{evidence_id} not found")
        st.corroboration = value
        st.evidence_id = None if value is Corroboration.uncorroborated else evidence_id
        st.corroboration_note = "" if value is Corroboration.uncorroborated else note.strip()
        st.updated_at = utcnow()
        s.add(st)
    return get_statement(handle, statement_id)


def resolve_contradiction(handle: EngagementHandle, statement_id: int, evidence_id: int | None,
                          note: str) -> StatementRow:
    """Later evidence resolves a contradiction: the contradiction stays on file, the red flag ends."""
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None:
            raise NotFound(f"statement #{statement_id} not found")
        problem = resolution_problem(st.corroboration, st.evidence_id, evidence_id, note,
                                     already_resolved=st.resolution_evidence_id is not None
                                     or st.exception_id is not None)
        if problem:
            raise InvalidInput(f"statement #{statement_id}: {problem}")
        if s.get(EvidenceFile, evidence_id) is None:
            raise NotFound(f"evidence #{evidence_id} not found")
        st.resolution_evidence_id = evidence_id
        st.resolution_note = note.strip()
        st.updated_at = utcnow()
        s.add(st)
    return get_statement(handle, statement_id)


def exception_draft(handle: EngagementHandle, statement_id: int) -> dict:
    """Prefilled fields for raising an exception from a contradicted statement."""
    with handle.read() as s:
        rows = _statement_rows(s, InquiryStatement.id == statement_id)
        if not rows:
            raise NotFound(f"statement #{statement_id} not found")
        st, row = rows[0]
        iv = s.get(Interview, st.interview_id)
        person = person_view(s.get(Person, iv.person_id))
    if row.contradiction is not ContradictionState.open:
        raise InvalidInput(f"statement #{statement_id}: only an open contradiction is raised as an exception")
    who = role_label(person.role) or "personnel"
    evidence = row.evidence_name or "the evidence"
    return {
        "controls": list(row.controls),
        # the report names roles and documents, never a person
        "instance": f"Inquiry of {who} on {iv.held_on.isoformat()} (statement #{statement_id})",
        "deviation": f"Inspection of {evidence} contradicted the inquiry" + (f": {row.note}" if row.note else "."),
    }


def raise_statement_exception(handle: EngagementHandle, statement_id: int, control: str | None = None, *,
                    deviation: str | None = None, instance: str | None = None) -> int:
    """Raise an exception for an open contradiction on one of the statement's controls (the only one
    when there is one); the statement then names the exception. Returns the exception id."""
    from fieldwork_tui.services.findings.exceptions import (
        add_exception,  # findings imports evidence: kept local
    )

    draft = exception_draft(handle, statement_id)
    refs = draft["controls"]
    if control is None:
        if len(refs) != 1:
            raise InvalidInput(f"statement #{statement_id}: name the control the exception is for "
                               f"({', '.join(refs) or 'the statement is linked to none'})")
        control = refs[0]
    if control.strip().upper() not in {r.upper() for r in refs}:
        raise InvalidInput(f"statement #{statement_id}: not linked to {control.strip()} "
                           f"(linked: {', '.join(refs) or 'none'})")
    with handle.session() as s:
        st = s.get(InquiryStatement, statement_id)
        if st is None or st.exception_id is not None or st.resolution_evidence_id is not None:
            raise InvalidInput(f"statement #{statement_id}: the contradiction is no longer open")
        ex = add_exception(s, handle.actor, control, instance=(instance or draft["instance"]),
                           deviation=(deviation or draft["deviation"]))
        st.exception_id = ex.id
        st.updated_at = utcnow()
        s.add(st)
        return ex.id


def statement_evidence_choices(handle: EngagementHandle, statement_id: int | None = None) -> list[EvidenceChoice]:
    """Files for the corroboration picker: those of the statement's controls first, then every other
    file in the vault."""
    with handle.read() as s:
        linked: set[int] = set()
        if statement_id is not None:
            ids = select(StatementControl.control_id).where(StatementControl.statement_id == statement_id)
            linked = set(s.exec(select(EvidenceControl.evidence_id).where(EvidenceControl.control_id.in_(ids))
                                .distinct()))
        files = list(s.exec(select(EvidenceFile).order_by(EvidenceFile.original_name, EvidenceFile.id)))
    first = [f for f in files if f.id in linked]
    rest = [f for f in files if f.id not in linked]

    def label(f: EvidenceFile) -> str:
        return f"{f.original_name} (#{f.id}{', ' + f.as_of.isoformat() if f.as_of else ''})"

    return [EvidenceChoice(f.id, label(f), f.id in linked) for f in first + rest]


def attach_for_statement(handle: EngagementHandle, statement_id: int, path: Path | str, **kwargs) -> int:
    """Attach a new file to the statement's controls as inspection evidence (kept in the vault, linked
    to no control when the statement has none) and return its evidence id, for the corroboration."""
    if Path(path).is_dir():
        raise InvalidInput(f"{path}: is a folder; a statement is corroborated by one file")
    row = get_statement(handle, statement_id)
    if not row.controls:
        return evidence.store_file(handle, path, description=kwargs.get("description", ""),
                                   as_of=evidence.parse_as_of(kwargs.get("as_of")),
                                   progress=kwargs.get("progress")).id
    ev_id = evidence.attach(handle, row.controls[0], [path], **kwargs)[0].evidence.id
    with handle.session() as s:
        for ref in row.controls[1:]:
            c = find_control(s, ref)
            if s.get(EvidenceControl, (ev_id, c.id)) is None:
                s.add(EvidenceControl(evidence_id=ev_id, control_id=c.id))
    return ev_id
