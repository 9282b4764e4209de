"""Pilot: a form over a record someone else changed after it opened refuses the save, names who and when,
keeps the typed text and stores nothing; ctrl+r shows their version."""

from __future__ import annotations

from fieldwork_tui.services.engagements import open_path
from fieldwork_tui.services.findings import exceptions

from ..tui.support import open_control_tab, settle, type_text

SIZE = (130, 40)


async def test_an_exception_changed_while_its_form_is_open_is_not_overwritten(demo_app, monkeypatch):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        await open_control_tab(pilot, "CM-01", "exceptions")
        await pilot.press("enter")  # elena opens the exception's form
        await settle(pilot)
        form = demo_app.screen
        assert type(form).__name__ == "ExceptionFormDialog"
        [ex] = exceptions.list_exceptions(handle, control="CM-01")
        monkeypatch.setenv("FIELDWORK_USER", "sam")  # sam, in another process, saves first
        other = open_path(handle.root)
        try:
            exceptions.update_exception(other, ex.id, deviation="sam's deviation")
        finally:
            other.close()
        await pilot.press("end")
        await type_text(pilot, " (admin override)")
        typed = form.query_one("#deviation").text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form  # still open
        error = str(form.query_one("#form-error").content)
        assert f"exception #{ex.id} was changed by sam at 2" in error and "nothing was saved" in error
        assert "ctrl+r reloads" in error
        assert form.query_one("#deviation").text == typed
        [stored] = exceptions.list_exceptions(handle, control="CM-01")
        assert stored.deviation == "sam's deviation"
        await pilot.press("ctrl+r")  # their version, then a save over it goes through
        await settle(pilot)
        assert form.query_one("#deviation").text == "sam's deviation"
        await pilot.press("end")
        await type_text(pilot, ", merged")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is not form
        [stored] = exceptions.list_exceptions(handle, control="CM-01")
        assert stored.deviation == "sam's deviation, merged"


async def test_a_conclusion_over_a_control_changed_since_the_tab_read_it_is_refused(demo_app, monkeypatch):
    from fieldwork_tui.services.controls import get_control, set_conclusion

    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        await open_control_tab(pilot, "CM-01", "exceptions")
        await pilot.press("k")
        await settle(pilot)
        form = demo_app.screen
        monkeypatch.setenv("FIELDWORK_USER", "sam")
        other = open_path(handle.root)
        try:
            set_conclusion(other, "CM-01", "effective", "sam's note")
        finally:
            other.close()
        await pilot.press("enter", "down", "enter")  # "Not effective"
        await pilot.press("ctrl+s")  # the reason is needed: its field takes the focus
        await settle(pilot)
        await type_text(pilot, "elena's reason")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        assert "control CM-01 was changed by sam at 2" in str(form.query_one("#form-error").content)
        assert form.query_one("#reason").text.endswith("elena's reason")
        assert get_control(handle, "CM-01").conclusion_note == "sam's note"


def _other(handle, monkeypatch, name: str):
    """`name`, in another process, with the same engagement open (their own config: no one's key)."""
    monkeypatch.setenv("FIELDWORK_USER", name)
    monkeypatch.setenv("FIELDWORK_CONFIG", str(handle.root.parent / f"config-{name}"))
    return open_path(handle.root)


def _messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_an_answer_over_a_note_answered_meanwhile_is_refused_and_kept(demo_app, monkeypatch):
    from fieldwork_tui.services.findings import answer_note, list_notes

    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        await open_control_tab(pilot, "CM-01", "review")
        [note] = list_notes(handle, "CM-01")  # sam's note, answered by elena
        demo_app.screen.query_one("#notes").focus()
        await pilot.press("a")  # elena opens the answer form
        await settle(pilot)
        form = demo_app.screen
        assert type(form).__name__ == "AnswerNoteDialog"
        assert form.query_one("#text").text == note.response
        other = _other(handle, monkeypatch, "priya")  # priya answers first
        try:
            answer_note(other, note.id, "priya's answer")
        finally:
            other.close()
        monkeypatch.setenv("FIELDWORK_USER", "elena")
        await pilot.press("end")
        await type_text(pilot, " and the admins too")
        typed = form.query_one("#text").text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        error = str(form.query_one("#form-error").content)
        assert f"review note #{note.id} was changed by priya at 2" in error and "nothing was saved" in error
        assert form.query_one("#text").text == typed
        [stored] = list_notes(handle, "CM-01")
        assert (stored.response, stored.responded_by) == ("priya's answer", "priya")
        await pilot.press("ctrl+r")  # their answer, then a save over it goes through
        await settle(pilot)
        assert form.query_one("#text").text == "priya's answer"
        await pilot.press("end")
        await type_text(pilot, "; elena agrees")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is not form
        [stored] = list_notes(handle, "CM-01")
        assert (stored.response, stored.responded_by) == ("priya's answer; elena agrees", "elena")


async def test_clearing_a_note_whose_answer_changed_since_the_tab_showed_it_is_refused(demo_app, become,
                                                                                        monkeypatch):
    from fieldwork_tui.services.findings import answer_note, list_notes

    demo_app.handle.actor = "sam"
    become("sam")  # the note's author
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        await open_control_tab(pilot, "CM-01", "review")  # the tab shows elena's answer
        [note] = list_notes(handle, "CM-01")
        other = _other(handle, monkeypatch, "priya")  # priya changes the answer underneath
        try:
            answer_note(other, note.id, "not enforced for admins after all")
        finally:
            other.close()
        become("sam")
        demo_app.screen.query_one("#notes").focus()
        await pilot.press("c", "y")
        await settle(pilot)
        assert any(f"review note #{note.id} was changed by priya at 2" in m for m in _messages(demo_app))
        [stored] = list_notes(handle, "CM-01")
        assert stored.stage == "answered" and stored.response == "not enforced for admins after all"
        # the tab now shows priya's answer: clearing it, having read it, goes through
        assert "not enforced for admins" in demo_app.screen.query_one("#notes").cursor_row.cells[6]
        await pilot.press("c", "y")
        await settle(pilot)
        assert list_notes(handle, "CM-01")[0].stage == "cleared"


