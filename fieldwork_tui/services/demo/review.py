"""Demo engagement: the review part — a few controls concluded and signed by the senior (Elena) and
reviewed by the manager (Sam), one signed and then changed so its sign-off is stale ("modified since
review"), and review notes both open and cleared, including one on an exception when there is one."""

from __future__ import annotations

from contextlib import contextmanager

from sqlmodel import select

from fieldwork_tui.domain.vocab import Conclusion, SignOffRole
from fieldwork_tui.models import Control, ControlException
from fieldwork_tui.services.controls import set_conclusion
from fieldwork_tui.services.engagements import EngagementHandle
from fieldwork_tui.services.review import add_note, clear_note
from fieldwork_tui.services.signoffs import sign

PREPARER, REVIEWER = "elena", "sam"

#: Concluded, signed by the preparer and reviewed.
REVIEWED = [("CE-01", "Acknowledgements inspected for all new hires sampled and the annual campaign."),
            ("CA-01", "Policy set approved by the CISO on 2026-02-12; within the period.")]
#: Concluded and signed by the preparer, awaiting review.
PREPARED = [("IC-02", "Training completion report reconciled to the HR roster.")]
#: Signed, then the conclusion was revised: the sign-off no longer matches the workpaper.
STALE = ("RA-01", "Risk assessment dated 2026-03-30 inspected.", "Risk assessment dated 2026-03-30 inspected; "
         "fraud risk section added after the manager's question.")


@contextmanager
def acting_as(handle: EngagementHandle, actor: str):
    previous = handle.actor
    handle.actor = actor
    try:
        yield handle
    finally:
        handle.actor = previous


def build(handle: EngagementHandle) -> None:
    """Add this area's records to the demo engagement."""
    with handle.read() as s:
        refs = {c.ref for c in s.exec(select(Control))}
        exception = s.exec(select(ControlException, Control.ref).join(Control).order_by(ControlException.id)).first()
    with acting_as(handle, PREPARER):
        for ref, note in REVIEWED + PREPARED:
            if ref in refs:
                set_conclusion(handle, ref, Conclusion.effective, note)
                sign(handle, ref, SignOffRole.preparer)
    with acting_as(handle, REVIEWER):
        for ref, _note in REVIEWED:
            if ref in refs:
                sign(handle, ref, SignOffRole.reviewer)
    ref, first, revised = STALE
    if ref in refs:
        with acting_as(handle, PREPARER):
            set_conclusion(handle, ref, Conclusion.effective, first)
            sign(handle, ref, SignOffRole.preparer)
            set_conclusion(handle, ref, Conclusion.effective, revised)
    with acting_as(handle, REVIEWER):
        if "AC-01" in refs:
            add_note(handle, "AC-01", "Tie the Q3 review population to the HR roster before concluding; "
                                      "two leavers appear only on the roster.")
        if "CM-01" in refs:
            add_note(handle, "CM-01", "Document how the pull-request approval rule is enforced for admins.")
        cleared = add_note(handle, "CE-01", "Is the annual acknowledgement campaign inside the period?") \
            if "CE-01" in refs else None
        if exception is not None:
            ex, ex_ref = exception
            add_note(handle, ex_ref, "Confirm the root cause with the control owner before the draft report.",
                     exception_id=ex.id)
    if cleared is not None:
        with acting_as(handle, PREPARER):
            clear_note(handle, cleared.id)
