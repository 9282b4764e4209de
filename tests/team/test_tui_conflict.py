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
