"""A form saved while another process holds the engagement's write lock (issue 14 item 6): the save
waits in its worker, the form says it waits and keeps what was typed, and the write lands once the lock
is free — never "nothing was saved". Esc twice stops the waiting: the text stays, nothing is written.

Synchronised on events: the lock is released from the form's own "waiting" callback."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label, TextArea

from fieldwork_tui.tui.kit.forms import FormDialog, area_field
from fieldwork_tui.tui.kit.keys import OrderedKeys
from fieldwork_tui.tui.kit.screen import KitScreen
from tests.support import LockHolder
from tests.tui.kit.support import settle, type_fast


class ControlForm(FormDialog[str]):
    TITLE_TEXT = "New control"

    def fields(self) -> ComposeResult:
        yield from area_field("Title", "title")

    def values(self) -> str:
        return self.required("title", "title: a control needs a title")


class Home(KitScreen):
    def compose(self) -> ComposeResult:
        yield Label("home")


class FormApp(OrderedKeys, App):
    def __init__(self, form: FormDialog) -> None:
        super().__init__()
        self.form = form
        self.results: list = []

    def on_mount(self) -> None:
        self.start_ordered_keys()
        self.push_screen(Home())
        self.push_screen(self.form, self.results.append)


@pytest.fixture
def short_lock_tries(monkeypatch):
    from fieldwork_tui.store import db

    monkeypatch.setattr(db, "WRITE_LOCK_TRY_MS", 100)


def _status(form) -> str:
    return str(form.query_one("#form-status").render())


async def test_a_save_waits_for_the_lock_says_so_and_lands(short_lock_tries, engagement, monkeypatch):
    from fieldwork_tui.services.controls import add_control, list_controls

    holder = LockHolder(engagement.db_path)
    shown: list[str] = []

    def waiting(self, attempt: int) -> None:
        FormDialog._waiting(self, attempt)
        shown.append(_status(self))
        assert self.query_one("#title", TextArea).text == "Quarterly access review"  # still there
        if attempt == 2:
            holder.release()  # the other process commits while the form waits

    monkeypatch.setattr(ControlForm, "_waiting", waiting)
    app = FormApp(ControlForm(save=lambda title: add_control(engagement, "AC-90", title).ref))
    try:
        async with app.run_test():
            await settle(app)
            type_fast(app, *"Quarterly access review", "ctrl+s")
            await settle(app)
            assert app.results == ["AC-90"]
    finally:
        holder.release()
    assert len(shown) >= 2 and all("Waiting for the engagement" in s and "kept" in s for s in shown), shown
    assert [(c.ref, c.title) for c in list_controls(engagement)] == [("AC-90", "Quarterly access review")]


async def test_escape_twice_stops_waiting_and_keeps_the_text(short_lock_tries, engagement, monkeypatch):
    from fieldwork_tui.services.controls import add_control, list_controls

    holder = LockHolder(engagement.db_path)

    def waiting(self, attempt: int) -> None:
        FormDialog._waiting(self, attempt)
        if attempt == 1:
            type_fast(self.app, "escape", "escape")  # the auditor gives up waiting

    monkeypatch.setattr(ControlForm, "_waiting", waiting)
    app = FormApp(ControlForm(save=lambda title: add_control(engagement, "AC-91", title).ref))
    try:
        async with app.run_test():
            await settle(app)
            type_fast(app, *"Words worth keeping", "ctrl+s")
            await settle(app)
            form = app.screen
            assert isinstance(form, ControlForm) and not app.results
            assert form.query_one("#title", TextArea).text == "Words worth keeping"
            error = str(form.query_one("#form-error").render())
            assert "stopped waiting" in error and "nothing was saved" in error, error
    finally:
        holder.release()
    assert list_controls(engagement) == []


async def test_one_escape_while_waiting_asks_again_and_the_form_never_closes_on_the_second(
        short_lock_tries, engagement, monkeypatch):
    """CI saw it under load: the first escape already stopped the wait, the last try failed before the
    second escape arrived, and the second closed the form - the typed words were gone. Now the first
    press only asks; the second stops; the form stays with the text."""
    from fieldwork_tui.services.controls import add_control, list_controls

    holder = LockHolder(engagement.db_path)
    statuses: list[str] = []

    def waiting(self, attempt: int) -> None:
        FormDialog._waiting(self, attempt)
        statuses.append(_status(self))
        if attempt == 1:
            type_fast(self.app, "escape")  # once: the wait goes on, and the form asks for a second press
        elif attempt == 3:
            statuses.append("second")
            type_fast(self.app, "escape")

    monkeypatch.setattr(ControlForm, "_waiting", waiting)
    app = FormApp(ControlForm(save=lambda title: add_control(engagement, "AC-92", title).ref))
    try:
        async with app.run_test():
            await settle(app)
            type_fast(app, *"Words worth keeping", "ctrl+s")
            await settle(app)
            form = app.screen
            assert isinstance(form, ControlForm) and not app.results
            assert "second" in statuses  # the wait went on after the first press
            asked = statuses.index("second") - 1  # the status when the wait went on after the first press
            assert "Press esc again to stop waiting" in statuses[asked], statuses
            assert form.query_one("#title", TextArea).text == "Words worth keeping"
            error = str(form.query_one("#form-error").render())
            assert "stopped waiting" in error and "nothing was saved" in error, error
    finally:
        holder.release()
    assert list_controls(engagement) == []
