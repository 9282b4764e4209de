"""Preparer and reviewer sign-offs bound to a hash of the control's workpaper state.

The workpaper state is everything a reviewer signs for: the control's description and
conclusion, its inquiry statements, observations, evidence links, re-performances, samples and
item results, exceptions and responses. Any later change alters the hash and makes the sign-off
stale ("modified since review") until signed again.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlmodel import Session, select

from fieldwork_tui.domain.vocab import SignOffRole
from fieldwork_tui.models import (
    Control,
    ControlException,
    EvidenceControl,
    EvidenceFile,
    InquiryStatement,
    ManagementResponse,
    Observation,
    Reperformance,
    Sample,
    SampleItem,
    SignOff,
    StatementControl,
)
from fieldwork_tui.services.journal import _jsonable

#: Control columns that are workflow, not content: changing them does not stale a sign-off.
_WORKFLOW_COLUMNS = {"status", "updated_at", "created_at"}


def _row(obj: Any, skip: set[str] = frozenset()) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in obj.model_dump().items() if k not in skip}


def workpaper_states(session: Session) -> dict[int, dict[str, Any]]:
    """The signed-for state of every control (a handful of queries for all controls)."""
    state: dict[int, dict[str, Any]] = {}
    controls = session.exec(select(Control)).all()
    parts: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for st, cid in session.exec(
        select(InquiryStatement, StatementControl.control_id).join(
            StatementControl, StatementControl.statement_id == InquiryStatement.id
        )
    ):
        parts[cid]["statements"].append(_row(st, {"updated_at", "position"}))
    for ob in session.exec(select(Observation)).all():
        parts[ob.control_id]["observations"].append(_row(ob))
    for cid, eid, sha in session.exec(
        select(EvidenceControl.control_id, EvidenceFile.id, EvidenceFile.sha256).join(
            EvidenceFile, EvidenceFile.id == EvidenceControl.evidence_id
        )
    ):
        parts[cid]["evidence"].append([eid, sha])
    for rp in session.exec(select(Reperformance)).all():
        parts[rp.control_id]["reperformances"].append(_row(rp))
    sample_control: dict[int, int] = {}
    for sm in session.exec(select(Sample)).all():
        sample_control[sm.id] = sm.control_id
        parts[sm.control_id]["samples"].append(_row(sm))
    for it in session.exec(select(SampleItem).where(SampleItem.result != "untested")).all():
        cid = sample_control.get(it.sample_id)
        if cid is not None:
            parts[cid]["items"].append([it.id, _jsonable(it.result), it.note, it.evidence_id])
    responses = {r.exception_id: r for r in session.exec(select(ManagementResponse)).all()}
    for ex in session.exec(select(ControlException)).all():
        r = responses.get(ex.id)
        parts[ex.control_id]["exceptions"].append([_row(ex), _row(r) if r else None])
    for c in controls:
        state[c.id] = {"control": _row(c, _WORKFLOW_COLUMNS), **{k: sorted(v, key=str) for k, v in parts[c.id].items()}}
    return state


def state_hash(state: dict[str, Any]) -> str:
    blob = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def workpaper_hashes(session: Session) -> dict[int, str]:
    return {cid: state_hash(st) for cid, st in workpaper_states(session).items()}


def latest_signoffs(session: Session) -> dict[tuple[int, SignOffRole], SignOff]:
    out: dict[tuple[int, SignOffRole], SignOff] = {}
    for so in session.exec(select(SignOff).order_by(SignOff.id)).all():
        out[(so.control_id, SignOffRole(so.role))] = so
    return out


def signoff_states(session: Session) -> dict[int, tuple[bool, bool]]:
    """{control_id: (preparer signed, any sign-off stale)}."""
    latest = latest_signoffs(session)
    if not latest:
        return {}
    hashes = workpaper_hashes(session)
    out: dict[int, tuple[bool, bool]] = {}
    for (cid, role), so in latest.items():
        signed, stale = out.get(cid, (False, False))
        if role is SignOffRole.preparer:
            signed = True
        if so.content_hash != hashes.get(cid):
            stale = True
        out[cid] = (signed, stale)
    return out
