"""Demo engagement: the review part — a few controls concluded and signed by the senior (Elena) and
reviewed by the manager (Sam), one signed and then changed so its sign-off is stale ("modified since
review"), and review notes both open and cleared, including one on an exception when there is one.

Elena and Sam sign with throwaway demo keys, made for each demo build and trusted under `demo-elena`
and `demo-sam` (replacing the previous demo's); their private halves are discarded once the demo is
signed, so nobody can sign anything else with them. The demo needs no key of the person running it."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from fieldwork_tui.domain.vocab import SignOffRole
from fieldwork_tui.services.findings.attestation import Identity
from fieldwork_tui.services.findings.conclusions import conclude_control
from fieldwork_tui.services.findings.review import add_note, answer_note, clear_note
from fieldwork_tui.services.findings.signoffs import ConfirmationNeeded
from fieldwork_tui.services.findings.signoffs import sign as _signoff
from fieldwork_tui.services.signing import keys as signing
from fieldwork_tui.store.clock import today
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, ControlException

PREPARER, REVIEWER = "elena", "sam"

#: Concluded, signed by the preparer and reviewed (controls whose evidence supports the conclusion).
REVIEWED = [("OP-04", "Tabletop exercise report of 12 May 2026 inspected; the lessons-learned review observed."),
            ("AC-01", "Q2 review inspected and re-performed against the IdP export: 5 differences, 2 still open; "
                      "the other quarters' reviews not yet inspected.")]
#: Concluded and signed by the preparer, awaiting review.
PREPARED = [("CM-01", "Change sample tested; the one deviation is isolated and responded to.")]
#: Signed, then the conclusion was revised: the sign-off no longer matches the workpaper.
STALE = ("AC-03", "Terminations re-performed against the HR roster.",
         "Terminations re-performed against the HR roster: one account deactivated late and one never "
         "deactivated, both raised as exceptions.")


def _conclude(handle: EngagementHandle, ref: str, note: str) -> None:
    """Conclude as the recorded work supports."""
    conclude_control(handle, ref, None, note)


_IDENTITIES: dict[str, Identity] = {}


def _identity(actor: str) -> Identity:
    ident = _IDENTITIES.get(actor)
    if ident is None:
        ident = _IDENTITIES[actor] = Identity(Ed25519PrivateKey.generate(), actor)
        signing.trust_demo_key(f"demo-{actor}", ident.public)
    return ident


def signing_time() -> dt.datetime:
    """When the demo's people signed: two days before the demo's today, 09:30 UTC."""
    return dt.datetime.combine(today() - dt.timedelta(days=2), dt.time(9, 30), dt.UTC)


def sign(handle: EngagementHandle, ref: str, role: SignOffRole, confirm_flags=()) -> None:
    _signoff(handle, ref, role, confirm_flags=confirm_flags, identity=_identity(handle.actor),
             signed_at=signing_time())


@contextmanager
def acting_as(handle: EngagementHandle, actor: str):
    previous, previous_identity = handle.actor, getattr(handle, "identity", None)
    handle.actor = actor
    handle.identity = _identity(actor)  # notes and answers by the demo's people, whatever key the user has
    try:
        yield handle
    finally:
        handle.actor, handle.identity = previous, previous_identity


def _sign(handle: EngagementHandle, ref: str, role: SignOffRole) -> None:
    """Sign as the demo's people would: over whatever blocking flags remain, confirmed and recorded."""
    try:
        sign(handle, ref, role)
    except ConfirmationNeeded as exc:
        sign(handle, ref, role, confirm_flags=exc.flags)


def build(handle: EngagementHandle) -> None:
    """Add this area's records to the demo engagement."""
    _IDENTITIES.clear()  # fresh throwaway keys for every demo build
    try:
        _build(handle)
    finally:
        _IDENTITIES.clear()


def _build(handle: EngagementHandle) -> None:
    with handle.read() as s:
        refs = {c.ref for c in s.exec(select(Control))}
        concluded = {c.ref for c in s.exec(select(Control).where(Control.conclusion.is_not(None)))}
        exception = s.exec(select(ControlException, Control.ref).join(Control).order_by(ControlException.id)).first()
    with acting_as(handle, PREPARER):
        for ref, note in REVIEWED + PREPARED:
            if ref in refs:
                if ref not in concluded:  # another area's demo may have concluded it already
                    _conclude(handle, ref, note)
                _sign(handle, ref, SignOffRole.preparer)
    with acting_as(handle, REVIEWER):
        for ref, _note in REVIEWED:
            if ref in refs:
                _sign(handle, ref, SignOffRole.reviewer)
    ref, first, revised = STALE
    if ref in refs:
        with acting_as(handle, PREPARER):
            _conclude(handle, ref, first)
            _sign(handle, ref, SignOffRole.preparer)
            _conclude(handle, ref, revised)
    with acting_as(handle, REVIEWER):
        cleared = add_note(handle, "AC-01", "Is the Q3 review inside the period? Tie it to the HR roster.") \
            if "AC-01" in refs else None
        if "AC-02" in refs:
            add_note(handle, "AC-02", "Corroborate the provisioning walkthrough: inspect tickets for a sample of grants.")
        cm_note = None
        if "CM-01" in refs:
            cm_note = add_note(handle, "CM-01", "Document how the pull-request approval rule is enforced for admins.")
        if exception is not None:
            ex, ex_ref = exception
            add_note(handle, ex_ref, "Confirm the root cause with the control owner before the draft report.",
                     exception_id=ex.id)
    if cleared is not None:
        with acting_as(handle, PREPARER):
            answer_note(handle, cleared.id, "Q3 review dated 2026-09-30, inside the period; tied to the HR roster "
                                            "export of the same day (no leaver missing).")
        with acting_as(handle, REVIEWER):
            clear_note(handle, cleared.id)
    if "CM-01" in refs:
        with acting_as(handle, PREPARER):  # answered, waiting for the reviewer to clear it
            answer_note(handle, cm_note.id, "Branch protection applies to administrators too; settings export "
                                            "attached to CM-01.")
