"""The evidence request list (PBC): listing, triage and follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import select

from fieldwork_tui.models import Control, EvidenceRequest, Person, RequestControl
from fieldwork_tui.services.engagements import EngagementHandle


@dataclass
class RequestSummary:
    id: int
    ref: str
    description: str
    controls: list[str]
    owner: str
    status: str
    due_on: dt.date | None


def list_requests(handle: EngagementHandle) -> list[RequestSummary]:
    with handle.read() as s:
        links: dict[int, list[str]] = {}
        for rid, ref in s.exec(select(RequestControl.request_id, Control.ref).join(Control)):
            links.setdefault(rid, []).append(ref)
        return [
            RequestSummary(r.id, r.ref, r.description, sorted(links.get(r.id, [])), p.name if p else "",
                           r.status.value, r.due_on)
            for r, p in s.exec(select(EvidenceRequest, Person).join(Person, isouter=True).order_by(EvidenceRequest.ref))
        ]
