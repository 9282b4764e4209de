"""Interview memos for the bundle: one page per interview (`interviews/<interview id>.html`) with
the person (role and title), the interviewer, the date, and every statement in order with its
controls, its corroboration and the evidence it rests on — statements linked to no control
included, so nothing said is missing from the bundle. Possible coached answers are noted beside the
statements they concern.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from fieldwork_tui.services.evidence.coaching import coaching_signals_in
from fieldwork_tui.services.evidence.interviews import PersonView, StatementRow, _statement_rows, person_view
from fieldwork_tui.store.models import InquiryStatement, Interview, Person


@dataclass(frozen=True)
class CoachingNote:
    control: str
    text: str      # "near-identical to statement #13 by Hannah Köhler (HR, …), 2026-10-15 (score 98.8)"
    decision: str  # "", "kept: …", "dismissed: …"
    open: bool = True
    other_interview: int | None = None
    other_statement: int | None = None


@dataclass(frozen=True)
class MemoStatement:
    number: int
    row: StatementRow
    coaching: tuple[CoachingNote, ...] = ()


@dataclass(frozen=True)
class InterviewMemo:
    id: int
    member: str
    held_on: dt.date
    interviewer: str
    topic: str
    person: PersonView
    statements: tuple[MemoStatement, ...]

    @property
    def red_flags(self) -> int:
        return sum(1 for st in self.statements if st.row.red_flag)

    @property
    def unlinked(self) -> int:
        return sum(1 for st in self.statements if not st.row.controls)


def _coaching_notes(s: Session) -> dict[int, list[CoachingNote]]:
    out: dict[int, list[CoachingNote]] = defaultdict(list)
    for sig in coaching_signals_in(s):
        decision = f"{sig.decision}: {sig.reason}".rstrip(": ") if sig.decision else ""
        if sig.kind == "recited_description":
            (only,) = sig.statements
            out[only.statement_id].append(CoachingNote(sig.control, f"recites the description of {sig.control} "
                                                                    f"({sig.scores})", decision, sig.open))
            continue
        a, b = sig.statements
        for me, other in ((a, b), (b, a)):
            out[me.statement_id].append(CoachingNote(
                sig.control, f"near-identical to statement #{other.statement_id} by {other.who}, {other.held_on} "
                             f"({sig.scores})", decision, sig.open, other.interview_id, other.statement_id))
    return out


def interview_memos(s: Session, member_for: Callable[[int], str]) -> list[InterviewMemo]:
    """Every interview's memo, oldest first (`member_for` names each memo by interview id)."""
    coaching = _coaching_notes(s)
    rows: dict[int, list[StatementRow]] = defaultdict(list)
    for _st, row in _statement_rows(s, InquiryStatement.text != ""):
        rows[row.interview_id].append(row)
    out = []
    for iv, p in s.exec(select(Interview, Person).join(Person, Person.id == Interview.person_id, isouter=True)
                        .order_by(Interview.held_on, Interview.id)):
        statements = tuple(MemoStatement(i, r, tuple(coaching.get(r.id, ())))
                           for i, r in enumerate(sorted(rows.get(iv.id, []), key=lambda r: (r.position, r.id)), 1))
        out.append(InterviewMemo(iv.id, member_for(iv.id), iv.held_on, iv.interviewer, iv.topic, person_view(p),
                                 statements))
    return out
