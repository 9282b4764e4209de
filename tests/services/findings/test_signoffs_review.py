"""Sign-offs under the firm's rules, bound to the workpaper digest; review notes answered by the
preparer and cleared by their author; status derived from the work (service tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from fieldwork_tui.domain.vocab import Conclusion, ControlStatus, Flag, Nature, SignOffRole
from fieldwork_tui.domain.workpaper import HASH_SCHEME
from fieldwork_tui.services.controls.catalog import add_control, find_control, set_conclusion
from fieldwork_tui.services.controls.status import control_rows, overview, status_json
from fieldwork_tui.services.errors import EngagementLocked, InvalidInput, NotFound
from fieldwork_tui.services.findings.review import (
    add_note,
    answer_note,
    clear_note,
    list_notes,
    review_settings,
    set_self_review,
)
from fieldwork_tui.services.findings.signoffs import ConfirmationNeeded, control_signoffs, sign
from fieldwork_tui.services.findings.views import STALE_LABEL
from fieldwork_tui.store.models import ControlException, JournalEntry, Observation, SignOff

from ..support import attach_file

EVERY_FLAG = [f.value for f in Flag]


@pytest.fixture
def ctl(engagement):
    add_control(engagement, "AC-1", "Quarterly access review", criteria=["CC6.1"], required_types=["inspection"])
    return engagement


@pytest.fixture
def ready(ctl):
    """AC-1 with inspection evidence only (no blocking flag), signed by the preparer (elena)."""
    attach_file(ctl, "AC-1", "q1-review.pdf", b"q1", as_of=dt.date(2026, 3, 31))
    with ctl.session() as s:
        c = find_control(s, "AC-1")
        s.add(Observation(control_id=c.id, observed_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC), description="seen"))
        # an automated control tested once, its IT general controls relied on: operation evidenced
        c.nature, c.itgc_basis = Nature.automated, "ITGC change management tested"
        s.add(c)
    sign(ctl, "AC-1", "preparer")
    return ctl


def _operation_evidenced(handle, ref="AC-1"):
    """An automated control tested once with its IT general controls relied on: no OE flag."""
    with handle.session() as s:
        c = find_control(s, ref)
        c.nature, c.itgc_basis = Nature.automated, "ITGC change management tested"
        s.add(c)


def _row(handle, ref="AC-1"):
    return next(r for r in control_rows(handle) if r.ref == ref)


_people = {}


@pytest.fixture(autouse=True)
def _switch_people(become):
    _people["become"] = become


def as_(handle, who):
    """Act as `who`: their user name and their own signing key (identity is the key)."""
    handle.actor = who
    _people["become"](who)
    return handle


# -- the preparer ---------------------------------------------------------------------------------


def test_unsigned_until_the_preparer_signs(ready):
    flags = _row(ready).flags
    assert Flag.unsigned not in flags and Flag.signoff_stale not in flags
    prep, rev = control_signoffs(ready, "AC-1")
    assert prep.state == "current" and prep.signed_by == "elena" and rev.state == "not signed"


def test_signing_over_blocking_flags_needs_them_confirmed_by_name_and_records_them(ctl):
    with pytest.raises(ConfirmationNeeded) as info:
        sign(ctl, "AC-1", "preparer")
    assert info.value.flags == ("no_evidence", "missing_required_type", "operating_effectiveness_untested")
    assert str(info.value) == ("control AC-1: signing over blocking flags no_evidence, missing_required_type, "
                               "operating_effectiveness_untested needs a confirmation")
    with pytest.raises(ConfirmationNeeded) as info:
        sign(ctl, "AC-1", "preparer", confirm_flags=["no_evidence"])
    assert info.value.flags == ("missing_required_type", "operating_effectiveness_untested")
    with ctl.read() as s:
        assert s.exec(select(SignOff)).all() == []  # nothing was recorded by the refusals
    result = sign(ctl, "AC-1", "preparer", confirm_flags=["no_evidence", "missing_required_type", "inquiry_only",
                                                       "operating_effectiveness_untested"])
    assert result.confirmed_flags == ("no_evidence", "missing_required_type", "operating_effectiveness_untested")
    prep, _ = control_signoffs(ctl, "AC-1")
    assert prep.confirmed_flags == ("no_evidence", "missing_required_type", "operating_effectiveness_untested")
    assert prep.remarks == ("signed over no evidence, missing required type, operating effectiveness untested")
    assert status_json(ctl)["controls"][0]["signoffs"]["preparer"]["confirmed_flags"] == [
        "no_evidence", "missing_required_type", "operating_effectiveness_untested"]


def test_the_sign_off_records_what_a_signature_needs(ready):
    with ready.read() as s:
        so = s.exec(select(SignOff)).one()
        entries = s.exec(select(JournalEntry).where(JournalEntry.id < s.exec(
            select(JournalEntry.id).where(JournalEntry.entity == "signoff")).one()).order_by(JournalEntry.id)).all()
    assert so.scheme == HASH_SCHEME and len(so.content_hash) == 64
    # the chain as the signer saw it: before the sign-off and before the first use of their key was recorded
    seen = [e for e in entries if e.entity != "signerkey"]
    assert so.journal_head == seen[-1].hash and so.journal_entries == seen[-1].id


def test_signoff_goes_stale_after_an_edit_and_holds_again_when_resigned(ready):
    with ready.session() as s:
        c = find_control(s, "AC-1")
        s.add(Observation(control_id=c.id, observed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC), description="again"))
    assert Flag.signoff_stale in _row(ready).flags
    prep, _rev = control_signoffs(ready, "AC-1")
    assert prep.stale and prep.state == STALE_LABEL == "modified since review"
    sign(ready, "AC-1", SignOffRole.preparer)
    assert Flag.signoff_stale not in _row(ready).flags


@pytest.mark.parametrize("edit", ["conclusion", "evidence"])
def test_content_edits_stale_the_signoff(ready, edit):
    if edit == "conclusion":
        set_conclusion(ready, "AC-1", Conclusion.effective, "fine")
    else:
        attach_file(ready, "AC-1", "late.pdf", b"late")
    assert Flag.signoff_stale in _row(ready).flags


def test_a_sign_off_from_before_the_digest_scheme_reads_sign_again(ready):
    with ready.session() as s:
        so = s.exec(select(SignOff)).one()
        so.scheme = 1
        s.add(so)
    prep, _ = control_signoffs(ready, "AC-1")
    assert prep.stale and prep.outdated and "sign again" in prep.remarks
    assert _row(ready).status == "in_progress"


def test_signing_again_appends_never_rewrites(ready):
    sign(ready, "AC-1", "preparer")
    with ready.read() as s:
        assert len(s.exec(select(SignOff)).all()) == 2
        actions = {(e.action, e.entity) for e in s.exec(select(JournalEntry))}
    assert ("create", "signoff") in actions and ("delete", "signoff") not in actions
    assert ("update", "signoff") not in actions


def test_bad_role_and_unknown_control(ctl):
    with pytest.raises(InvalidInput, match="role 'boss'"):
        sign(ctl, "AC-1", "boss")
    with pytest.raises(NotFound, match="ZZ-9"):
        sign(ctl, "ZZ-9", "preparer")


# -- the reviewer ---------------------------------------------------------------------------------


def test_reviewer_signs_after_the_preparer_on_the_same_state(ctl):
    _operation_evidenced(ctl)
    attach_file(ctl, "AC-1", "q1.pdf", b"q1")
    with ctl.session() as s:
        s.add(Observation(control_id=find_control(s, "AC-1").id, observed_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)))
    as_(ctl, "sam")
    with pytest.raises(InvalidInput, match="preparer has not signed"):
        sign(ctl, "AC-1", "reviewer")
    sign(as_(ctl, "elena"), "AC-1", "preparer")
    set_conclusion(ctl, "AC-1", Conclusion.effective)
    with pytest.raises(InvalidInput, match="modified since the preparer signed"):
        sign(as_(ctl, "sam"), "AC-1", "reviewer")
    sign(as_(ctl, "elena"), "AC-1", "preparer")
    sign(as_(ctl, "sam"), "AC-1", "reviewer")
    prep, rev = control_signoffs(ctl, "AC-1")
    assert (prep.signed_by, rev.signed_by) == ("elena", "sam")
    data = status_json(ctl)["controls"][0]
    assert data["signoffs"]["reviewer"]["by"] == "sam" and data["status"] == "reviewed"


@pytest.mark.parametrize("who", ["elena", "ELENA", " elena "])
def test_a_preparer_cannot_review_their_own_work(ready, who):
    with pytest.raises(InvalidInput) as info:
        sign(as_(ready, who), "AC-1", "reviewer")
    assert "cannot also review it" in str(info.value) and not isinstance(info.value, ConfirmationNeeded)
    with ready.read() as s:
        assert len(s.exec(select(SignOff)).all()) == 1


def test_an_earlier_preparer_cannot_review_after_someone_else_signed_again(ready):
    sign(as_(ready, "omar"), "AC-1", "preparer")
    with pytest.raises(InvalidInput, match="elena signed it as preparer and cannot also review it"):
        sign(as_(ready, "elena"), "AC-1", "reviewer")


def test_self_review_needs_the_engagement_setting_and_is_recorded(ready):
    assert not review_settings(ready).allow_self_review
    with pytest.raises(InvalidInput, match="^reason: "):
        set_self_review(ready, True, "  ")
    settings = set_self_review(ready, True, "one-person engagement, approved by the partner")
    assert settings.allow_self_review and "approved by the partner" in settings.describe()
    result = sign(ready, "AC-1", "reviewer")  # elena, who prepared it
    assert result.self_review
    _prep, rev = control_signoffs(ready, "AC-1")
    assert rev.self_review and "self-review" in rev.remarks
    assert status_json(ready)["controls"][0]["signoffs"]["reviewer"]["self_review"] is True
    with ready.read() as s:  # the setting is journaled like every change
        entry = s.exec(select(JournalEntry).where(JournalEntry.entity == "engagement",
                                                  JournalEntry.action == "update")).one()
    assert entry.details["allow_self_review"] == {"from": False, "to": True}
    set_self_review(ready, False)
    assert review_settings(ready).reason == ""


def test_self_review_setting_never_comes_from_a_persons_config(ready, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text("allow_self_review = true\n[review]\nallow_self_review = true\n")
    monkeypatch.setenv("FIELDWORK_ALLOW_SELF_REVIEW", "1")
    with pytest.raises(InvalidInput, match="cannot also review it"):
        sign(ready, "AC-1", "reviewer")


def test_the_reviewer_cannot_sign_over_open_notes_on_the_control_or_its_exceptions(ready):
    with ready.session() as s:
        ex = ControlException(control_id=find_control(s, "AC-1").id, deviation="late removal")
        s.add(ex)
    sign(ready, "AC-1", "preparer")  # the exception changed the content
    n1 = add_note(as_(ready, "sam"), "AC-1", "Tie to the roster")
    n2 = add_note(ready, "AC-1", "Root cause?", exception_id=ex.id)
    with pytest.raises(InvalidInput, match=rf"2 review notes still open \(#{n1.id}, #{n2.id}\)"):
        sign(ready, "AC-1", "reviewer")
    for n in (n1, n2):
        answer_note(as_(ready, "elena"), n.id, "done")
        clear_note(as_(ready, "sam"), n.id)
    sign(ready, "AC-1", "reviewer")
    assert _row(ready).status == "reviewed"


def test_the_reviewer_confirms_blocking_flags_too(ready):
    with ready.session() as s:  # only inspection left: one evidence type, a blocking flag
        for o in s.exec(select(Observation)).all():
            s.delete(o)
    sign(ready, "AC-1", "preparer", confirm_flags=EVERY_FLAG)
    with pytest.raises(ConfirmationNeeded) as info:
        sign(as_(ready, "sam"), "AC-1", "reviewer")
    # no observation left: the automated control's test of one is gone too
    assert info.value.flags == ("single_evidence_type", "operating_effectiveness_untested")
    assert info.value.role is SignOffRole.reviewer
    result = sign(ready, "AC-1", "reviewer", confirm_flags=["single_evidence_type", "operating_effectiveness_untested"])
    assert result.confirmed_flags == ("single_evidence_type", "operating_effectiveness_untested")


# -- review notes ---------------------------------------------------------------------------------


def test_notes_are_answered_by_the_preparer_and_cleared_by_their_author(ctl):
    n1 = add_note(as_(ctl, "sam"), "AC-1", "  Tie the population to the roster.  ")
    add_note(ctl, "AC-1", "Second point")
    assert overview(ctl).open_review_notes == 2
    with pytest.raises(InvalidInput, match="not answered yet"):
        clear_note(ctl, n1.id)
    with pytest.raises(InvalidInput, match="sam wrote it; the preparer answers it"):
        answer_note(ctl, n1.id, "self-answer")
    answered = answer_note(as_(ctl, "elena"), n1.id, "Tied: 212 of 212 match.")
    assert (answered.response, answered.responded_by, answered.stage) == ("Tied: 212 of 212 match.", "elena",
                                                                          "answered")
    with pytest.raises(InvalidInput, match=r"only its author \(sam\) clears it"):
        clear_note(ctl, n1.id)
    cleared = clear_note(as_(ctl, "sam"), n1.id)
    assert cleared.stage == "cleared" and cleared.cleared_by == "sam"
    notes = list_notes(ctl, "AC-1")
    assert [(n.text, n.status, n.cleared_by, n.response) for n in notes] == [
        ("Tie the population to the roster.", "cleared", "sam", "Tied: 212 of 212 match."),
        ("Second point", "open", "", "")]
    assert overview(ctl).open_review_notes == 1
    with pytest.raises(InvalidInput, match="is already cleared"):
        clear_note(ctl, n1.id)
    with pytest.raises(InvalidInput, match="is cleared; write a new note"):
        answer_note(as_(ctl, "elena"), n1.id, "more")


def test_answer_text_is_validated(ctl):
    note = add_note(as_(ctl, "sam"), "AC-1", "why?")
    as_(ctl, "elena")
    for text in ("", "   "):
        with pytest.raises(InvalidInput, match="^response: "):
            answer_note(ctl, note.id, text)
    with pytest.raises(InvalidInput, match="^response: at most 4000"):
        answer_note(ctl, note.id, "x" * 4001)


def test_notes_on_exceptions_belong_to_their_control(ctl):
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
    with pytest.raises(NotFound, match="review note #99"):
        answer_note(ctl, 99, "x")


def test_notes_can_be_answered_and_cleared_after_the_report_but_settings_are_locked(ctl):
    from fieldwork_tui.services.engagements import set_phase

    note = add_note(as_(ctl, "sam"), "AC-1", "why?")
    set_phase(ctl, "final_report")
    answer_note(as_(ctl, "elena"), note.id, "because")
    clear_note(as_(ctl, "sam"), note.id)
    with pytest.raises(EngagementLocked):
        set_self_review(ctl, True, "late change")


# -- status follows the work ----------------------------------------------------------------------


def test_status_moves_through_the_work_and_back_on_change(ctl):
    _operation_evidenced(ctl)
    assert _row(ctl).status == "not_started"
    attach_file(ctl, "AC-1", "q1.pdf", b"q1")
    assert _row(ctl).status == "in_progress"
    with ctl.session() as s:
        s.add(Observation(control_id=find_control(s, "AC-1").id, observed_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)))
    sign(ctl, "AC-1", "preparer")
    assert _row(ctl).status == "ready_for_review"
    sign(as_(ctl, "sam"), "AC-1", "reviewer")
    assert _row(ctl).status == "reviewed"
    assert overview(ctl).status_counts["reviewed"] == 1
    set_conclusion(ctl, "AC-1", Conclusion.effective, "changed after review")
    assert _row(ctl).status == "in_progress"
    assert status_json(ctl)["controls"][0]["status"] == "in_progress"
    sign(as_(ctl, "elena"), "AC-1", "preparer")
    assert _row(ctl).status == "ready_for_review"


def test_a_conclusion_alone_is_work_in_progress(ctl):
    set_conclusion(ctl, "AC-1", Conclusion.effective)
    assert _row(ctl).status == ControlStatus.in_progress.value


def test_demo_has_signed_stale_and_noted_controls(demo):
    rows = {r.ref: r for r in control_rows(demo)}
    for ref in ("OP-04", "AC-01"):
        assert Flag.unsigned not in rows[ref].flags and Flag.signoff_stale not in rows[ref].flags
        assert rows[ref].status == "reviewed"
    assert rows["CM-01"].status == "ready_for_review"
    assert Flag.signoff_stale in rows["AC-03"].flags and rows["AC-03"].status == "in_progress"
    assert rows["AC-02"].status == "in_progress"  # evidence recorded, not signed
    notes = list_notes(demo)
    assert {n.stage for n in notes} == {"open", "answered", "cleared"}
    assert all(n.cleared_by == n.author for n in notes if n.cleared_by)
    assert all(n.responded_by != n.author for n in notes if n.response)
    assert any(n.target == "exception" for n in notes)
    counts = overview(demo).status_counts
    assert counts["in_progress"] > 0 and sum(counts.values()) == len(rows)


def test_a_sign_off_refused_for_its_flags_makes_no_signing_key(ctl):
    """The key is made (and announced) only once the rules and confirmations allow the sign-off: a
    refused or unconfirmed attempt leaves nothing behind, not even a new key."""
    from fieldwork_tui.services.signing.keys import key_view

    assert key_view() is None  # the test user has no key yet
    made: list[object] = []
    with pytest.raises(ConfirmationNeeded):
        sign(ctl, "AC-1", "preparer", on_created=made.append)
    assert key_view() is None and made == []
    sign(ctl, "AC-1", "preparer", confirm_flags=EVERY_FLAG, on_created=made.append)
    assert key_view() is not None and len(made) == 1
