"""Sign-offs bound to the workpaper hash, and review notes."""

from __future__ import annotations

import datetime as dt

import pytest

from fieldwork_tui.domain.vocab import Conclusion, ControlStatus, Flag, SignOffRole
from fieldwork_tui.services.controls.catalog import add_control, find_control, set_conclusion, set_status
from fieldwork_tui.services.controls.status import control_rows, overview, status_json
from fieldwork_tui.services.errors import InvalidInput, NotFound
from fieldwork_tui.services.findings.review import add_note, clear_note, list_notes
from fieldwork_tui.services.findings.signoffs import control_signoffs, sign
from fieldwork_tui.services.findings.views import STALE_LABEL
from fieldwork_tui.store.models import Observation

from ..support import attach_file


@pytest.fixture
def ctl(engagement):
    add_control(engagement, "AC-1", "Quarterly access review", criteria=["CC6.1"])
    return engagement


def _flags(handle, ref="AC-1"):
    return next(r.flags for r in control_rows(handle) if r.ref == ref)


def test_unsigned_until_the_preparer_signs(ctl):
    assert Flag.unsigned in _flags(ctl)
    so = sign(ctl, "AC-1", "preparer")
    assert so.signed_by == "elena" and len(so.content_hash) == 64
    flags = _flags(ctl)
    assert Flag.unsigned not in flags and Flag.signoff_stale not in flags
    prep, rev = control_signoffs(ctl, "AC-1")
    assert prep.state == "current" and rev.state == "not signed"


def test_signoff_goes_stale_after_an_edit_and_holds_again_when_resigned(ctl):
    sign(ctl, "AC-1", SignOffRole.preparer)
    with ctl.session() as s:
        c = find_control(s, "AC-1")
        s.add(Observation(control_id=c.id, observed_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC), description="seen"))
    assert Flag.signoff_stale in _flags(ctl)
    prep, _rev = control_signoffs(ctl, "AC-1")
    assert prep.stale and prep.state == STALE_LABEL == "modified since review"
    sign(ctl, "AC-1", SignOffRole.preparer)
    assert Flag.signoff_stale not in _flags(ctl)


@pytest.mark.parametrize("edit", ["conclusion", "evidence"])
def test_content_edits_stale_the_signoff(ctl, edit):
    sign(ctl, "AC-1", "preparer")
    if edit == "conclusion":
        set_conclusion(ctl, "AC-1", Conclusion.effective, "fine")
    else:
        attach_file(ctl, "AC-1", "late.pdf", b"late")
    assert Flag.signoff_stale in _flags(ctl)


def test_workflow_status_does_not_stale_the_signoff(ctl):
    sign(ctl, "AC-1", "preparer")
    set_status(ctl, "AC-1", ControlStatus.in_progress)
    assert Flag.signoff_stale not in _flags(ctl)


def test_reviewer_signs_after_the_preparer_on_the_same_state(ctl, become):
    with pytest.raises(InvalidInput, match="preparer has not signed"):
        sign(ctl, "AC-1", "reviewer")
    sign(ctl, "AC-1", "preparer")
    set_conclusion(ctl, "AC-1", Conclusion.effective)
    with pytest.raises(InvalidInput, match="modified since the preparer signed"):
        sign(ctl, "AC-1", "reviewer")
    sign(ctl, "AC-1", "preparer")
    ctl.actor = "sam"
    become("sam")
    sign(ctl, "AC-1", "reviewer")
    prep, rev = control_signoffs(ctl, "AC-1")
    assert (prep.signed_by, rev.signed_by) == ("elena", "sam")
    data = status_json(ctl)["controls"][0]
    assert data["signoffs"]["reviewer"]["by"] == "sam" and data["status"] == "reviewed"


def test_signing_again_appends_never_rewrites(ctl):
    from sqlmodel import select

    from fieldwork_tui.store.models import JournalEntry, SignOff

    sign(ctl, "AC-1", "preparer")
    sign(ctl, "AC-1", "preparer")
    with ctl.read() as s:
        assert len(s.exec(select(SignOff)).all()) == 2
        actions = {(e.action, e.entity) for e in s.exec(select(JournalEntry))}
    assert ("create", "signoff") in actions and ("delete", "signoff") not in actions


def test_bad_role_and_unknown_control(ctl):
    with pytest.raises(InvalidInput, match="role 'boss'"):
        sign(ctl, "AC-1", "boss")
    with pytest.raises(NotFound, match="ZZ-9"):
        sign(ctl, "ZZ-9", "preparer")


# -- review notes ---------------------------------------------------------------------------------


def test_notes_open_and_clear_and_are_counted(ctl):
    n1 = add_note(ctl, "AC-1", "  Tie the population to the roster.  ")
    add_note(ctl, "AC-1", "Second point")
    assert overview(ctl).open_review_notes == 2
    ctl.actor = "sam"
    clear_note(ctl, n1.id)
    notes = list_notes(ctl, "AC-1")
    assert [(n.text, n.status, n.cleared_by) for n in notes] == [
        ("Tie the population to the roster.", "cleared", "sam"), ("Second point", "open", "")]
    assert overview(ctl).open_review_notes == 1
    assert [n.text for n in list_notes(ctl, open_only=True)] == ["Second point"]
    with pytest.raises(InvalidInput, match="already cleared by sam"):
        clear_note(ctl, n1.id)


def test_notes_on_exceptions_belong_to_their_control(ctl):
    from fieldwork_tui.store.models import ControlException

    with ctl.session() as s:
        ex = ControlException(control_id=find_control(s, "AC-1").id, deviation="late removal")
        s.add(ex)
    note = add_note(ctl, "AC-1", "Confirm the root cause", exception_id=ex.id)
    (view,) = list_notes(ctl, "AC-1")
    assert view.id == note.id and view.target == "exception" and view.target_label == f"AC-1 exception #{ex.id}"
    add_control(ctl, "AC-2", "Other")
    with pytest.raises(NotFound, match=f"exception #{ex.id} not found on control AC-2"):
        add_note(ctl, "AC-2", "x", exception_id=ex.id)


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_note_text_is_validated(ctl, text):
    with pytest.raises(InvalidInput, match="^text: "):
        add_note(ctl, "AC-1", text)


def test_unknown_note(ctl):
    with pytest.raises(NotFound, match="review note #99"):
        clear_note(ctl, 99)


def test_demo_has_signed_stale_and_noted_controls(demo):
    rows = {r.ref: r for r in control_rows(demo)}
    for ref in ("OP-04", "AC-01"):
        assert Flag.unsigned not in rows[ref].flags and Flag.signoff_stale not in rows[ref].flags
        assert rows[ref].status == "reviewed"
    assert rows["CM-01"].status == "ready_for_review"
    assert Flag.signoff_stale in rows["AC-03"].flags
    notes = list_notes(demo)
    assert any(n.is_open for n in notes) and any(not n.is_open for n in notes)
    assert any(n.target == "exception" for n in notes)
