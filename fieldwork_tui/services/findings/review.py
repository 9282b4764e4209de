"""Review notes and the engagement's review settings.

A note is what the reviewer asks the preparer to fix or explain, on a control or an exception. The
preparer answers it (the response is stored on the note, with who and when); the note's author
clears it, once answered (`domain.signoff.respond_problem` / `clear_problem`). Notes are never
deleted, so even after the engagement locks in the final-report phase a note can be added,
answered or cleared and the journal shows each step. A reviewer cannot sign over an open note
(services.findings.signoffs).

The review settings are the firm's decision for this engagement, kept in its database (journaled
like every change, never read from a person's own configuration): whether a control's preparer may
also review it (self-review), and why.
"""

from __future__ import annotations

from sqlmodel import Session, select

from fieldwork_tui.domain.signoff import NoteFacts, clear_problem, respond_problem
from fieldwork_tui.domain.vocab import NoteStatus, ReviewTarget
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.findings.views import NoteView, ReviewSettings
from fieldwork_tui.services.identity import signer
from fieldwork_tui.store import versions
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, ControlException, Engagement, ReviewNote, utcnow

MAX_NOTE = 4000
MAX_REASON = 500


def _clean(text: str, what: str, limit: int = MAX_NOTE) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"{what}: {'a review note' if what == 'text' else 'the answer'} needs text")
    if len(text) > limit:
        raise InvalidInput(f"{what}: at most {limit} characters (got {len(text)})")
    return text


def _labels(session: Session) -> tuple[dict[int, str], dict[int, int]]:
    refs = {c.id: c.ref for c in session.exec(select(Control))}
    exc_control = {e.id: e.control_id for e in session.exec(select(ControlException))}
    return refs, exc_control


def _view(n: ReviewNote, refs: dict[int, str], exc_control: dict[int, int], version: int = 0) -> NoteView:
    if ReviewTarget(n.target_type) is ReviewTarget.exception:
        ref = refs.get(exc_control.get(n.target_id, -1), "")
        label = f"{ref} exception #{n.target_id}" if ref else f"exception #{n.target_id}"
    else:
        ref = refs.get(n.target_id, "")
        label = ref
    return NoteView(id=n.id, target=ReviewTarget(n.target_type).value, target_label=label, control_ref=ref,
                    author=n.author, text=n.text, status=NoteStatus(n.status).value, created_at=n.created_at,
                    cleared_by=n.cleared_by, cleared_at=n.cleared_at, response=n.response,
                    responded_by=n.responded_by, responded_at=n.responded_at, version=version)


def _one_view(session: Session, note: ReviewNote) -> NoteView:
    session.flush()  # the change is journaled at flush: the view carries its new version
    return _view(note, *_labels(session), version=versions.version_of(session, "reviewnote", note.id).version)


def add_note(handle: EngagementHandle, ref: str, text: str, *, exception_id: int | None = None) -> NoteView:
    """Add an open note to control `ref`, or to one of its exceptions when `exception_id` is given."""
    text = _clean(text, "text")
    with handle.session() as s:
        c = find_control(s, ref)
        if exception_id is None:
            target, target_id = ReviewTarget.control, c.id
        else:
            ex = s.get(ControlException, exception_id)
            if ex is None or ex.control_id != c.id:
                raise NotFound(f"exception #{exception_id} not found on control {c.ref}")
            target, target_id = ReviewTarget.exception, ex.id
        note = ReviewNote(target_type=target, target_id=target_id, author=signer(handle).name, text=text)
        s.add(note)
        s.flush()
        return _one_view(s, note)


def _note(s: Session, note_id: int) -> ReviewNote:
    note = s.get(ReviewNote, note_id)
    if note is None:
        raise NotFound(f"review note #{note_id} not found")
    return note


def _facts(note: ReviewNote) -> NoteFacts:
    return NoteFacts(id=note.id, author=note.author, is_open=note.status == NoteStatus.open,
                     response=note.response, responded_by=note.responded_by)


def answer_note(handle: EngagementHandle, note_id: int, text: str, *, expected_version: int | None = None) -> NoteView:
    """The preparer's answer to a note (stored on the note; answering again replaces it while the
    note is open — the journal keeps every version). The note stays open until its author clears it."""
    who = signer(handle).name
    with handle.session() as s:
        note = _note(s, note_id)
        versions.expect(s, "reviewnote", note_id, expected_version, f"review note #{note_id}")
        allow = bool(s.exec(select(Engagement.allow_self_review)).first())
        problem = respond_problem(_facts(note), who, text, allow_self_review=allow)
        if problem:
            raise InvalidInput(problem)
        note.response = _clean(text, "response")
        note.responded_by = who
        note.responded_at = utcnow()
        s.add(note)
        s.flush()
        return _one_view(s, note)


def clear_note(handle: EngagementHandle, note_id: int, *, expected_version: int | None = None) -> NoteView:
    """Clear an answered note: its author only (the note stays, marked cleared)."""
    who = signer(handle).name
    with handle.session() as s:
        note = _note(s, note_id)
        versions.expect(s, "reviewnote", note_id, expected_version, f"review note #{note_id}")
        problem = clear_problem(_facts(note), who)
        if problem:
            raise InvalidInput(problem)
        note.status = NoteStatus.cleared
        note.cleared_by = who
        note.cleared_at = utcnow()
        s.add(note)
        s.flush()
        return _one_view(s, note)


def get_note(handle: EngagementHandle, note_id: int) -> NoteView:
    """One note as it is now, with its version (a form answering it reads it when it opens)."""
    with handle.read() as s:
        version = versions.version_of(s, "reviewnote", note_id).version  # first: a later change is refused
        return _view(_note(s, note_id), *_labels(s), version=version)


def all_notes(session: Session, *, open_only: bool = False) -> list[NoteView]:
    """Every note with the control it concerns (a note on an exception names the exception's control)."""
    refs, exc_control = _labels(session)
    q = select(ReviewNote).order_by(ReviewNote.id)
    if open_only:
        q = q.where(ReviewNote.status == NoteStatus.open)
    notes = list(session.exec(q))
    seen = versions.versions_of(session, "reviewnote", [n.id for n in notes])
    return [_view(n, refs, exc_control, seen.get(n.id, 0)) for n in notes]


def list_notes(handle: EngagementHandle, ref: str | None = None, *, open_only: bool = False) -> list[NoteView]:
    with handle.read() as s:
        notes = all_notes(s, open_only=open_only)
        if ref is not None:
            wanted = find_control(s, ref).ref
            notes = [n for n in notes if n.control_ref == wanted]
        return notes


# -- review settings ------------------------------------------------------------------------------


def review_settings(handle: EngagementHandle) -> ReviewSettings:
    eng = handle.engagement()
    return ReviewSettings(eng.allow_self_review, eng.self_review_reason)


def set_self_review(handle: EngagementHandle, allow: bool, reason: str = "") -> ReviewSettings:
    """Allow or refuse self-review on this engagement (journaled). Allowing needs a reason."""
    reason = (reason or "").strip()
    if allow and not reason:
        raise InvalidInput("reason: say why self-review is allowed on this engagement (--reason)")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason: at most {MAX_REASON} characters (got {len(reason)})")
    with handle.session() as s:
        eng = s.exec(select(Engagement)).one()
        eng.allow_self_review = bool(allow)
        eng.self_review_reason = reason if allow else ""
        s.add(eng)
    return ReviewSettings(bool(allow), reason if allow else "")
