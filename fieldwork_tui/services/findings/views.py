"""The plain data the findings area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fieldwork_tui.domain import reporting, statements
from fieldwork_tui.domain.vocab import Conclusion, NoteStatus, SignOffRole
from fieldwork_tui.store.models import Control, ControlException, ManagementResponse


@dataclass
class ExceptionSummary:
    id: int
    control: str
    instance: str
    deviation: str
    exception_type: str
    response: str  # the remediation status, or "missing"
    source: str = "manual"
    effectiveness: str = "operating"
    report_wording: str = ""
    responder: str = ""
    remediation_date: dt.date | None = None


@dataclass
class ExceptionDetail:
    exception: ControlException
    response: ManagementResponse | None
    control: Control


@dataclass
class ConclusionView:
    ref: str
    current: Conclusion | None
    note: str
    suggested: Conclusion
    why: str
    row: reporting.SectionIVRow


@dataclass
class NoteView:
    id: int
    target: str  # "control" or "exception"
    target_label: str  # "AC-01" or "AC-01 exception #3"
    control_ref: str
    author: str
    text: str
    status: str
    created_at: dt.datetime
    cleared_by: str = ""
    cleared_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == NoteStatus.open.value


@dataclass
class SignOffView:
    """One role's sign-off as a reviewer reads it: who, when, and whether it still holds."""

    role: SignOffRole
    signed_by: str = ""
    signed_at: dt.datetime | None = None
    content_hash: str = ""
    stale: bool = False
    fingerprint: str = ""
    signature: str = ""  # statements.VERIFIED, FAILED or NO_SIGNATURE ("" when not signed)
    signature_reason: str = ""
    trusted: bool = False

    @property
    def signed(self) -> bool:
        return bool(self.signed_by)

    @property
    def holds(self) -> bool:
        """Signed, and its signature verifies: only then does the sign-off count."""
        return self.signed and self.signature == statements.VERIFIED

    @property
    def state(self) -> str:
        """'not signed', 'signature does not verify', 'current' or 'modified since review' (the words
        the app and the bundle show). A sign-off whose signature fails counts as absent, never current."""
        if not self.signed:
            return "not signed"
        if not self.holds:
            return statements.FAILED
        return STALE_LABEL if self.stale else "current"


STALE_LABEL = "modified since review"
