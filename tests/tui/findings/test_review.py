"""Review tab: sign as preparer / reviewer, stale sign-offs, review notes — driven with keys,
asserting what is stored."""

from __future__ import annotations

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.status import control_rows
from fieldwork_tui.services.findings.review import list_notes
from fieldwork_tui.services.findings.signoffs import control_signoffs

from ..support import open_review_keys, plain, settle


async def _open(pilot, ref):
    for key in open_review_keys(ref):
        await pilot.press(key)
    await settle(pilot)


async def test_sign_as_preparer_then_reviewer(demo_app, become):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        assert type(demo_app.screen).__name__ == "ControlDetailScreen"
        await pilot.press("p")
        await settle(pilot)
        prep, rev = control_signoffs(demo_app.handle, "AC-05")
        assert prep.signed_by == "elena" and not prep.stale and not rev.signed
        header = plain(demo_app.screen.query_one("#control-header"))
        assert "unsigned" not in header and "AC-03" not in header and "AC-05" in header
        demo_app.handle.actor = "sam"
        become("sam")
        await pilot.press("r")
        await settle(pilot)
        _prep, rev = control_signoffs(demo_app.handle, "AC-05")
        assert rev.signed_by == "sam"


async def test_reviewer_before_preparer_is_refused_with_a_notification(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await pilot.press("r")
        await settle(pilot)
        assert not control_signoffs(demo_app.handle, "AC-05")[1].signed
        assert any("preparer has not signed" in str(n.message) for n in demo_app._notifications)


async def test_stale_signoff_is_shown_and_resigning_clears_it(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-03")
        text = plain(demo_app.screen.query_one("#signoffs"))
        assert "modified since review" in text and "elena" in text
        await pilot.click("#sign-preparer")
        await settle(pilot)
        flags = next(r.flags for r in control_rows(demo_app.handle) if r.ref == "AC-03")
        assert Flag.signoff_stale not in flags
        assert "modified since review" not in plain(demo_app.screen.query_one("#signoffs"))


async def test_add_and_clear_a_review_note(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await pilot.press("n")
        await settle(pilot)
        for ch in "Where is the ticket?":
            await pilot.press({" ": "space", "?": "question_mark"}.get(ch, ch))
        await pilot.press("ctrl+s")  # the note is multi-line: enter is a new line
        await settle(pilot)
        (note,) = list_notes(demo_app.handle, "AC-05")
        assert note.text == "Where is the ticket?" and note.author == "elena" and note.is_open
        demo_app.screen.query_one("#notes").focus()
        await pilot.press("c")
        await settle(pilot)
        (note,) = list_notes(demo_app.handle, "AC-05")
        assert not note.is_open and note.cleared_by == "elena"


async def test_empty_note_is_not_stored(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        assert "a review note needs text" in str(demo_app.screen.query_one("#form-error").content)
        await pilot.press("escape")
        await settle(pilot)
        assert list_notes(demo_app.handle, "AC-05") == []


async def test_palette_offers_the_review_actions(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        from fieldwork_tui.tui.kit.actions import palette_actions

        ids = {a.id for a in palette_actions(demo_app.screen)}  # every tab's actions, from the bindings
        assert {"review.sign_preparer", "review.add_note", "inspection.attach"} <= ids
