"""Review tab: sign as preparer / reviewer under the firm's rules (confirmation over blocking flags,
no self-review, no review over open notes; the signing key made only once the signer confirms),
review notes answered and cleared (after asking), the self-review setting — driven with keys,
asserting what is stored."""

from __future__ import annotations

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.status import control_rows
from fieldwork_tui.services.findings.review import list_notes, review_settings
from fieldwork_tui.services.findings.signoffs import control_signoffs

from ..support import open_review_keys, plain, settle


async def _open(pilot, ref):
    for key in open_review_keys(ref):
        await pilot.press(key)
    await settle(pilot)


async def _keys(pilot, *keys):
    await pilot.press(*keys)
    await settle(pilot)


def _messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _type(pilot, text):
    names = {" ": "space", "?": "question_mark", ",": "comma", ".": "full_stop", ";": "semicolon"}
    for ch in text:
        await pilot.press(names.get(ch, ch))


async def test_signing_over_blocking_flags_asks_and_records_the_confirmation(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await _keys(pilot, "p")
        assert type(demo_app.screen).__name__ == "ConfirmDialog"
        text = plain(demo_app.screen.query_one(".confirm-message"))
        assert "missing required type" in text and "uncorroborated inquiry" in text
        assert not control_signoffs(demo_app.handle, "AC-05")[0].signed  # nothing yet
        await _keys(pilot, "y")
        prep, rev = control_signoffs(demo_app.handle, "AC-05")
        assert prep.signed_by == "elena" and not prep.stale and not rev.signed
        assert prep.confirmed_flags == ("missing_required_type", "uncorroborated_inquiry",
                                        "operating_effectiveness_untested")
        assert "signed over missing required type, uncorroborated inquiry, operating effectiveness untested" in plain(
            demo_app.screen.query_one("#signoffs"))
        header = plain(demo_app.screen.query_one("#control-header"))
        assert "unsigned" not in header and "ready for review" in header


async def test_declining_the_confirmation_signs_nothing(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await _keys(pilot, "p", "n")
        assert type(demo_app.screen).__name__ == "ControlDetailScreen"
        assert not control_signoffs(demo_app.handle, "AC-05")[0].signed


async def test_a_preparer_cannot_review_their_own_work(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "OP-04")  # prepared by elena, reviewed by sam; elena tries to review
        await _keys(pilot, "r")
        assert any("elena signed it as preparer and cannot also review it" in m for m in _messages(demo_app))
        assert control_signoffs(demo_app.handle, "OP-04")[1].signed_by == "sam"


async def test_the_reviewer_cannot_sign_over_an_open_note(demo_app, become):
    demo_app.handle.actor = "sam"
    become("sam")
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "CM-01")  # its note is answered, not yet cleared
        await _keys(pilot, "r")
        assert any("1 review note still open" in m for m in _messages(demo_app))
        assert not control_signoffs(demo_app.handle, "CM-01")[1].signed
        demo_app.screen.query_one("#notes").focus()
        await _keys(pilot, "c", "y")  # sam wrote it and it is answered: he clears it
        (note,) = list_notes(demo_app.handle, "CM-01")
        assert note.stage == "cleared" and note.cleared_by == "sam"
        await _keys(pilot, "r")
        assert control_signoffs(demo_app.handle, "CM-01")[1].signed_by == "sam"
        assert next(r.status for r in control_rows(demo_app.handle) if r.ref == "CM-01") == "reviewed"


async def test_reviewer_before_preparer_is_refused_with_a_notification(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await _keys(pilot, "r")
        assert not control_signoffs(demo_app.handle, "AC-05")[1].signed
        assert any("preparer has not signed" in m for m in _messages(demo_app))


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


async def test_add_answer_and_clear_a_review_note(demo_app, become):
    demo_app.handle.actor = "sam"
    become("sam")
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await _keys(pilot, "n")
        await _type(pilot, "Where is the ticket?")
        await _keys(pilot, "ctrl+s")  # the note is multi-line: enter is a new line
        (note,) = list_notes(demo_app.handle, "AC-05")
        assert note.text == "Where is the ticket?" and note.author == "sam" and note.stage == "open"
        demo_app.screen.query_one("#notes").focus()
        await _keys(pilot, "c", "y")  # not answered yet: refused
        assert any("not answered yet" in m for m in _messages(demo_app))
        demo_app.handle.actor = "elena"
        become("elena")
        await _keys(pilot, "a")
        assert type(demo_app.screen).__name__ == "AnswerNoteDialog"
        await _type(pilot, "Ticket 4411, attached.")
        await _keys(pilot, "ctrl+s")
        (note,) = list_notes(demo_app.handle, "AC-05")
        assert (note.response, note.responded_by, note.stage) == ("Ticket 4411, attached.", "elena", "answered")
        await _keys(pilot, "c", "y")  # elena is not the author
        assert any("only its author (sam) clears it" in m for m in _messages(demo_app))
        demo_app.handle.actor = "sam"
        become("sam")
        await _keys(pilot, "c", "y")
        (note,) = list_notes(demo_app.handle, "AC-05")
        assert note.stage == "cleared" and note.cleared_by == "sam"


async def test_empty_note_is_not_stored(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        assert "a review note needs text" in str(demo_app.screen.query_one("#form-error").content)
        await pilot.press("escape")
        await settle(pilot)
        assert list_notes(demo_app.handle, "AC-05") == []


async def test_self_review_setting_from_the_review_tab(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await _keys(pilot, "S")
        assert type(demo_app.screen).__name__ == "ReviewSettingsDialog"
        await _keys(pilot, "space", "ctrl+s")  # allowing needs a reason
        assert "reason: say why" in plain(demo_app.screen.query_one("#form-error"))
        assert demo_app.focused.id == "reason"  # the form puts the cursor where the fix goes
        await _type(pilot, "sole practitioner")
        await _keys(pilot, "ctrl+s")
        assert review_settings(demo_app.handle).allow_self_review
        assert review_settings(demo_app.handle).reason == "sole practitioner"
        assert "Self-review is allowed" in plain(demo_app.screen.query_one("#review-setting"))
        await _keys(pilot, "p", "y", "r", "y")  # elena prepares and, allowed, reviews
        _prep, rev = control_signoffs(demo_app.handle, "AC-05")
        assert rev.signed_by == "elena" and rev.self_review


async def test_palette_offers_the_review_actions(demo_app):
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        from fieldwork_tui.tui.kit.actions import palette_actions

        ids = {a.id for a in palette_actions(demo_app.screen)}  # every tab's actions, from the bindings
        assert {"review.sign_preparer", "review.add_note", "review.answer_note", "review.clear_note",
                "review.settings", "inspection.attach", "inspection.edit"} <= ids


async def test_clearing_a_note_asks_first_and_no_leaves_it_open(demo_app, become):
    """`c` is destructive for the reviewer's record of what is still to do: it asks, and `n` keeps the note."""
    demo_app.handle.actor = "sam"
    become("sam")
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "CM-01")  # its note is answered by elena, written by sam
        demo_app.screen.query_one("#notes").focus()
        await _keys(pilot, "c")
        assert type(demo_app.screen).__name__ == "ConfirmDialog"
        assert "Clear review note" in plain(demo_app.screen.query_one(".confirm-title"))
        assert list_notes(demo_app.handle, "CM-01")[0].stage == "answered"  # nothing yet
        await _keys(pilot, "n")
        assert type(demo_app.screen).__name__ == "ControlDetailScreen"
        assert list_notes(demo_app.handle, "CM-01")[0].stage == "answered"
        await _keys(pilot, "c", "y")
        assert list_notes(demo_app.handle, "CM-01")[0].stage == "cleared"


async def test_signing_key_is_made_only_when_the_blocking_flags_are_confirmed(demo_app):
    """`p` over blocking flags asks first; until the signer says yes no key is made (a declined
    sign-off leaves nothing behind, not even a key and its 'new signing key' notice)."""
    from fieldwork_tui.services.signing.keys import key_view

    assert key_view() is None  # the test user has no key yet
    async with demo_app.run_test(size=(130, 40)) as pilot:
        await _open(pilot, "AC-05")
        await _keys(pilot, "p")
        assert type(demo_app.screen).__name__ == "ConfirmDialog"
        assert key_view() is None
        await _keys(pilot, "n")
        assert key_view() is None
        assert not any("signing key" in m.lower() for m in _messages(demo_app))
        await _keys(pilot, "p", "y")
        assert key_view() is not None
        assert control_signoffs(demo_app.handle, "AC-05")[0].signed_by == "elena"
