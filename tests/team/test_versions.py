"""Rows carry a version (their last journal entry): a save over a row someone else changed since it was
read is refused with who and when, and nothing is saved. On both engines (the `engagement` fixture)."""

from __future__ import annotations

import pytest

from fieldwork_tui.services.controls import add_control, get_control, set_conclusion
from fieldwork_tui.services.engagements import open_path
from fieldwork_tui.services.errors import SaveConflict
from fieldwork_tui.services.findings import create_exception, get_exception, update_exception
from fieldwork_tui.services.team import control_version, exception_version, open_any


@pytest.fixture
def colleague(engagement, home, monkeypatch):
    """A second person with the same engagement open (another process, or another machine on a server)."""
    url = getattr(engagement, "url", None)
    monkeypatch.setenv("FIELDWORK_USER", "sam")
    other = open_any(home / "sam", url.render_as_string(hide_password=False)) if url is not None \
        else open_path(engagement.root)
    monkeypatch.setenv("FIELDWORK_USER", "elena")
    yield other
    other.close()


def test_a_save_over_a_changed_exception_is_refused_with_who_and_when(engagement, colleague) -> None:
    add_control(engagement, "AC-01", "Access reviews")
    ex = create_exception(engagement, "AC-01", instance="Q2 review", deviation="not signed")
    mine = exception_version(engagement, ex.id)  # elena opens the exception
    update_exception(colleague, ex.id, expected_version=exception_version(colleague, ex.id),
                     deviation="signed late, by the wrong person")  # sam saves first
    with pytest.raises(SaveConflict) as info:
        update_exception(engagement, ex.id, expected_version=mine, deviation="elena's text")
    message = str(info.value)
    assert "exception #" in message and "changed by sam at 2" in message and "nothing was saved" in message
    assert "\n" not in message
    assert get_exception(engagement, ex.id).exception.deviation == "signed late, by the wrong person"
    # elena, having read sam's change, saves over the new version
    update_exception(engagement, ex.id, expected_version=exception_version(engagement, ex.id), deviation="merged")
    assert get_exception(colleague, ex.id).exception.deviation == "merged"


def test_a_conclusion_saved_over_a_changed_control_is_refused(engagement, colleague) -> None:
    add_control(engagement, "AC-01", "Access reviews")
    mine = control_version(engagement, "AC-01")
    set_conclusion(colleague, "AC-01", "effective", "sam's note", expected_version=control_version(colleague, "AC-01"))
    with pytest.raises(SaveConflict, match="control AC-01 was changed by sam"):
        set_conclusion(engagement, "AC-01", "not_effective", "elena's note", expected_version=mine)
    assert get_control(engagement, "AC-01").conclusion_note == "sam's note"
    # a save without a version (the CLI's, a single auditor's) is not checked: nothing changes for them
    set_conclusion(engagement, "AC-01", None, "")


def test_a_management_response_recorded_meanwhile_is_not_overwritten(engagement, colleague) -> None:
    from fieldwork_tui.services.findings import respond
    from fieldwork_tui.services.team import response_version

    add_control(engagement, "AC-01", "Access reviews")
    ex = create_exception(engagement, "AC-01", instance="Q2 review", deviation="not signed")
    mine = response_version(engagement, ex.id)  # none recorded yet: 0
    assert mine == 0
    respond(colleague, ex.id, root_cause="sam's cause", responder="CFO",
            expected_version=response_version(colleague, ex.id))
    with pytest.raises(SaveConflict, match=r"management response to exception #\d+ was changed by sam"):
        respond(engagement, ex.id, root_cause="elena's cause", responder="CFO", expected_version=mine)
    assert get_exception(engagement, ex.id).response.root_cause == "sam's cause"


def test_clearing_a_note_changed_since_it_was_read_is_refused(engagement, colleague) -> None:
    from fieldwork_tui.services.findings import add_note, answer_note, clear_note, list_notes
    from fieldwork_tui.services.team import note_version

    add_control(engagement, "AC-01", "Access reviews")
    note = add_note(engagement, "AC-01", "Which period?")  # elena (the reviewer) writes it
    answer_note(colleague, note.id, "Q3.", expected_version=note_version(colleague, note.id))
    mine = note_version(engagement, note.id)
    answer_note(colleague, note.id, "Q3, and Q4 too.", expected_version=note_version(colleague, note.id))
    with pytest.raises(SaveConflict, match=r"review note #\d+ was changed by sam"):
        clear_note(engagement, note.id, expected_version=mine)  # she read the first answer only
    assert list_notes(engagement)[0].status == "open"
    clear_note(engagement, note.id, expected_version=note_version(engagement, note.id))


def test_a_request_status_change_over_a_changed_request_is_refused(engagement, colleague) -> None:
    from fieldwork_tui.services.requests import change_status, request_detail
    from fieldwork_tui.services.team import request_version
    from fieldwork_tui.store.models import EvidenceRequest

    with engagement.session() as s:
        req = EvidenceRequest(ref="R-1", description="user list")
        s.add(req)
        s.flush()
        rid = req.id
    mine = request_version(engagement, rid)
    change_status(colleague, [rid], "submitted", expected_versions={rid: request_version(colleague, rid)})
    with pytest.raises(SaveConflict, match=r"request .* was changed by sam"):
        change_status(engagement, [rid], "not_applicable", "no longer needed", expected_versions={rid: mine})
    assert request_detail(engagement, rid).status.value == "submitted"


