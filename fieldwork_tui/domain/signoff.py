"""The sign-off rules a firm enforces, the review-note workflow, and the control status that follows
the work — as pure functions on plain facts (the services gather the facts and store the outcome).

Sign-off rules:
- The reviewer signs after the preparer, on the same workpaper content.
- A control's reviewer is not one of its preparers (anyone who ever signed it as preparer), unless
  the engagement allows self-review; a sign-off given under that setting records it.
- The reviewer cannot sign while a review note on the control (or on one of its exceptions) is open.
- Over flags that block a defensible conclusion, either role must confirm them by name; the
  sign-off records the flags it was confirmed over. Flags that name the sign-off workflow itself
  (`unsigned`, `signoff_stale`) never block signing — signing is what clears them.

Review notes: the preparer answers a note (the response is stored on the note), and the note's
author clears it, only once it has been answered.

Status is never stored: not started → in progress (any work recorded) → ready for review (preparer
signed, current) → reviewed (reviewer signed, current); a change after signing makes the sign-off
stale and the control is back in progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fieldwork_tui.domain.flags import SIGNOFF
from fieldwork_tui.domain.vocab import ControlStatus, SignOffRole

#: Flags that describe the sign-off workflow (the flag table's sign-off group); they never block a
#: sign-off — signing is what resolves them.
WORKFLOW_FLAGS = frozenset(f.value for f in SIGNOFF)


def identity_key(name: str) -> str:
    """How two signers are compared: case and surrounding space do not make another person."""
    return " ".join((name or "").split()).casefold()


@dataclass(frozen=True)
class SignOffFacts:
    """What deciding one sign-off needs to know about a control, as plain values."""

    ref: str
    role: SignOffRole
    signer: str
    current_hash: str
    #: Hash the latest preparer sign-off was given on ("" when the preparer has not signed).
    preparer_hash: str = ""
    #: Everyone who ever signed this control as preparer.
    preparers: frozenset[str] = frozenset()
    #: Ids of the open review notes on the control and on its exceptions.
    open_notes: tuple[int, ...] = ()
    #: The control's current flags that block a defensible conclusion, in the flag table's order.
    blocking_flags: tuple[str, ...] = ()
    #: Flags the signer confirmed they sign over (by name).
    confirmed_flags: frozenset[str] = frozenset()
    #: The engagement setting: may a control's preparer also review it?
    allow_self_review: bool = False


@dataclass(frozen=True)
class SignOffDecision:
    """The outcome: allowed (with what the sign-off records) or refused with a one-line reason.

    `unconfirmed` is non-empty exactly when the refusal is only for want of a confirmation: the
    caller may ask the signer and try again with those flags confirmed."""

    allowed: bool
    reason: str = ""
    unconfirmed: tuple[str, ...] = ()
    #: Recorded on the sign-off: the blocking flags it was given over.
    confirmed: tuple[str, ...] = ()
    #: Recorded on the sign-off: the reviewer is one of the preparers (the engagement allows it).
    self_review: bool = False

    @property
    def needs_confirmation(self) -> bool:
        return not self.allowed and bool(self.unconfirmed)


def _refuse(reason: str, unconfirmed: Sequence[str] = ()) -> SignOffDecision:
    return SignOffDecision(False, reason, tuple(unconfirmed))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def decide_signoff(f: SignOffFacts) -> SignOffDecision:
    """Whether `f.signer` may sign `f.ref` as `f.role` now, and what that sign-off records."""
    role = SignOffRole(f.role)
    self_review = False
    if role is SignOffRole.reviewer:
        if not f.preparer_hash:
            return _refuse(f"control {f.ref}: the preparer has not signed yet; the reviewer signs after")
        if f.preparer_hash != f.current_hash:
            return _refuse(f"control {f.ref}: modified since the preparer signed; the preparer signs again first")
        me = identity_key(f.signer)
        if me in {identity_key(p) for p in f.preparers}:
            if not f.allow_self_review:
                return _refuse(f"control {f.ref}: {f.signer} signed it as preparer and cannot also review it "
                               "(self-review is not allowed on this engagement)")
            self_review = True
        if f.open_notes:
            ids = ", ".join(f"#{n}" for n in sorted(f.open_notes))
            return _refuse(f"control {f.ref}: {_plural(len(f.open_notes), 'review note')} still open ({ids}); "
                           "the preparer answers and the author clears them before the reviewer signs")
    blocking = [fl for fl in dict.fromkeys(f.blocking_flags) if fl not in WORKFLOW_FLAGS]
    missing = [fl for fl in blocking if fl not in f.confirmed_flags]
    if missing:
        return _refuse(f"control {f.ref}: signing over blocking {'flag' if len(missing) == 1 else 'flags'} "
                       f"{', '.join(missing)} needs a confirmation", missing)
    return SignOffDecision(True, confirmed=tuple(blocking), self_review=self_review)


# -- review notes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteFacts:
    """One review note as the workflow rules see it."""

    id: int
    author: str
    is_open: bool
    response: str = ""
    responded_by: str = ""


def respond_problem(note: NoteFacts, actor: str, text: str, *, allow_self_review: bool = False) -> str | None:
    """Why `actor` cannot answer `note` with `text` (None when they can).

    The preparer answers what the reviewer asked: a note's author does not answer their own note
    (unless the engagement allows self-review, where one person may hold both roles)."""
    if not note.is_open:
        return f"review note #{note.id} is cleared; write a new note to raise the point again"
    if not (text or "").strip():
        return "response: the answer needs text"
    if identity_key(actor) == identity_key(note.author) and not allow_self_review:
        return (f"review note #{note.id}: {note.author} wrote it; the preparer answers it "
                "(self-review is not allowed on this engagement)")
    return None


def clear_problem(note: NoteFacts, actor: str) -> str | None:
    """Why `actor` cannot clear `note` (None when they can): only the note's author clears it, and only
    once it has been answered."""
    if not note.is_open:
        return f"review note #{note.id} is already cleared"
    if identity_key(actor) != identity_key(note.author):
        return f"review note #{note.id}: only its author ({note.author}) clears it"
    if not note.response.strip():
        return f"review note #{note.id}: not answered yet; the preparer answers it before it is cleared"
    return None


# -- control status ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusFacts:
    """What the status of one control follows from."""

    #: Any work recorded: evidence of any type, a population or sample, an exception, a conclusion.
    has_work: bool = False
    #: Latest preparer / reviewer sign-off: signed at all, and on the current content.
    preparer_signed: bool = False
    preparer_current: bool = False
    reviewer_signed: bool = False
    reviewer_current: bool = False


def derive_status(f: StatusFacts) -> ControlStatus:
    """The control's status from the facts: never stored, so it cannot go stale."""
    if f.preparer_current and f.reviewer_current:
        return ControlStatus.reviewed
    if f.preparer_current:
        return ControlStatus.ready_for_review
    if f.has_work or f.preparer_signed or f.reviewer_signed:  # signed and then changed: back in progress
        return ControlStatus.in_progress
    return ControlStatus.not_started


def parse_flag_names(text: str | Iterable[str] | None, known: Iterable[str]) -> frozenset[str]:
    """Flag names given on a command line (`a,b` or repeated); an unknown name is an error naming it."""
    if text is None:
        return frozenset()
    items = [text] if isinstance(text, str) else list(text)
    names = [p.strip() for item in items for p in item.replace(";", ",").split(",") if p.strip()]
    known_set = set(known)
    unknown = [n for n in names if n not in known_set]
    if unknown:
        raise ValueError(f"unknown flag {', '.join(repr(n) for n in unknown)}")
    return frozenset(names)