async def test_returning_an_item_someone_accepted_meanwhile_is_refused_and_keeps_the_reason(demo_app, monkeypatch):
    from fieldwork_tui.domain.vocab import RequestStatus
    from fieldwork_tui.services.requests import accept_request, triage
    from fieldwork_tui.tui.screens.request_detail import RequestDetailScreen

    handle = demo_app.handle
    sub = triage.request_page(handle, triage.RequestQuery(statuses=frozenset({RequestStatus.submitted}),
                                                          sort="ref"), 0, 1)[0]
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        demo_app.push_screen(RequestDetailScreen(sub.id))
        await settle(pilot)
        await pilot.press("r")  # elena starts returning the item
        await settle(pilot)
        form = demo_app.screen
        other = _other(handle, monkeypatch, "sam")  # sam accepts it first
        try:
            accept_request(other, sub.id, "complete")
        finally:
            other.close()
        monkeypatch.setenv("FIELDWORK_USER", "elena")
        await type_text(pilot, "Q3 missing")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        error = str(form.query_one("#form-error").content)
        assert f"request {sub.ref} was changed by sam at 2" in error and "ctrl+r" in error
        assert form.query_one("#reason").value == "Q3 missing"
        d = triage.request_detail(handle, sub.id)
        assert d.status is RequestStatus.accepted and d.history[-1].by == "sam"
        await pilot.press("ctrl+r")  # their change is read: the screen behind shows it, the reason stays
        await settle(pilot)
        assert form.query_one("#reason").value == "Q3 missing"
        detail = next(s for s in demo_app.screen_stack if isinstance(s, RequestDetailScreen))
        assert detail.detail.status is RequestStatus.accepted
        await pilot.press("ctrl+s")  # over the new version: the item goes back to the client after all
        await settle(pilot)
        assert demo_app.screen is detail
        d = triage.request_detail(handle, sub.id)
        assert d.status is RequestStatus.returned and d.history[-1].reason == "Q3 missing"


async def test_a_bulk_change_over_a_request_changed_since_the_list_showed_it_is_refused_for_all(demo_app,
                                                                                             monkeypatch):
    from fieldwork_tui.services.requests import assign_owner, triage

    handle = demo_app.handle
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "t")
        await settle(pilot)
        await pilot.press(*"open", "down", "enter")  # only open requests (after the open-items entry)
        await settle(pilot)
        table = demo_app.screen.query_one("#requests-table")
        picked = [table.row_at(0).key, table.row_at(1).key]
        before = {rid: triage.request_detail(handle, rid) for rid in picked}
        await pilot.press("space", "space", "b")
        await settle(pilot)
        form = demo_app.screen
        assert type(form).__name__ == "StatusDialog"
        other = _other(handle, monkeypatch, "sam")  # sam gives the second one an owner meanwhile
        try:
            assign_owner(other, [picked[1]], "Nadia Park")
        finally:
            other.close()
        monkeypatch.setenv("FIELDWORK_USER", "elena")
        form.query_one("#status").value = "not_applicable"
        form.query_one("#reason").value = "covered by the SOC 1 report"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        error = str(form.query_one("#form-error").content)
        assert f"request {before[picked[1]].ref} was changed by sam at 2" in error and "nothing was saved" in error
        assert before[picked[0]].ref + " " not in error  # only the changed one is named
        assert form.query_one("#reason").value == "covered by the SOC 1 report"
        for rid in picked:  # all or nothing: the first one is unchanged too
            assert triage.request_detail(handle, rid).status is before[rid].status
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is not form, str(form.query_one("#form-error").content)
        for rid in picked:
            d = triage.request_detail(handle, rid)
            assert d.status.value == "not_applicable" and d.history[-1].reason == "covered by the SOC 1 report"
        assert triage.request_detail(handle, picked[1]).owner == "Nadia Park"


async def test_an_evidence_record_changed_while_its_form_is_open_is_not_overwritten(demo_app, monkeypatch):
    from fieldwork_tui.services.evidence import edit_evidence, evidence_details, list_files
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the engagement opens after the dashboard's first paint
        handle = demo_app.handle
        await demo_app.push_screen(ControlDetailScreen("AC-01"))
        await settle(pilot)
        await pilot.press("alt+3", "e")  # the Inspection tab; elena edits the file under the cursor
        await settle(pilot)
        form = demo_app.screen
        assert type(form).__name__ == "EvidenceEditDialog"
        [f] = [f for f in list_files(handle, "AC-01") if form.title_text == f"Evidence file {f.original_name}"]
        other = _other(handle, monkeypatch, "sam")
        try:
            edit_evidence(other, f.id, description="sam's description")
        finally:
            other.close()
        monkeypatch.setenv("FIELDWORK_USER", "elena")
        await pilot.press("tab", "end")
        await type_text(pilot, " (signed)")
        typed = form.query_one("#description").text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        error = str(form.query_one("#form-error").content)
        assert f"evidence #{f.id} ({f.original_name}) was changed by sam at 2" in error and "ctrl+r reloads" in error
        assert form.query_one("#description").text == typed
        assert evidence_details(handle, f.id).description == "sam's description"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert form.query_one("#description").text == "sam's description"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is not form
