"""Requests meet the rest of the fieldwork: files the client sends against a request go into the
evidence vault (linked to the request and its controls as inspection evidence), and a selected
sample becomes the second-wave request for exactly its items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from fieldwork_tui.domain.requests import (
    SAMPLE_RESPONSE_BUSINESS_DAYS,
    add_business_days,
    next_ref,
    transition_problem,
)
from fieldwork_tui.domain.vocab import RequestStatus, RequestWave
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.evidence import files as evidence
from fieldwork_tui.services.lookup import find_or_create_person
from fieldwork_tui.services.requests.triage import _today, find_request, set_status_in
from fieldwork_tui.services.requests.views import SampleChoice
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import (
    Control,
    EvidenceControl,
    EvidenceRequest,
    RequestControl,
    RequestStatusChange,
    Sample,
    SampleItem,
)

ITEMS_IN_DESCRIPTION = 60


def sample_choices(handle: EngagementHandle) -> list[SampleChoice]:
    """Selected samples with their item counts and the request already made for them (if any)."""
    with handle.read() as s:
        counts = dict(s.exec(select(SampleItem.sample_id, func.count()).group_by(SampleItem.sample_id)).all())
        requested = {sid: ref for sid, ref in s.exec(select(EvidenceRequest.sample_id, EvidenceRequest.ref)
                                                     .where(EvidenceRequest.sample_id.is_not(None)))}
        q = select(Sample, Control).join(Control, Control.id == Sample.control_id).order_by(Control.ref, Sample.id)
        return [SampleChoice(smp.id, c.ref, c.title, smp.kind.value, smp.size, counts.get(smp.id, 0), smp.created_at,
                             requested.get(smp.id)) for smp, c in s.exec(q)]


def create_sample_request(handle: EngagementHandle, sample_id: int, *, due_on: dt.date | None = None,
                          owner: str | None = None, today: dt.date | None = None) -> str:
    """One request for exactly the selected sample's items, linked to its control and sample; returns its ID."""
    today = _today(today)
    with handle.session() as s:
        sample = s.get(Sample, sample_id)
        if sample is None:
            raise NotFound(f"sample #{sample_id} not found")
        already = s.exec(select(EvidenceRequest.ref).where(EvidenceRequest.sample_id == sample_id)).first()
        if already:
            raise InvalidInput(f"sample #{sample_id} was already requested in {already}")
        items = list(s.exec(select(SampleItem).where(SampleItem.sample_id == sample_id).order_by(SampleItem.position)))
        if not items:
            raise InvalidInput(f"sample #{sample_id} has no selected items yet")
        control = s.get(Control, sample.control_id)
        listed = [f"{it.key} ({it.occurred_on.isoformat()})" if it.occurred_on else it.key
                  for it in items[:ITEMS_IN_DESCRIPTION]]
        more = f" and {len(items) - ITEMS_IN_DESCRIPTION} more (see the sample)" if len(items) > ITEMS_IN_DESCRIPTION \
            else ""
        kind = "expansion " if sample.kind.value == "expansion" else ""
        description = (f"Sample {kind}for {control.ref} {control.title}: for each of the {len(items)} selected items, "
                       f"provide the evidence the control operated — " + "; ".join(listed) + more)
        owner_id = control.owner_id
        if owner:
            person = find_or_create_person(s, owner)
            owner_id = person.id if person is not None else owner_id
        ref = next_ref(list(s.exec(select(EvidenceRequest.ref))))
        req = EvidenceRequest(ref=ref, description=description, owner_id=owner_id, requested_on=today,
                              due_on=due_on or add_business_days(today, SAMPLE_RESPONSE_BUSINESS_DAYS),
                              wave=RequestWave.sample, sample_id=sample_id, status=RequestStatus.open)
        s.add(req)
        s.flush()
        s.add(RequestControl(request_id=req.id, control_id=control.id))
        s.add(RequestStatusChange(request_id=req.id, from_status=None, to_status=RequestStatus.open,
                                  reason=f"sample wave for sample #{sample_id}", by=handle.actor))
        return ref


Progress = Callable[[int, int], None]


def attach_received_files(handle: EngagementHandle, key: int | str, paths: Iterable[Path | str], *,
                          progress: Progress | None = None, description: str = "", today: dt.date | None = None) -> int:
    """Store files the client sent in the vault, linked to the request and (as inspection evidence) to
    each of its controls, and move the request to `submitted` — all in one transaction after the copy;
    blobs this call created are removed again if recording fails. Returns the number of files."""
    today = _today(today)
    with handle.read() as s:  # fail fast on a wrong request or a refused status change before copying
        req = find_request(s, key)
        problem = transition_problem(req.status, RequestStatus.submitted)
        if problem and req.status is not RequestStatus.accepted:
            raise InvalidInput(f"request {req.ref}: {problem}")
    files = evidence.collect_files(paths)
    if not files:
        raise InvalidInput("no files to attach")
    blobs = evidence.store_blobs(handle, files, (lambda done, total, _name: progress(done, total)) if progress else None)
    try:
        with handle.session() as s:
            req = find_request(s, key)
            control_ids = list(s.exec(select(RequestControl.control_id).where(RequestControl.request_id == req.id)))
            owner_id = req.owner_id
            for blob, source in zip(blobs, files, strict=True):
                ev, _existed = evidence.record_file(
                    s, blob, source, handle.actor, description=description or f"received for request {req.ref}",
                    request_id=req.id, received_from_id=owner_id)
                if ev.request_id is None:
                    ev.request_id = req.id
                    s.add(ev)
                for cid in control_ids:
                    if s.get(EvidenceControl, (ev.id, cid)) is None:
                        s.add(EvidenceControl(evidence_id=ev.id, control_id=cid))
            if req.status is not RequestStatus.accepted:
                set_status_in(s, req, RequestStatus.submitted, f"{len(files)} file(s) received", handle.actor, today)
            if req.received_on is None or req.status is RequestStatus.submitted:
                req.received_on = today
                s.add(req)
    except BaseException:
        v = evidence.vault(handle)
        for b in blobs:
            if b.new:
                v.remove(b.sha256)
        raise
    return len(files)
