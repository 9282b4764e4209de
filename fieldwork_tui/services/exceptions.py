"""The exceptions register: deviations with their management responses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from fieldwork_tui.models import Control, ControlException, ManagementResponse
from fieldwork_tui.services.engagements import EngagementHandle


@dataclass
class ExceptionSummary:
    id: int
    control: str
    instance: str
    deviation: str
    exception_type: str
    response: str


def list_exceptions(handle: EngagementHandle) -> list[ExceptionSummary]:
    with handle.read() as s:
        return [
            ExceptionSummary(ex.id, c.ref, ex.instance, ex.deviation, ex.exception_type.value,
                             r.remediation_status.value if r else "missing")
            for ex, c, r in s.exec(
                select(ControlException, Control, ManagementResponse)
                .join(Control, Control.id == ControlException.control_id)
                .join(ManagementResponse, ManagementResponse.exception_id == ControlException.id, isouter=True)
                .order_by(ControlException.id)
            )
        ]
