"""Where the engagement stands: per-control evidence types, flags, samples; request and exception
counts. Feeds `fieldwork status --json`, the dashboard and the controls table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import select

from fieldwork_tui.domain.coverage import flags_for, ordered_types
from fieldwork_tui.domain.vocab import (
    OPEN_REQUEST_STATUSES,
    Conclusion,
    ControlStatus,
    Frequency,
    RequestStatus,
    SignOffRole,
)
from fieldwork_tui.services.controls.facts import facts_and_statuses, sample_summaries
from fieldwork_tui.services.controls.views import ControlRow, Overview
from fieldwork_tui.services.engagements import engagement_summary
from fieldwork_tui.services.findings.signoffs import all_signoff_views
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    ControlException,
    EvidenceRequest,
    ManagementResponse,
    RequestControl,
    ReviewNote,
)


def matching_control_ids(handle: EngagementHandle, text: str) -> set[int] | None:
    """Ids of the controls whose ref, title, description, criteria or owner contain `text` (SQL LIKE);
    None when there is no text (every control matches)."""
    from fieldwork_tui.services.controls.catalog import control_text_filter

    condition = control_text_filter(text)
    if condition is None:
        return None
    q = select(Control.id).where(condition)
    with handle.read() as s:
        return set(s.exec(q).all())


_SORT_KEYS = {
    "ref": lambda r: r.ref, "title": lambda r: r.title.lower(), "criteria": lambda r: r.criteria,
    "frequency": lambda r: list(Frequency).index(Frequency(r.frequency)),
    "evidence": lambda r: len(r.evidence_types), "flags": lambda r: len(r.flags), "status": lambda r: list(ControlStatus).index(ControlStatus(r.status)),
    "owner": lambda r: r.owner.lower(),
}


def select_rows(rows: list[ControlRow], ids: set[int] | None = None, *, flagged_only: bool = False,
                sort: str = "ref", descending: bool = False) -> list[ControlRow]:
    """Keep the rows whose id is in `ids` (all when None), optionally only those not yet defensible
    (`domain.flags.is_defensible`, the dashboard's rule), sorted by a column. Lets the controls view filter as you type without
    recomputing every control's flags on each keystroke."""
    out = [r for r in rows if ids is None or r.id in ids]
    if flagged_only:
        out = [r for r in out if not r.defensible]
    out.sort(key=_SORT_KEYS.get(sort, _SORT_KEYS["ref"]), reverse=descending)
    return out


def control_rows(handle: EngagementHandle, text: str = "", *, flagged_only: bool = False, sort: str = "ref",
                 descending: bool = False) -> list[ControlRow]:
    """Rows of the controls table: text filter in SQL (ref, title, description, criteria, owner),
    flags from the domain rules; `flagged_only` keeps controls whose conclusion is not yet
    defensible."""
    from fieldwork_tui.store.models import Person

    ids = matching_control_ids(handle, text)
    with handle.read() as s:
        facts, statuses = facts_and_statuses(s)
        owners = dict(s.exec(select(Person.id, Person.name)).all())
        q = select(Control.id, Control.ref, Control.title, Control.criteria, Control.frequency,
                   Control.conclusion, Control.owner_id)
        rows = []
        for cid, ref, title, criteria, frequency, conclusion, owner_id in s.exec(q.order_by(Control.ref)):
            if ids is not None and cid not in ids:
                continue
            f = facts[cid]
            rows.append(ControlRow(
                id=cid, ref=ref, title=title, criteria=list(criteria), frequency=Frequency(frequency).value,
                evidence_types=[t.value for t in ordered_types(f.evidence_types)], flags=flags_for(f),
                status=statuses[cid].value, conclusion=Conclusion(conclusion).value if conclusion else None,
                owner=owners.get(owner_id, ""), exceptions=f.exceptions,
            ))
    return select_rows(rows, flagged_only=flagged_only, sort=sort, descending=descending)


def evidence_by_control(session) -> dict[int, list[dict]]:
    """The files inspected for each control, as `status --json` lists them: the evidence id (what
    `fieldwork evidence edit` takes, as the Inspection tab shows it), hash, name, as-of, description,
    and the record's version (what `evidence edit --if-version` takes)."""
    from fieldwork_tui.store import versions
    from fieldwork_tui.store.models import EvidenceControl, EvidenceFile

    out: dict[int, list[dict]] = {}
    q = (select(EvidenceControl.control_id, EvidenceFile)
         .join(EvidenceFile, EvidenceFile.id == EvidenceControl.evidence_id).order_by(EvidenceFile.id))
    rows = session.exec(q).all()
    seen = versions.versions_of(session, "evidencefile", {ef.id for _cid, ef in rows})
    for cid, ef in rows:
        out.setdefault(cid, []).append({"id": ef.id, "sha256": ef.sha256, "name": ef.original_name,
                                        "as_of": ef.as_of.isoformat() if ef.as_of else None,
                                        "description": ef.description, "version": seen.get(ef.id, 0)})
    return out


def _request_counts(handle: EngagementHandle, today: dt.date) -> tuple[dict[str, int], int, dt.date | None]:
    with handle.read() as s:
        by_status = {st.value: 0 for st in RequestStatus}
        for status, n in s.exec(select(EvidenceRequest.status, func.count()).group_by(EvidenceRequest.status)):
            by_status[RequestStatus(status).value] = n
        open_statuses = [st.value for st in OPEN_REQUEST_STATUSES]
        overdue_q = select(func.count(), func.min(EvidenceRequest.due_on)).where(
            EvidenceRequest.status.in_(open_statuses), EvidenceRequest.due_on < today
        )
        overdue, oldest = s.exec(overdue_q).one()
        return by_status, overdue or 0, oldest


def overview(handle: EngagementHandle, today: dt.date | None = None) -> Overview:
    from fieldwork_tui.store.clock import today as clock_today

    today = today or clock_today()
    rows = control_rows(handle)
    by_status, overdue, oldest = _request_counts(handle, today)
    with handle.read() as s:
        total = s.exec(select(func.count()).select_from(ControlException)).one()
        without = s.exec(
            select(func.count()).select_from(ControlException).where(
                ~ControlException.id.in_(select(ManagementResponse.exception_id))
            )
        ).one()
        notes = s.exec(select(func.count()).select_from(ReviewNote).where(ReviewNote.status == "open")).one()
    ov = Overview(engagement=engagement_summary(handle), controls=rows, requests_by_status=by_status,
                  requests_overdue=overdue, oldest_overdue=oldest, exceptions_total=total,
                  exceptions_without_response=without, open_review_notes=notes)
    for r in rows:
        ov.flag_counts.update(r.flags)
        ov.status_counts[r.status] += 1
    return ov


def status_json(handle: EngagementHandle, today: dt.date | None = None) -> dict:
    """The `status --json` document (shape fixed in DESIGN.md; `defensible` per control and the
    `not_defensible` count follow `domain.flags.is_defensible`, as the dashboard and `f` do)."""
    ov = overview(handle, today)
    with handle.read() as s:
        samples = sample_summaries(s)
        views = all_signoff_views(s)
        evidence = evidence_by_control(s)
        req_links = {}
        for rid, cid in s.exec(select(RequestControl.request_id, RequestControl.control_id)):
            req_links.setdefault(cid, []).append(rid)
    eng = dict(ov.engagement)
    eng.pop("path", None)
    controls = []
    for r in ov.controls:
        sample = samples.get(r.id)
        so = {v.role.value: v.to_json() for v in views.get(r.id, [])} or {role.value: None for role in SignOffRole}
        controls.append({
            "ref": r.ref, "title": r.title, "criteria": r.criteria, "frequency": r.frequency,
            "evidence_types": r.evidence_types, "flags": [f.value for f in r.flags],
            "defensible": r.defensible, "status": r.status, "conclusion": r.conclusion,
            "sample": sample.to_json() if sample else None,
            "exceptions": r.exceptions, "signoffs": so, "evidence": evidence.get(r.id, []),
        })
    return {
        "engagement": eng,
        "controls": controls,
        "not_defensible": len(ov.not_defensible),
        "requests": {"total": sum(ov.requests_by_status.values()), "by_status": ov.requests_by_status,
                     "overdue": ov.requests_overdue},
        "exceptions": {"total": ov.exceptions_total, "without_response": ov.exceptions_without_response},
    }
