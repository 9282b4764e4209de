"""Possible coached answers in an engagement: the signals (rules: domain.coaching), shown side by
side, and the auditor's review of each — dismissed with a reason, or kept (journaled).

Advisory, never blocking: `possible_coached_answer` marks a control while one of its signals is not
dismissed. The thresholds come from the `[coached_answers]` table of the interview plan file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from fieldwork_tui.domain import coaching as rules
from fieldwork_tui.domain.people import person_label
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence.interview_plan import plan_table
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    CoachingReview,
    Control,
    InquiryStatement,
    Interview,
    Person,
    StatementControl,
    utcnow,
)


def _settings() -> rules.CoachingSettings:
    return plan_table().coaching


@dataclass(frozen=True)
class _Said:
    statement_id: int
    person_id: int
    text: str
    held_on: str
    interview_id: int
    who: str


def _statements(s: Session, only: int | None = None) -> tuple[list[rules.StatementText], dict[int, _Said], dict[str, str]]:
    q = (select(InquiryStatement.id, InquiryStatement.text, Interview.id, Interview.held_on, Person.id, Person.name,
                Person.role, Person.title, Control.ref)
         .join(Interview, Interview.id == InquiryStatement.interview_id)
         .join(Person, Person.id == Interview.person_id)
         .join(StatementControl, StatementControl.statement_id == InquiryStatement.id)
         .join(Control, Control.id == StatementControl.control_id)
         .where(InquiryStatement.text != ""))
    if only is not None:
        q = q.where(Control.id == only)
    refs: dict[int, list[str]] = {}
    said: dict[int, _Said] = {}
    for sid, text, iv_id, held_on, pid, name, role, title, ref in s.exec(q):
        refs.setdefault(sid, []).append(ref)
        said[sid] = _Said(sid, pid, text, held_on.isoformat(), iv_id, person_label(name, role, title))
    dq = select(Control.ref, Control.description)
    if only is not None:
        dq = dq.where(Control.id == only)
    descriptions = {ref: desc for ref, desc in s.exec(dq) if desc}
    texts = [rules.StatementText(sid, said[sid].person_id, said[sid].text, tuple(sorted(r))) for sid, r in refs.items()]
    return texts, said, descriptions


def _reviews(s: Session) -> dict[str, rules.SignalReview]:
    return {r.key: rules.SignalReview(r.key, r.fingerprint, r.decision, r.reason) for r in s.exec(select(CoachingReview))}


def signals_by_control(s: Session, only: int | None = None,
                       settings: rules.CoachingSettings | None = None) -> dict[str, int]:
    """Open (not dismissed) signals per control ref: what `possible_coached_answer` counts."""
    texts, _said, descriptions = _statements(s, only)
    found = rules.coaching_signals(texts, descriptions, settings or _settings())
    return rules.coached_controls(found, _reviews(s))


@dataclass(frozen=True)
class SaidView:
    statement_id: int
    interview_id: int
    held_on: str
    who: str
    text: str


@dataclass(frozen=True)
class SignalView:
    key: str
    kind: str                    # similar_answers | recited_description
    control: str
    control_title: str
    score: float
    statements: tuple[SaidView, ...]
    description: str             # the control description (side by side with a recital)
    decision: str | None         # dismissed | kept | None (not reviewed)
    reason: str
    open: bool
    alike: float = 0.0           # how alike the wording is, in order (0–100)

    @property
    def label(self) -> str:
        if self.kind == rules.SignalKind.recited_description:
            return "recites the control description"
        return "near-identical answers"

    @property
    def scores(self) -> str:
        """What the numbers mean, for every place that shows them: the word-set score alone reads
        "100 of 100" for answers that only share their words."""
        if self.kind == rules.SignalKind.recited_description:
            return f"wording alike {self.score:g} of 100"
        return f"words shared {self.score:g} of 100 · wording alike {self.alike:g} of 100"

    def to_json(self) -> dict:
        return {"key": self.key, "kind": self.kind, "control": self.control, "score": self.score,
                "alike": self.alike,
                "statements": [{"id": x.statement_id, "interview": x.interview_id, "date": x.held_on, "who": x.who,
                                "text": x.text} for x in self.statements],
                "decision": self.decision, "reason": self.reason, "open": self.open}


def coaching_signals(handle: EngagementHandle, control: str | None = None) -> list[SignalView]:
    """Every possible coached answer, with the texts side by side and its review."""
    with handle.read() as s:
        return coaching_signals_in(s, find_control(s, control).id if control else None)


def coaching_signals_in(s: Session, only: int | None = None,
                        settings: rules.CoachingSettings | None = None) -> list[SignalView]:
    """`coaching_signals` inside the caller's session (the bundle reads one snapshot)."""
    texts, said, descriptions = _statements(s, only)
    reviews = _reviews(s)
    titles = dict(s.exec(select(Control.ref, Control.title)).all())
    out = []
    for sig in rules.coaching_signals(texts, descriptions, settings or _settings()):
        review = rules.review_of(sig, reviews)
        out.append(SignalView(
            sig.key, sig.kind.value, sig.control_ref, titles.get(sig.control_ref, ""), sig.score,
            tuple(SaidView(i, said[i].interview_id, said[i].held_on, said[i].who, said[i].text)
                  for i in sig.statement_ids),
            descriptions.get(sig.control_ref, "") if sig.kind is rules.SignalKind.recited_description else "",
            review.decision.value if review else None, review.reason if review else "",
            rules.is_open(sig, reviews), sig.alike))
    return out


def review_signal(handle: EngagementHandle, key: str, decision: rules.SignalDecision | str,
                  reason: str = "") -> SignalView:
    """Dismiss a signal (with a reason) or keep it. The review holds for the texts as they are now."""
    problem = rules.review_problem(decision, reason)
    if problem:
        raise InvalidInput(problem)
    current = {v.key: v for v in coaching_signals(handle)}
    if key not in current:
        raise NotFound(f"no possible coached answer {key!r} (see `fieldwork coached`)")
    settings = _settings()
    with handle.session() as s:
        texts, _said, descriptions = _statements(s)
        sig = next(x for x in rules.coaching_signals(texts, descriptions, settings) if x.key == key)
        row = s.exec(select(CoachingReview).where(CoachingReview.key == key)).first()
        if row is None:
            row = CoachingReview(key=key, fingerprint=sig.fingerprint, decision=rules.SignalDecision(decision))
        row.fingerprint, row.decision = sig.fingerprint, rules.SignalDecision(decision)
        row.reason, row.reviewed_by, row.reviewed_at = (reason or "").strip(), handle.actor, utcnow()
        s.add(row)
    return next(v for v in coaching_signals(handle) if v.key == key)
