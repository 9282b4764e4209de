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
