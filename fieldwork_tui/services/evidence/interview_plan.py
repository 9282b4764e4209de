"""The interview plan of an engagement: the firm table, the auditor's per-control choices, and
planned against held (rules: domain.interview_plan).

The table is the firm's `interview_plan.toml` in the fieldwork-tui config dir when there is one,
else the one shipped with the package. A per-control choice is stored in the engagement
(`InterviewPlanChoice`, journaled) and wins over the table's proposal until it is reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from sqlmodel import Session, select

from fieldwork_tui.domain import flags
from fieldwork_tui.domain import interview_plan as plan
from fieldwork_tui.domain.flags import Flag
from fieldwork_tui.domain.people import RoleParseError, parse_role, person_label, role_and_title
from fieldwork_tui.domain.vocab import PersonRole, PersonSide
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput
from fieldwork_tui.store import paths
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    InquiryStatement,
    Interview,
    InterviewPlanChoice,
    Person,
    StatementControl,
    utcnow,
)


def firm_table_path() -> Path:
    return paths.config_dir() / plan.PLAN_FILE


def shipped_table_text() -> str:
    return files("fieldwork_tui.domain").joinpath(plan.PLAN_FILE).read_text(encoding="utf-8")


def table_source() -> tuple[str, str]:
    """(where the table in use comes from, its text)."""
    path = firm_table_path()
    if path.is_file():
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return "built-in", shipped_table_text()


def plan_table() -> plan.PlanTable:
    """The plan table in use. Loading it also applies its `missing_role_blocking` to the flag table
    (the only flag a firm may make blocking), so every defensibility check follows the file."""
    source, text = table_source()
    try:
        table = plan.parse_plan_table(text, source)
    except plan.PlanError as exc:
        raise InvalidInput(str(exc)) from None
    flags.set_firm_blocking([Flag.interview_missing_role] if table.missing_role_blocking else [])
    return table


# -- views ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ControlPlan:
    ref: str
    title: str
    owner: str
    planned: tuple[str, ...]            # role values
    proposed: tuple[str, ...]           # what the table proposes
    reasons: tuple[str, ...]            # the rules behind the proposal ("role: rule, rule")
    adjusted: bool
    adjust_reason: str
    held: tuple[str, ...]
    missing: tuple[str, ...]
    unplanned: tuple[str, ...]
    people: tuple[str, ...]             # people heard on this control, named with role and title
    blocking: bool

    def to_json(self) -> dict:
        return {"ref": self.ref, "planned": list(self.planned), "proposed": list(self.proposed),
                "adjusted": self.adjusted, "adjust_reason": self.adjust_reason, "held": list(self.held),
                "missing": list(self.missing), "unplanned": list(self.unplanned), "people": list(self.people),
                "blocking": self.blocking}


@dataclass(frozen=True)
class RolePlan:
    role: str
    controls_planned: tuple[str, ...]
    controls_held: tuple[str, ...]
    controls_missing: tuple[str, ...]
    people_interviewed: tuple[str, ...]
    people_known: tuple[str, ...]


@dataclass(frozen=True)
class PersonPlan:
    name: str
    label: str
    role: str | None
    title: str
    role_title: str
    interviews: int
    controls_heard: tuple[str, ...]
    wanted: tuple[str, ...]
    owns_wanted: tuple[str, ...]


@dataclass(frozen=True)
class BookNextView:
    role: str
    controls: tuple[str, ...]
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    source: str
    controls: tuple[ControlPlan, ...]
    roles: tuple[RolePlan, ...]
    people: tuple[PersonPlan, ...]
    book_next: tuple[BookNextView, ...]
    no_role: tuple[str, ...]  # client personnel interviewed whose role is not known: they count for no role

    @property
    def missing_pairs(self) -> int:
        return sum(len(c.missing) for c in self.controls)

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "controls": [c.to_json() for c in self.controls],
            "roles": [{"role": r.role, "planned": list(r.controls_planned), "held": list(r.controls_held),
                       "missing": list(r.controls_missing), "people_interviewed": list(r.people_interviewed),
                       "people_known": list(r.people_known)} for r in self.roles],
            "people": [{"name": p.name, "role": p.role, "title": p.title, "interviews": p.interviews,
                        "controls_heard": list(p.controls_heard), "wanted": list(p.wanted)} for p in self.people],
            "book_next": [{"role": b.role, "controls": list(b.controls), "candidates": list(b.candidates)}
                          for b in self.book_next],
            "no_role": list(self.no_role),
        }


# -- gathering ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Gathered:
    status: plan.PlanStatus
    controls: list[Control]
    proposals: dict[int, tuple[plan.RoleProposal, ...]]
    choices: dict[int, InterviewPlanChoice]
    people: dict[int, Person]
    no_role: list[str]
    blocking: bool


def _gather(s: Session, table: plan.PlanTable, only: int | None = None) -> _Gathered:
    q = select(Control).order_by(Control.ref)
    if only is not None:
        q = q.where(Control.id == only)
    controls = list(s.exec(q))
    choices = {c.control_id: c for c in s.exec(select(InterviewPlanChoice))}
    people = {p.id: p for p in s.exec(select(Person).where(Person.side == PersonSide.client))}
    proposals: dict[int, tuple[plan.RoleProposal, ...]] = {}
    plan_controls = []
    for c in controls:
        proposals[c.id] = plan.propose_roles(table, c.criteria, c.title, c.description)
        choice = choices.get(c.id)
        planned = plan.planned_roles(proposals[c.id], choice.roles if choice else None)
        plan_controls.append(plan.PlanControl(c.ref, planned, c.owner_id, choice is not None))
    spoken_q = (select(Interview.person_id, Control.ref, Interview.id)
                .join(InquiryStatement, InquiryStatement.interview_id == Interview.id)
                .join(StatementControl, StatementControl.statement_id == InquiryStatement.id)
                .join(Control, Control.id == StatementControl.control_id)
                .where(InquiryStatement.text != ""))
    if only is not None:
        spoken_q = spoken_q.where(Control.id == only)
    spoken = [plan.Spoken(pid, ref, iv) for pid, ref, iv in s.exec(spoken_q.distinct())]
    interviewed = set(s.exec(select(Interview.person_id).distinct()))
    persons = [plan.PlanPerson(p.id, p.name, p.role, p.title) for p in people.values() if p.role is not None]
    no_role = sorted(p.name for pid, p in people.items() if p.role is None and pid in interviewed)
    status = plan.plan_status(plan_controls, persons, [x for x in spoken if x.person_id in people])
    return _Gathered(status, controls, proposals, choices, people, no_role, table.missing_role_blocking)


def missing_roles(s: Session, table: plan.PlanTable | None = None,
                  only: int | None = None) -> dict[int, tuple[PersonRole, ...]]:
    """Per control id: the planned roles not yet interviewed (for `interview_missing_role`)."""
    g = _gather(s, table or plan_table(), only)
    return {c.id: g.status.by_ref[c.ref].missing for c in g.controls if g.status.by_ref[c.ref].missing}


def engagement_plan(handle: EngagementHandle) -> PlanView:
    table = plan_table()
    with handle.read() as s:
        g = _gather(s, table)
    by_id = {p.id: p for p in g.people.values()}

    def label(pid: int) -> str:
        p = by_id.get(pid)
        return person_label(p.name, p.role, p.title) if p else "?"

    owners = {c.id: (by_id[c.owner_id].name if c.owner_id in by_id else "") for c in g.controls}
    rows = []
    for c in g.controls:
        cov = g.status.by_ref[c.ref]
        props = g.proposals[c.id]
        choice = g.choices.get(c.id)
        rows.append(ControlPlan(
            c.ref, c.title, owners[c.id], tuple(r.value for r in cov.planned), tuple(p.role.value for p in props),
            tuple(f"{p.role.value}: {', '.join(p.rules)}" for p in props), cov.adjusted,
            choice.reason if choice else "", tuple(r.value for r in cov.held), tuple(r.value for r in cov.missing),
            tuple(r.value for r in cov.unplanned), tuple(label(pid) for pid in cov.people),
            g.blocking and bool(cov.missing)))
    roles = tuple(RolePlan(r.role.value, r.controls_planned, r.controls_held, r.controls_missing,
                           r.people_interviewed, r.people_known) for r in g.status.roles)
    people = tuple(PersonPlan(p.person.name, label(p.person.person_id), p.person.role.value, p.person.title,
                              role_and_title(p.person.role, p.person.title), p.interviews, p.controls_heard, p.wanted, p.owns_wanted) for p in g.status.people)
    book = tuple(BookNextView(b.role.value, b.controls, b.candidates) for b in g.status.book_next)
    return PlanView(table.source, tuple(rows), roles, people, book, tuple(g.no_role))


def control_plan(handle: EngagementHandle, ref: str) -> ControlPlan:
    with handle.read() as s:
        cid = find_control(s, ref).ref
    return next(c for c in engagement_plan(handle).controls if c.ref == cid)


def parse_roles(roles: list[str] | tuple[str, ...] | str) -> list[PersonRole]:
    items = roles.replace(",", " ").split() if isinstance(roles, str) else list(roles)
    out: list[PersonRole] = []
    for item in items:
        try:
            role = parse_role(item)
        except RoleParseError as exc:
            raise InvalidInput(str(exc)) from None
        if role not in out:
            out.append(role)
    return out


def set_control_roles(handle: EngagementHandle, ref: str, roles: list[str] | tuple[str, ...] | str | None,
                      reason: str = "") -> ControlPlan:
    """Set the roles to interview for one control (None: back to the table's proposal). A choice
    needs a reason, so the reviewer sees why the plan differs from the firm's table."""
    chosen = None if roles is None else parse_roles(roles)
    if chosen is not None and not (reason or "").strip():
        raise InvalidInput("reason: say why this control's interviews differ from the firm's plan")
    with handle.session() as s:
        c = find_control(s, ref)
        existing = s.get(InterviewPlanChoice, c.id)
        if chosen is None:
            if existing is not None:
                s.delete(existing)
        else:
            values = [r.value for r in PersonRole if r in chosen]
            if existing is None:
                existing = InterviewPlanChoice(control_id=c.id, roles=values, reason=reason.strip(),
                                               set_by=handle.actor)
            else:
                existing.roles, existing.reason = values, reason.strip()
                existing.set_by, existing.set_at = handle.actor, utcnow()
            s.add(existing)
        ref = c.ref
    return control_plan(handle, ref)
