"""The plain data the findings area returns to the CLI and the TUI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fieldwork_tui.domain import flags as flag_table
from fieldwork_tui.domain import reporting, statements
from fieldwork_tui.domain.vocab import Conclusion, NoteStatus, SignOffRole
from fieldwork_tui.services.records import ControlExceptionRecord, ControlRecord, ManagementResponseRecord


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
    report_wording: str = ""  # as it reads now (computed from the current counts unless edited by hand)
    wording_overridden: bool = False  # the auditor rewrote the wording: shown as an override
    responder: str = ""
    remediation_date: dt.date | None = None


@dataclass(frozen=True)
class ExceptionDetail:
    exception: ControlExceptionRecord
    response: ManagementResponseRecord | None
    control: ControlRecord


@dataclass
class ConclusionView:
    ref: str
    current: Conclusion | None
    note: str
    suggested: Conclusion
    why: str
    row: reporting.SectionIVRow
    version: int = 0  # the control's row version when read (store/versions.py): hand it back to conclude


@dataclass(frozen=True)
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
    response: str = ""
    responded_by: str = ""
    responded_at: dt.datetime | None = None
    version: int = 0  # the note's version when read (store/versions.py): hand it back to answer or clear

    @property
    def is_open(self) -> bool:
        return self.status == NoteStatus.open.value

    @property
    def answered(self) -> bool:
        return bool(self.response)

    @property
    def stage(self) -> str:
        """'open', 'answered' (waiting for its author to clear it) or 'cleared'."""
        if not self.is_open:
            return "cleared"
        return "answered" if self.answered else "open"

    def to_json(self) -> dict:
        def when(v: dt.datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {"id": self.id, "on": self.target_label, "control": self.control_ref, "target": self.target,
                "author": self.author, "text": self.text, "status": self.status, "stage": self.stage,
                "created_at": when(self.created_at), "response": self.response or None,
                "responded_by": self.responded_by or None, "responded_at": when(self.responded_at),
                "cleared_by": self.cleared_by or None, "cleared_at": when(self.cleared_at), "version": self.version}


STALE_LABEL = "modified since review"
#: Said of a sign-off given before an upgrade changed what a sign-off covers.
OUTDATED_NOTE = "signed before an upgrade changed what a sign-off covers; sign again"


@dataclass(frozen=True)
class SignOffView:
    """One role's latest sign-off as a reviewer reads it: who, when, and whether it still holds."""

    role: SignOffRole
    signed_by: str = ""
    signed_at: dt.datetime | None = None
    content_hash: str = ""
    stale: bool = False
    #: Given before an upgrade changed what a sign-off covers (it cannot be checked: sign again).
    outdated: bool = False
    self_review: bool = False
    confirmed_flags: tuple[str, ...] = ()
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

    @property
    def remarks(self) -> str:
        """What the sign-off recorded beyond who and when (one line)."""
        parts = []
        if self.outdated:
            parts.append(OUTDATED_NOTE)
        if self.self_review:
            parts.append("self-review (allowed by the engagement setting)")
        if self.confirmed_flags:
            parts.append("signed over " + ", ".join(flag_table.label(f) for f in self.confirmed_flags
                                                     if f in flag_table.Flag.__members__))
        return "; ".join(parts)

    def to_json(self) -> dict | None:
        if not self.signed:
            return None
        return {"by": self.signed_by, "at": self.signed_at.isoformat() if self.signed_at else None,
                "state": self.state, "content_sha256": self.content_hash, "self_review": self.self_review,
                "confirmed_flags": list(self.confirmed_flags), "outdated": self.outdated,
                "fingerprint": self.fingerprint, "signature": self.signature, "counts": self.holds}


@dataclass(frozen=True)
class SignOffResult:
    """A sign-off just given: what it records."""

    ref: str
    role: SignOffRole
    signed_by: str
    signed_at: dt.datetime
    content_hash: str
    self_review: bool
    confirmed_flags: tuple[str, ...]
    journal_head: str
    journal_entries: int
    fingerprint: str = ""

    def describe(self) -> str:
        extra = ""
        if self.self_review:
            extra += " (self-review, allowed by the engagement setting)"
        if self.confirmed_flags:
            extra += f"; signed over {', '.join(self.confirmed_flags)}"
        return f"{self.ref} signed as {self.role.value} by {self.signed_by} on content {self.content_hash[:12]}{extra}"

    def to_json(self) -> dict:
        return {"control": self.ref, "role": self.role.value, "by": self.signed_by,
                "at": self.signed_at.isoformat(), "content_sha256": self.content_hash,
                "self_review": self.self_review, "confirmed_flags": list(self.confirmed_flags),
                "journal_head": self.journal_head, "journal_entries": self.journal_entries,
                "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class ReviewSettings:
    allow_self_review: bool
    reason: str = ""

    def describe(self) -> str:
        if self.allow_self_review:
            return f"self-review: allowed ({self.reason}); sign-offs given under it say so"
        return "self-review: not allowed (a control's preparer cannot review it)"

    def to_json(self) -> dict:
        return {"allow_self_review": self.allow_self_review, "self_review_reason": self.reason}
