"""Review notes: what the reviewer asks the preparer to fix or explain, on a control or an exception.

A note is open until someone clears it (who and when are kept); notes are never deleted, so even
after the engagement locks in the final-report phase a note can be added or cleared and the journal
shows both. The dashboard counts open notes (services.controls.status).
"""

from __future__ import annotations

from sqlmodel import Session, select

from fieldwork_tui.domain.vocab import NoteStatus, ReviewTarget
from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.findings.views import NoteView
from fieldwork_tui.store.handle import EngagementHandle
from fieldwork_tui.store.models import Control, ControlException, ReviewNote, utcnow

MAX_NOTE = 4000


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text: a review note needs text")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"text: a review note is at most {MAX_NOTE} characters (got {len(text)})")
    return text


def add_note(handle: EngagementHandle, ref: str, text: str, *, exception_id: int | None = None) -> ReviewNote:
    """Add an open note to control `ref`, or to one of its exceptions when `exception_id` is given."""
    text = _clean_text(text)
    with handle.session() as s:
        c = find_control(s, ref)
        if exception_id is None:
            target, target_id = ReviewTarget.control, c.id
        else:
            ex = s.get(ControlException, exception_id)
            if ex is None or ex.control_id != c.id:
                raise NotFound(f"exception #{exception_id} not found on control {c.ref}")
            target, target_id = ReviewTarget.exception, ex.id
        note = ReviewNote(target_type=target, target_id=target_id, author=handle.actor, text=text)
        s.add(note)
    return note


def clear_note(handle: EngagementHandle, note_id: int) -> ReviewNote:
    """Clear an open note (the note stays, marked cleared by the acting user)."""
    with handle.session() as s:
        note = s.get(ReviewNote, note_id)
        if note is None:
            raise NotFound(f"review note #{note_id} not found")
        if note.status == NoteStatus.cleared:
            raise InvalidInput(f"review note #{note_id} was already cleared by {note.cleared_by or 'someone'}")
        note.status = NoteStatus.cleared
        note.cleared_by = handle.actor
        note.cleared_at = utcnow()
        s.add(note)
    return note


def all_notes(session: Session, *, open_only: bool = False) -> list[NoteView]:
    """Every note with the control it concerns (a note on an exception names the exception's control)."""
    refs = {c.id: c.ref for c in session.exec(select(Control))}
    exc_control = {e.id: e.control_id for e in session.exec(select(ControlException))}
    q = select(ReviewNote).order_by(ReviewNote.id)
    if open_only:
        q = q.where(ReviewNote.status == NoteStatus.open)
    out = []
    for n in session.exec(q):
        if n.target_type == ReviewTarget.exception:
            ref = refs.get(exc_control.get(n.target_id, -1), "")
            label = f"{ref} exception #{n.target_id}" if ref else f"exception #{n.target_id}"
        else:
            ref = refs.get(n.target_id, "")
            label = ref
        out.append(NoteView(id=n.id, target=ReviewTarget(n.target_type).value, target_label=label, control_ref=ref,
                            author=n.author, text=n.text, status=NoteStatus(n.status).value, created_at=n.created_at,
                            cleared_by=n.cleared_by, cleared_at=n.cleared_at))
    return out


def list_notes(handle: EngagementHandle, ref: str | None = None, *, open_only: bool = False) -> list[NoteView]:
    with handle.read() as s:
        notes = all_notes(s, open_only=open_only)
        if ref is not None:
            wanted = find_control(s, ref).ref
            notes = [n for n in notes if n.control_ref == wanted]
        return notes