def test_an_evidence_edit_over_a_changed_record_is_refused(engagement, colleague, tmp_path) -> None:
    from fieldwork_tui.services import evidence
    from fieldwork_tui.services.team import evidence_version

    add_control(engagement, "AC-01", "Access reviews")
    src = tmp_path / "review.pdf"
    src.write_bytes(b"%PDF-1.4 the Q2 access review")
    [a] = evidence.attach(engagement, "AC-01", [src])
    mine = evidence.evidence_details(engagement, a.evidence.id)  # elena opens the record (with its version)
    assert mine.version == evidence_version(engagement, a.evidence.id) > 0
    evidence.edit_evidence(colleague, a.evidence.id, description="sam's description",
                           expected_version=evidence_version(colleague, a.evidence.id))
    with pytest.raises(SaveConflict, match=rf"evidence #{a.evidence.id} \(review.pdf\) was changed by sam at 2"):
        evidence.edit_evidence(engagement, a.evidence.id, description="elena's description", as_of="2026-06-30",
                               expected_version=mine.version)
    stored = evidence.evidence_details(colleague, a.evidence.id)
    assert (stored.description, stored.as_of) == ("sam's description", None)
    again = evidence.evidence_details(engagement, a.evidence.id)
    result = evidence.edit_evidence(engagement, a.evidence.id, description="merged", expected_version=again.version)
    assert result.evidence.version == evidence_version(colleague, a.evidence.id) > again.version


def _requests(engagement, *refs: str) -> list[int]:
    from fieldwork_tui.store.models import EvidenceRequest

    with engagement.session() as s:
        rows = [EvidenceRequest(ref=ref, description=f"list {ref}") for ref in refs]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def test_a_bulk_request_change_is_refused_for_all_naming_each_request_changed_meanwhile(engagement, colleague):
    from fieldwork_tui.services.requests import assign_owner, change_status, request_page, shift_due
    from fieldwork_tui.services.team import request_versions

    ids = _requests(engagement, "R-1", "R-2", "R-3")
    shown = {r.id: r.version for r in request_page(engagement)}  # the list elena selects from
    assert shown == request_versions(engagement, ids) and all(shown.values())
    assign_owner(colleague, [ids[0]], "Nadia Park")  # sam changes two of them
    change_status(colleague, [ids[2]], "in_progress")
    for change in (lambda: assign_owner(engagement, ids, "Omar Reyes", expected_versions=shown),
                   lambda: shift_due(engagement, ids, days=3, expected_versions=shown),
                   lambda: change_status(engagement, ids, "submitted", expected_versions=shown)):
        with pytest.raises(SaveConflict) as info:
            change()
        message = str(info.value)
        assert "2 requests were changed by someone else since you read them: request R-1 (by sam at 2" in message
        assert "request R-3 (by sam at 2" in message and "R-2" not in message
        assert "nothing was saved, on any of them" in message
    after = {r.ref: r for r in request_page(engagement)}
    assert [after[ref].owner for ref in ("R-1", "R-2", "R-3")] == ["Nadia Park", "", ""]
    assert [after[ref].status.value for ref in ("R-1", "R-2", "R-3")] == ["open", "open", "in_progress"]
    assert all(after[ref].due_on is None for ref in ("R-1", "R-2", "R-3"))
    # read again, the change goes through on all three
    assert assign_owner(engagement, ids, "Omar Reyes", expected_versions=request_versions(engagement, ids)) == 3


def test_a_new_due_date_in_a_follow_up_over_a_changed_request_is_refused(engagement, colleague) -> None:
    import datetime as dt

    from fieldwork_tui.services.requests import add_follow_up, request_detail, shift_due

    [rid] = _requests(engagement, "R-1")
    mine = request_detail(engagement, rid).version
    shift_due(colleague, [rid], new_date=dt.date(2026, 12, 4))
    with pytest.raises(SaveConflict, match="request R-1 was changed by sam"):
        add_follow_up(engagement, rid, "promised for Monday", new_due_on=dt.date(2026, 12, 7), expected_version=mine)
    d = request_detail(engagement, rid)
    assert d.due_on == dt.date(2026, 12, 4) and d.follow_ups == []
    add_follow_up(engagement, rid, "chased again", expected_version=mine)  # a message alone changes no row
    assert [f.message for f in request_detail(engagement, rid).follow_ups] == ["chased again"]


def test_a_note_answered_meanwhile_is_not_overwritten_and_lists_carry_versions(engagement, colleague) -> None:
    from fieldwork_tui.services.findings import add_note, answer_note, get_note, list_notes
    from fieldwork_tui.services.team import note_version

    add_control(engagement, "AC-01", "Access reviews")
    note = add_note(colleague, "AC-01", "Which period?")  # sam (the reviewer) writes it
    [listed] = list_notes(engagement, "AC-01")
    assert listed.version == get_note(engagement, note.id).version == note_version(engagement, listed.id) > 0
    answer_note(engagement, listed.id, "Q3.", expected_version=listed.version)
    with pytest.raises(SaveConflict, match=rf"review note #{listed.id} was changed by elena"):
        answer_note(engagement, listed.id, "Q3 and Q4.", expected_version=listed.version)  # a second window
    assert get_note(colleague, listed.id).response == "Q3."
